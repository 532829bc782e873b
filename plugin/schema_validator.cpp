#include "wfplugin/schema_validator.hpp"

#include "wfplugin/iso8601.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"
#include "wfplugin/pattern.hpp"
#include "wfplugin/url.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>

#include <wfcommon/utf8.hpp>

namespace wfplugin {
namespace {

// "options.top". A name that is not one of the schema's (anything a user typed) is cut to 40
// bytes, so neither a field path nor a message ever repeats a long hostile key whole.
std::string join_path(const std::string &path, std::string_view name) {
    std::string shown = wfcommon::utf8::cut(name, 40);
    return path.empty() ? shown : path + "." + shown;
}

bool type_matches(const char *want, const rapidjson::Value &value) {
    std::string_view got = json::type_name(value);
    if (std::strcmp(want, "number") == 0) return value.IsNumber();
    return got == want;
}

std::string allowed_types(const rapidjson::Value &type) {
    if (type.IsString()) return type.GetString();
    std::string out;
    for (const auto &t : type.GetArray()) {
        if (!out.empty()) out += " or ";
        out += t.GetString();
    }
    return out;
}

constexpr size_t max_patterned_length = 256;

void check_string(const std::string &s, const rapidjson::Value &schema, const std::string &path) {
    if (auto *max = json::find(schema, "maxLength"); max && s.size() > max->GetUint())
        throw invalid(path, fmt::format("{} is {} characters long; at most {} are accepted", path, s.size(), max->GetUint()));
    if (auto *min = json::find(schema, "minLength"); min && s.size() < min->GetUint())
        throw invalid(path, s.empty() ? fmt::format("{} must not be empty", path)
                                      : fmt::format("{} must be at least {} characters", path, min->GetUint()));
    if (auto *q = json::find(schema, "x-query-value"); q && q->IsTrue()) {
        auto bad = std::find_if(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
        if (bad != s.end())
            throw invalid(path, fmt::format("{} contains a control character (code {}) at position {}", path,
                                            static_cast<int>(static_cast<unsigned char>(*bad)), bad - s.begin()));
    }
    if (auto *f = json::find(schema, "format")) {
        std::string_view format = f->GetString();
        if (format == "x-iana-time-zone" && !is_known_time_zone(s))
            throw invalid(path, fmt::format("{} is not a known IANA time zone name: {} (e.g. Europe/Berlin)", path,
                                            json::excerpt(s)));
        // "uri" here is a service address: paths get appended to it, so no query either.
        // Not echoed: an address may carry a password or a key in its user part or query.
        if (auto url = format == "uri" ? http::parse_url(s) : std::nullopt; format == "uri" && (!url || !url->query.empty()))
            throw invalid(path, fmt::format("{} must be an http:// or https:// URL with a host and no user name, query "
                                            "or fragment", path));
    }
    // libstdc++'s regex recurses per character: a pattern only ever meets a bounded string.
    if (auto *p = json::find(schema, "pattern"); p && s.size() > max_patterned_length)
        throw invalid(path, fmt::format("{} is {} characters long; a value of this field has at most {}", path, s.size(),
                                        max_patterned_length));
    // The shape expected, said: a person mends a value faster from an example than a regex.
    if (auto *p = json::find(schema, "pattern"); p && !std::regex_search(s, compiled_pattern(p->GetString()))) {
        auto *f = json::find(schema, "format");
        const bool date_time = f && std::string_view(f->GetString()) == "date-time";
        throw invalid(path, fmt::format("{} has an invalid format: {}{}", path, json::excerpt(s),
                                        date_time ? "; expected an ISO 8601 date and time with an offset, such as "
                                                    "2026-01-01T00:00:00Z"
                                                  : ""));
    }
    // After the pattern (the shape), the calendar: no 31 February, offsets within +/-14:00.
    if (auto *f = json::find(schema, "format"); f && std::string_view(f->GetString()) == "date-time" && !iso8601::parse(s))
        throw invalid(path, fmt::format("{} is not a real date and time: {} (a calendar date, hours 00-23, an offset "
                                        "within +/-14:00, years 0001-9999, fractions to the microsecond)",
                                        path, json::excerpt(s)));
}

}  // namespace

bool is_known_time_zone(const std::string &name) {
    // The system's zoneinfo folder also holds "localtime", a link to this machine's own
    // zone: not an IANA name, and its meaning differs from machine to machine.
    if (name.empty() || name == "localtime") return false;
    try {
        // Loaded once here, under this function's own guard: executions on several threads
        // never race to load the database inside libdate-tz.
        [[maybe_unused]] static const date::tzdb &database = date::get_tzdb();
        return date::locate_zone(name) != nullptr;
    } catch (const std::exception &) {
        return false;
    }
}

void validate_against_schema(const rapidjson::Value &value, const rapidjson::Value &schema, const std::string &path) {
    const std::string name = path.empty() ? "parameters" : path;
    const auto *type = json::find(schema, "type");
    const auto *json_string = json::find(schema, "x-json-string");

    if (json_string && json_string->IsTrue() && value.IsString()) {
        // The string form of a JSON parameter: parse it, then validate it as the object form.
        // Read under the same policy as every other document: one reading, one meaning.
        // Empty is how a form's JSON field starts (never with an example filled in).
        const std::string_view text(value.GetString(), value.GetStringLength());
        if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
            throw invalid(name, fmt::format("{} is empty; it must be a JSON object or a string holding one", name));
        rapidjson::Document parsed;
        try {
            parsed = json::parse({value.GetString(), value.GetStringLength()}, name);
        } catch (const NodeError &e) {
            throw invalid(name, fmt::format("{} must be a JSON object or a string holding one; got a string that "
                                            "is not valid JSON ({})", name, e.what()));
        }
        if (!parsed.IsObject())
            throw invalid(name, fmt::format("{} must be a JSON object or a string holding one; got a string that "
                                            "is not a JSON object",
                                            name));
        validate_against_schema(parsed, schema, path);
        return;
    }

    if (type) {
        bool ok = false;
        if (type->IsString()) ok = type_matches(type->GetString(), value);
        else
            for (const auto &t : type->GetArray()) ok = ok || type_matches(t.GetString(), value);
        if (!ok && value.IsNumber() && allowed_types(*type) == "integer")
            throw invalid(name, fmt::format("{} must be a whole number written without a fraction or exponent "
                                            "(2, not 2.0 or 2e0) within 64 bits, got {}", name, json::stringify(value)));
        if (!ok)
            throw invalid(name, fmt::format("{} must be {}, got {}", name, allowed_types(*type),
                                            json::type_name(value)));
    }

    if (auto *e = json::find(schema, "enum")) {
        bool found = std::any_of(e->Begin(), e->End(), [&](const rapidjson::Value &v) { return v == value; });
        if (!found) throw invalid(name, fmt::format("{} must be one of {}", name, json::stringify(*e)));
    }

    if (value.IsNumber()) {
        if (auto *m = json::find(schema, "minimum"); m && value.GetDouble() < m->GetDouble())
            throw invalid(name, fmt::format("{} must be >= {}, got {}", name, json::stringify(*m), json::stringify(value)));
        if (auto *m = json::find(schema, "maximum"); m && value.GetDouble() > m->GetDouble())
            throw invalid(name, fmt::format("{} must be <= {}, got {}", name, json::stringify(*m), json::stringify(value)));
    }

    if (value.IsString()) check_string({value.GetString(), value.GetStringLength()}, schema, name);

    if (value.IsObject()) {
        if (auto *req = json::find(schema, "required"))
            for (const auto &r : req->GetArray())
                if (!value.HasMember(r.GetString()))
                    throw invalid(join_path(path, r.GetString()),
                                  fmt::format("{} is required", join_path(path, r.GetString())));
        const auto *props = json::find(schema, "properties");
        const auto *additional = json::find(schema, "additionalProperties");
        for (const auto &m : value.GetObject()) {
            const std::string child = join_path(path, {m.name.GetString(), m.name.GetStringLength()});
            const auto *sub = props ? json::find(*props, m.name.GetString()) : nullptr;
            if (sub) validate_against_schema(m.value, *sub, child);
            else if (additional && additional->IsFalse())
                throw invalid(child, fmt::format("{} is not a known parameter", child));
        }
    }
}

}  // namespace wfplugin
