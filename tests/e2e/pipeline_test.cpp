// `nodehost run`: pipelines end to end against the emulator, invalid pipelines, CSV quoting,
// dry runs, and progress on a terminal versus a pipe.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

// A scratch directory with a pipeline file in it; removed afterwards.
struct Workspace {
    fs::path dir;
    Workspace() {
        char tmpl[] = "/tmp/pipeline-test-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Workspace() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    }
    std::string read(const std::string &name) const {
        std::ifstream in(dir / name, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

const std::string credentials_block = R"("credentials": {"pbx": {"type": "threecxApi", "file": "pbx.json"}})";

// Export a fixed window, write it twice, preview a purge, purge it. $now is pinned by --now.
std::string nightly(const std::string &out_dir) {
    return R"({"name": "test-nightly", )" + credentials_block + R"(, "steps": [
      {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
       "parameters": {"clientTimeZone": "UTC", "options": {"returnAll": true, "pageSize": 70,
         "filter": "TimeSent ge {{ $now.minus(30, 'days').startOf('day') }} and TimeSent lt {{ $now.startOf('day') }}"}}},
      {"name": "jsonl", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": ")" + out_dir + R"(/chats.jsonl"}},
      {"name": "csv", "node": "host.writeCsv", "input": "export", "parameters": {"path": ")" + out_dir + R"(/chats.csv"}},
      {"name": "preview", "node": "threecx.purgeChats", "credential": "pbx",
       "parameters": {"period": {"Stop": "{{ $now.minus(300, 'days') }}"}, "options": {"dryRun": true}}},
      {"name": "purge", "node": "threecx.purgeChats", "credential": "pbx",
       "parameters": {"period": {"Stop": "{{ $now.minus(300, 'days') }}"}}}
    ]})";
}

CommandResult run_pipeline(const std::string &file, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{NODEHOST_PATH, "run", file, "--plugin", PLUGIN_PATH, "--now", "2025-12-31T12:00:00Z"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

}  // namespace

TEST_CASE("a nightly pipeline end to end: files match the server's data, the purge is visible") {
    EmulatorProcess emu({"--chats", "3000"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    auto r = run_pipeline(ws.write("nightly.json", nightly(ws.dir.string())));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    // The same window, asked directly: the file holds exactly those records, in order.
    auto direct = execute("threecx.downloadChatHistory",
                          R"({"clientTimeZone":"UTC","options":{"filter":"TimeSent ge 2025-12-01T00:00:00Z and TimeSent lt 2025-12-31T00:00:00Z"}})",
                          emu.credentials());
    REQUIRE(direct.status == WFNODE_OK);
    auto jsonl = lines(ws.read("chats.jsonl"));
    REQUIRE(jsonl.size() == direct.items.size());
    REQUIRE(jsonl.size() > 200);
    for (size_t i = 0; i < jsonl.size(); ++i) CHECK(jsonl[i] == direct.items[i].json);

    // The CSV, read back by an independent RFC 4180 reader, equals the JSON Lines file.
    auto check = run({"/usr/bin/python3", "-c", R"(
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
items = [json.loads(l) for l in open(sys.argv[2])]
assert len(rows) == len(items), (len(rows), len(items))
for row, item in zip(rows, items):
    for k, v in item.items():
        want = v if isinstance(v, str) else json.dumps(v, separators=(',', ':'))
        assert row[k] == want, (k, row[k], want)
print(len(rows))
)",
                      (ws.dir / "chats.csv").string(), (ws.dir / "chats.jsonl").string()});
    CHECK(check.err == "");
    CHECK(check.out == std::to_string(jsonl.size()) + "\n");

    // The purge: what the preview counted is what went, and nothing before the cut-off is left.
    auto purged_line = r.out.substr(r.out.find("  purge: "));
    auto purged = parse(purged_line.substr(9, purged_line.find('\n') - 9));
    CHECK(purged["purged"].GetBool());
    auto preview_line = r.out.substr(r.out.find("  preview: "));
    auto preview = parse(preview_line.substr(11, preview_line.find('\n') - 11));
    CHECK(preview["dryRun"].GetBool());
    CHECK(preview["matchedChats"].GetInt64() > 0);
    CHECK(emu.counter("chats") == 3000 - preview["matchedChats"].GetInt64());
    auto left = execute("threecx.downloadChatHistory",
                        R"({"clientTimeZone":"UTC","options":{"count":true,"top":0,"filter":"TimeSent le 2025-03-06T12:00:00Z"}})",
                        emu.credentials());
    CHECK(left.items.at(0).json == R"({"@odata.count":0})");

    // The summary names every step with its counts.
    CHECK(r.out.find("export                 threecx.downloadChatHistory") != std::string::npos);
    CHECK(r.out.find(R"(jsonl: {"path":")") != std::string::npos);
}

TEST_CASE("--dry-run prints the plan and deletes nothing") {
    EmulatorProcess emu({"--chats", "1000"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    auto r = run_pipeline(ws.write("nightly.json", nightly(ws.dir.string())), {"--dry-run"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("Plan for pipeline \"test-nightly\" (dry run") != std::string::npos);
    CHECK(r.out.find("5. purge") != std::string::npos);
    CHECK(emu.counter("chats") == 1000);
    CHECK(emu.counter("purges") == 0);
    CHECK(r.out.find(R"(purge: {"dryRun":true)") != std::string::npos);
}

TEST_CASE("invalid pipelines: each gives its error, exit status 2, and nothing runs") {
    EmulatorProcess emu({"--chats", "100"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    const std::string export_step =
        R"({"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx", "parameters": {"clientTimeZone": "UTC"}})";
    auto file = [&](const std::string &steps, const std::string &creds = credentials_block) {
        return "{" + creds + R"(, "steps": [)" + steps + "]}";
    };
    struct Case {
        const char *what;
        std::string text, message;
    };
    std::vector<Case> cases{
        {"not JSON", "{\"steps\": [", "is not valid JSON"},
        {"unknown input step", file(export_step + R"(, {"name": "w", "node": "host.writeJsonLines", "input": "exprot", "parameters": {"path": "x.jsonl"}})"),
         "step \"w\": input names an unknown step \"exprot\""},
        {"unknown node", file(R"({"name": "d", "node": "threecx.downloadChats", "credential": "pbx"})"),
         "step \"d\": unknown node \"threecx.downloadChats\""},
        {"undefined credential", file(R"({"name": "d", "node": "threecx.downloadChatHistory", "credential": "prod", "parameters": {"clientTimeZone": "UTC"}})"),
         "step \"d\": credential \"prod\" is not defined"},
        {"missing credential", file(R"({"name": "d", "node": "threecx.downloadChatHistory", "parameters": {"clientTimeZone": "UTC"}})"),
         "step \"d\": \"credential\" is required"},
        {"missing environment variable", file(export_step, R"("credentials": {"pbx": {"type": "threecxApi", "env": {"apiKey": "NO_SUCH_VARIABLE_XYZ"}}})"),
         "credential \"pbx\": environment variable NO_SUCH_VARIABLE_XYZ (for apiKey) is not set"},
        {"a cycle", file(R"({"name": "a", "node": "host.writeJsonLines", "input": "b", "parameters": {"path": "a"}}, {"name": "b", "node": "host.writeJsonLines", "input": "a", "parameters": {"path": "b"}})"),
         "the steps' inputs form a cycle: a -> b -> a"},
        {"a later input", file(R"({"name": "a", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": "a"}}, )" + export_step),
         "step \"a\": its input \"export\" runs later"},
        {"a bad expression", file(R"({"name": "d", "node": "threecx.downloadChatHistory", "credential": "pbx", "parameters": {"clientTimeZone": "{{ $jsn.zone }}"}})"),
         "step \"d\": bad expression in parameters.clientTimeZone: expected $json, $now or $today"},
        {"a bad date unit", file(R"({"name": "d", "node": "threecx.purgeChats", "credential": "pbx", "parameters": {"period": {"Stop": "{{ $now.minus(3, 'fortnights') }}"}}})"),
         "unknown unit 'fortnight'"},
        {"a duplicate name", file(export_step + ", " + export_step), "step \"export\": the name is used twice"},
        {"an unknown key", file(R"({"name": "d", "node": "host.readJsonLines", "paramters": {}})"), "step \"d\": unknown key \"paramters\""},
        {"a writer without a path", file(export_step + R"(, {"name": "w", "node": "host.writeCsv", "input": "export"})"),
         "step \"w\": host.writeCsv needs parameters.path"},
        {"no steps", R"({"steps": []})", "\"steps\" must be a non-empty list"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto r = run_pipeline(ws.write("bad.json", c.text));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("nodehost: invalid pipeline: ") == 0);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.out == "");
    }
    CHECK(emu.counter("requests") == 0);
    CHECK(!fs::exists(ws.dir / "a"));
}

TEST_CASE("a failing step: exit status 1, later steps do not run, the summary says so") {
    EmulatorProcess emu({"--chats", "100"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    auto r = run_pipeline(ws.write("p.json", "{" + credentials_block + R"(, "steps": [
      {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
       "parameters": {"clientTimeZone": "UTC", "options": {"filter": "Message eq 'x'"}}},
      {"name": "jsonl", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": ")" +
                                                      (ws.dir / "out.jsonl").string() + R"("}}]})"));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("step \"export\": item 0: GET /xapi/v1/ChatHistoryView") != std::string::npos);
    CHECK(r.err.find("HTTP 400 BadRequest") != std::string::npos);
    CHECK(r.out.find("not run") != std::string::npos);
    CHECK(!fs::exists(ws.dir / "out.jsonl"));
}

TEST_CASE("a secret written inline works but is warned about, input from a JSON Lines file") {
    EmulatorProcess emu({"--chats", "500"});
    Workspace ws;
    ws.write("windows.jsonl", "{\"from\":\"2025-05-01T00:00:00Z\"}\n{\"from\":\"2025-09-01T00:00:00Z\"}\n");
    auto r = run_pipeline(ws.write("p.json", R"({"credentials": {"pbx": {"type": "threecxApi", "values": {"baseUrl": ")" +
                                                 emu.base_url() + R"(", "clientId": ")" + emu.client_id() + R"(", "apiKey": "demo-secret"}}},
      "steps": [{"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx", "input": {"file": "windows.jsonl"},
                 "parameters": {"clientTimeZone": "UTC", "options": {"top": 2, "filter": "TimeSent ge {{ $json.from }}"}}}]})"));
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("warning: credential \"pbx\": the secret field \"apiKey\" is written inline") != std::string::npos);
    CHECK(r.err.find("demo-secret") == std::string::npos);
    INFO(r.out);
    CHECK(r.out.find("threecx.downloadChatHistory           2        4") != std::string::npos);
}

TEST_CASE("progress: a live line on a terminal, plain lines on a pipe") {
    EmulatorProcess emu({"--chats", "2000"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    const std::string file = ws.write("nightly.json", nightly(ws.dir.string()));

    auto piped = run_pipeline(file, {"--dry-run"});
    REQUIRE(piped.exit_code == 0);
    CHECK(piped.err.find("nodehost: [1/5 export] threecx.downloadChatHistory started\n") != std::string::npos);
    CHECK(piped.err.find("nodehost: [1/5 export] done: ") != std::string::npos);
    CHECK(piped.err.find("\033[K") == std::string::npos);

    // The same run with stderr on a pseudo-terminal.
    int master = -1;
    pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(NODEHOST_PATH, NODEHOST_PATH, "run", file.c_str(), "--plugin", PLUGIN_PATH, "--now", "2025-12-31T12:00:00Z",
              "--dry-run", static_cast<char *>(nullptr));
        _exit(127);
    }
    std::string tty;
    char buf[4096];
    for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) tty.append(buf, static_cast<size_t>(n));
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(tty.find("\r\033[K[1/5 export] ") != std::string::npos);
    CHECK(tty.find("items/s") != std::string::npos);
    CHECK(tty.find("[5/5 purge] done: 1 items out") != std::string::npos);
    CHECK(tty.find("started") == std::string::npos);
}

TEST_CASE("--quiet prints nothing but errors") {
    EmulatorProcess emu({"--chats", "100"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    auto r = run_pipeline(ws.write("nightly.json", nightly(ws.dir.string())), {"--quiet", "--dry-run"});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "");
    CHECK(r.out.find("Plan for pipeline") != std::string::npos);  // a dry run always shows its plan
    CHECK(r.out.find("outcome") == std::string::npos);
}
