// Every operation of the facts end to end, once each, through the plugin's ABI against
// xapi-mock (one process for the whole run): the request the mock received is the one the
// facts describe (method, path with its OData literals, query, If-Match, body, read by this
// suite's own reading of the facts, operation_cases.hpp), the mock took it for that very
// operation, the items handed on are what its answer holds (a collection: one item per
// entity; an entity: one item; 204: {"ok":true,"httpStatus":204}), a file download is
// refused naming the operation and sends nothing, and the whole run takes one token.
#include "emulator_process.hpp"
#include "operation_cases.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace testsupport;
using namespace xapitest;

namespace {

const std::vector<std::string> mock_flags{"--facts", std::string(SCHEMA_DIR) + "/xapi/operations.json", "--entities", "7"};

}  // namespace

TEST_CASE("every operation of the facts end to end against xapi-mock: the request the facts describe, the items its answer "
          "holds, one token for the run") {
    EmulatorProcess mock(mock_flags, XAPI_MOCK_PATH);
    const auto &ops = facts()["operations"];
    REQUIRE(ops.Size() == 601);
    size_t received = 0, files = 0;
    std::map<std::string, size_t> shapes;
    for (const auto &op : ops.GetArray()) {
        const std::string id = op["id"].GetString(), shape = op["response"].GetString();
        INFO(id);
        const Case c = valid_case(op, false);
        const std::string params = op.HasMember("guarded") ? with(c.params, R"("confirm":true)") : c.params;
        auto e = execute("threecx.xapi", params, mock.credentials());
        const auto got = parse(mock.admin("/admin/received?from=" + std::to_string(received)).body);
        if (shape == "file") {
            ++files;
            CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
            REQUIRE(e.errors.size() == 1);
            CHECK(e.errors[0].field == "operation");
            CHECK(e.errors[0].message.find(id) != std::string::npos);
            CHECK(e.errors[0].message.find("not support") != std::string::npos);
            CHECK(got.Size() == 0);
            continue;
        }
        REQUIRE_MESSAGE(e.status == WFNODE_OK, (e.errors.empty() ? std::string() : e.errors[0].message));
        REQUIRE(got.Size() == 1);
        ++received;
        const auto &r = got[0];
        CHECK(std::string(r["operation"].GetString()) == id);
        CHECK(std::string(r["method"].GetString()) == op["method"].GetString());
        CHECK(std::string(r["target"].GetString()) == "/xapi/v1" + c.path_and_query);
        if (op["ifMatch"].GetBool()) CHECK(std::string(r["ifMatch"].GetString()) == "*");
        else CHECK(r["ifMatch"].IsNull());
        if (op.HasMember("body")) {
            CHECK(std::string(r["body"].GetString()) == c.body);
            CHECK(std::string(r["contentType"].GetString()) == "application/json");
        } else {
            CHECK(std::string(r["body"].GetString()).empty());
        }
        REQUIRE(r["status"].GetInt() == (shape == "none" ? 204 : 200));
        ++shapes[shape];
        if (shape == "none") {
            REQUIRE(e.items.size() == 1);
            CHECK(e.items[0].json == R"({"ok":true,"httpStatus":204})");
        } else if (shape == "entity") {
            REQUIRE(e.items.size() == 1);
            CHECK(e.items[0].json == stringify(parse(r["answer"].GetString())));
        } else {
            const auto answer = parse(r["answer"].GetString());
            const auto &value = answer["value"];
            REQUIRE(value.Size() > 0);
            REQUIRE(e.items.size() == value.Size());
            for (rapidjson::SizeType i = 0; i < value.Size(); ++i) CHECK(e.items[i].json == stringify(value[i]));
        }
    }
    CHECK(received + files == 601);
    CHECK(shapes["none"] + shapes["entity"] + shapes["collection"] == received);
    // One request per operation, each taken for its own, and nothing the mock did not know.
    const auto per_operation = parse(mock.admin("/admin/operations").body);
    CHECK(per_operation.MemberCount() == received);
    for (const auto &m : per_operation.GetObject()) {
        INFO(m.name.GetString());
        CHECK(m.value.GetInt() == 1);
    }
    CHECK(mock.counter("requests") == static_cast<long>(received));
    CHECK(mock.counter("unmatched") == 0);
    CHECK(mock.counter("unauthorised") == 0);
    CHECK(mock.counter("tokenRequests") == 1);
}

TEST_CASE("xapi-mock answers only with the token, and nothing the facts do not describe") {
    EmulatorProcess mock(mock_flags, XAPI_MOCK_PATH);
    // No Authorization header: 401, as the PBX answers.
    CHECK(mock.admin("/xapi/v1/Users").status == 401);
    CHECK(mock.counter("unauthorised") == 1);
    // With the token: an operation of the facts, then a path and a method they do not have.
    CHECK(mock.xapi("/xapi/v1/Users(7)").status == 200);
    CHECK(mock.xapi("/xapi/v1/NoSuchSet").status == 404);
    CHECK(mock.xapi("/xapi/v1/Users(Number=7)").status == 404);  // Number is an Edm.String: a quoted literal
    CHECK(mock.xapi("/xapi/v1/ActiveCalls/Pbx.DropCall", "{}").status == 404);  // DropCall is POST /ActiveCalls({Id})/...
    CHECK(mock.counter("unmatched") == 3);
    CHECK(mock.counter("tokenRequests") == 1);
}
