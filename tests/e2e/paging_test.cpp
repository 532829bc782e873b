// Return All against every way an OData server may page by itself (the emulator, a real
// HTTP server, configured for each): answers capped below, at and above the $top asked;
// the rest pointed at by next links with $skip (as ASP.NET OData writes them), with an
// opaque $skiptoken, or not at all; with and without @odata.count; data whose total is a
// multiple of the page and of the server's cap, and runs of records sharing one instant,
// larger than a page. At concurrency 1 (paging by TimeSent) and 4 (by $skip, pages in
// flight), each export hands on every record exactly once, in order, and succeeds.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace testsupport;

namespace {

constexpr const char *download = "threecx.downloadChatHistory";

std::vector<std::string> records_of(const Execution &e) {
    std::vector<std::string> out;
    for (const auto &i : e.items)
        if (i.json.rfind(R"({"@odata.count")", 0) != 0) out.push_back(i.json);
    return out;
}

struct Data {
    int chats, same_instant;
};

std::vector<std::string> data_flags(const Data &d) {
    return {"--chats", std::to_string(d.chats), "--same-instant", std::to_string(d.same_instant)};
}

// The data as a server that does not page sends it: one answer, in its TimeSent order.
std::vector<std::string> reference(const EmulatorProcess &emu, const Data &d) {
    emu.admin_post("/admin/paging", R"({"pageCap":0,"counts":true})");
    auto e = execute(download, R"({"clientTimeZone":"UTC"})", emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    auto out = records_of(e);
    REQUIRE(out.size() == static_cast<size_t>(d.chats));
    return out;
}

// Every way the server pages (pages of 10 asked for: caps of 4, 10 and 25; each with next
// links by $skip, by $skiptoken, or none), with the server counting and not, at
// concurrency 1 and 4, with and without the user's count: every record once, in order, and
// success.
void check_paging(const Data &d) {
    EmulatorProcess emu(data_flags(d));
    const auto expected = reference(emu, d);
    std::vector<std::string> servers{R"("pageCap":0)"};
    for (const char *cap : {"4", "10", "25"})
        for (const char *link : {"skip", "skiptoken", "none"})
            servers.push_back(std::string(R"("pageCap":)") + cap + R"(,"nextLink":")" + link + "\"");
    for (const auto &server : servers)
        for (bool server_counts : {true, false}) {
            const std::string paging = "{" + server + R"(,"counts":)" + (server_counts ? "true" : "false") + "}";
            emu.admin_post("/admin/paging", paging);
            const long requests_before = emu.counter("requests");
            for (int concurrency : {1, 4})
                for (bool count : {false, true}) {
                    const std::string p = R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":10,"concurrency":)" +
                                          std::to_string(concurrency) + (count ? R"(,"count":true)" : "") + "}}";
                    INFO("server paging " << paging << ", options " << p);
                    auto e = execute(download, p, emu.credentials());
                    CHECK(e.status == WFNODE_OK);
                    CHECK(e.errors.empty());
                    if (!e.errors.empty()) MESSAGE(e.errors[0].message);
                    CHECK(records_of(e) == expected);
                    if (count && server_counts) {
                        REQUIRE_FALSE(e.items.empty());
                        CHECK(e.items[0].json == R"({"@odata.count":)" + std::to_string(d.chats) + "}");
                    }
                }
            // The server paged as set: with a cap of 4, its $skiptoken links were followed, and
            // only when it sends them.
            const auto targets = emu.requests();
            const size_t sent = static_cast<size_t>(emu.counter("requests") - requests_before);
            REQUIRE(sent <= targets.size());
            const bool tokens = std::any_of(targets.end() - static_cast<ptrdiff_t>(sent), targets.end(),
                                            [](const std::string &t) { return t.find("$skiptoken=") != std::string::npos; });
            if (server.find(R"("pageCap":4,)") != std::string::npos && d.chats > 4)
                CHECK(tokens == (server.find("skiptoken") != std::string::npos));
        }
}

}  // namespace

// One test case per data set, so ctest runs them side by side. Pages of 10 are asked for.
TEST_CASE("paging: no chats") { check_paging({0, 1}); }
TEST_CASE("paging: one chat") { check_paging({1, 1}); }
TEST_CASE("paging: 40 chats, a multiple of the page and of the caps 4 and 10") { check_paging({40, 1}); }
TEST_CASE("paging: 41 chats, the last page the boundary record and one more") { check_paging({41, 1}); }
TEST_CASE("paging: 47 chats") { check_paging({47, 1}); }
TEST_CASE("paging: 40 chats in runs of 3 at one instant") { check_paging({40, 3}); }
TEST_CASE("paging: 60 chats in runs of 25 at one instant, more than a page and than any cap") { check_paging({60, 25}); }
TEST_CASE("paging: 50 chats all at one instant") { check_paging({50, 50}); }

TEST_CASE("paging: the measured exports, 3,000 chats by pages of 1,000 from servers that page by themselves") {
    // Caps of 500 and 1,000 with next links by $skip (as ASP.NET OData): the last TimeSent
    // page held only the boundary record, once taken for "the same page of records twice".
    // A cap of 10 with no next link: without a count once 10 records and success (a silent
    // gap); with one, "promised 3000, sent 10".
    struct Case {
        std::string paging, count;
    };
    const std::vector<Case> cases{{R"({"pageCap":500,"nextLink":"skip"})", ""},
                                  {R"({"pageCap":1000,"nextLink":"skip"})", ""},
                                  {R"({"pageCap":10,"nextLink":"none","counts":false})", ""},
                                  {R"({"pageCap":10,"nextLink":"none","counts":true})", R"(,"count":true)"}};
    const Data d{3000, 1};
    EmulatorProcess emu(data_flags(d));
    const auto expected = reference(emu, d);
    for (const auto &c : cases)
        for (int concurrency : {1, 4}) {
            emu.admin_post("/admin/paging", c.paging);
            INFO("server paging " << c.paging << ", concurrency " << concurrency << c.count);
            auto e = execute(download,
                             R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":1000,"concurrency":)" +
                                 std::to_string(concurrency) + c.count + "}}",
                             emu.credentials());
            CHECK(e.status == WFNODE_OK);
            CHECK(e.errors.empty());
            if (!e.errors.empty()) MESSAGE(e.errors[0].message);
            CHECK(records_of(e) == expected);
        }
}
