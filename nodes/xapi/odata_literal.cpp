#include "xapi/odata_literal.hpp"

#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace threecx::xapi {
namespace {

namespace json = wfplugin::json;
using wfplugin::invalid;

bool is_guid(std::string_view s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

// YYYY-MM-DD of a real calendar day (checked by the one ISO 8601 reader at midnight UTC).
bool is_date(std::string_view s) {
    return s.size() == 10 && s[4] == '-' && s[7] == '-' &&
           wfplugin::iso8601::parse(std::string(s) + "T00:00:00Z").has_value();
}

std::string text(const rapidjson::Value &v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

std::string path_literal(const rapidjson::Value &value, std::string_view type, const rapidjson::Value *members,
                         const std::string &field) {
    auto wrong = [&](const char *what) {
        return invalid(field, fmt::format("{} must be {} (OData {}), got {}", field, what, type, json::type_name(value)));
    };
    std::string literal;
    if (type == "Edm.String") {
        if (!value.IsString()) throw wrong("a string");
        literal = string_literal(text(value));
    } else if (type == "Edm.Int32") {
        if (!value.IsInt()) throw wrong("a whole number within 32 bits");
        literal = std::to_string(value.GetInt());
    } else if (type == "Edm.Int64") {
        if (!value.IsInt64()) throw wrong("a whole number within 64 bits");
        literal = std::to_string(value.GetInt64());
    } else if (type == "Edm.Double") {
        if (!value.IsNumber()) throw wrong("a number");
        literal = json::stringify(value);
    } else if (type == "Edm.Boolean") {
        if (!value.IsBool()) throw wrong("true or false");
        literal = value.GetBool() ? "true" : "false";
    } else if (type == "Edm.Guid") {
        if (!value.IsString() || !is_guid(text(value))) throw wrong("a GUID (8-4-4-4-12 hexadecimal digits)");
        literal = text(value);
    } else if (type == "Edm.DateTimeOffset") {
        auto instant = value.IsString() ? wfplugin::iso8601::parse(text(value)) : std::nullopt;
        if (!instant) throw wrong("an ISO 8601 date-time with an offset (2026-01-01T00:00:00Z)");
        literal = wfplugin::iso8601::format(*instant);
    } else if (type == "Edm.Date") {
        if (!value.IsString() || !is_date(text(value))) throw wrong("a date (2026-01-31)");
        literal = text(value);
    } else if (type == "enum") {
        const bool known = value.IsString() && members && members->IsArray() &&
                           std::any_of(members->Begin(), members->End(), [&](const rapidjson::Value &m) { return m == value; });
        if (!known) throw invalid(field, fmt::format("{} must be one of {}", field, members ? json::stringify(*members) : "[]"));
        literal = string_literal(text(value));
    } else {
        throw wfplugin::NodeError(WFNODE_ERR_INTERNAL, fmt::format("{}: the operation table names an unknown type {}", field, type));
    }
    return http::percent_encode(literal);
}

}  // namespace threecx::xapi
