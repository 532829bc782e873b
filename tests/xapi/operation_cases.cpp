#include "operation_cases.hpp"

#include <doctest/doctest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace xapitest {

using rapidjson::Value;

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

const Value &operation(const std::string &id) {
    for (const auto &op : facts()["operations"].GetArray())
        if (id == op["id"].GetString()) return op;
    FAIL("no operation " << id << " in the facts");
    throw std::logic_error("unreachable");
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

namespace {

std::string fmt_hex(unsigned char c) {
    const char *digits = "0123456789ABCDEF";
    return {'%', digits[c >> 4], digits[c & 15]};
}

}  // namespace

std::string encode(const std::string &s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
        else out += fmt_hex(c);
    }
    return out;
}

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

std::string wrong_value(const Value &param) {
    const std::string type = param["type"].GetString();
    return type == "Edm.String" || type == "enum" || type == "Edm.Guid" || type == "Edm.DateTimeOffset" || type == "Edm.Date"
               ? "12"
               : R"("x")";
}

Case valid_case(const Value &op, bool dry_run) {
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

}  // namespace xapitest
