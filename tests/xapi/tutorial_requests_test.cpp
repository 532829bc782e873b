// The requests 3CX's own example application (github.com/3cx/xapi-tutorial: a TypeScript
// client generated from the same description, and its jest specs src/users.spec.ts,
// groups.spec.ts, queues.spec.ts, contacts.spec.ts, trunks.spec.ts) makes for users, groups,
// queues, contacts and trunks, made by our node and received by xapi-mock: the same method,
// path, query and body.
//
// Facts taken from that application (stated here, its code not copied):
// - users, groups, queues: create (POST /Users with {}, POST /Groups with {"Name":"Group 1"},
//   POST /Queues with {"AnnouncementInterval":50}), list with $select=Id, get by number
//   (/Users(Number=<literal>), /Queues(Number=<literal>)), update by Id with PATCH and a body
//   of {"Number": <its number>}, and the membership updates {"Groups":[{"GroupId":<id>,
//   "Rights":{"RoleName":"users"}}]}, {"Groups":[]}, {"Members":[{"Number":<number>,
//   "Rights":{"RoleName":"users"}}]} and {"Members":[]}; delete by Id.
// - contacts: POST /Contacts with {"FirstName":"Nikolai","PhoneNumber":"1234567890"}, a list
//   with $top=1 and $select=Id, delete by Id.
// - trunks: GET /Trunks/Pbx.InitTrunk(template=<'1cx.pv.xml'>), a create with the template's
//   answer and {"AuthPassword":{"Value":<password>}}, a list with $select=Id, get by number,
//   delete by Id.
// - string parameters are OData literals (quoted, quotes doubled) put through
//   encodeURIComponent, which leaves ' as it is; query options go through URLSearchParams,
//   which writes $ as %24; options in the order $top, $skip, $search, $filter, $count,
//   $orderby, $select, $expand; bodies are JSON.stringify's compact JSON in the order written;
//   a DELETE sends no If-Match unless given one.
// Our node percent-encodes ' and leaves $ as it is (both equivalent on the wire: the
// server decodes either), so targets are compared decoded and our own bytes checked too;
// bodies byte for byte. Ours adds If-Match: * to a DELETE, as the description declares it.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <optional>

using namespace testsupport;

namespace {

// %XX -> the byte; the rest as it is.
std::string percent_decoded(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Example {
    const char *what;
    std::string params;             // our node's input
    std::string tutorial_target;    // as the tutorial's client sends it (method and target)
    std::string our_target;         // as ours sends it
    std::optional<std::string> body;  // both send it byte for byte
};

std::string op(const char *resource, const char *operation, const std::string &rest = "") {
    return std::string(R"({"resource":")") + resource + R"(","operation":")" + operation + "\"" + rest + "}";
}

const std::vector<Example> &examples() {
    static const std::vector<Example> all{
        // users.spec.ts
        {"create a user", op("Users", "CreateUser", R"(,"body":{})"), "POST /xapi/v1/Users", "POST /xapi/v1/Users", "{}"},
        {"list users", op("Users", "ListUser", R"(,"options":{"select":"Id"})"), "GET /xapi/v1/Users?%24select=Id",
         "GET /xapi/v1/Users?$select=Id", std::nullopt},
        {"get a user by number", op("Users", "GetUserByNumber", R"(,"Number":"1001")"), "GET /xapi/v1/Users(Number='1001')",
         "GET /xapi/v1/Users(Number=%271001%27)", std::nullopt},
        {"update a user", op("Users", "UpdateUser", R"(,"Id":7,"body":{"Number":"1001"})"), "PATCH /xapi/v1/Users(7)",
         "PATCH /xapi/v1/Users(7)", R"({"Number":"1001"})"},
        {"add a user to a group", op("Users", "UpdateUser", R"(,"Id":7,"body":{"Groups":[{"GroupId":3,"Rights":{"RoleName":"users"}}]})"),
         "PATCH /xapi/v1/Users(7)", "PATCH /xapi/v1/Users(7)", R"({"Groups":[{"GroupId":3,"Rights":{"RoleName":"users"}}]})"},
        {"take a user out of its groups", op("Users", "UpdateUser", R"(,"Id":7,"body":{"Groups":[]})"), "PATCH /xapi/v1/Users(7)",
         "PATCH /xapi/v1/Users(7)", R"({"Groups":[]})"},
        {"delete a user", op("Users", "DeleteUser", R"(,"Id":7,"confirm":true)"), "DELETE /xapi/v1/Users(7)",
         "DELETE /xapi/v1/Users(7)", std::nullopt},
        // groups.spec.ts
        {"create a group", op("Groups", "CreateGroup", R"(,"body":{"Name":"Group 1"})"), "POST /xapi/v1/Groups",
         "POST /xapi/v1/Groups", R"({"Name":"Group 1"})"},
        {"list groups", op("Groups", "ListGroup", R"(,"options":{"select":"Id"})"), "GET /xapi/v1/Groups?%24select=Id",
         "GET /xapi/v1/Groups?$select=Id", std::nullopt},
        {"update a group", op("Groups", "UpdateGroup", R"(,"Id":3,"body":{"Number":"GRP0003"})"), "PATCH /xapi/v1/Groups(3)",
         "PATCH /xapi/v1/Groups(3)", R"({"Number":"GRP0003"})"},
        {"add a group member", op("Groups", "UpdateGroup", R"(,"Id":3,"body":{"Members":[{"Number":"1001","Rights":{"RoleName":"users"}}]})"),
         "PATCH /xapi/v1/Groups(3)", "PATCH /xapi/v1/Groups(3)", R"({"Members":[{"Number":"1001","Rights":{"RoleName":"users"}}]})"},
        {"remove the group's members", op("Groups", "UpdateGroup", R"(,"Id":3,"body":{"Members":[]})"), "PATCH /xapi/v1/Groups(3)",
         "PATCH /xapi/v1/Groups(3)", R"({"Members":[]})"},
        {"delete a group", op("Groups", "DeleteGroup", R"(,"Id":3,"confirm":true)"), "DELETE /xapi/v1/Groups(3)",
         "DELETE /xapi/v1/Groups(3)", std::nullopt},
        // queues.spec.ts
        {"create a queue", op("Queues", "CreateQueue", R"(,"body":{"AnnouncementInterval":50})"), "POST /xapi/v1/Queues",
         "POST /xapi/v1/Queues", R"({"AnnouncementInterval":50})"},
        {"list queues", op("Queues", "ListQueue", R"(,"options":{"select":"Id"})"), "GET /xapi/v1/Queues?%24select=Id",
         "GET /xapi/v1/Queues?$select=Id", std::nullopt},
        {"get a queue by number", op("Queues", "GetQueueByNumber", R"(,"Number":"800")"), "GET /xapi/v1/Queues(Number='800')",
         "GET /xapi/v1/Queues(Number=%27800%27)", std::nullopt},
        {"update a queue", op("Queues", "UpdateQueue", R"(,"Id":5,"body":{"Number":"800"})"), "PATCH /xapi/v1/Queues(5)",
         "PATCH /xapi/v1/Queues(5)", R"({"Number":"800"})"},
        {"delete a queue", op("Queues", "DeleteQueue", R"(,"Id":5,"confirm":true)"), "DELETE /xapi/v1/Queues(5)",
         "DELETE /xapi/v1/Queues(5)", std::nullopt},
        // contacts.spec.ts
        {"create a contact", op("Contacts", "CreateContact", R"(,"body":{"FirstName":"Nikolai","PhoneNumber":"1234567890"})"),
         "POST /xapi/v1/Contacts", "POST /xapi/v1/Contacts", R"({"FirstName":"Nikolai","PhoneNumber":"1234567890"})"},
        {"list one contact", op("Contacts", "ListContact", R"(,"options":{"top":1,"select":"Id"})"),
         "GET /xapi/v1/Contacts?%24top=1&%24select=Id", "GET /xapi/v1/Contacts?$top=1&$select=Id", std::nullopt},
        {"delete a contact", op("Contacts", "DeleteContact", R"(,"Id":11,"confirm":true)"), "DELETE /xapi/v1/Contacts(11)",
         "DELETE /xapi/v1/Contacts(11)", std::nullopt},
        // trunks.spec.ts
        {"a trunk from its template", op("Trunks", "InitTrunk", R"(,"template":"1cx.pv.xml")"),
         "GET /xapi/v1/Trunks/Pbx.InitTrunk(template='1cx.pv.xml')", "GET /xapi/v1/Trunks/Pbx.InitTrunk(template=%271cx.pv.xml%27)",
         std::nullopt},
        {"create a trunk", op("Trunks", "CreateTrunk", R"(,"body":{"AuthPassword":{"Value":"k3Vq9xTz2B"}})"), "POST /xapi/v1/Trunks",
         "POST /xapi/v1/Trunks", R"({"AuthPassword":{"Value":"k3Vq9xTz2B"}})"},
        {"list trunks", op("Trunks", "ListTrunk", R"(,"options":{"select":"Id"})"), "GET /xapi/v1/Trunks?%24select=Id",
         "GET /xapi/v1/Trunks?$select=Id", std::nullopt},
        {"get a trunk by number", op("Trunks", "GetTrunkByNumber", R"(,"Number":"10000")"), "GET /xapi/v1/Trunks(Number='10000')",
         "GET /xapi/v1/Trunks(Number=%2710000%27)", std::nullopt},
        {"delete a trunk", op("Trunks", "DeleteTrunk", R"(,"Id":13,"confirm":true)"), "DELETE /xapi/v1/Trunks(13)",
         "DELETE /xapi/v1/Trunks(13)", std::nullopt},
    };
    return all;
}

}  // namespace

TEST_CASE("the requests of 3CX's example application for users, groups, queues, contacts and trunks, made by the node") {
    EmulatorProcess mock({"--facts", std::string(SCHEMA_DIR) + "/xapi/operations.json"}, XAPI_MOCK_PATH);
    size_t seen = 0;
    for (const auto &x : examples()) {
        INFO(std::string(x.what));
        auto e = execute("threecx.xapi", x.params, mock.credentials());
        REQUIRE_MESSAGE(e.status == WFNODE_OK, (e.errors.empty() ? std::string() : e.errors[0].message));
        const auto got = parse(mock.admin("/admin/received?from=" + std::to_string(seen)).body);
        REQUIRE(got.Size() == 1);
        ++seen;
        const auto &r = got[0];
        const std::string sent = std::string(r["method"].GetString()) + " " + r["target"].GetString();
        CHECK(sent == x.our_target);
        CHECK(percent_decoded(sent) == percent_decoded(x.tutorial_target));
        if (x.body) {
            CHECK(std::string(r["body"].GetString()) == *x.body);
            CHECK(std::string(r["contentType"].GetString()) == "application/json");
        } else {
            CHECK(std::string(r["body"].GetString()).empty());
        }
        CHECK(r["status"].GetInt() < 300);
    }
    CHECK(mock.counter("unmatched") == 0);
}
