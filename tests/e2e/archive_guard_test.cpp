// The purge guarded by the archive, end to end through `nodehost run`: host.checkArchived
// proves every chat the PBX holds up to a Stop is in an archive file that matches its
// manifest, bounded by the export's committed checkpoint; a step's "archivedBy" holds the
// purge to the proven period and feeds Purge Chats the count it must not exceed. Every
// refusal purges nothing, which the emulator's purge log shows.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <set>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

constexpr const char *night = "2026-01-01T02:00:00Z";  // the emulator's data ends at 2026-01-01
constexpr const char *retention = "2025-06-01T00:00:00Z";

// The nightly archive job with the purge of what is older than `before`.
rapidjson::Document job(const std::string &before) {
    rapidjson::Document d;
    d.Parse(R"({"name": "guarded", "state": "archive/guarded.state.json",
      "credentials": {"pbx": {"type": "threecxApi", "file": "pbx.json"}},
      "steps": [
        {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
         "parameters": {"clientTimeZone": "UTC", "options": {"incremental": true, "pageSize": 500}}},
        {"name": "jsonl", "node": "host.writeJsonLines", "input": "export",
         "parameters": {"path": "archive/chats-{{ $now.format('yyyy-MM-dd') }}.jsonl.gz"}},
        {"name": "still-on-pbx", "node": "threecx.downloadChatHistory", "credential": "pbx",
         "parameters": {"clientTimeZone": "UTC", "options": {"returnAll": true, "pageSize": 500, "filter": ""}}},
        {"name": "archived", "node": "host.checkArchived", "input": "still-on-pbx",
         "parameters": {"archive": "archive", "export": "export", "before": ""}},
        {"name": "purge", "node": "threecx.purgeChats", "credential": "pbx", "archivedBy": "archived",
         "parameters": {"period": {"All": false, "Start": null, "Stop": ""}}}
      ]})");
    REQUIRE(!d.HasParseError());
    rapidjson::Pointer("/steps/2/parameters/options/filter").Set(d, ("TimeSent le " + before).c_str());
    rapidjson::Pointer("/steps/3/parameters/before").Set(d, before.c_str());
    rapidjson::Pointer("/steps/4/parameters/period/Stop").Set(d, before.c_str());
    return d;
}

std::string text(const rapidjson::Value &v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
}

// The job in a scratch folder of its own: host steps' paths are relative to the working
// directory, so the pipeline names them absolutely.
struct Job {
    EmulatorProcess &emu;
    ScratchDir dir{"archive-guard"};
    explicit Job(EmulatorProcess &e) : emu(e) { dir.write("pbx.json", emu.credentials()); }
    CommandResult run(rapidjson::Document &pipeline, const std::string &now = night, bool dry_run = false) {
        for (auto &step : pipeline["steps"].GetArray()) {
            auto &params = step["parameters"];
            for (const char *name : {"path", "archive"})
                if (params.HasMember(name) && !fs::path(params[name].GetString()).is_absolute())
                    params[name].SetString(dir.path(params[name].GetString()).c_str(), pipeline.GetAllocator());
        }
        std::vector<std::string> argv{NODEHOST_PATH, "run", dir.write("job.json", text(pipeline)), "--plugin", PLUGIN_PATH,
                                      "--now", now, "-q"};
        if (dry_run) argv.push_back("--dry-run");
        return testsupport::run(argv);
    }
};

bool has(const std::string &haystack, const std::string &needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("a guarded purge deletes exactly the proven period, once every chat of it is in a durable archive file") {
    EmulatorProcess emu({"--chats", "2000"});
    Job j(emu);
    auto d = job(retention);
    auto r = j.run(d);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto purges = emu.purges();
    REQUIRE(purges.size() == 1);
    CHECK(purges[0].stop == retention);
    CHECK(!purges[0].removed.empty());
    // Every chat it removed is in the archive file, which verify vouches for.
    auto verify = testsupport::run({NODEHOST_PATH, "verify", j.dir.path("archive")});
    CHECK(verify.exit_code == 0);
    CHECK(emu.counter("chats") == 2000 - static_cast<long>(purges[0].removed.size()));
}

TEST_CASE("no committed checkpoint yet: the check refuses and nothing is purged") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    // The archive file is written after the check: the export cannot have committed yet.
    auto d = job(retention);
    rapidjson::Value writer(d["steps"][1], d.GetAllocator());
    d["steps"].Erase(d["steps"].Begin() + 1);
    d["steps"].PushBack(writer, d.GetAllocator());
    auto r = j.run(d);
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "step \"export\" has no committed checkpoint (it has not completed a run yet): nothing is proven archived"));
    CHECK(emu.purges().empty());
    CHECK(emu.counter("chats") == 500);
}

TEST_CASE("a period past the export's checkpoint is refused: what came after it is not archived") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    auto d = job("2025-12-31T00:00:00Z");
    // The export stops earlier than the period to purge.
    rapidjson::Pointer("/steps/0/parameters/options/endBefore").Set(d, "2025-10-01T00:00:00Z");
    auto r = j.run(d);
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "the period to prove reaches 2025-12-31T00:00:00Z, past what step \"export\" has archived"));
    CHECK(emu.purges().empty());
}

TEST_CASE("a chat the archive lacks stops the purge, named by how many and the first one's TimeSent") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    // First night: everything archived, the purge done.
    auto d = job(retention);
    REQUIRE(j.run(d).exit_code == 0);
    REQUIRE(emu.purges().size() == 1);
    // Two chats reach the history a year late, older than any window re-reads: the export
    // cannot see them, and the next purge would delete them unarchived.
    emu.add_chats(R"([{"TimeSent": "2025-06-10T08:00:00Z", "arrival": "2026-01-01T12:00:00Z"},
                      {"TimeSent": "2025-06-11T09:30:00Z", "arrival": "2026-01-01T12:00:00Z"}])");
    emu.set_clock("2026-01-02T02:00:00Z");
    auto later = job("2025-07-01T00:00:00Z");
    auto r = j.run(later, "2026-01-02T02:00:00Z");
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "2 of the "));
    CHECK(has(r.err, "chats the PBX holds up to 2025-07-01T00:00:00Z are in no archive file"));
    CHECK(has(r.err, "(the first of them sent at 2025-06-10T08:00:00Z): they would be lost"));
    CHECK(emu.purges().size() == 1);  // only the first night's
}

TEST_CASE("an archive file changed after it was written vouches for nothing: the purge is refused") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    auto first = job("2025-03-01T00:00:00Z");
    REQUIRE(j.run(first).exit_code == 0);
    // One byte of the archive file changed (a gzip member stays a valid stream only by luck:
    // either way the SHA-256 no longer matches).
    fs::path file;
    for (const auto &e : fs::directory_iterator(j.dir.path("archive")))
        if (e.path().string().ends_with(".jsonl.gz")) file = e.path();
    REQUIRE(!file.empty());
    std::string bytes = j.dir.read(fs::relative(file, j.dir.dir()).string());
    bytes[bytes.size() / 2] ^= 0x20;
    j.dir.write(fs::relative(file, j.dir.dir()).string(), bytes);
    emu.set_clock("2026-01-02T02:00:00Z");
    auto second = job(retention);
    auto r = j.run(second, "2026-01-02T02:00:00Z");
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "does not match its manifest"));
    CHECK(emu.purges().size() == 1);
}

TEST_CASE("the guarded purge's period must be the proven one, and its count is the guard's to set") {
    EmulatorProcess emu({"--chats", "500"});
    struct Case {
        const char *pointer;
        const char *value;  // JSON
        const char *message;
    };
    const Case cases[] = {
        {"/steps/4/parameters/period/Stop", R"("2025-07-01T00:00:00Z")", "its period's Stop (\"2025-07-01T00:00:00Z\") is not the proven one (2025-06-01T00:00:00Z)"},
        {"/steps/4/parameters/period/Start", R"("2025-01-01T00:00:00Z")", "its period sets a Start"},
        // Past the node's own check (purging everything needs confirmPurgeAll): the guard's.
        {"/steps/4/parameters", R"({"period": {"All": true, "Start": null, "Stop": null}, "confirmPurgeAll": true})",
         "its period sets All"},
        {"/steps/4/parameters/options", R"({"archivedCount": 100000})", "options.archivedCount is the archive guard's to set"},
        // An expression is held to the same once evaluated, and a period given as JSON text too.
        {"/steps/4/parameters/period/Stop", R"("{{ $today.minus(300, 'days') }}")",
         "its period's Stop (\"2025-03-07T00:00:00Z\") is not the proven one"},
        {"/steps/4/parameters/period", R"("{\"All\": false, \"Stop\": \"2025-05-01T00:00:00Z\"}")",
         "its period's Stop (\"2025-05-01T00:00:00Z\") is not the proven one"},
    };
    for (const auto &c : cases) {
        CAPTURE(c.pointer);
        Job j(emu);  // a first night each: the archive and its checkpoint are committed before the purge is refused
        auto d = job(retention);
        rapidjson::Document v;
        v.Parse(c.value);
        rapidjson::Pointer(c.pointer).Set(d, v);
        auto r = j.run(d);
        INFO(r.err);
        CHECK(r.exit_code != 0);
        CHECK(has(r.err, c.message));
        CHECK(has(r.err, "nothing was purged"));
        CHECK(emu.purges().empty());
    }
    CHECK(emu.counter("chats") == 500);
}

TEST_CASE("Purge Chats with archivedCount counts the period just before deleting, and more chats than proven purge nothing") {
    EmulatorProcess emu({"--chats", "500"});
    const std::string stop = R"({"period":{"Stop":"2025-06-01T00:00:00Z"},"options":{"archivedCount":)";
    auto preview = execute("threecx.purgeChats", R"({"period":{"Stop":"2025-06-01T00:00:00Z"},"options":{"dryRun":true}})",
                           emu.credentials());
    REQUIRE(preview.status == WFNODE_OK);
    rapidjson::Document p;
    p.Parse(preview.items.at(0).json.c_str());
    const int64_t matched = p["matchedChats"].GetInt64();
    REQUIRE(matched > 0);
    auto refused = execute("threecx.purgeChats", stop + std::to_string(matched - 1) + "}}", emu.credentials());
    CHECK(refused.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(refused.errors.size() == 1);
    CHECK(has(refused.errors[0].message, "1 would be purged that no archive file holds; nothing purged"));
    CHECK(emu.purges().empty());
    auto done = execute("threecx.purgeChats", stop + std::to_string(matched) + "}}", emu.credentials());
    CHECK(done.status == WFNODE_OK);
    REQUIRE(emu.purges().size() == 1);
    CHECK(static_cast<int64_t>(emu.purges()[0].removed.size()) == matched);
}

TEST_CASE("a dry run of the guarded job checks and previews, and commits, writes and purges nothing") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    auto first = job("2025-03-01T00:00:00Z");
    REQUIRE(j.run(first).exit_code == 0);
    const std::string state = j.dir.read("archive/guarded.state.json");
    emu.set_clock("2026-01-02T02:00:00Z");
    auto second = job(retention);
    auto r = j.run(second, "2026-01-02T02:00:00Z", true);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(emu.purges().size() == 1);  // the first night's only
    CHECK(j.dir.read("archive/guarded.state.json") == state);
    CHECK(!fs::exists(j.dir.path("archive/chats-2026-01-02.jsonl.gz")));
}

TEST_CASE("a failed step after the export leaves no archive file and no checkpoint: the next run writes both") {
    EmulatorProcess emu({"--chats", "500"});
    Job j(emu);
    // A CSV writer that fails (its folder is a file) after the archive writer.
    auto d = job(retention);
    rapidjson::Document csv;
    csv.Parse(R"({"name": "csv", "node": "host.writeCsv", "input": "export", "parameters": {"path": "blocked/chats.csv"}})");
    // csv right after jsonl: the steps after it move one on.
    auto &steps = d["steps"];
    steps.PushBack(rapidjson::Value(csv, d.GetAllocator()), d.GetAllocator());
    for (rapidjson::SizeType i = steps.Size() - 1; i > 2; --i) std::swap(steps[i], steps[i - 1]);
    j.dir.write("blocked", "a file, not a folder");
    auto r = j.run(d);
    CHECK(r.exit_code == 1);
    CHECK(!fs::exists(j.dir.path("archive/chats-2026-01-01.jsonl.gz")));
    CHECK(!fs::exists(j.dir.path("archive/guarded.state.json")));
    CHECK(emu.purges().empty());
    fs::remove(j.dir.path("blocked"));
    auto again = j.run(d);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(fs::exists(j.dir.path("archive/chats-2026-01-01.jsonl.gz")));
    CHECK(emu.purges().size() == 1);
}

TEST_CASE("a crash between an archive file's rename and its checkpoint's commit: the next run's file supersedes it") {
    EmulatorProcess emu({"--chats", "600", "--clock", "2025-10-01T02:00:00Z"});
    Job j(emu);
    auto first = job("2024-06-01T00:00:00Z");
    REQUIRE(j.run(first, "2025-10-01T02:00:00Z").exit_code == 0);
    // The second night's file is renamed into place, and then the process dies before the
    // checkpoint is written: the state the night started from is what is left.
    const std::string before = j.dir.read("archive/guarded.state.json");
    emu.set_clock("2025-11-01T02:00:00Z");
    auto second = job("2024-06-01T00:00:00Z");
    REQUIRE(j.run(second, "2025-11-01T02:00:00Z").exit_code == 0);
    j.dir.write("archive/guarded.state.json", before);
    // The third night exports the second night's chats again, and more.
    emu.set_clock("2025-12-01T02:00:00Z");
    auto third = job("2024-06-01T00:00:00Z");
    auto r = j.run(third, "2025-12-01T02:00:00Z");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.err, "chats-2025-11-01.jsonl.gz was left by a run whose checkpoint was never committed"));
    CHECK(fs::exists(j.dir.path("archive/chats-2025-11-01.jsonl.gz.superseded")));
    CHECK(!fs::exists(j.dir.path("archive/chats-2025-11-01.jsonl.gz")));
    auto verify = testsupport::run({NODEHOST_PATH, "verify", j.dir.path("archive")});
    INFO(verify.out);
    CHECK(verify.exit_code == 0);
    // Every chat the PBX has shown so far is in the archive once (the purge's period, before the
    // data begins, purged none).
    std::multiset<std::string> archived;
    for (const auto &e : fs::directory_iterator(j.dir.path("archive")))
        if (e.path().string().ends_with(".jsonl.gz")) {
            auto read = testsupport::run({"/usr/bin/gzip", "-dc", e.path().string()});
            for (size_t at = 0; at < read.out.size();) {
                const size_t end = read.out.find('\n', at);
                archived.insert(read.out.substr(at, end - at));
                at = end + 1;
            }
        }
    CHECK(archived.size() == static_cast<size_t>(emu.counter("chats")));
    CHECK(std::set<std::string>(archived.begin(), archived.end()).size() == archived.size());
}
