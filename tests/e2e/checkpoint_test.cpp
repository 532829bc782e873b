// Checkpointed incremental export end to end: the "wfnode.state/1" extension both ways (a host
// without it, a plugin without it), `nodehost run` with a pipeline's "state" over nights with
// runs missed and failed, the lock, and states that must be refused.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

const char *download = "threecx.downloadChatHistory";

struct Folder {
    fs::path dir;
    Folder() {
        char tmpl[] = "/tmp/checkpoint-test-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Folder() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string path(const std::string &name) const { return (dir / name).string(); }
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream(dir / name) << text;
        return path(name);
    }
    std::string read(const std::string &name) const {
        std::ifstream in(dir / name, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

// The nightly archive job: an incremental export of what came before today, to `out`.
std::string archive(const std::string &out, const std::string &extra_options = "", const std::string &name = "archive") {
    return R"({"name": ")" + name + R"(", "state": "archive.state.json",
      "credentials": {"pbx": {"type": "threecxApi", "file": "pbx.json"}},
      "steps": [
        {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
         "parameters": {"clientTimeZone": "UTC", "options": {"incremental": true, "pageSize": 100,
           "endBefore": "{{ $now.startOf('day') }}")" + extra_options + R"(}}},
        {"name": "jsonl", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": ")" + out + R"("}}
      ]})";
}

std::vector<std::string> nodehost_run(const std::string &pipeline, const std::string &now) {
    return {NODEHOST_PATH, "run", pipeline, "--plugin", PLUGIN_PATH, "--now", now, "-q"};
}

// One night: the pipeline written for its own output file, run at `now`.
CommandResult night(const Folder &f, const std::string &out, const std::string &now, const std::string &extra = "") {
    return run(nodehost_run(f.write("archive.json", archive(out, extra)), now));
}

// Every record before `end`, asked for directly.
std::vector<std::string> history_before(const EmulatorProcess &emu, const std::string &end) {
    auto e = execute(download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"filter":"TimeSent lt )" + end + R"("}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    std::vector<std::string> out;
    for (const auto &i : e.items) out.push_back(i.json);
    return out;
}

// The files' records together: each once, and exactly `expected`.
void check_exactly_once(const std::vector<std::vector<std::string>> &files, std::vector<std::string> expected) {
    std::vector<std::string> all;
    for (const auto &f : files) all.insert(all.end(), f.begin(), f.end());
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());  // nothing twice
    std::sort(all.begin(), all.end());
    std::sort(expected.begin(), expected.end());
    CHECK(all.size() == expected.size());
    CHECK(all == expected);
}

// A child process that the test can kill; stdout and stderr go to /dev/null.
pid_t spawn(const std::vector<std::string> &argv) {
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// Polls the emulator until the export has asked for a page (no fixed sleep).
void wait_for_export(const EmulatorProcess &emu) {
    for (int i = 0; i < 3000; ++i) {
        auto r = emu.requests();
        if (std::any_of(r.begin(), r.end(), [](const auto &t) { return t.find("DownloadChatHistory") != std::string::npos; }))
            return;
        usleep(10'000);
    }
    FAIL("the export never reached the emulator");
}

size_t exports_asked(const EmulatorProcess &emu) {
    auto r = emu.requests();
    return static_cast<size_t>(std::count_if(r.begin(), r.end(), [](const auto &t) { return t.find("DownloadChatHistory") != std::string::npos; }));
}

// The node's own state inside the host's state file, edited by `edit`, written back.
void edit_node_state(const Folder &f, const std::function<void(rapidjson::Value &, rapidjson::Document::AllocatorType &)> &edit) {
    rapidjson::Document doc;
    doc.Parse(f.read("archive.state.json").c_str());
    REQUIRE(doc.IsObject());
    edit(doc["steps"]["export"], doc.GetAllocator());
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    doc.Accept(w);
    f.write("archive.state.json", b.GetString());
}

}  // namespace

TEST_CASE("ABI 1.4: a host without wfnode.state/1 gets a refusal for incremental mode and never a full export") {
    EmulatorProcess emu({"--chats", "200"});
    const std::string params = R"({"clientTimeZone":"UTC","options":{"incremental":true}})";
    // A 1.3 host: callbacks without the state extension.
    auto e = execute(download, params, emu.credentials());
    CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].field == "options.incremental");
    CHECK(e.errors[0].message.find("needs a host that keeps the node's checkpoint (the wfnode.state/1 extension") !=
          std::string::npos);
    CHECK(e.items.empty());
    // A 1.0 host: its struct ends before get_extension.
    wfnode_host old{};
    old.struct_size = offsetof(wfnode_host, get_extension);
    static int items = 0, errors = 0;
    old.emit_item = [](const wfnode_host *, uint32_t, const char *, size_t) -> wfnode_status { return ++items, WFNODE_OK; };
    old.emit_error = [](const wfnode_host *, const wfnode_error *) { ++errors; };
    wfnode_item item{"{}", nullptr};
    const std::string creds = emu.credentials();
    wfnode_execute_request req{};
    req.struct_size = sizeof req;
    req.node_type = download;
    req.parameters_json = params.c_str();
    req.credentials_json = creds.c_str();
    req.items = &item;
    req.item_count = 1;
    CHECK(plugin().api().execute(&req, &old) == WFNODE_ERR_INVALID_INPUT);
    CHECK(items == 0);
    CHECK(errors == 1);
    CHECK(exports_asked(emu) == 0);  // refused before any request for chats
}

TEST_CASE("ABI 1.4: a plugin without the extension runs in a host that offers it as before") {
    wfnode::Plugin old(ABI10_PLUGIN_PATH);
    wfnode::ExecuteCall call;
    call.node_type = "test.constant";
    call.items = {"{}", "{}"};
    int items = 0, loads = 0, stages = 0;
    wfnode::ExecuteCallbacks cb;
    std::vector<std::string> got;
    cb.on_item = [&](uint32_t, std::string_view json) { return got.emplace_back(json), ++items, true; };
    wfnode::NodeState state;
    state.load = [&]() -> std::optional<std::string> { return ++loads, std::string(R"({"old":true})"); };
    state.stage = [&](std::string_view) { return ++stages, true; };
    CHECK(old.execute(call, cb, state) == WFNODE_OK);
    CHECK(items == 2);
    CHECK(got == std::vector<std::string>{R"({"n":1})", R"({"n":1})"});
    CHECK(loads + stages == 0);

    // The same through nodehost run with a state file: it runs, and no state is written.
    Folder f;
    const std::string pipeline = f.write("old.json", R"({"name": "old", "state": "old.state.json", "steps": [
        {"name": "constant", "node": "test.constant"},
        {"name": "jsonl", "node": "host.writeJsonLines", "input": "constant", "parameters": {"path": ")" + f.path("out.jsonl") + R"("}}]})");
    auto r = run({NODEHOST_PATH, "run", pipeline, "--plugin", ABI10_PLUGIN_PATH, "-q"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(f.read("out.jsonl") == "{\"n\":1}\n");
    CHECK(!fs::exists(f.path("old.state.json")));
}

TEST_CASE("nightly incremental runs: missed nights caught up in disjoint and complete files with boundary instants kept") {
    // Runs of 7 chats share one TimeSent, and pages of 100 end inside such runs.
    EmulatorProcess emu({"--chats", "3000", "--same-instant", "7"});
    Folder f;
    f.write("pbx.json", emu.credentials());
    auto first = night(f, f.path("2025-06-01.jsonl"), "2025-06-01T03:00:00Z");
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const std::string committed = f.read("archive.state.json");
    CHECK(committed.find(R"("owner":"pipeline archive")") != std::string::npos);
    // Nights missed; the next one, three months later, exports everything since.
    auto second = night(f, f.path("2025-09-01.jsonl"), "2025-09-01T03:00:00Z");
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    // A run with nothing new hands on nothing.
    auto third = night(f, f.path("2025-09-01b.jsonl"), "2025-09-01T04:00:00Z");
    REQUIRE(third.exit_code == 0);
    CHECK(f.read("2025-09-01b.jsonl").empty());
    const auto a = lines(f.read("2025-06-01.jsonl")), b = lines(f.read("2025-09-01.jsonl"));
    CHECK(a.size() > 1000);
    CHECK(b.size() > 500);
    check_exactly_once({a, b}, history_before(emu, "2025-09-01T00:00:00Z"));
    // Files of whole days: nothing from the day of the run.
    CHECK(a.back().find("\"TimeSent\":\"2025-06-01") == std::string::npos);
}

TEST_CASE("with checkpoints, a second run never replaces an earlier run's archive file: its records would be lost") {
    EmulatorProcess emu({"--chats", "3000"});
    Folder f;
    f.write("pbx.json", emu.credentials());
    REQUIRE(night(f, f.path("chats.jsonl"), "2025-06-01T03:00:00Z").exit_code == 0);
    const std::string archived = f.read("chats.jsonl"), state = f.read("archive.state.json");
    REQUIRE_FALSE(archived.empty());
    // The same fixed path on the next night would hold only that night's records.
    auto next = night(f, f.path("chats.jsonl"), "2025-09-01T03:00:00Z");
    CHECK(next.exit_code == 1);
    CHECK(next.err.find("refusing to replace") != std::string::npos);
    CHECK(f.read("chats.jsonl") == archived);
    CHECK(f.read("archive.state.json") == state);  // nothing committed: the next run catches up
    auto dated = night(f, f.path("2025-09-01.jsonl"), "2025-09-01T03:00:00Z");
    CHECK(dated.exit_code == 0);
    check_exactly_once({lines(archived), lines(f.read("2025-09-01.jsonl"))}, history_before(emu, "2025-09-01T00:00:00Z"));
}

TEST_CASE("a failed or killed or full-disk or dry run commits nothing and the next run exports everything since the last commit") {
    EmulatorProcess emu({"--chats", "3000"});
    Folder f;
    f.write("pbx.json", emu.credentials());
    REQUIRE(night(f, f.path("a.jsonl"), "2025-04-01T03:00:00Z").exit_code == 0);
    const std::string committed = f.read("archive.state.json");

    // The server failing mid-export, past the retries (one try).
    emu.admin_post("/admin/faults", R"({"chaosEvery": 3})");
    auto failed = night(f, f.path("failed.jsonl"), "2025-08-01T03:00:00Z", R"(, "maxTries": 1)");
    emu.admin_post("/admin/faults", R"({"chaosEvery": 0})");
    CHECK(failed.exit_code == 1);
    CHECK(f.read("archive.state.json") == committed);
    CHECK(!fs::exists(f.path("failed.jsonl")));
    // The writer's disk full.
    auto full = night(f, "/dev/full", "2025-08-01T03:00:00Z");
    CHECK(full.exit_code == 1);
    CHECK(f.read("archive.state.json") == committed);
    // Killed mid-export.
    emu.admin_post("/admin/faults", R"({"latencyMs": 100})");
    const size_t before = exports_asked(emu);
    pid_t killed = spawn(nodehost_run(f.write("archive.json", archive(f.path("killed.jsonl"))), "2025-08-01T03:00:00Z"));
    for (int i = 0; i < 3000 && exports_asked(emu) == before; ++i) usleep(10'000);
    kill(killed, SIGKILL);
    CHECK(WIFSIGNALED(wait_for(killed)));
    emu.admin_post("/admin/faults", R"({"latencyMs": 0})");
    CHECK(f.read("archive.state.json") == committed);
    // A dry run reads the checkpoint and exports, and commits nothing.
    auto dry = run({NODEHOST_PATH, "run", f.path("archive.json"), "--plugin", PLUGIN_PATH, "--now", "2025-08-01T03:00:00Z",
                    "--dry-run", "-q"});
    CHECK(dry.exit_code == 0);
    CHECK(f.read("archive.state.json") == committed);

    auto next = night(f, f.path("b.jsonl"), "2025-08-01T03:00:00Z");
    INFO(next.err);
    REQUIRE(next.exit_code == 0);
    CHECK(f.read("archive.state.json") != committed);
    check_exactly_once({lines(f.read("a.jsonl")), lines(f.read("b.jsonl"))}, history_before(emu, "2025-08-01T00:00:00Z"));
}

TEST_CASE("two runs of one pipeline at once: the second fails at once and the first completes") {
    EmulatorProcess emu({"--chats", "1000"});
    Folder f;
    f.write("pbx.json", emu.credentials());
    emu.admin_post("/admin/faults", R"({"latencyMs": 50})");
    pid_t first = spawn(nodehost_run(f.write("archive.json", archive(f.path("first.jsonl"))), "2025-12-01T03:00:00Z"));
    wait_for_export(emu);
    auto second = run(nodehost_run(f.path("archive.json"), "2025-12-01T03:00:00Z"));
    emu.admin_post("/admin/faults", R"({"latencyMs": 0})");
    CHECK(second.exit_code == 1);
    CHECK(second.err.find("is locked") != std::string::npos);
    CHECK(second.err.find("another run holds it (process " + std::to_string(first) + ")") != std::string::npos);
    const int status = wait_for(first);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(lines(f.read("first.jsonl")).size() == history_before(emu, "2025-12-01T00:00:00Z").size());
}

TEST_CASE("a corrupted or hand-edited or other pipeline's or other PBX's or future state is refused and nothing is exported") {
    EmulatorProcess emu({"--chats", "500"}), other({"--chats", "500"});
    Folder f;
    f.write("pbx.json", emu.credentials());
    REQUIRE(night(f, f.path("a.jsonl"), "2025-06-01T03:00:00Z").exit_code == 0);
    const std::string committed = f.read("archive.state.json");
    auto refused = [&](const std::string &why, const std::string &pipeline_name = "archive") {
        const size_t asked = exports_asked(emu);
        auto r = run(nodehost_run(f.write("archive.json", archive(f.path("b.jsonl"), "", pipeline_name)), "2025-09-01T03:00:00Z"));
        CHECK(r.exit_code == 1);
        CHECK(r.err.find(why) != std::string::npos);
        CHECK(exports_asked(emu) == asked);
        CHECK(!fs::exists(f.path("b.jsonl")));
        f.write("archive.state.json", committed);
        return r.err;
    };
    f.write("archive.state.json", committed.substr(0, committed.size() / 2));
    refused("is refused: the state file");
    CHECK(refused("belongs to pipeline archive, not to pipeline nightly", "nightly").find("this run did nothing") != std::string::npos);
    edit_node_state(f, [](rapidjson::Value &s, auto &a) { s["checkpoint"].SetString("2099-01-01T00:00:00Z", a); });
    refused("its checkpoint 2099-01-01T00:00:00Z is in the future");
    edit_node_state(f, [](rapidjson::Value &s, auto &a) { s["window"].PushBack(rapidjson::Value(rapidjson::kObjectType), a); });
    refused("a window entry is not");
    edit_node_state(f, [](rapidjson::Value &s, auto &) { s.RemoveMember("query"); });
    refused("it has no \"query\"");
    // The same state against another PBX, and with another filter.
    f.write("pbx.json", other.credentials());
    refused("written for another PBX or API client");
    f.write("pbx.json", emu.credentials());
    auto r = night(f, f.path("b.jsonl"), "2025-09-01T03:00:00Z", R"(, "filter": "IsExternal eq true")");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("written for another query") != std::string::npos);
}
