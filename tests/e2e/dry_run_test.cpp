// A dry run changes nothing, by construction: the host asks for it in the call
// ("wfnode.dry-run/1"), and the plugin's request layer then sends only reads and the token
// request. Every way a parameter can reach Purge Chats says dryRun false here; the emulator
// counts every request that is not a read ("changingRequests") and must count none.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        char tmpl[] = "/tmp/dry-run-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    }
};

const std::string purge = "threecx.purgeChats";
const std::string past_period = R"({"Stop":"2025-06-01T00:00:00Z"})";

// Nothing changed on the server: no request but reads and token requests, no chat gone.
void check_nothing_changed(const EmulatorProcess &emu, long chats) {
    CHECK(emu.counter("changingRequests") == 0);
    CHECK(emu.counter("purges") == 0);
    CHECK(emu.counter("chats") == chats);
}

// A pipeline with one purge step whose parameters and input items are given.
std::string purge_pipeline(const std::string &parameters, const std::string &input_file = {},
                           bool continue_on_fail = false) {
    return R"({"credentials":{"pbx":{"type":"threecxApi","file":"pbx.json"}},"steps":[)"
           R"({"name":"purge","node":"threecx.purgeChats","credential":"pbx",)" +
           (input_file.empty() ? std::string() : R"("input":{"file":")" + input_file + "\"},") +
           (continue_on_fail ? R"("continueOnFail":true,)" : "") + R"("parameters":)" + parameters + "}]}";
}

CommandResult run_dry(const Scratch &s, const std::string &pipeline) {
    return run({NODEHOST_PATH, "run", s.write("p.json", pipeline), "--plugin", PLUGIN_PATH, "--dry-run"});
}

}  // namespace

TEST_CASE("a pipeline run with --dry-run sends no change, whichever way dryRun false reaches the node") {
    struct Case {
        const char *how;
        std::string parameters;
        std::string items;  // JSON Lines input of the step, or none
    };
    const std::vector<Case> cases = {
        {"static", R"({"period":)" + past_period + R"(,"options":{"dryRun":false}})", ""},
        {"an expression on one field", R"({"period":)" + past_period + R"(,"options":{"dryRun":"{{ $json.d }}"}})",
         R"({"d":false})"},
        {"an expression yielding the whole options object", R"({"period":)" + past_period + R"(,"options":"{{ $json.o }}"})",
         R"({"o":{"dryRun":false}})"},
        {"an expression yielding the whole period", R"({"period":"{{ $json.p }}","options":{"dryRun":false}})",
         R"({"p":)" + past_period + "}"},
        {"a period as a JSON string", R"({"period":"{\"Stop\":\"2025-06-01T00:00:00Z\"}","options":{"dryRun":false}})", ""},
    };
    for (const auto &c : cases) {
        CAPTURE(c.how);
        EmulatorProcess emu({"--chats", "200"});
        Scratch s;
        s.write("pbx.json", emu.credentials());
        const std::string input = c.items.empty() ? "" : s.write("items.jsonl", c.items + "\n");
        auto r = run_dry(s, purge_pipeline(c.parameters, input));
        CHECK(r.exit_code == 0);
        INFO(r.out, r.err);
        CHECK(r.out.find(R"("dryRun":true)") != std::string::npos);
        CHECK(r.out.find(R"("purged":false)") != std::string::npos);
        // The preview says what the real run would send.
        CHECK(r.out.find(R"("wouldSend":{"method":"POST","path":"/xapi/v1/PurgeChats","body":{"period":)") !=
              std::string::npos);
        check_nothing_changed(emu, 200);
    }
}

TEST_CASE("a dry run with continue-on-fail: the bad item fails, the good one previews, nothing is sent") {
    EmulatorProcess emu({"--chats", "200"});
    Scratch s;
    s.write("pbx.json", emu.credentials());
    const std::string input = s.write("items.jsonl", R"({"o":{"dryRun":"no"}})"
                                                     "\n"
                                                     R"({"o":{"dryRun":false}})"
                                                     "\n");
    auto r = run_dry(s, purge_pipeline(R"({"period":)" + past_period + R"(,"options":"{{ $json.o }}"})", input, true));
    INFO(r.out, r.err);
    CHECK(r.exit_code == 1);  // a step with errors is never "done"
    CHECK(r.err.find("options.dryRun must be boolean") != std::string::npos);
    CHECK(r.out.find(R"("dryRun":true)") != std::string::npos);
    check_nothing_changed(emu, 200);
}

TEST_CASE("nodehost exec --dry-run with --params @file saying dryRun false sends no change") {
    EmulatorProcess emu({"--chats", "200"});
    Scratch s;
    const std::string params = s.write("params.json", R"({"period":)" + past_period + R"(,"options":{"dryRun":false}})");
    auto r = run({NODEHOST_PATH, "exec", PLUGIN_PATH, purge, "--params", "@" + params, "--credentials",
                  emu.credentials_argument(), "--dry-run"});
    INFO(r.out, r.err);
    CHECK(r.exit_code == 0);
    auto out = parse(r.out);
    CHECK(out["dryRun"].GetBool());
    CHECK_FALSE(out["purged"].GetBool());
    CHECK(out["matchedChats"].IsInt64());
    check_nothing_changed(emu, 200);
    // The same command without --dry-run purges: the test above is not vacuous.
    auto real = run({NODEHOST_PATH, "exec", PLUGIN_PATH, purge, "--params", "@" + params, "--credentials",
                     emu.credentials_argument()});
    CHECK(real.exit_code == 0);
    CHECK(emu.counter("purges") == 1);
    CHECK(emu.counter("changingRequests") == 1);
}

TEST_CASE("behind a reverse proxy's path prefix, the preview names the path the real run posts to") {
    EmulatorProcess emu({"--chats", "200", "--path-prefix", "/pbx"});
    Scratch s;
    std::string creds = emu.credentials();
    creds.replace(creds.find(emu.base_url()), emu.base_url().size(), emu.base_url() + "/pbx");
    const std::string creds_file = "@" + s.write("pbx.json", creds);
    const std::string params = "@" + s.write("params.json", R"({"period":)" + past_period + "}");
    auto dry = run({NODEHOST_PATH, "exec", PLUGIN_PATH, purge, "--params", params, "--credentials", creds_file, "--dry-run"});
    INFO(dry.out, dry.err);
    REQUIRE(dry.exit_code == 0);
    auto preview = parse(dry.out);
    CHECK(std::string(preview["wouldSend"]["path"].GetString()) == "/pbx/xapi/v1/PurgeChats");
    check_nothing_changed(emu, 200);
    // The real run posts there: the preview said what it would send.
    auto real = run({NODEHOST_PATH, "exec", PLUGIN_PATH, purge, "--params", params, "--credentials", creds_file});
    CHECK(real.exit_code == 0);
    CHECK(emu.counter("purges") == 1);
    CHECK(emu.requests().back() == std::string("POST ") + preview["wouldSend"]["path"].GetString());
}

TEST_CASE("serve: an execute request with dryRun true and per-item parameters saying dryRun false sends no change") {
    EmulatorProcess emu({"--chats", "200"});
    const std::string line = R"({"id":7,"op":"execute","dryRun":true,"node":"threecx.purgeChats","credentials":)" +
                             emu.credentials() +
                             R"(,"items":[{"json":{},"parameters":{"period":)" + past_period +
                             R"(,"options":{"dryRun":false}}}]})"
                             "\n";
    auto r = run({NODEHOST_PATH, "serve", PLUGIN_PATH}, line);
    INFO(r.out, r.err);
    CHECK(r.out.find(R"("type":"item")") != std::string::npos);
    CHECK(r.out.find(R"("dryRun":true)") != std::string::npos);
    CHECK(r.out.find(R"("status":"ok")") != std::string::npos);
    check_nothing_changed(emu, 200);
}

TEST_CASE("serve: dryRun must be a boolean, and a refused request sends nothing") {
    EmulatorProcess emu({"--chats", "20"});
    const std::string line = R"({"id":8,"op":"execute","dryRun":"yes","node":"threecx.purgeChats","credentials":)" +
                             emu.credentials() + R"(,"parameters":{"period":)" + past_period + R"(},"items":[{"json":{}}]})"
                                                 "\n";
    auto r = run({NODEHOST_PATH, "serve", PLUGIN_PATH}, line);
    CHECK(r.out.find("\\\"dryRun\\\" must be true or false") != std::string::npos);
    check_nothing_changed(emu, 20);
    CHECK(emu.counter("requests") == 0);
}

TEST_CASE("the ABI's dry-run entry: Purge Chats previews whatever its parameters say") {
    EmulatorProcess emu({"--chats", "200"});
    wfnode::ExecuteCall call;
    call.node_type = purge;
    call.parameters = R"({"period":)" + past_period + R"(,"options":{"dryRun":false,"countBeforePurge":true}})";
    call.credentials = emu.credentials();
    call.items = {"{}"};
    std::vector<std::string> items;
    std::vector<wfnode::Error> errors;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t, std::string_view j) {
        items.emplace_back(j);
        return true;
    };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    REQUIRE(plugin().offers_dry_run());
    auto status = plugin().execute_dry_run(call, cb);
    REQUIRE(status.has_value());
    CHECK(*status == WFNODE_OK);
    CHECK(errors.empty());
    REQUIRE(items.size() == 1);
    auto out = parse(items[0]);
    CHECK(out["dryRun"].GetBool());
    CHECK(out["httpStatus"].GetInt() == 0);
    CHECK(out["wouldSend"]["body"]["period"]["Stop"] == "2025-06-01T00:00:00Z");
    check_nothing_changed(emu, 200);
    CHECK(emu.counter("chats") - 200 + out["matchedChats"].GetInt64() >= 0);  // a count, not a deletion
}

TEST_CASE("a plugin that cannot promise a dry run is not run in one, with a clear message") {
    Scratch s;
    auto r = run({NODEHOST_PATH, "exec", NO_EXTENSIONS_PLUGIN_PATH, "test.constant", "--dry-run"});
    CHECK(r.exit_code != 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("cannot promise a dry run") != std::string::npos);
    auto p = run({NODEHOST_PATH, "run",
                  s.write("p.json", R"({"steps":[{"name":"c","node":"test.constant","parameters":{}}]})"), "--plugin",
                  NO_EXTENSIONS_PLUGIN_PATH, "--dry-run"});
    CHECK(p.exit_code == 2);
    CHECK(p.err.find("step \"c\": the plugin") != std::string::npos);
    CHECK(p.err.find("cannot promise a dry run") != std::string::npos);
    // Without --dry-run the same plugin runs.
    auto real = run({NODEHOST_PATH, "exec", NO_EXTENSIONS_PLUGIN_PATH, "test.constant"});
    CHECK(real.exit_code == 0);
    CHECK(real.out == "{\"n\":1}\n");
}
