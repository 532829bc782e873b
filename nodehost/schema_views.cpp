#include "schema_views.hpp"

#include <wfcommon/secret_fields.hpp>

#include "io.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace nodehost {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

bool is_hint(std::string_view key) { return key.starts_with("x-"); }

bool is_true(const Value &s, const char *key) { return s.HasMember(key) && s[key].IsTrue(); }

// Keywords that describe the field rather than constrain one type: they stay on the outer
// schema when a union type becomes anyOf.
const std::set<std::string_view> annotations = {"$schema", "$id", "$comment", "title", "description", "default",
                                                "examples", "readOnly", "writeOnly", "deprecated", "enum", "const"};

// The keywords that apply to one instance type (a union's branch takes only its own).
bool applies_to(std::string_view key, std::string_view type) {
    static const std::map<std::string_view, std::set<std::string_view>> by_type = {
        {"string", {"minLength", "maxLength", "pattern", "format", "contentMediaType", "contentEncoding", "contentSchema"}},
        {"number", {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}},
        {"integer", {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}},
        {"object", {"properties", "required", "additionalProperties", "unevaluatedProperties", "patternProperties",
                    "propertyNames", "minProperties", "maxProperties", "dependentSchemas", "dependentRequired"}},
        {"array", {"items", "prefixItems", "contains", "minItems", "maxItems", "uniqueItems", "unevaluatedItems"}}};
    auto it = by_type.find(type);
    return it != by_type.end() && it->second.contains(key);
}

Value convert(const Value &s, Alloc &a);

// The schema's keywords that apply to `type`, with that type alone.
Value branch(const Value &s, std::string_view type, Alloc &a) {
    Value b(rapidjson::kObjectType);
    b.AddMember("type", Value(type.data(), static_cast<rapidjson::SizeType>(type.size()), a), a);
    for (const auto &m : s.GetObject())
        if (applies_to(m.name.GetString(), type)) b.AddMember(Value(m.name, a), Value(m.value, a), a);
    return convert(b, a);
}

Value outer_annotations(const Value &s, Alloc &a) {
    Value out(rapidjson::kObjectType);
    for (const auto &m : s.GetObject())
        if (annotations.contains(m.name.GetString())) out.AddMember(Value(m.name, a), Value(m.value, a), a);
    return out;
}

// An object's properties; those shown only under a condition ("x-show-when": {field: [values]})
// move into if/then, and "additionalProperties": false becomes "unevaluatedProperties": false
// so the conditional ones stay allowed when their condition holds.
void convert_properties(const Value &s, Value &out, Alloc &a) {
    Value props(rapidjson::kObjectType);
    std::map<std::string, std::pair<Value, Value>> conditional;  // condition text -> (if, then.properties)
    for (const auto &p : s["properties"].GetObject()) {
        if (!p.value.HasMember("x-show-when") || !p.value["x-show-when"].IsObject()) {
            props.AddMember(Value(p.name, a), convert(p.value, a), a);
            continue;
        }
        const Value &when = p.value["x-show-when"];
        auto &entry = conditional[to_json(when)];
        if (entry.first.IsNull()) {
            Value cond(rapidjson::kObjectType), cond_props(rapidjson::kObjectType), req(rapidjson::kArrayType);
            for (const auto &w : when.GetObject()) {
                Value field(rapidjson::kObjectType);
                field.AddMember("enum", Value(w.value, a), a);
                cond_props.AddMember(Value(w.name, a), field, a);
                req.PushBack(Value(w.name, a), a);
            }
            cond.AddMember("properties", cond_props, a);
            cond.AddMember("required", req, a);
            entry.first = cond;
            entry.second.SetObject();
        }
        entry.second.AddMember(Value(p.name, a), convert(p.value, a), a);
    }
    out.AddMember("properties", props, a);
    if (conditional.empty()) return;
    Value all(rapidjson::kArrayType);
    for (auto &[text, c] : conditional) {
        Value then(rapidjson::kObjectType), clause(rapidjson::kObjectType);
        then.AddMember("properties", c.second, a);
        clause.AddMember("if", c.first, a);
        clause.AddMember("then", then, a);
        all.PushBack(clause, a);
    }
    if (all.Size() == 1) {
        out.AddMember("if", all[0]["if"], a);
        out.AddMember("then", all[0]["then"], a);
    } else {
        out.AddMember("allOf", all, a);
    }
    if (out.HasMember("additionalProperties") && out["additionalProperties"].IsFalse()) {
        out.RemoveMember("additionalProperties");
        out.AddMember("unevaluatedProperties", false, a);
    }
}

Value convert(const Value &s, Alloc &a) {
    if (!s.IsObject()) return Value(s, a);
    const Value *type = s.HasMember("type") ? &s["type"] : nullptr;
    if (type && type->IsArray()) {
        Value out = outer_annotations(s, a), any(rapidjson::kArrayType);
        const bool json_string = is_true(s, "x-json-string");
        for (const auto &t : type->GetArray()) {
            const std::string_view name = t.GetString();
            if (json_string && name == "string") continue;
            any.PushBack(branch(s, name, a), a);
        }
        // A JSON value that may also be written as a string holding it: the string branch
        // names its media type and, as contentSchema, what the string holds.
        if (json_string) {
            Value text(rapidjson::kObjectType);
            text.AddMember("type", "string", a);
            text.AddMember("contentMediaType", "application/json", a);
            if (any.Size() == 1) text.AddMember("contentSchema", Value(any[0], a), a);
            any.PushBack(text, a);
        }
        out.AddMember("anyOf", any, a);
        return out;
    }
    Value out(rapidjson::kObjectType);
    for (const auto &m : s.GetObject()) {
        const std::string_view key = m.name.GetString();
        if (is_hint(key) || key == "properties") continue;
        // A format of our own ("x-iana-time-zone") is not one a renderer knows; the plugin
        // still checks it, and the UI schema offers the choices.
        if (key == "format" && m.value.IsString() && is_hint(m.value.GetString())) continue;
        out.AddMember(Value(m.name, a), Value(m.value, a), a);
    }
    if (s.HasMember("properties") && s["properties"].IsObject()) convert_properties(s, out, a);
    return out;
}

void add_option(Value &ui, const char *key, Value v, Alloc &a) {
    if (!ui.HasMember("ui:options")) ui.AddMember("ui:options", Value(rapidjson::kObjectType), a);
    ui["ui:options"].AddMember(Value(key, a), v, a);
}

}  // namespace

std::optional<std::string> placeholder_of(const Value &p) {
    if (!p.IsObject()) return std::nullopt;
    if (p.HasMember("x-placeholder") && p["x-placeholder"].IsString()) return p["x-placeholder"].GetString();
    if (!p.HasMember("examples") || !p["examples"].IsArray() || p["examples"].Empty()) return std::nullopt;
    const Value &example = p["examples"][0];
    return example.IsString() ? std::string(example.GetString(), example.GetStringLength()) : to_json(example);
}

const Value *form_default_of(const Value &p) {
    return p.IsObject() && p.HasMember("x-form-default") ? &p["x-form-default"] : nullptr;
}

Value standard_schema(const Value &schema, Alloc &a) { return convert(schema, a); }

Value ui_schema(const Value &s, Alloc &a) {
    Value ui(rapidjson::kObjectType);
    if (!s.IsObject()) return ui;
    if (s.HasMember("x-order")) ui.AddMember("ui:order", Value(s["x-order"], a), a);
    if (auto placeholder = placeholder_of(s)) ui.AddMember("ui:placeholder", Value(placeholder->c_str(), a), a);
    if (wfcommon::is_secret_property(s)) ui.AddMember("ui:widget", "password", a);
    if (s.HasMember("x-rows")) add_option(ui, "rows", Value(s["x-rows"], a), a);
    if (s.HasMember("x-options-source")) add_option(ui, "optionsSource", Value(s["x-options-source"], a), a);
    if (s.HasMember("x-show-when")) add_option(ui, "showWhen", Value(s["x-show-when"], a), a);
    if (const Value *start = form_default_of(s)) add_option(ui, "formDefault", Value(*start, a), a);
    if (s.HasMember("properties") && s["properties"].IsObject())
        for (const auto &p : s["properties"].GetObject()) {
            Value child = ui_schema(p.value, a);
            if (child.MemberCount()) ui.AddMember(Value(p.name, a), child, a);
        }
    return ui;
}

}  // namespace nodehost
