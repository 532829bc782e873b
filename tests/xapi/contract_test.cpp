// The contract of the generic 3CX node (threecx.xapi) over every operation of the committed
// facts file: for each, a valid input generated here and the request the plugin would send
// (its dry run: method, path, query, headers, body) checked against the facts by this file's
// own reading of them (it shares no code with the generator or the node: its own literals,
// its own percent-encoding); invalid inputs refused naming the field; guarded operations
// refused without confirm. The credential points at a port nobody listens on: a request that
// left would fail as a network error, not as the refusal or the preview checked here.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

using namespace testsupport;
using rapidjson::Value;

namespace {

const char *const nowhere = R"({"baseUrl":"http://127.0.0.1:9","clientId":"contract-test","apiKey":"contract-test-secret-3f9a"})";

rapidjson::Document read_json(const std::string &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    rapidjson::Document d;
    d.Parse(s.str().c_str());
    REQUIRE(!d.HasParseError());
    return d;
}

const rapidjson::Document &facts() {
    static const rapidjson::Document d = read_json(std::string(SCHEMA_DIR) + "/xapi/operations.json");
    return d;
}

std::string stringify(const Value &v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
}

std::string quote(const std::string &s) {
    Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
    return stringify(v);
}

std::string fmt_hex(unsigned char c) {
    const char *digits = "0123456789ABCDEF";
    return {'%', digits[c >> 4], digits[c & 15]};
}

// RFC 3986's unreserved characters stay, every other byte is %XX (upper case).
std::string encode(const std::string &s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
        else out += fmt_hex(c);
    }
    return out;
}

}  // namespace

// The test's own value per OData type, and the literal OData writes for it.
struct Sample {
    std::string json;     // the parameter as given
    std::string literal;  // as it must appear in the path, before percent-encoding
};

Sample sample(const Value &param) {
    const std::string type = param["type"].GetString();
    if (type == "Edm.String") return {R"("it's 1/2")", "'it''s 1/2'"};
    if (type == "Edm.Int32") return {"-42", "-42"};
    if (type == "Edm.Int64") return {"9007199254740993", "9007199254740993"};
    if (type == "Edm.Double") return {"2.5", "2.5"};
    if (type == "Edm.Boolean") return {"true", "true"};
    if (type == "Edm.Guid") return {R"("0f8fad5b-d9cb-469f-a165-70867728950e")", "0f8fad5b-d9cb-469f-a165-70867728950e"};
    if (type == "Edm.DateTimeOffset") return {R"("2026-01-02T03:04:05+01:00")", "2026-01-02T02:04:05Z"};
    if (type == "Edm.Date") return {R"("2026-01-31")", "2026-01-31"};
    if (type == "enum") return {quote(param["enum"][0].GetString()), std::string("'") + param["enum"][0].GetString() + "'"};
    FAIL("a type the test does not know: " << type);
    return {};
}

// What a wrong value of the parameter's type is: a number for a string, a string otherwise.
std::string wrong_value(const Value &param) {
    const std::string type = param["type"].GetString();
    return type == "Edm.String" || type == "enum" || type == "Edm.Guid" || type == "Edm.DateTimeOffset" || type == "Edm.Date"
               ? "12"
               : R"("x")";
}

struct Case {
    std::string params;         // the node's parameters (valid)
    std::string path_and_query;  // as it must be sent, after the service root
    std::string body;           // "null" when none
    std::string headers;        // the wouldSend headers object
};

// The facts' operation as the test reads it: a valid input and the request it must make.
Case valid_case(const Value &op, bool dry_run = true) {
    Case c;
    std::string path = op["path"].GetString();
    std::string params = R"({"resource":)" + quote(op["tag"].GetString()) + R"(,"operation":)" + quote(op["id"].GetString());
    for (const auto &p : op["params"].GetArray()) {
        Sample s = sample(p);
        params += "," + quote(p["name"].GetString()) + ":" + s.json;
        const std::string placeholder = std::string("{") + p["name"].GetString() + "}";
        path.replace(path.find(placeholder), placeholder.size(), encode(s.literal));
    }
    std::set<std::string> query;
    for (const auto &q : op["query"].GetArray()) query.insert(q.GetString());
    std::string options = dry_run ? R"("dryRun":true)" : "";
    std::string q;
    if (query.contains("top")) options += std::string(options.empty() ? "" : ",") + R"("top":5)", q += "$top=5";
    if (query.contains("filter"))
        options += std::string(options.empty() ? "" : ",") + R"("filter":"Name eq 'a b'")",
            q += std::string(q.empty() ? "" : "&") + "$filter=" + encode("Name eq 'a b'");
    if (query.contains("select"))
        options += std::string(options.empty() ? "" : ",") + R"("select":" Id , Name ")",
            q += std::string(q.empty() ? "" : "&") + "$select=" + encode("Id,Name");
    params += R"(,"options":{)" + options + "}";
    c.headers = "{";
    if (op["ifMatch"].GetBool()) c.headers += R"("If-Match":"*")";
    c.body = "null";
    if (op.HasMember("body")) {
        // The smallest body every body schema of the description admits: an empty object.
        c.body = "{}";
        params += R"(,"body":{})";
        c.headers += std::string(c.headers.size() > 1 ? "," : "") + R"("Content-Type":"application/json")";
    }
    c.headers += "}";
    c.params = params + "}";
    c.path_and_query = path + (q.empty() ? "" : "?" + q);
    return c;
}

std::string with(const std::string &params, const std::string &member) {
    return params.substr(0, params.size() - 1) + "," + member + "}";
}

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
