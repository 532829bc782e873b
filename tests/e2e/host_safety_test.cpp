// Safety at the host: nodehost reads every JSON document under the same policy as the
// plugin, checks a whole pipeline through the plugin before its first step, keeps item data
// out of JSON text, changes nothing in a dry run, leaves no half-written file or spool when
// stopped, and never prints a secret.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"
#include "wait_until.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        char tmpl[] = "/tmp/host-safety-XXXXXX";
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

const std::string download = "threecx.downloadChatHistory";

// How many export pages the emulator has been asked for.
size_t pages_asked(const EmulatorProcess &emu) {
    size_t n = 0;
    for (const auto &target : emu.requests()) n += target.find("DownloadChatHistory") != std::string::npos;
    return n;
}

// True once a file under `dir` holds data (a spool file being written).
bool holds_data(const fs::path &dir) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        const auto size = fs::file_size(it->path(), size_ec);
        if (!size_ec && size > 0) return true;
    }
    return false;
}

// A child process, killed and reaped if the test ends before it does.
struct Child {
    pid_t pid;
    int status = 0;
    bool reaped = false;
    bool running() {
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) reaped = true;
        return !reaped;
    }
    void wait() {
        if (!reaped) waitpid(pid, &status, 0), reaped = true;
    }
    ~Child() {
        if (!reaped) kill(pid, SIGKILL), wait();
    }
};

CommandResult exec_node(const std::vector<std::string> &args) {
    std::vector<std::string> argv{NODEHOST_PATH, "exec", PLUGIN_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

CommandResult run_pipeline(const std::string &file, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{NODEHOST_PATH, "run", file, "--plugin", PLUGIN_PATH};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

std::string deep(size_t n) { return std::string(n, '[') + std::string(n, ']'); }

}  // namespace

TEST_CASE("every document nodehost reads follows the JSON policy: exit 2, a clear reason, nothing sent") {
    EmulatorProcess emu;
    Scratch s;
    const std::string creds = s.write("pbx.json", emu.credentials());
    const std::string ok_params = R"({"clientTimeZone":"UTC"})";
    struct Case {
        std::string what;
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases{
        {"duplicate key in --params", {download, "--params", R"({"clientTimeZone":"UTC","clientTimeZone":"Asia/Tokyo"})", "--credentials", "@" + creds}, "duplicate key \"clientTimeZone\""},
        {"duplicate key in a @file", {download, "--params", "@" + s.write("p.json", R"({"options":{"top":1,"top":2},"clientTimeZone":"UTC"})"), "--credentials", "@" + creds}, "duplicate key \"top\""},
        {"duplicate key in credentials", {download, "--params", ok_params, "--credentials", "@" + s.write("c.json", R"({"baseUrl":"http://a","baseUrl":"http://b","clientId":"c","apiKey":"k"})")}, "duplicate key \"baseUrl\""},
        {"a million levels in --params", {download, "--params", "@" + s.write("deep.json", deep(1'000'000)), "--credentials", "@" + creds}, "nested deeper than 64 levels"},
        {"a million levels in credentials", {download, "--params", ok_params, "--credentials", "@" + s.write("deepc.json", deep(1'000'000))}, "nested deeper than 64 levels"},
        {"trailing data", {download, "--params", R"({"clientTimeZone":"UTC"} {"clientTimeZone":"Asia/Tokyo"})", "--credentials", "@" + creds}, "more data follows"},
        {"a NUL in a string", {download, "--params", R"({"clientTimeZone":"UTC\u0000x"})", "--credentials", "@" + creds}, "NUL character"},
        {"invalid UTF-8", {download, "--params", "{\"clientTimeZone\":\"\xff\"}", "--credentials", "@" + creds}, "Invalid encoding"},
        {"an input line with a duplicate key", {download, "--params", ok_params, "--credentials", "@" + creds, "--input", s.write("in.jsonl", "{}\n{\"a\":1,\"a\":2}\n")}, "line 2"},
        {"an input line nested a million deep", {download, "--params", ok_params, "--credentials", "@" + creds, "--input", s.write("deep.jsonl", deep(1'000'000) + "\n")}, "nested deeper than 64 levels"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto r = exec_node(c.args);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.out.empty());
    }
    auto pipe = run_pipeline(s.write("dup.json", R"({"steps":[{"name":"a","node":"host.readJsonLines","parameters":{"path":"x"}}],"steps":[]})"));
    CHECK(pipe.exit_code == 2);
    CHECK(pipe.err.find("duplicate key \"steps\"") != std::string::npos);
    auto deep_pipe = run_pipeline(s.write("deep-pipe.json", "{\"steps\":" + deep(1'000'000) + "}"));
    CHECK(deep_pipe.exit_code == 2);
    CHECK(deep_pipe.err.find("nested deeper than 64 levels") != std::string::npos);
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("tokenRequests") == 0);
}

TEST_CASE("a whole pipeline is checked through the plugin before its first step runs") {
    EmulatorProcess emu({"--chats", "100"});
    Scratch s;
    s.write("pbx.json", emu.credentials());
    const std::string head = R"({"credentials":{"pbx":{"type":"threecxApi","file":"pbx.json"}},"steps":[
      {"name":"export","node":"threecx.downloadChatHistory","credential":"pbx","parameters":{"clientTimeZone":"UTC"}},
      {"name":"out","node":"host.writeJsonLines","input":"export","parameters":{"path":")" + (s.dir / "out.jsonl").string() + R"("}},)";
    struct Case {
        std::string what, step, message;
    };
    const std::vector<Case> cases{
        {R"({"name":"purge","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"Stop":"2999-01-01T00:00:00Z"}}})", "purge", "reaches into the future"},
        {R"({"name":"purge","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"All":true}}})", "purge", "set confirmPurgeAll to true"},
        {R"({"name":"purge","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"Stop":"2025-02-30T00:00:00Z"}}})", "purge", "not a real date and time"},
        {R"({"name":"late","node":"threecx.downloadChatHistory","credential":"pbx","parameters":{"clientTimeZone":"UTC","options":{"top":2.0}}})", "late", "whole number"},
        {R"({"name":"when","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"Stop":"{{ $now.minus(9000000, 'weeks') }}"}}})", "when", "outside the years 0001-9999"},
        {R"({"name":"huge","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"Stop":"{{ $now.minus(9223372036854775807, 'weeks') }}"}}})", "huge", "out of range"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto r = run_pipeline(s.write("p.json", head + c.what + "]}"));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("nodehost: invalid pipeline: step \"" + c.step + "\"") != std::string::npos);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(!fs::exists(s.dir / "out.jsonl"));  // the first steps did not run either
    }
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("purges") == 0);
}

TEST_CASE("item data fills a value inside a period string and can never add a key") {
    EmulatorProcess emu({"--chats", "200"});
    Scratch s;
    s.write("pbx.json", emu.credentials());
    // The item tries to close the string and add "All": true.
    s.write("items.jsonl", R"({"stop":"2025-01-01T00:00:00Z\",\"All\":true,\"x\":\""})" "\n");
    auto r = run_pipeline(s.write("p.json", R"({"credentials":{"pbx":{"type":"threecxApi","file":"pbx.json"}},"steps":[
      {"name":"purge","node":"threecx.purgeChats","credential":"pbx","input":{"file":"items.jsonl"},"continueOnFail":false,
       "parameters":{"period":"{\"Stop\": \"{{ $json.stop }}\"}","confirmPurgeAll":true}}]})"));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("period.Stop has an invalid format") != std::string::npos);
    CHECK(emu.counter("purges") == 0);
    CHECK(emu.counter("chats") == 200);
}

TEST_CASE("--dry-run changes nothing: no purge, no file written") {
    EmulatorProcess emu({"--chats", "300"});
    Scratch s;
    s.write("pbx.json", emu.credentials());
    const std::string out = (s.dir / "out.jsonl").string();
    s.write(out.substr(s.dir.string().size() + 1), "precious\n");
    auto r = run_pipeline(s.write("p.json", R"({"credentials":{"pbx":{"type":"threecxApi","file":"pbx.json"}},"steps":[
      {"name":"export","node":"threecx.downloadChatHistory","credential":"pbx","parameters":{"clientTimeZone":"UTC","options":{"top":5}}},
      {"name":"out","node":"host.writeJsonLines","input":"export","parameters":{"path":")" + out + R"("}},
      {"name":"purge","node":"threecx.purgeChats","credential":"pbx","parameters":{"period":{"Stop":"2025-06-01T00:00:00Z"}}}]})"),
                          {"--dry-run"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(R"("items":5,"written":false)") != std::string::npos);
    std::ifstream in(out);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "precious\n");
    CHECK(emu.counter("purges") == 0);
    CHECK(emu.counter("chats") == 300);
}

TEST_CASE("SIGTERM mid-run: a non-zero exit, no half-written output, no spool left behind") {
    EmulatorProcess emu({"--chats", "20000"});
    Scratch s;
    s.write("pbx.json", emu.credentials());
    const std::string out = (s.dir / "out.jsonl").string();
    const std::string file = s.write("p.json", R"({"credentials":{"pbx":{"type":"threecxApi","file":"pbx.json"}},"steps":[
      {"name":"export","node":"threecx.downloadChatHistory","credential":"pbx","parameters":{"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":100}}},
      {"name":"out","node":"host.writeJsonLines","input":"export","parameters":{"path":")" + out + R"("}}]})");
    const fs::path tmp = s.dir / "tmp";  // the child's $TMPDIR, where its spool goes
    fs::create_directory(tmp);
    const fs::path err = s.dir / "stderr";
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("TMPDIR", tmp.c_str(), 1);
        int devnull = ::open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
        execl(NODEHOST_PATH, NODEHOST_PATH, "run", file.c_str(), "--plugin", PLUGIN_PATH, "--quiet", static_cast<char *>(nullptr));
        _exit(127);
    }
    Child child{pid};
    // Mid-export, by what the run has done, not by how long it has run: once the third of 200
    // pages is asked for, every later page trickles (a byte per 100 ms), so the export cannot
    // end; the signal goes when records are in the spool.
    REQUIRE(wait_until([&] { return !child.running() || pages_asked(emu) >= 3; }));
    REQUIRE(child.running());
    emu.admin_post("/admin/faults", R"({"trickle":true})");
    REQUIRE(wait_until([&] { return !child.running() || holds_data(tmp); }));
    REQUIRE(child.running());
    kill(pid, SIGTERM);
    REQUIRE(wait_until([&] { return !child.running(); }));
    REQUIRE(WIFEXITED(child.status));
    CHECK(WEXITSTATUS(child.status) == 1);
    // Ended by the signal, not by the trickling page timing out.
    std::ifstream err_in(err);
    const std::string said{std::istreambuf_iterator<char>(err_in), {}};
    CHECK(said.find("nodehost: error: step \"export\": interrupted") != std::string::npos);
    CHECK(!fs::exists(out));
    size_t partials = 0;
    for (const auto &e : fs::directory_iterator(s.dir)) partials += e.path().filename().string().find(".partial-") != std::string::npos;
    CHECK(partials == 0);
    CHECK(fs::is_empty(tmp));
}

TEST_CASE("nodehost never prints a secret, even when the server echoes it") {
    const std::string key = "Ech0-K3y-99";
    EmulatorProcess emu({"--client-secret", key, "--echo", "1"});
    Scratch s;
    const std::string creds = s.write("pbx.json", emu.credentials(key));
    auto r = exec_node({download, "--params", R"({"clientTimeZone":"UTC"})", "--credentials", "@" + creds, "--verbose"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("Bearer [redacted]") != std::string::npos);
    CHECK(r.err.find("emu-") == std::string::npos);  // the emulator's tokens start so
    CHECK(r.err.find(key) == std::string::npos);
    auto wrong = exec_node({download, "--params", R"({"clientTimeZone":"UTC"})", "--credentials",
                            "@" + s.write("wrong.json", emu.credentials(key + "x")), "--verbose"});
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.err.find("Invalid client credentials: [redacted]") != std::string::npos);
    CHECK(wrong.err.find(key) == std::string::npos);
    CHECK(wrong.err.find("on the command line") == std::string::npos);  // it came from a file
    // A key on the command line works, but nodehost says who else can read it.
    auto inline_key = exec_node({download, "--params", R"({"clientTimeZone":"UTC"})", "--credentials", emu.credentials(key)});
    CHECK(inline_key.err.find("nodehost: warning: --credentials carries the secret \"apiKey\" on the command line") !=
          std::string::npos);
    CHECK(inline_key.err.find(key) == std::string::npos);
}

TEST_CASE("output that cannot be written or input that cannot be read is an error, never a quiet gap") {
    EmulatorProcess emu({"--chats", "3000"});
    Scratch s;
    const std::string creds = emu.credentials_argument();
    const std::string exec = std::string(NODEHOST_PATH) + " exec " + PLUGIN_PATH + " " + download +
                             R"( --params '{"clientTimeZone":"UTC","options":{"returnAll":true}}' --credentials )" + creds;
    // A full disk.
    auto full = run({"/bin/bash", "-c", exec + " > /dev/full"});
    CHECK(full.exit_code == 1);
    CHECK(full.err.find("nodehost: error: writing the output failed") != std::string::npos);
    // A reader that goes away after the first bytes (a closed pipe).
    auto closed = run({"/bin/bash", "-c", "set -o pipefail; " + exec + " | head -c 100 > /dev/null"});
    CHECK(closed.exit_code == 1);
    CHECK(closed.err.find("nodehost: error: writing the output failed") != std::string::npos);
    // A folder given as input.
    auto folder = exec_node({download, "--params", R"({"clientTimeZone":"UTC"})", "--credentials", creds, "--input",
                             s.dir.string()});
    CHECK(folder.exit_code == 2);
    CHECK(folder.err.find("it is a directory") != std::string::npos);
    // A pipeline writing to a device: written in place (never renamed over the device node),
    // and the write failure fails the step.
    s.write("two.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    auto device = run_pipeline(s.write("dev.json", R"({"steps":[{"name":"r","node":"host.readJsonLines","parameters":{"path":")" +
                                                       (s.dir / "two.jsonl").string() + R"("}},
      {"name":"w","node":"host.writeJsonLines","input":"r","parameters":{"path":"/dev/full"}}]})"));
    CHECK(device.exit_code == 1);
    CHECK(device.err.find("writing /dev/full failed") != std::string::npos);
    CHECK(fs::is_character_file("/dev/full"));
}
