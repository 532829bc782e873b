// The generic 3CX node (threecx.xapi) end to end against the emulator's WebsiteLinks: a
// collection with Return All through the pagers, an entity by a string key whose quote must
// be doubled, a guarded DELETE refused (nothing sent) and then confirmed.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace testsupport;

namespace {

size_t count_of(const std::vector<std::string> &requests, const std::string &prefix) {
    return static_cast<size_t>(std::count_if(requests.begin(), requests.end(), [&](const std::string &r) { return r.starts_with(prefix); }));
}

}  // namespace

TEST_CASE("Return All reads every entity of a collection, page after page, in its key's order") {
    EmulatorProcess emu;
    auto e = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"ListWeblink","options":{"returnAll":true,"pageSize":10}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    auto links = records(e);
    REQUIRE(links.size() == 26);
    CHECK(std::string(links[0]["Link"].GetString()) == "O'Brien");
    CHECK(std::string(links[25]["Link"].GetString()) == "link-25");
    const auto sent = emu.requests();
    CHECK(count_of(sent, "GET /xapi/v1/WebsiteLinks?$top=10&$orderby=Link&$count=true") == 1);
    CHECK(count_of(sent, "GET /xapi/v1/WebsiteLinks?$top=10&$skip=10&$orderby=Link&$count=true") == 1);
    CHECK(count_of(sent, "GET /xapi/v1/WebsiteLinks?$top=10&$skip=20&$orderby=Link&$count=true") == 1);

    auto top = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"ListWeblink","options":{"top":3}})", emu.credentials());
    REQUIRE(top.status == WFNODE_OK);
    CHECK(records(top).size() == 3);
}

TEST_CASE("an entity by a string key: the literal quoted, its quote doubled, percent-encoded") {
    EmulatorProcess emu;
    auto e = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"GetWeblink","Link":"O'Brien"})", emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    REQUIRE(e.items.size() == 1);
    CHECK(std::string(parse(e.items[0].json)["Name"].GetString()) == "Link 26");
    CHECK(count_of(emu.requests(), "GET /xapi/v1/WebsiteLinks(%27O%27%27Brien%27)") == 1);
}

TEST_CASE("a guarded DELETE is refused without confirm and sends nothing, and once confirmed deletes with If-Match") {
    EmulatorProcess emu;
    const std::string del = R"({"resource":"WebsiteLinks","operation":"DeleteWeblink","Link":"link-01")";
    auto refused = execute("threecx.xapi", del + "}", emu.credentials());
    CHECK(refused.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(refused.errors.size() == 1);
    CHECK(refused.errors[0].field == "confirm");
    CHECK(emu.counter("changingRequests") == 0);

    auto preview = execute("threecx.xapi", del + R"(,"options":{"dryRun":true}})", emu.credentials());
    REQUIRE(preview.status == WFNODE_OK);
    CHECK(preview.items[0].json ==
          R"j({"dryRun":true,"operation":"DeleteWeblink","wouldSend":{"method":"DELETE","path":"/xapi/v1/WebsiteLinks(%27link-01%27)","headers":{"If-Match":"*"},"body":null}})j");
    CHECK(emu.counter("changingRequests") == 0);

    auto done = execute("threecx.xapi", del + R"(,"confirm":true})", emu.credentials());
    REQUIRE(done.status == WFNODE_OK);
    REQUIRE(done.items.size() == 1);
    CHECK(done.items[0].json == R"({"ok":true,"httpStatus":204})");
    CHECK(emu.counter("changingRequests") == 1);
    auto gone = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"GetWeblink","Link":"link-01"})", emu.credentials());
    CHECK(gone.status == WFNODE_ERR_API);
    CHECK(gone.errors[0].http_status == 404);
}
