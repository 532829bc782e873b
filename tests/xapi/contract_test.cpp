// The contract of the generic 3CX node (threecx.xapi) over every operation of the committed
// facts file: for each, a valid input generated here and the request the plugin would send
// (its dry run: method, path, query, headers, body) checked against the facts by this file's
// own reading of them (it shares no code with the generator or the node: its own literals,
// its own percent-encoding); invalid inputs refused naming the field; guarded operations
// refused without confirm. The credential points at a port nobody listens on: a request that
// left would fail as a network error, not as the refusal or the preview checked here.
#include "emulator_process.hpp"
#include "operation_cases.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <set>

using namespace testsupport;
using namespace xapitest;
using rapidjson::Value;

namespace {

const char *const nowhere = R"({"baseUrl":"http://127.0.0.1:9","clientId":"contract-test","apiKey":"contract-test-secret-3f9a"})";

}  // namespace

TEST_CASE("every operation of the facts builds the request the facts describe (dry run)") {
    const auto &ops = facts()["operations"];
    REQUIRE(ops.Size() == 601);
    size_t checked = 0;
    for (const auto &op : ops.GetArray()) {
        const std::string id = op["id"].GetString();
        INFO(id);
        if (std::string(op["response"].GetString()) == "file") continue;
        const Case c = valid_case(op);
        auto e = execute("threecx.xapi", c.params, nowhere);
        REQUIRE_MESSAGE(e.status == WFNODE_OK, (e.errors.empty() ? std::string() : e.errors[0].message));
        REQUIRE(e.items.size() == 1);
        auto sent = parse(e.items[0].json);
        CHECK(sent["dryRun"].GetBool());
        CHECK(std::string(sent["operation"].GetString()) == id);
        const auto &w = sent["wouldSend"];
        CHECK(std::string(w["method"].GetString()) == op["method"].GetString());
        CHECK(std::string(w["path"].GetString()) == "/xapi/v1" + c.path_and_query);
        CHECK(stringify(w["headers"]) == c.headers);
        CHECK(stringify(w["body"]) == c.body);
        ++checked;
    }
    CHECK(checked == 601);
}

TEST_CASE("every operation refuses an unknown field, a missing parameter and a wrong type, naming the field") {
    size_t with_params = 0;
    for (const auto &op : facts()["operations"].GetArray()) {
        INFO(op["id"].GetString());
        const Case c = valid_case(op);
        auto unknown = execute("threecx.xapi", with(c.params, R"("bogus":1)"), nowhere);
        CHECK(unknown.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(unknown.errors.size() == 1);
        CHECK(unknown.errors[0].field == "bogus");
        CHECK(unknown.items.empty());
        if (op["params"].Empty()) continue;
        ++with_params;
        const Value &first = op["params"][0];
        const std::string name = first["name"].GetString();
        // The same input without the first path parameter, and with it of the wrong type.
        rapidjson::Document p = parse(c.params);
        p.RemoveMember(name.c_str());
        auto missing = execute("threecx.xapi", stringify(p), nowhere);
        CHECK(missing.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(missing.errors.size() == 1);
        CHECK(missing.errors[0].field == name);
        auto wrong = execute("threecx.xapi", with(stringify(p), quote(name) + ":" + wrong_value(first)), nowhere);
        CHECK(wrong.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(wrong.errors.size() == 1);
        CHECK(wrong.errors[0].field == name);
        CHECK(wrong.items.empty());
    }
    CHECK(with_params == 235);  // the operations of the facts with a path parameter
}

TEST_CASE("every guarded operation is refused without confirm, and only guarded ones need it") {
    const auto guarded = read_json(std::string(SCHEMA_DIR) + "/xapi/guarded.json");
    size_t refused = 0;
    for (const auto &op : facts()["operations"].GetArray()) {
        const std::string id = op["id"].GetString();
        INFO(id);
        const bool listed = guarded.HasMember(id.c_str());
        CHECK(listed == op.HasMember("guarded"));
        if (std::string(op["method"].GetString()) == "DELETE") CHECK(listed);
        if (!listed) continue;
        auto e = execute("threecx.xapi", valid_case(op, false).params, nowhere);
        CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(e.errors.size() == 1);
        CHECK(e.errors[0].field == "confirm");
        CHECK(e.items.empty());
        ++refused;
    }
    CHECK(refused == guarded.MemberCount());
    CHECK(refused >= 34);  // every DELETE at least
}

TEST_CASE("a body is validated against its schema, $refs and nested objects included, before anything is sent") {
    // CreateWeblink's body is a $ref to Pbx.Weblink; its ChatBox an allOf $ref to Pbx.LiveChatBox.
    const std::string create = R"({"resource":"WebsiteLinks","operation":"CreateWeblink","options":{"dryRun":true},"body":)";
    auto ok = execute("threecx.xapi", create + R"({"Link":"a","ChatEnabled":true,"ChatBox":null}})", nowhere);
    REQUIRE(ok.status == WFNODE_OK);
    CHECK(stringify(parse(ok.items[0].json)["wouldSend"]["body"]) == R"({"Link":"a","ChatEnabled":true,"ChatBox":null})");
    auto type = execute("threecx.xapi", create + R"({"ChatEnabled":"yes"}})", nowhere);
    REQUIRE(type.errors.size() == 1);
    CHECK(type.errors[0].field == "body.ChatEnabled");
    auto unknown = execute("threecx.xapi", create + R"({"Nope":1}})", nowhere);
    REQUIRE(unknown.errors.size() == 1);
    CHECK(unknown.errors[0].field == "body.Nope");
    auto nested = execute("threecx.xapi", create + R"({"ChatBox":{"Nope":1}}})", nowhere);
    REQUIRE(nested.errors.size() == 1);
    CHECK(nested.errors[0].field == "body.ChatBox.Nope");
    // The string form of a JSON field, as an n8n form sends it.
    auto text = execute("threecx.xapi", create + R"("{\"Link\":\"b\"}"})", nowhere);
    REQUIRE(text.status == WFNODE_OK);
    CHECK(stringify(parse(text.items[0].json)["wouldSend"]["body"]) == R"({"Link":"b"})");
}

TEST_CASE("fields of another operation, a resource that is not the operation's, and options it does not take are refused") {
    auto foreign = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"ListWeblink","Link":"x"})", nowhere);
    REQUIRE(foreign.errors.size() == 1);
    CHECK(foreign.errors[0].field == "Link");
    auto resource = execute("threecx.xapi", R"({"resource":"Users","operation":"ListWeblink"})", nowhere);
    REQUIRE(resource.errors.size() == 1);
    CHECK(resource.errors[0].field == "resource");
    auto option = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"GetWeblink","Link":"x","options":{"top":1}})", nowhere);
    REQUIRE(option.errors.size() == 1);
    CHECK(option.errors[0].field == "options.top");
    auto all = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"GetWeblink","Link":"x","options":{"returnAll":true}})", nowhere);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].field == "options.returnAll");
    auto confirm = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"ListWeblink","confirm":true})", nowhere);
    REQUIRE(confirm.errors.size() == 1);
    CHECK(confirm.errors[0].field == "confirm");
    auto header = execute("threecx.xapi", R"({"resource":"WebsiteLinks","operation":"DeleteWeblink","Link":"x","confirm":true,"ifMatch":"a\r\nX-Evil: 1","options":{"dryRun":true}})", nowhere);
    REQUIRE(header.errors.size() == 1);
    CHECK(header.errors[0].field == "ifMatch");
}

TEST_CASE("Return All pages a collection in its entity key's order (GET {set}({key}) in the facts), unless the user ordered it") {
    auto preview = [](const std::string &resource, const std::string &operation, const std::string &options) {
        auto e = execute("threecx.xapi", R"({"resource":")" + resource + R"(","operation":")" + operation + R"(","options":{"dryRun":true,)" +
                                             options + "}}",
                         nowhere);
        REQUIRE_MESSAGE(e.status == WFNODE_OK, (e.errors.empty() ? std::string() : e.errors[0].message));
        return std::string(parse(e.items[0].json)["wouldSend"]["path"].GetString());
    };
    CHECK(preview("Users", "ListUser", R"("returnAll":true)") == "/xapi/v1/Users?$top=1000&$orderby=Id&$count=true");
    CHECK(preview("WebsiteLinks", "ListWeblink", R"("returnAll":true)") == "/xapi/v1/WebsiteLinks?$top=1000&$orderby=Link&$count=true");
    // The facts have no GET /ActiveCalls({Id}): no key known, the server's order.
    CHECK(preview("ActiveCalls", "ListActiveCall", R"("returnAll":true)") == "/xapi/v1/ActiveCalls?$top=1000&$count=true");
    // The user's order stays; one page alone (no Return All) is sent as asked.
    CHECK(preview("Users", "ListUser", R"("returnAll":true,"orderby":"Number desc")") ==
          "/xapi/v1/Users?$top=1000&$orderby=Number%20desc&$count=true");
    CHECK(preview("Users", "ListUser", R"("top":5)") == "/xapi/v1/Users?$top=5");
}
