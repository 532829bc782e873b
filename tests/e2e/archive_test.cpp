// Archive files people can audit: `nodehost run` writes gzip JSON Lines for a path ending in
// ".gz" (read back here by Python's gzip, an independent reader), dated paths, a manifest
// beside each file that an independent SHA-256 confirms, nothing half-written when the disk
// fills; `nodehost verify` passes a sound archive and names each defect and the file it is in.
#include "emulator_process.hpp"
#include "io.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

struct Workspace {
    fs::path dir;
    Workspace() {
        char tmpl[] = "/tmp/archive-test-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Workspace() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    }
    std::string read(const fs::path &path) const {
        std::ifstream in(dir / path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    // The names in `folder`, sorted: what a user sees with ls.
    std::vector<std::string> listing(const std::string &folder) const {
        std::vector<std::string> names;
        for (const auto &e : fs::directory_iterator(dir / folder)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

// One night of the archive job: yesterday's chats (UTC) to a file named by yesterday's date,
// claiming yesterday as its range.
std::string nightly_archive(const std::string &out_dir, const std::string &name_suffix = "") {
    return R"({"name": "archive", "credentials": {"pbx": {"type": "threecxApi", "file": "pbx.json"}}, "steps": [
      {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
       "parameters": {"clientTimeZone": "UTC", "options": {"returnAll": true, "pageSize": 300,
         "filter": "TimeSent ge {{ $now.minus(1, 'days').startOf('day') }} and TimeSent lt {{ $now.startOf('day') }}"}}},
      {"name": "archive", "node": "host.writeJsonLines", "input": "export",
       "parameters": {"path": ")" + out_dir + R"(/chats-{{ $now.minus(1, 'days').format('yyyy-MM-dd') }})" + name_suffix + R"(.jsonl.gz",
                      "range": {"from": "{{ $now.minus(1, 'days').startOf('day') }}", "to": "{{ $now.startOf('day') }}"}}}
    ]})";
}

CommandResult nodehost_run(const std::string &file, const std::string &now, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{NODEHOST_PATH, "run", file, "--plugin", PLUGIN_PATH, "--now", now, "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

CommandResult verify(const fs::path &folder) { return run({NODEHOST_PATH, "verify", folder.string()}); }

bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// Reads a gzip JSON Lines file and its manifest with Python's gzip, hashlib and json, checks
// every field of the manifest against the file, and prints the records one a line.
CommandResult python_read_back(const fs::path &file) {
    return run({"/usr/bin/python3", "-c", R"(
import gzip, hashlib, json, os, sys
path = sys.argv[1]
raw = open(path, 'rb').read()
lines = gzip.decompress(raw).decode('utf-8').splitlines()
records = [json.loads(l) for l in lines]
m = json.load(open(path + '.manifest.json'))
assert m['manifest'] == 1, m
assert m['file'] == os.path.basename(path), m['file']
assert m['records'] == len(records), (m['records'], len(records))
assert m['sha256'] == hashlib.sha256(raw).hexdigest(), m['sha256']
assert m['bytes'] == len(raw), m['bytes']
sent = [r['TimeSent'] for r in records if 'TimeSent' in r]
assert m['firstTimeSent'] == (sent[0] if sent else None), m['firstTimeSent']
assert m['lastTimeSent'] == (sent[-1] if sent else None), m['lastTimeSent']
print(json.dumps(m['range']))
for l in lines: print(l)
)",
                (file).string()});
}

}  // namespace

TEST_CASE("a .gz path: gzip JSON Lines that Python reads back, a dated name, a manifest that matches") {
    EmulatorProcess emu({"--chats", "36500"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    auto r = nodehost_run(ws.write("night.json", nightly_archive((ws.dir / "out").string())), "2025-12-31T02:00:00Z");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ws.listing("out") == std::vector<std::string>{"chats-2025-12-30.jsonl.gz", "chats-2025-12-30.jsonl.gz.manifest.json"});

    // The same day asked directly: the gzip file holds exactly those records, in order.
    auto direct = execute("threecx.downloadChatHistory",
                          R"({"clientTimeZone":"UTC","options":{"filter":"TimeSent ge 2025-12-30T00:00:00Z and TimeSent lt 2025-12-31T00:00:00Z"}})",
                          emu.credentials());
    REQUIRE(direct.status == WFNODE_OK);
    auto back = python_read_back(ws.dir / "out" / "chats-2025-12-30.jsonl.gz");
    REQUIRE(back.err == "");
    auto lines_back = lines(back.out);
    REQUIRE(lines_back.size() == direct.items.size() + 1);
    CHECK(lines_back[0] == R"({"from": "2025-12-30T00:00:00Z", "to": "2025-12-31T00:00:00Z"})");
    REQUIRE(direct.items.size() > 50);
    for (size_t i = 0; i < direct.items.size(); ++i) CHECK(lines_back[i + 1] == direct.items[i].json);

    // Without a range, the manifest claims the records' first and last TimeSent; a plain path
    // is plain text.
    ws.write("plain.json", R"({"steps": [{"name": "w", "node": "host.writeJsonLines", "input": {"file": "in.jsonl"},
      "parameters": {"path": ")" + (ws.dir / "plain" / "in.jsonl").string() + R"("}}]})");
    ws.write("in.jsonl", "{\"TimeSent\":\"2025-01-01T00:00:00Z\"}\n{\"note\":\"no time\"}\n{\"TimeSent\":\"2025-01-02T00:00:00Z\"}\n");
    REQUIRE(nodehost_run((ws.dir / "plain.json").string(), "2025-12-31T02:00:00Z").exit_code == 0);
    CHECK(ws.read("plain/in.jsonl") == ws.read("in.jsonl"));
    auto manifest = parse(ws.read("plain/in.jsonl.manifest.json"));
    CHECK(manifest["records"].GetInt() == 3);
    CHECK(nodehost::to_json(manifest["range"]) == R"({"from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"})");

    // A dry run writes neither the file nor a manifest.
    Workspace dry;
    dry.write("pbx.json", emu.credentials());
    auto d = nodehost_run(dry.write("night.json", nightly_archive((dry.dir / "out").string())), "2025-12-31T02:00:00Z", {"--dry-run"});
    CHECK(d.exit_code == 0);
    CHECK(!fs::exists(dry.dir / "out"));
}

TEST_CASE("a disk that fills while writing .gz: exit 1 naming the file, the earlier archive file and manifest untouched") {
    Workspace ws;
    // Random text compresses little: about 1.5 MB of gzip from 2 MB of items.
    std::mt19937 rng(7);
    std::string items;
    for (int i = 0; i < 20000; ++i) {
        std::string noise(100, ' ');
        for (auto &c : noise) c = static_cast<char>('a' + rng() % 26);
        items += R"({"Id":)" + std::to_string(i) + R"(,"TimeSent":"2025-06-01T00:00:00Z","Message":")" + noise + "\"}\n";
    }
    ws.write("items.jsonl", items);
    ws.write("small.jsonl", R"({"Id":1,"TimeSent":"2025-05-31T12:00:00Z"})" "\n");
    const std::string target = (ws.dir / "out" / "chats.jsonl.gz").string();
    auto pipeline = [&](const std::string &input) {
        return ws.write("p.json", R"({"steps": [{"name": "w", "node": "host.writeJsonLines", "input": {"file": ")" + input +
                                      R"("}, "parameters": {"path": ")" + target + R"("}}]})");
    };
    // The archive as the last good night left it.
    REQUIRE(nodehost_run(pipeline("small.jsonl"), "2025-06-02T00:00:00Z").exit_code == 0);
    const std::string before = ws.read("out/chats.jsonl.gz"), manifest_before = ws.read("out/chats.jsonl.gz.manifest.json");
    REQUIRE(verify(ws.dir / "out").exit_code == 0);

    // The writer may grow no file past 256 KiB: its writes fail as on a full disk (the limit
    // applies to files this process writes; the input is only read).
    auto full = run({"/bin/bash", "-c", "ulimit -f 256; trap '' XFSZ; exec \"$@\"", "bash", NODEHOST_PATH, "run",
                     pipeline("items.jsonl"), "--quiet"});
    CHECK(full.exit_code == 1);
    CHECK(has(full.err, "writing " + target + " failed: File too large"));
    CHECK(ws.read("out/chats.jsonl.gz") == before);
    CHECK(ws.read("out/chats.jsonl.gz.manifest.json") == manifest_before);
    CHECK(ws.listing("out") == std::vector<std::string>{"chats.jsonl.gz", "chats.jsonl.gz.manifest.json"});  // no .partial left
    auto still = verify(ws.dir / "out");
    CHECK(still.exit_code == 0);
    CHECK(has(still.out, "1 archive file, 1 records"));

    // A device that is full (a .gz name pointing at /dev/full): written in place, and the
    // failure fails the step.
    fs::create_directory(ws.dir / "dev");
    fs::create_symlink("/dev/full", ws.dir / "dev" / "full.jsonl.gz");
    auto device = nodehost_run(ws.write("d.json", R"({"steps": [{"name": "w", "node": "host.writeJsonLines", "input": {"file": "items.jsonl"},
      "parameters": {"path": ")" + (ws.dir / "dev" / "full.jsonl.gz").string() + R"("}}]})"),
                               "2025-06-02T00:00:00Z");
    CHECK(device.exit_code == 1);
    CHECK(has(device.err, "full.jsonl.gz failed: No space left on device"));
    CHECK(fs::is_character_file("/dev/full"));
    CHECK(ws.listing("dev") == std::vector<std::string>{"full.jsonl.gz"});
}

TEST_CASE("nodehost verify: three nights join, and a changed byte, a missing file or manifest, a gap, an overlap, a wrong count are each named") {
    EmulatorProcess emu({"--chats", "36500"});
    Workspace ws;
    ws.write("pbx.json", emu.credentials());
    const fs::path out = ws.dir / "archive";
    const std::string night = ws.write("night.json", nightly_archive(out.string()));
    long long records = 0;
    for (const std::string now : {"2025-12-28T02:00:00Z", "2025-12-29T02:00:00Z", "2025-12-30T02:00:00Z"}) {
        auto r = nodehost_run(night, now);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    for (const std::string day : {"27", "28", "29"})
        records += parse(ws.read("archive/chats-2025-12-" + day + ".jsonl.gz.manifest.json"))["records"].GetInt64();
    REQUIRE(records > 150);
    auto good = verify(out);
    INFO(good.out);
    CHECK(good.exit_code == 0);
    CHECK(has(good.out, "3 archive files, " + std::to_string(records) + " records, each matching its manifest"));
    CHECK(has(good.out, R"(the ranges join with no gap and no overlap from "2025-12-27T00:00:00Z" to "2025-12-30T00:00:00Z")"));

    // Each defect on a fresh copy of the good archive; verify exits 1 and names the file.
    struct Defect {
        std::string what;
        std::function<void(const fs::path &)> make;
        std::vector<std::string> said;
    };
    const std::string day2 = "chats-2025-12-28.jsonl.gz";
    const std::vector<Defect> defects{
        {"a changed byte",
         [&](const fs::path &d) {
             std::fstream f(d / day2, std::ios::in | std::ios::out | std::ios::binary);
             f.seekg(100);
             char c = 0;
             f.get(c);
             f.seekp(100);
             f.put(static_cast<char>(c ^ 0x20));
         },
         {day2 + ": its SHA-256 is ", ": the file was changed"}},
        {"a missing file", [&](const fs::path &d) { fs::remove(d / day2); },
         {day2 + ": is missing: its manifest says it holds", "chats-2025-12-29.jsonl.gz: leaves a gap after chats-2025-12-27.jsonl.gz"}},
        {"a missing manifest", [&](const fs::path &d) { fs::remove(d / (day2 + ".manifest.json")); },
         {day2 + ": has no manifest"}},
        {"a gap (a night missing with its manifest)",
         [&](const fs::path &d) {
             fs::remove(d / day2);
             fs::remove(d / (day2 + ".manifest.json"));
         },
         {R"(chats-2025-12-29.jsonl.gz: leaves a gap after chats-2025-12-27.jsonl.gz: chats-2025-12-27.jsonl.gz runs to "2025-12-28T00:00:00Z", this file starts at "2025-12-29T00:00:00Z", and no file covers the time between)"}},
        {"an overlap (a night archived twice)",
         [&](const fs::path &d) {
             auto r = nodehost_run(ws.write("again.json", nightly_archive(d.string(), "-again")), "2025-12-29T02:00:00Z");
             REQUIRE(r.exit_code == 0);
         },
         {R"(chats-2025-12-28.jsonl.gz: overlaps chats-2025-12-28-again.jsonl.gz: chats-2025-12-28-again.jsonl.gz runs to "2025-12-29T00:00:00Z", this file starts at "2025-12-28T00:00:00Z" (a period archived twice))"}},
        {"a wrong count",
         [&](const fs::path &d) {
             const fs::path m = d / (day2 + ".manifest.json");
             auto doc = parse(ws.read(m));
             const std::string was = "\"records\": " + std::to_string(doc["records"].GetInt64());
             std::string text = ws.read(m);
             text.replace(text.find(was), was.size(), "\"records\": " + std::to_string(doc["records"].GetInt64() + 1));
             std::ofstream(m, std::ios::binary | std::ios::trunc) << text;
         },
         {day2 + ": holds "}},
        {"a hand-edited manifest that is no longer one",
         [&](const fs::path &d) { std::ofstream(d / (day2 + ".manifest.json"), std::ios::binary | std::ios::trunc) << "{\"manifest\": 1,"; },
         {day2 + ".manifest.json: is not a valid manifest"}},
    };
    for (const auto &defect : defects) {
        INFO(defect.what);
        const fs::path copy = ws.dir / "copy";
        fs::remove_all(copy);
        fs::copy(out, copy);
        defect.make(copy);
        auto r = verify(copy);
        INFO(r.out);
        CHECK(r.exit_code == 1);
        for (const auto &said : defect.said) CHECK(has(r.out, said));
        CHECK(has(r.out, "nodehost verify: "));
        CHECK(!has(r.out, "each matching its manifest"));
    }
    // The wrong count says both numbers.
    {
        const fs::path copy = ws.dir / "copy";
        fs::remove_all(copy);
        fs::copy(out, copy);
        defects[5].make(copy);
        auto n = parse(ws.read("archive/" + day2 + ".manifest.json"))["records"].GetInt64();
        CHECK(has(verify(copy).out, day2 + ": holds " + std::to_string(n) + " records, its manifest says " + std::to_string(n + 1)));
    }
    CHECK(verify(ws.dir / "empty-does-not-exist").exit_code == 2);
    fs::create_directory(ws.dir / "empty");
    auto empty = verify(ws.dir / "empty");
    CHECK(empty.exit_code == 1);
    CHECK(has(empty.out, "holds no archive file"));
}

TEST_CASE("a host step's parameters are checked before anything runs") {
    Workspace ws;
    ws.write("in.jsonl", "{}\n");
    const std::string out = (ws.dir / "o.jsonl").string();
    struct Case {
        std::string parameters, message;
    };
    const std::vector<Case> cases{
        {R"({"path": ")" + out + R"(", "rnage": {}})", "unknown parameter \"rnage\" (host.writeJsonLines takes path and range)"},
        {R"({"path": ")" + out + R"(", "range": {"from": "2025-01-01T00:00:00Z"}})", "parameters.range must be {\"from\": ..., \"to\": ...}"},
        {R"({"path": ")" + out + R"(", "range": "2025"})", "parameters.range must be"},
    };
    for (const auto &c : cases) {
        INFO(c.parameters);
        auto r = nodehost_run(ws.write("p.json", R"({"steps": [{"name": "w", "node": "host.writeJsonLines", "input": {"file": "in.jsonl"},
          "parameters": )" + c.parameters + "}]}"),
                              "2025-06-02T00:00:00Z");
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, c.message));
    }
    auto csv = nodehost_run(ws.write("c.json", R"({"steps": [{"name": "w", "node": "host.writeCsv", "input": {"file": "in.jsonl"},
      "parameters": {"path": ")" + (ws.dir / "o.csv").string() + R"(", "range": {"from": 1, "to": 2}}}]})"),
                            "2025-06-02T00:00:00Z");
    CHECK(csv.exit_code == 2);
    CHECK(has(csv.err, "unknown parameter \"range\" (host.writeCsv takes path)"));
    CHECK(!fs::exists(ws.dir / "o.jsonl"));
    CHECK(!fs::exists(ws.dir / "o.csv"));
}

TEST_CASE("nodehost verify joins ranges whose ends are not instants (a checkpoint's state) by equality") {
    Workspace ws;
    auto write = [&](const std::string &name, const std::string &items, const std::string &range) {
        ws.write(name + ".in", items);
        auto r = nodehost_run(ws.write("p.json", R"({"steps": [{"name": "w", "node": "host.writeJsonLines", "input": {"file": ")" + name +
                                                     R"(.in"}, "parameters": {"path": ")" + (ws.dir / "a" / name).string() +
                                                     R"(", "range": )" + range + "}}]}"),
                              "2025-06-02T00:00:00Z");
        REQUIRE(r.exit_code == 0);
    };
    write("1.jsonl", R"({"TimeSent":"2025-01-01T01:00:00Z"})" "\n", R"({"from": null, "to": {"state": 1}})");
    write("2.jsonl.gz", R"({"TimeSent":"2025-01-02T01:00:00Z"})" "\n", R"({"from": {"state": 1}, "to": {"state": 2}})");
    write("3.jsonl", "", R"({"from": {"state": 2}, "to": {"state": 3}})");  // a night with no chats
    write("4.jsonl", R"({"TimeSent":"2025-01-04T01:00:00Z"})" "\n", R"({"from": {"state": 3}, "to": {"state": 4}})");
    auto good = verify(ws.dir / "a");
    INFO(good.out);
    CHECK(good.exit_code == 0);
    CHECK(has(good.out, R"(4 archive files, 3 records, each matching its manifest (SHA-256, records, first and last TimeSent); the ranges join with no gap and no overlap from null to {"state":4})"));

    write("6.jsonl", R"({"TimeSent":"2025-01-06T01:00:00Z"})" "\n", R"({"from": {"state": 5}, "to": {"state": 6}})");
    write("3b.jsonl", R"({"TimeSent":"2025-01-03T01:00:00Z"})" "\n", R"({"from": {"state": 2}, "to": {"state": 3}})");
    auto bad = verify(ws.dir / "a");
    INFO(bad.out);
    CHECK(bad.exit_code == 1);
    CHECK(has(bad.out, R"(6.jsonl: leaves a gap after 4.jsonl: 4.jsonl runs to {"state":4}, this file starts at {"state":5})"));
    CHECK(has(bad.out, R"(3b.jsonl: overlaps 3.jsonl: 3.jsonl runs to {"state":3}, this file starts at {"state":2} (a period archived twice))"));
    CHECK(has(bad.out, "nodehost verify: 2 problems in "));
}
