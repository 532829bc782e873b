// Reliability: a fault matrix against the emulator. For every fault, alone and mixed, on a
// single request and on Return All exports of 20,000 chats (4,000 under the sanitizers), with
// and without the server's next page links, with and without continue-on-fail, the export
// equals the emulator's records exactly (no duplicate, no gap, same order) or fails with a
// clear error and a failing status. Each test case writes its rows of the table to reliability-<case>.md in the
// working folder (ctest's: build/<preset>/tests), for RELIABILITY.md.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"
#include "wait_until.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace testsupport;

namespace {

constexpr const char *download = "threecx.downloadChatHistory";
constexpr int chats = 20000;
// Under the sanitizers (5 to 20 times slower) the fault matrix runs on a fifth of the data,
// in pages of a fifth the size: still 20 pages (14 of 300 with next links), so every fault
// lands mid-export as often.
#ifdef WFNODE_SANITIZED
constexpr int matrix_chats = 4000;
#else
constexpr int matrix_chats = chats;
#endif
constexpr int matrix_page = matrix_chats / 20;
const std::string all_chats = "Return All, " + std::to_string(matrix_chats);

// Fast retries for tests; a stall is given up on after 1 s.
const std::string retry = R"("maxTries":6,"retryDelayMs":20,"retryMaxDelayMs":1500,"requestTimeoutS":1)";

std::string params(bool return_all) {
    return std::string(R"({"clientTimeZone":"Europe/Berlin","options":{)") +
           (return_all ? R"("returnAll":true,"pageSize":)" + std::to_string(matrix_page) + "," : std::string(R"("top":50,)")) + retry + "}}";
}

// The emulator's data, as a clean export sees it: the reference every faulted run must equal.
const std::vector<std::string> &reference(bool return_all) {
    static std::map<bool, std::vector<std::string>> cache;
    if (!cache.count(return_all)) {
        EmulatorProcess emu({"--chats", std::to_string(matrix_chats)});
        auto e = execute(download, params(return_all), emu.credentials());
        REQUIRE(e.status == WFNODE_OK);
        for (const auto &i : e.items) cache[return_all].push_back(i.json);
    }
    return cache[return_all];
}

struct Row {
    std::string fault, scope, outcome;
    long faults = 0, requests = 0;
    double seconds = 0;
};
std::vector<Row> &rows() {
    static std::vector<Row> r;
    return r;
}

// Writes the rows gathered since the last table (a case's own, also when one process runs
// them all) and starts the next table empty.
void write_table(const std::string &name) {
    std::ofstream out("reliability-" + name + ".md");
    out << "| fault | export | faults injected | requests | outcome | time |\n|---|---|---|---|---|---|\n";
    for (const auto &r : rows())
        out << "| " << r.fault << " | " << r.scope << " | " << r.faults << " | " << r.requests << " | " << r.outcome
            << " | " << static_cast<int>(r.seconds * 1000) << " ms |\n";
    rows().clear();
}

struct Fault {
    std::string name;
    std::string admin;  // the /admin/faults body that arms it
};

// Runs one export under `fault` and checks it equals the reference, or failed clearly.
void check_export(const Fault &fault, bool return_all, bool page_cap, bool continue_on_fail) {
    std::vector<std::string> flags{"--chats", std::to_string(matrix_chats)};
    if (page_cap) flags.insert(flags.end(), {"--page-cap", "300"});
    EmulatorProcess emu(flags);
    if (!fault.admin.empty()) emu.admin_post("/admin/faults", fault.admin);
    const std::string scope = (return_all ? all_chats : std::string("one request, top 50")) +
                              (page_cap ? ", next links" : "") + (continue_on_fail ? ", continue-on-fail" : "");
    INFO(fault.name << " / " << scope);
    auto started = std::chrono::steady_clock::now();
    auto e = execute(download, params(return_all), emu.credentials(), {"{}"}, continue_on_fail);
    Row row{fault.name, scope, "", emu.counter("faults"), emu.counter("requests"),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
    std::vector<std::string> got;
    for (const auto &i : e.items)
        if (i.json.find("\"error\"") == std::string::npos) got.push_back(i.json);
    if (e.status == WFNODE_OK && e.errors.empty()) {
        CHECK(got == reference(return_all));  // every record, once, in order
        row.outcome = got == reference(return_all) ? "complete: " + std::to_string(got.size()) + " records, equal" : "MISMATCH";
    } else {
        // A failure is honest: an error naming what went wrong, never a silent gap.
        REQUIRE_FALSE(e.errors.empty());
        CHECK(!e.errors[0].message.empty());
        if (continue_on_fail) CHECK(e.errors[0].item_index == 0);
        else CHECK(e.status != WFNODE_OK);
        row.outcome = "failed clearly: " + e.errors[0].message.substr(0, 90);
    }
    rows().push_back(row);
}

}  // namespace

// Each fault alone, on a single request and on the four shapes of a Return All export.
void matrix(const std::string &name, const std::vector<Fault> &faults) {
    for (const auto &f : faults)
        for (bool return_all : {false, true})
            for (bool page_cap : {false, true})
                for (bool cof : {false, true}) {
                    if (!return_all && (page_cap || cof)) continue;  // a single request: one shape
                    check_export(f, return_all, page_cap, cof);
                    CHECK(rows().back().outcome.rfind("complete", 0) == 0);  // each alone is survived
                }
    write_table(name);
}

// One test case per fault, so ctest runs them side by side and each stays short under the
// sanitizers.
TEST_CASE("fault matrix: no fault") { matrix("none", {{"none", ""}}); }
TEST_CASE("fault matrix: 429 with Retry-After") { matrix("429", {{"429 with Retry-After", R"({"status429":2})"}}); }
TEST_CASE("fault matrix: 429 without Retry-After") { matrix("429-bare", {{"429 without Retry-After", R"({"status429Bare":2})"}}); }
TEST_CASE("fault matrix: 502") { matrix("502", {{"502", R"({"status502":2})"}}); }
TEST_CASE("fault matrix: 503") { matrix("503", {{"503", R"({"status503":2})"}}); }
TEST_CASE("fault matrix: 504") { matrix("504", {{"504", R"({"status504":2})"}}); }
TEST_CASE("fault matrix: reset mid-body") { matrix("reset", {{"reset mid-body", R"({"resetMidBody":2})"}}); }
TEST_CASE("fault matrix: stalled body") { matrix("stall", {{"stalled body", R"({"stall":1})"}}); }
TEST_CASE("fault matrix: malformed JSON") { matrix("malformed", {{"malformed JSON", R"({"malformedJson":2})"}}); }
TEST_CASE("fault matrix: HTML proxy page") { matrix("html", {{"HTML proxy page", R"({"htmlError":2})"}}); }

// Faults mixed, every third request, on one shape of a Return All export: a case per shape,
// so they run side by side (each waits out its stalls).
void mixed(bool page_cap, bool continue_on_fail) {
    check_export({"mixed: every 3rd request (429, 503, 502, 504, reset, malformed, HTML, stall)", R"({"chaosEvery":3})"},
                 true, page_cap, continue_on_fail);
    CHECK(rows().back().outcome.rfind("complete", 0) == 0);
    CHECK(rows().back().faults >= 5);
    write_table(std::string("mixed") + (page_cap ? "-next-links" : "") + (continue_on_fail ? "-continue-on-fail" : ""));
}
TEST_CASE("fault matrix: faults mixed, every third request, on Return All exports") { mixed(false, false); }
TEST_CASE("fault matrix: faults mixed, every third request, on Return All exports with next links") { mixed(true, false); }
TEST_CASE("fault matrix: faults mixed, every third request, on Return All exports, continue-on-fail") { mixed(false, true); }
TEST_CASE("fault matrix: faults mixed, every third request, on Return All exports with next links, continue-on-fail") {
    mixed(true, true);
}

TEST_CASE("a token revoked mid-export: a new token, the export complete") {
    EmulatorProcess emu({"--chats", std::to_string(matrix_chats)});
    bool revoked = false;
    auto e = execute(download, params(true), emu.credentials(), {"{}"}, false, [&](const Output &o) {
        (void)o;
        if (!revoked) emu.admin_post("/admin/revoke-token"), revoked = true;
    });
    REQUIRE(e.status == WFNODE_OK);
    std::vector<std::string> got;
    for (const auto &i : e.items) got.push_back(i.json);
    CHECK(got == reference(true));
    CHECK(emu.counter("tokenRequests") == 2);
    rows().push_back({"token revoked", all_chats, "complete: " + std::to_string(got.size()) + " records, equal", 1,
                      emu.counter("requests"), 0});
    write_table("token");
}

namespace {

// A server that lies or loops: each case ends the item with an error saying what it did. On
// the matrix's data: a lie is seen within a few pages, so 4,000 chats under the sanitizers
// prove the same as 20,000 (whose pages of 10 cost 2,000 requests there).
struct Lie {
    std::string name, admin, message;
    std::vector<std::string> flags;  // the emulator's, besides the chats
    std::string options;
};
// A server that cuts its pages at 10 without a next link, with runs of 25 chats at one
// instant: paging by TimeSent passes such a run by $skip within it.
const std::vector<std::string> silent_cap_runs{"--page-cap", "10", "--next-link", "none", "--same-instant", "25"};
const std::string promised =
    "promised " + std::to_string(matrix_chats + 100) + " records (@odata.count) and sent " + std::to_string(matrix_chats);

void lies(const std::string &table, const std::vector<Lie> &cases) {
    for (const auto &c : cases) {
        INFO(c.name);
        std::vector<std::string> flags{"--chats", std::to_string(matrix_chats)};
        flags.insert(flags.end(), c.flags.begin(), c.flags.end());
        EmulatorProcess emu(flags);
        emu.admin_post("/admin/faults", c.admin);
        auto started = std::chrono::steady_clock::now();
        auto e = execute(download, R"({"clientTimeZone":"UTC","options":{)" + c.options + "}}", emu.credentials(), {"{}"}, true);
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const long requests = emu.counter("requests");
        CHECK(e.status == WFNODE_OK);  // continue-on-fail: the execution goes on, the item carries the error
        REQUIRE(e.errors.size() == 1);
        CHECK(e.errors[0].item_index == 0);
        CHECK(e.errors[0].message.find(c.message) != std::string::npos);
        if (c.options.find("returnAll") != std::string::npos)
            CHECK(e.errors[0].message.find("the export stopped after") != std::string::npos);
        // It ended by seeing the lie, not by running out of tries: the chats take at most a
        // page of 300 each (one of 10 where pages are cut at 10), the token, and retries.
        CHECK(requests <= (c.flags == silent_cap_runs ? matrix_chats / 10 : matrix_chats / 300) + 20);
        rows().push_back({c.name, "hostile server", "failed clearly: " + e.errors[0].message.substr(0, 90), 0, requests, seconds});
    }
    write_table(table);
}

}  // namespace

TEST_CASE("a server that lies or loops in its paging ends the item with an error saying what it did") {
    lies("hostile-paging",
         {{"next link cycle", R"({"nextLinkCycle":true})", "twice", {"--page-cap", "300"}, R"("returnAll":true,"pageSize":1000)"},
          {"$skip ignored", R"({"ignoreSkip":true})", "the same page of records twice", {},
           R"("returnAll":true,"pageSize":1000,"orderby":"TimeSent")"},
          {"$skip ignored within an instant", R"({"ignoreSkip":true})",
           "the server sent a record it had sent before where $skip passed over", silent_cap_runs, R"("returnAll":true,"pageSize":1000)"}});
}

TEST_CASE("a server that lies in its count ends the item with an error saying what it did") {
    lies("hostile-count",
         {{"count larger than the data", R"({"countExcess":100})", promised, {},
           R"("returnAll":true,"pageSize":1000,"count":true,"orderby":"TimeSent")"},
          {"count larger than the data, paging by TimeSent", R"({"countExcess":100})", promised, {},
           R"("returnAll":true,"pageSize":1000,"count":true)"},
          {"count larger than the data, pages cut silently", R"({"countExcess":100})", promised,
           {"--page-cap", "300", "--next-link", "none"}, R"("returnAll":true,"pageSize":1000,"count":true)"}});
}

TEST_CASE("a server that sends bad records, a bomb or a trickle ends the item with an error saying what it did") {
    lies("hostile-records",
         {{"a record that is not an object", R"({"badRecords":true})", "is not a JSON object", {}, R"("top":5)"},
          {"a record over 16 MiB", R"({"hugeRecord":true})", "larger than 16 MiB", {}, R"("top":5)"},
          {"a gzip bomb", R"({"gzipBomb":true})", "compression bomb", {}, R"("top":5)"},
          {"a server trickling a byte per 100 ms", R"({"trickle":true})", "timed out", {}, R"("top":5,"maxTries":1,"requestTimeoutS":2)"}});
}

TEST_CASE("a purge is tried again only when the server cannot have acted on it") {
    EmulatorProcess emu({"--chats", "2000"});
    const std::string purge = "threecx.purgeChats";
    const std::string p = R"({"period":{"Stop":"2025-03-01T00:00:00Z"},"options":{"maxTries":4,"retryDelayMs":20}})";
    // 503 and 429 come before the server acts: tried again, and the purge happens once.
    emu.admin_post("/admin/faults", R"({"status503":1,"status429Bare":1})");
    auto e = execute(purge, p, emu.credentials());
    CHECK(e.status == WFNODE_OK);
    CHECK(emu.counter("purges") == 1);
    // 502 and 504 come from a gateway that may have passed the purge on: not tried again.
    emu.admin_post("/admin/faults", R"({"status502":1})");
    auto gw = execute(purge, p, emu.credentials());
    CHECK(gw.status == WFNODE_ERR_API);
    REQUIRE(gw.errors.size() == 1);
    CHECK(gw.errors[0].http_status == 502);
    CHECK(emu.counter("purges") == 1);
}

TEST_CASE("cancellation stops a running export mid-page, and nothing is sent after it") {
    EmulatorProcess emu({"--chats", std::to_string(chats)});
    emu.admin_post("/admin/faults", R"({"trickle":true})");  // a page takes hours: only cancelling ends it
    wfnode::ExecuteCall call;
    call.node_type = download;
    call.credentials = emu.credentials();
    call.parameters = R"({"clientTimeZone":"UTC","options":{"returnAll":true,"requestTimeoutS":60}})";
    call.items = {"{}"};
    std::atomic<bool> cancel{false};
    bool page_asked = false;
    long requests_at_cancel = 0;
    std::chrono::steady_clock::time_point cancelled_at;
    wfnode::ExecuteCallbacks cb;
    cb.is_cancelled = [&] { return cancel.load(); };
    std::thread canceller([&] {
        // Mid-page: the emulator has the page's request, and its body trickles.
        page_asked = wait_until([&] {
            for (const auto &target : emu.requests())
                if (target.find("DownloadChatHistory") != std::string::npos) return true;
            return false;
        });
        requests_at_cancel = emu.counter("requests");
        cancelled_at = std::chrono::steady_clock::now();
        cancel = true;
    });
    auto status = plugin().execute(call, cb);
    auto stopped = std::chrono::steady_clock::now();
    canceller.join();
    REQUIRE(page_asked);
    CHECK(status == WFNODE_ERR_CANCELLED);
    CHECK(emu.counter("requests") == requests_at_cancel);
    // Only a hang fails here: the page would take hours, its request times out after 60 s.
    const double seconds = std::chrono::duration<double>(stopped - cancelled_at).count();
    MESSAGE("stopped " << static_cast<int>(seconds * 1000) << " ms after the cancel");
    CHECK(seconds < 30);
}

TEST_CASE("a purge during an export: no record that existed for the whole export is skipped") {
    // Paging by TimeSent (the default for Return All) misses nothing; paging by $skip (forced
    // here by an $orderby of the user's) would skip records the purge shifted, so it fails
    // the export instead, never silently.
    // In 40 pages: a quarter of them out, the purge takes the oldest 15% (on the matrix's
    // data, so the sanitizers' runs keep the 40 pages).
    const int n = matrix_chats, purged_at = n / 4, purge_upto = n * 3 / 20;
    for (bool by_time : {true, false}) {
        INFO((by_time ? "paging by TimeSent" : "paging by $skip"));
        EmulatorProcess emu({"--chats", std::to_string(n)});
        const std::string p = std::string(R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":)") + std::to_string(n / 40) +
                              (by_time ? "" : R"(,"orderby":"TimeSent")") + "}}";
        std::vector<std::string> before;
        for (const auto &i : execute(download, p, emu.credentials()).items) before.push_back(i.json);
        REQUIRE(before.size() == static_cast<size_t>(n));
        // Once a quarter is out, purge the oldest 15% (records already exported).
        auto last_purged = parse(before[static_cast<size_t>(purge_upto - 1)]);
        const std::string stop = last_purged["TimeSent"].GetString();
        bool purged = false;
        std::set<std::string> exported;
        auto e = execute(download, p, emu.credentials(), {"{}"}, false, [&](const Output &o) {
            exported.insert(o.json);
            if (!purged && exported.size() == static_cast<size_t>(purged_at)) {
                purged = true;
                auto r = execute("threecx.purgeChats", R"({"period":{"Stop":")" + stop + R"("}})", emu.credentials());
                REQUIRE(r.status == WFNODE_OK);
            }
        });
        REQUIRE(purged);
        std::vector<std::string> after;
        for (const auto &i : execute(download, p, emu.credentials()).items) after.push_back(i.json);
        CHECK(after.size() == static_cast<size_t>(n - purge_upto));
        size_t missed = 0;  // records there before and after, yet not exported
        for (const auto &r : after) missed += !exported.count(r);
        if (by_time) {
            CHECK(e.status == WFNODE_OK);
            CHECK(missed == 0);
        } else {
            // It would have skipped records: the count it asks for on every page changed.
            CHECK(missed > 0);
            CHECK(e.status == WFNODE_ERR_API);
            REQUIRE(e.errors.size() == 1);
            CHECK(e.errors[0].message.find("the data changed during the export") != std::string::npos);
        }
        rows().push_back({"purge of " + std::to_string(purge_upto) + " older chats of " + std::to_string(n) + " mid-export", by_time ? "Return All, paging by TimeSent" : "Return All, paging by $skip",
                          by_time ? "complete: every record that existed throughout was exported"
                                  : "failed clearly (it would have skipped " + std::to_string(missed) + "): " +
                                        (e.errors.empty() ? std::string() : e.errors[0].message.substr(0, 70)),
                          1, emu.counter("requests"), 0});
    }
    write_table("concurrent");
}

TEST_CASE("four processes with one client id export at once and share one token") {
    EmulatorProcess emu({"--chats", "5000", "--latency-ms", "20"});
    const std::string creds = emu.credentials_argument();
    std::vector<std::thread> runs;
    std::vector<CommandResult> results(4);
    for (int i = 0; i < 4; ++i)
        runs.emplace_back([&, i] {
            results[static_cast<size_t>(i)] =
                run({NODEHOST_PATH, "exec", PLUGIN_PATH, download, "--params",
                     R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":500}})", "--credentials", creds});
        });
    for (auto &t : runs) t.join();
    for (const auto &r : results) {
        CHECK(r.exit_code == 0);
        CHECK(lines(r.out).size() == 5000);
    }
    // One process fetched the token while holding the store's lock; the others took it.
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(emu.counter("unauthorised") == 0);
    rows().push_back({"4 processes, one client id, at once", "Return All, 5,000 each", "complete: 4 x 5000 records",
                      0, emu.counter("requests"), 0});
    write_table("processes");
}

TEST_CASE("ABI 1.1: a host token store is used, and a 1.0 host without extensions still runs") {
    EmulatorProcess emu({"--chats", "100"});
    // A host store backed by a map: what the plugin stores, and that it asks for it.
    struct Store {
        std::map<std::string, std::string> records;
        int puts = 0, gets = 0, locks = 0;
    } store;
    static Store *current = nullptr;
    current = &store;
    static const wfnode_token_store api = {
        sizeof(wfnode_token_store),
        [](const wfnode_host *, const char *) { ++current->locks; },
        [](const wfnode_host *, const char *) {},
        [](const wfnode_host *, const char *key, char *buf, size_t cap) -> size_t {
            ++current->gets;
            auto it = current->records.find(key);
            if (it == current->records.end()) return 0;
            if (it->second.size() < cap) std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
            return it->second.size();
        },
        [](const wfnode_host *, const char *key, const char *record) {
            ++current->puts;
            current->records[key] = record;
        }};
    wfnode::ExecuteCall call;
    call.node_type = download;
    call.parameters = R"({"clientTimeZone":"UTC","options":{"top":3}})";
    call.items = {"{}"};
    int items = 0;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t, std::string_view) { return ++items, true; };
    cb.get_extension = [](std::string_view id) -> const void * { return id == WFNODE_EXT_TOKEN_STORE ? &api : nullptr; };
    // A different key than other tests: a fresh in-process entry, so the store is consulted.
    EmulatorProcess emu_key({"--chats", "100", "--client-secret", "host-store-key"});
    call.credentials = emu_key.credentials("host-store-key");
    CHECK(plugin().execute(call, cb) == WFNODE_OK);
    CHECK(items == 3);
    CHECK(store.locks == 1);
    CHECK(store.gets == 1);
    REQUIRE(store.puts == 1);
    const std::string record = store.records.begin()->second;
    CHECK(record.find("\"token\":\"emu-") != std::string::npos);
    CHECK(record.find("host-store-key") == std::string::npos);  // the key itself is never stored
    CHECK(store.records.begin()->first.find(emu_key.client_id()) == std::string::npos);  // nor the client id in clear

    // A host built against ABI 1.0: its struct ends before get_extension.
    struct Collected {
        int items = 0;
    } collected;
    wfnode_host old{};
    old.struct_size = offsetof(wfnode_host, get_extension);
    old.host_data = &collected;
    old.emit_item = [](const wfnode_host *h, uint32_t, const char *, size_t) -> wfnode_status {
        ++static_cast<Collected *>(h->host_data)->items;
        return WFNODE_OK;
    };
    old.emit_error = [](const wfnode_host *, const wfnode_error *) {};
    old.get_extension = [](const wfnode_host *, const char *) -> const void * {
        FAIL("a 1.0 host has no get_extension: the plugin must not call past struct_size");
        return nullptr;
    };
    wfnode_item item{"{}", nullptr};
    const std::string creds = emu.credentials();
    wfnode_execute_request req{};
    req.struct_size = sizeof req;
    req.node_type = download;
    req.parameters_json = R"({"clientTimeZone":"UTC","options":{"top":2}})";
    req.credentials_json = creds.c_str();
    req.items = &item;
    req.item_count = 1;
    CHECK(plugin().api().execute(&req, &old) == WFNODE_OK);
    CHECK(collected.items == 2);
}

TEST_CASE("count with Return All and small pages: the boundary records asked for again are not counted twice") {
    EmulatorProcess emu({"--chats", "3000"});
    for (const char *page : {"1", "7"}) {
        INFO("pageSize " << page);
        auto e = execute(download, std::string(R"({"clientTimeZone":"UTC","options":{"returnAll":true,"count":true,"pageSize":)") +
                                       page + "}}",
                         emu.credentials());
        CHECK(e.status == WFNODE_OK);
        CHECK(e.errors.empty());
        REQUIRE(e.items.size() == 3001);
        CHECK(e.items[0].json == R"({"@odata.count":3000})");
    }
}

TEST_CASE("concurrency 4: the same records in the same order as one page at a time under every fault") {
    // Pages in flight at once, on connections of their own; each page is still retried and
    // checked alone, and records are handed on in page order.
    for (bool page_cap : {false, true})
        for (const char *faults : {"", R"({"chaosEvery":3})"}) {
            INFO((page_cap ? "next links" : "no next links") << " / faults " << faults);
            std::vector<std::string> flags{"--chats", std::to_string(matrix_chats)};
            if (page_cap) flags.insert(flags.end(), {"--page-cap", "300"});
            EmulatorProcess emu(flags);
            if (*faults) emu.admin_post("/admin/faults", faults);
            const std::string p = R"({"clientTimeZone":"Europe/Berlin","options":{"returnAll":true,"pageSize":)" +
                                  std::to_string(matrix_page) + R"(,"concurrency":4,)" + retry + "}}";
            auto e = execute(download, p, emu.credentials());
            CHECK(e.status == WFNODE_OK);
            CHECK(e.errors.empty());
            std::vector<std::string> got;
            for (const auto &i : e.items) got.push_back(i.json);
            CHECK(got == reference(true));
            if (*faults) CHECK(emu.counter("faults") >= 5);
            rows().push_back({*faults ? "mixed: every 3rd request" : "none",
                              all_chats + ", concurrency 4" + (page_cap ? ", next links" : ""),
                              got == reference(true) ? "complete: " + std::to_string(got.size()) + " records, equal" : "MISMATCH",
                              emu.counter("faults"), emu.counter("requests"), 0});
        }
    write_table("concurrency");
}

TEST_CASE("concurrency 4: a purge during the export ends it with an error and never a silent gap") {
    EmulatorProcess emu({"--chats", std::to_string(chats)});
    const std::string p = R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":500,"concurrency":4}})";
    std::vector<std::string> before;
    for (const auto &i : execute(download, p, emu.credentials()).items) before.push_back(i.json);
    REQUIRE(before.size() == static_cast<size_t>(chats));
    const std::string stop = parse(before[2999])["TimeSent"].GetString();
    bool purged = false;
    size_t exported = 0;
    auto e = execute(download, p, emu.credentials(), {"{}"}, false, [&](const Output &) {
        if (!purged && ++exported == 5000) {
            purged = true;
            REQUIRE(execute("threecx.purgeChats", R"({"period":{"Stop":")" + stop + R"("}})", emu.credentials()).status == WFNODE_OK);
        }
    });
    REQUIRE(purged);
    CHECK(e.status == WFNODE_ERR_API);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].message.find("the data changed during the export") != std::string::npos);
}

TEST_CASE("pages of one record each are told apart even when records share their first and last bytes") {
    // Chats of one conversation begin and end alike; a page fingerprint of only those bytes
    // took two different pages for one and stopped a healthy export.
    // A request per record: 600 under the sanitizers, still 600 pages whose records share their bytes.
#ifdef WFNODE_SANITIZED
    constexpr size_t one_record_pages = 600;
#else
    constexpr size_t one_record_pages = 3000;
#endif
    EmulatorProcess emu({"--chats", std::to_string(one_record_pages)});
    for (const char *extra : {R"("orderby":"ConversationId")", R"("concurrency":2)"}) {
        INFO(extra);
        auto e = execute(download, std::string(R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":1,)") + extra + "}}",
                         emu.credentials());
        CHECK(e.status == WFNODE_OK);
        CHECK(e.errors.empty());
        CHECK(e.items.size() == one_record_pages);
    }
}

TEST_CASE("pages by $skip always name an order: the user's or TimeSent") {
    // Without $orderby a server need not keep the same order from one request to the next.
    EmulatorProcess emu({"--chats", "5000"});
    auto e = execute(download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":1000,"concurrency":4}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    size_t pages = 0;
    for (const auto &line : emu.requests())
        if (line.rfind("GET /xapi/v1/ChatHistoryView", 0) == 0) {
            ++pages;
            CHECK(line.find("$orderby=TimeSent") != std::string::npos);
        }
    CHECK(pages == 5);
}
