// Return All over generic collections (not chats) through the pagers of nodes/paging, against
// xapi-mock paging by itself as ASP.NET OData does: at most 40 entities an answer, below the
// node's page size of 100, the rest of each page behind an @odata.nextLink ($skip and what is
// left of $top); the count asked on every page; and, unless asked for an order, every answer
// in an order of its own (--unstable-order), as a database without ORDER BY may answer.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace testsupport;

namespace {

constexpr int entities = 257;

EmulatorProcess paging_mock() {
    return EmulatorProcess({"--facts", std::string(SCHEMA_DIR) + "/xapi/operations.json", "--entities", std::to_string(entities),
                            "--page-cap", "40", "--unstable-order"},
                           XAPI_MOCK_PATH);
}

struct Collection {
    const char *resource, *operation, *path;
};

// Five collections of the facts, each keyed by Id (Edm.Int32): GET /Users({Id}) and so on.
const Collection collections[] = {{"Users", "ListUser", "/xapi/v1/Users"},
                                  {"Groups", "ListGroup", "/xapi/v1/Groups"},
                                  {"Queues", "ListQueue", "/xapi/v1/Queues"},
                                  {"Contacts", "ListContact", "/xapi/v1/Contacts"},
                                  {"Trunks", "ListTrunk", "/xapi/v1/Trunks"}};

std::string list(const Collection &c, const std::string &options) {
    return std::string(R"({"resource":")") + c.resource + R"(","operation":")" + c.operation + R"(","options":)" + options + "}";
}

std::vector<std::string> targets_since(const EmulatorProcess &mock, size_t from) {
    std::vector<std::string> out;
    const auto got = parse(mock.admin("/admin/received?from=" + std::to_string(from)).body);
    for (const auto &r : got.GetArray()) {
        CHECK(r["status"].GetInt() == 200);
        out.emplace_back(r["target"].GetString());
    }
    return out;
}

}  // namespace

TEST_CASE("Return All reads every entity of Users, Groups, Queues, Contacts and Trunks exactly once, in key order, across "
          "the server's own pages and next links, with the count") {
    auto mock = paging_mock();
    size_t seen = 0;
    for (const auto &c : collections) {
        INFO(std::string(c.operation));
        auto e = execute("threecx.xapi", list(c, R"({"returnAll":true,"pageSize":100,"count":true})"), mock.credentials());
        REQUIRE_MESSAGE(e.status == WFNODE_OK, (e.errors.empty() ? std::string() : e.errors[0].message));
        // The count once, as an item of its own, and then the entities.
        REQUIRE(e.items.size() == entities + 1);
        CHECK(e.items[0].json == R"({"@odata.count":257})");
        const auto got = records(e);
        REQUIRE(got.size() == entities);
        std::set<int> ids;
        for (size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i]["Id"].GetInt() == static_cast<int>(i) + 1);
            ids.insert(got[i]["Id"].GetInt());
        }
        CHECK(ids.size() == entities);
        // Pages of 100 by $skip in the entity key's order, each cut by the server into 40, 40
        // and 20, whose next links (the other options as they came, then $skip and what is
        // left of $top) the node followed as they are; the last page holds 57.
        const std::string p = c.path;
        const std::vector<std::string> expected{
            p + "?$top=100&$orderby=Id&$count=true",
            p + "?$count=true&$orderby=Id&$skip=40&$top=60",
            p + "?$count=true&$orderby=Id&$skip=80&$top=20",
            p + "?$top=100&$skip=100&$orderby=Id&$count=true",
            p + "?$count=true&$orderby=Id&$skip=140&$top=60",
            p + "?$count=true&$orderby=Id&$skip=180&$top=20",
            p + "?$top=100&$skip=200&$orderby=Id&$count=true",
            p + "?$count=true&$orderby=Id&$skip=240&$top=60",
        };
        const auto sent = targets_since(mock, seen);
        CHECK(sent.size() == expected.size());
        for (size_t i = 0; i < std::min(sent.size(), expected.size()); ++i) CHECK(sent[i] == expected[i]);
        seen += sent.size();
    }
    CHECK(mock.counter("tokenRequests") == 1);
}

TEST_CASE("Return All keeps the user's own $orderby on a generic collection") {
    auto mock = paging_mock();
    auto desc = execute("threecx.xapi", list(collections[0], R"({"returnAll":true,"pageSize":100,"orderby":"Id desc"})"),
                        mock.credentials());
    REQUIRE(desc.status == WFNODE_OK);
    const auto got = records(desc);
    REQUIRE(got.size() == entities);
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i]["Id"].GetInt() == entities - static_cast<int>(i));
    const auto sent = targets_since(mock, 0);
    REQUIRE(!sent.empty());
    for (const auto &t : sent) CHECK(t.find("$orderby=Id%20desc") != std::string::npos);
}
