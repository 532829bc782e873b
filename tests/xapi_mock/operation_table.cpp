#include "operation_table.hpp"

#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace xapimock {
namespace {

std::string escape_regex(const std::string &text) {
    static const std::string special = R"(\^$.|?*+()[]{})";
    std::string out;
    for (char c : text) {
        if (special.find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

// The literal OData writes for a value of the type (OData 4.01 ABNF, URL conventions).
std::string literal_pattern(const rapidjson::Value &param) {
    const std::string type = param["type"].GetString();
    if (type == "Edm.Int32" || type == "Edm.Int64") return "-?[0-9]+";
    if (type == "Edm.Double") return R"(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|INF|-INF|NaN)";
    if (type == "Edm.Boolean") return "true|false";
    if (type == "Edm.Guid") return "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    if (type == "Edm.Date") return "[0-9]{4}-[0-9]{2}-[0-9]{2}";
    if (type == "Edm.DateTimeOffset") return R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[-+][0-9]{2}:[0-9]{2}))";
    if (type == "enum") {
        std::string members;
        for (const auto &m : param["enum"].GetArray()) members += (members.empty() ? "" : "|") + escape_regex(m.GetString());
        return "'(" + members + ")'";
    }
    if (type == "Edm.String") return "'([^']|'')*'";
    throw std::runtime_error("operations.json: a parameter type the mock does not know: " + type);
}

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

OperationTable::OperationTable(const std::string &facts_path) {
    rapidjson::Document facts;
    const std::string text = read_file(facts_path);
    facts.Parse(text.c_str(), text.size());
    if (facts.HasParseError() || !facts.IsObject() || !facts.HasMember("operations"))
        throw std::runtime_error(facts_path + " is not the facts file");
    // An entity set's key, from the facts' own addressable entity: GET {set}({key}).
    std::map<std::string, EntityKey> keys;
    for (const auto &op : facts["operations"].GetArray()) {
        const std::string path = op["path"].GetString();
        if (std::string(op["method"].GetString()) != "GET" || op["params"].Empty()) continue;
        const auto &last = op["params"][op["params"].Size() - 1];
        const std::string suffix = std::string("({") + last["name"].GetString() + "})";
        if (path.size() > suffix.size() && path.ends_with(suffix))
            keys.emplace(path.substr(0, path.size() - suffix.size()), EntityKey{last["name"].GetString(), last["type"].GetString()});
    }
    for (const auto &op : facts["operations"].GetArray()) {
        Operation o;
        o.id = op["id"].GetString();
        o.method = op["method"].GetString();
        o.path = op["path"].GetString();
        o.response = op["response"].GetString();
        o.takes_body = op.HasMember("body");
        for (const auto &q : op["query"].GetArray()) o.query.emplace_back(q.GetString());
        // The facts name no key for this collection (no GET of one of its entities): the
        // description is silent, so its entities carry an Id (Edm.Int32) of the mock's own.
        const auto key = keys.find(o.path);
        o.key = key != keys.end() ? key->second : EntityKey{"Id", "Edm.Int32"};
        std::string pattern, rest = o.path;
        for (const auto &p : op["params"].GetArray()) {
            const std::string placeholder = std::string("{") + p["name"].GetString() + "}";
            const size_t at = rest.find(placeholder);
            if (at == std::string::npos) throw std::runtime_error(o.id + ": no " + placeholder + " in its path");
            pattern += escape_regex(rest.substr(0, at)) + "(" + literal_pattern(p) + ")";
            o.literal_length += at;
            rest = rest.substr(at + placeholder.size());
        }
        pattern += escape_regex(rest);
        o.literal_length += rest.size();
        o.pattern = std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
        operations_.push_back(std::move(o));
    }
}

const Operation *OperationTable::match(const std::string &method, const std::string &path) const {
    const Operation *best = nullptr;
    for (const auto &op : operations_) {
        if (op.method != method) continue;
        // Cheap first: the template's text before its first {name} must start the path.
        const size_t literal_start = op.path.find('{');
        if (path.compare(0, literal_start, op.path, 0, literal_start) != 0) continue;
        if (!std::regex_match(path, op.pattern)) continue;
        if (!best || op.literal_length > best->literal_length) best = &op;
    }
    return best;
}

}  // namespace xapimock
