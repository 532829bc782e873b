#include "xapi/body_schema.hpp"

#include <fmt/format.h>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/pattern.hpp>
#include <wfcommon/utf8.hpp>

#include <cctype>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string_view>

namespace threecx::xapi {
namespace {

namespace json = wfplugin::json;
using rapidjson::Value;
using wfplugin::invalid;
using wfplugin::NodeError;

// $refs and allOf may chain without the value getting deeper: bounded all the same.
constexpr int max_schema_steps = 64;
// libstdc++'s regex recurses per character: a pattern only ever meets a bounded string.
constexpr size_t max_patterned_length = 4096;

class Checker {
public:
    explicit Checker(const Value &components) : components_(components) {}

    void check(const Value &value, const Value &schema, const std::string &path, int steps) const {
        if (steps > max_schema_steps) throw NodeError(WFNODE_ERR_INTERNAL, path + ": the body schema nests too deep");
        const Value &s = resolved(schema, path);
        if (value.IsNull() && nullable(s)) return;
        if (const Value *all = json::find(s, "allOf"))
            for (const auto &part : all->GetArray()) check_without_members(value, part, path, steps + 1);
        for (const char *key : {"anyOf", "oneOf"})
            if (const Value *any = json::find(s, key)) check_any(value, *any, path, steps);
        check_type(value, s, path);
        if (const Value *e = json::find(s, "enum")) {
            bool found = false;
            for (const auto &m : e->GetArray()) found = found || m == value;
            if (!found) throw invalid(path, fmt::format("{} must be one of {}", path, json::stringify(*e)));
        }
        if (value.IsNumber()) check_number(value, s, path);
        if (value.IsString()) check_string(value, s, path);
        if (value.IsArray())
            if (const Value *items = json::find(s, "items"))
                for (rapidjson::SizeType i = 0; i < value.Size(); ++i)
                    check(value[i], *items, fmt::format("{}[{}]", path, i), steps + 1);
        if (value.IsObject()) check_members(value, s, path, steps);
    }

private:
    const Value &resolved(const Value &schema, const std::string &path) const {
        const Value *s = &schema;
        for (int i = 0; const Value *ref = json::find(*s, "$ref"); ++i) {
            constexpr std::string_view prefix = "#/components/schemas/";
            std::string_view r(ref->GetString(), ref->GetStringLength());
            const Value *schemas = json::find(components_, "schemas");
            const Value *target = r.starts_with(prefix) && schemas ? json::find(*schemas, std::string(r.substr(prefix.size())).c_str()) : nullptr;
            if (!target || i > max_schema_steps)
                throw NodeError(WFNODE_ERR_INTERNAL, fmt::format("{}: the operation table holds no schema {}", path, r));
            s = target;
        }
        return *s;
    }

    static bool nullable(const Value &s) {
        const Value *n = json::find(s, "nullable");
        return n && n->IsTrue();
    }

    // An allOf branch: its own checks, but the members are checked once, against the
    // properties of every branch together (check_members), so a member one branch names is
    // no stranger to another.
    void check_without_members(const Value &value, const Value &part, const std::string &path, int steps) const {
        if (value.IsObject()) {
            const Value &s = resolved(part, path);
            if (const Value *req = json::find(s, "required"))
                for (const auto &r : req->GetArray())
                    if (!value.HasMember(r.GetString())) throw invalid(path + "." + r.GetString(), path + "." + r.GetString() + " is required");
            if (const Value *all = json::find(s, "allOf"))
                for (const auto &p : all->GetArray()) check_without_members(value, p, path, steps + 1);
            check_type(value, s, path);
            return;
        }
        check(value, part, path, steps + 1);
    }

    void check_any(const Value &value, const Value &branches, const std::string &path, int steps) const {
        std::string first;
        for (const auto &b : branches.GetArray()) {
            try {
                check(value, b, path, steps + 1);
                return;
            } catch (const NodeError &e) {
                if (e.status != WFNODE_ERR_INVALID_INPUT) throw;
                if (first.empty()) first = e.what();
            }
        }
        throw invalid(path, fmt::format("{} matches none of the forms its schema allows ({})", path, first));
    }

    static void check_type(const Value &value, const Value &s, const std::string &path) {
        const Value *t = json::find(s, "type");
        if (!t || !t->IsString()) return;
        const std::string_view want = t->GetString();
        const bool ok = want == "object"    ? value.IsObject()
                        : want == "array"   ? value.IsArray()
                        : want == "string"  ? value.IsString()
                        : want == "boolean" ? value.IsBool()
                        : want == "integer" ? std::string_view(json::type_name(value)) == "integer"
                        : want == "number"  ? value.IsNumber()
                                            : true;
        if (!ok)
            throw invalid(path, fmt::format("{} must be {}{}, got {}", path, want, nullable(s) ? " or null" : "",
                                            json::type_name(value)));
    }

    static void check_number(const Value &value, const Value &s, const std::string &path) {
        const Value *f = json::find(s, "format");
        if (f && std::string_view(f->GetString()) == "int32" && !value.IsInt())
            throw invalid(path, fmt::format("{} must be a whole number within 32 bits, got {}", path, json::stringify(value)));
        if (const Value *m = json::find(s, "minimum"); m && value.GetDouble() < m->GetDouble())
            throw invalid(path, fmt::format("{} must be >= {}, got {}", path, json::stringify(*m), json::stringify(value)));
        if (const Value *m = json::find(s, "maximum"); m && value.GetDouble() > m->GetDouble())
            throw invalid(path, fmt::format("{} must be <= {}, got {}", path, json::stringify(*m), json::stringify(value)));
    }

    static void check_string(const Value &value, const Value &s, const std::string &path) {
        const std::string text(value.GetString(), value.GetStringLength());
        // Characters, not bytes (the input is valid UTF-8): every byte but a continuation byte.
        size_t characters = 0;
        for (unsigned char c : text) characters += (c & 0xC0) != 0x80;
        if (const Value *m = json::find(s, "maxLength"); m && characters > m->GetUint64())
            throw invalid(path, fmt::format("{} is {} characters long; at most {} are accepted", path, characters, m->GetUint64()));
        if (const Value *m = json::find(s, "minLength"); m && characters < m->GetUint64())
            throw invalid(path, fmt::format("{} must be at least {} characters", path, m->GetUint64()));
        if (const Value *f = json::find(s, "format")) {
            const std::string_view format = f->GetString();
            if (format == "date-time" && !wfplugin::iso8601::parse(text))
                throw invalid(path, fmt::format("{} is not an ISO 8601 date-time with an offset: {}", path, json::excerpt(text)));
            if (format == "uuid") {
                bool ok = text.size() == 36;
                for (size_t i = 0; ok && i < text.size(); ++i)
                    ok = (i == 8 || i == 13 || i == 18 || i == 23) ? text[i] == '-' : std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
                if (!ok) throw invalid(path, fmt::format("{} is not a GUID: {}", path, json::excerpt(text)));
            }
        }
        if (const Value *p = json::find(s, "pattern")) {
            if (text.size() > max_patterned_length)
                throw invalid(path, fmt::format("{} is {} bytes long; a value of this member has at most {}", path, text.size(), max_patterned_length));
            if (!std::regex_search(text, wfplugin::compiled_pattern(p->GetString())))
                throw invalid(path, fmt::format("{} has an invalid format: {}", path, json::excerpt(text)));
        }
    }

    // The properties an object's schema names, through allOf and $refs.
    void gather(const Value &schema, std::map<std::string, const Value *> &props, bool &open, const std::string &path,
                int steps) const {
        if (steps > max_schema_steps) throw NodeError(WFNODE_ERR_INTERNAL, path + ": the body schema nests too deep");
        const Value &s = resolved(schema, path);
        if (const Value *p = json::find(s, "properties"))
            for (const auto &m : p->GetObject()) props.emplace(m.name.GetString(), &m.value);
        if (const Value *a = json::find(s, "additionalProperties"); a && !a->IsFalse()) open = true;
        if (const Value *all = json::find(s, "allOf"))
            for (const auto &part : all->GetArray()) gather(part, props, open, path, steps + 1);
    }

    void check_members(const Value &value, const Value &s, const std::string &path, int steps) const {
        if (const Value *req = json::find(s, "required"))
            for (const auto &r : req->GetArray())
                if (!value.HasMember(r.GetString())) throw invalid(path + "." + r.GetString(), path + "." + r.GetString() + " is required");
        std::map<std::string, const Value *> props;
        bool open = false;
        gather(s, props, open, path, steps);
        // A schema that names no properties and no composition says nothing of its members.
        if (props.empty() && !json::find(s, "allOf")) return;
        for (const auto &m : value.GetObject()) {
            const std::string name(m.name.GetString(), m.name.GetStringLength());
            const std::string child = path + "." + wfcommon::utf8::cut(name, 40);
            auto it = props.find(name);
            if (it != props.end()) check(m.value, *it->second, child, steps + 1);
            else if (!open) throw invalid(child, fmt::format("{} is not a member of this operation's body", child));
        }
    }

    const Value &components_;
};

}  // namespace

void validate_body(const Value &value, const Value &schema, const Value &components, const std::string &path) {
    Checker(components).check(value, schema, path, 0);
}

}  // namespace threecx::xapi
