#include "n8n_form.hpp"

#include <wfcommon/secret_fields.hpp>

#include "io.hpp"
#include "schema_views.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace nodehost {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

Value text_or_empty(const char *s, Alloc &a) { return Value(s ? s : "", a); }

// The value n8n's form starts a property with (n8n also runs a node with it when the field is
// never touched): the form's own start ("x-form-default") or the schema's default; for a
// collection, that object with the form starts of its options gathered in (Purge Chats'
// Options start as {"dryRun": true}). Else the type's empty value: a JSON field such as Period
// starts empty, its example shown only as the placeholder, never filled in; a number the node
// has no default for (Top) starts empty too (null: n8n's empty number field, which the n8n
// package does not send), not at a value the node would then be asked for. An n8n "json"
// property takes its default as text.
Value default_for(const Value &prop, const std::string &type, Alloc &a) {
    if (type == "collection") {
        Value start = prop.HasMember("default") && prop["default"].IsObject() ? Value(prop["default"], a)
                                                                               : Value(rapidjson::kObjectType);
        if (prop.HasMember("properties") && prop["properties"].IsObject())
            for (const auto &option : prop["properties"].GetObject())
                if (const Value *d = form_default_of(option.value)) {
                    start.RemoveMember(option.name);
                    start.AddMember(Value(option.name, a), Value(*d, a), a);
                }
        return start;
    }
    const Value *d = form_default_of(prop) ? form_default_of(prop) : prop.HasMember("default") ? &prop["default"] : nullptr;
    if (d) return type == "json" && !d->IsString() ? Value(to_json(*d).c_str(), a) : Value(*d, a);
    if (type == "number") return Value(rapidjson::kNullType);
    if (type == "boolean") return Value(false);
    return Value("");
}

Value properties(const Value &schema, Alloc &a);

// An annotation with one entry per enum value ("x-enum-names"...), or null when it has not.
const Value *per_choice(const Value &prop, const char *key) {
    if (!prop.HasMember(key) || !prop[key].IsArray() || !prop.HasMember("enum") || !prop["enum"].IsArray()) return nullptr;
    return prop[key].Size() == prop["enum"].Size() ? &prop[key] : nullptr;
}

Value property(const std::string &name, const Value &prop, bool required, Alloc &a) {
    // A field with dynamic choices (ABI 1.2's "x-options-source") is n8n's options type, whose
    // loadOptionsMethod names the source the host asks the plugin about.
    const bool dynamic = prop.HasMember("x-options-source") && prop["x-options-source"].IsString();
    const std::string type = dynamic ? "options" : prop.HasMember("x-n8n-type") ? prop["x-n8n-type"].GetString() : "string";
    Value p(rapidjson::kObjectType);
    p.AddMember("displayName", text_or_empty(prop.HasMember("title") ? prop["title"].GetString() : name.c_str(), a), a);
    p.AddMember("name", Value(name.c_str(), a), a);
    p.AddMember("type", Value(type.c_str(), a), a);
    p.AddMember("default", default_for(prop, type, a), a);
    if (required) p.AddMember("required", true, a);
    if (auto placeholder = placeholder_of(prop)) p.AddMember("placeholder", Value(placeholder->c_str(), a), a);
    if (prop.HasMember("description")) p.AddMember("description", Value(prop["description"], a), a);
    Value options(rapidjson::kObjectType);
    if (prop.HasMember("minimum")) options.AddMember("minValue", Value(prop["minimum"], a), a);
    if (prop.HasMember("maximum")) options.AddMember("maxValue", Value(prop["maximum"], a), a);
    if (wfcommon::is_secret_property(prop)) options.AddMember("password", true, a);
    if (prop.HasMember("x-rows")) options.AddMember("rows", Value(prop["x-rows"], a), a);
    if (dynamic) options.AddMember("loadOptionsMethod", Value(prop["x-options-source"], a), a);
    if (options.MemberCount()) p.AddMember("typeOptions", options, a);
    if (type == "collection") p.AddMember("options", properties(prop, a), a);
    // A fixed list of choices: n8n's options, each shown by its "x-enum-names" entry and
    // described by its "x-enum-descriptions" one.
    if (type == "options" && !dynamic && prop.HasMember("enum") && prop["enum"].IsArray()) {
        const Value &values = prop["enum"];
        const Value *names = per_choice(prop, "x-enum-names");
        const Value *descriptions = per_choice(prop, "x-enum-descriptions");
        Value choices(rapidjson::kArrayType);
        for (rapidjson::SizeType i = 0; i < values.Size(); ++i) {
            Value choice(rapidjson::kObjectType);
            choice.AddMember("name", Value(names ? (*names)[i] : values[i], a), a);
            choice.AddMember("value", Value(values[i], a), a);
            if (descriptions) choice.AddMember("description", Value((*descriptions)[i], a), a);
            choices.PushBack(choice, a);
        }
        p.AddMember("options", choices, a);
    }
    // A field shown only under a condition: n8n's displayOptions, relative to its siblings.
    if (prop.HasMember("x-show-when") && prop["x-show-when"].IsObject()) {
        Value show(rapidjson::kObjectType);
        show.AddMember("show", Value(prop["x-show-when"], a), a);
        p.AddMember("displayOptions", show, a);
    }
    return p;
}

// Choices that depend on another field ("x-choices-by": {"field": F, "values": [the value of F
// each choice belongs to]}): one n8n property per value of F, shown while F has it and
// offering that value's choices, as n8n's own nodes offer the operations of the resource
// chosen (several properties of one name, one shown at a time). Its default is the schema's
// where that is among them, else the first. False when the property has no such grouping.
bool push_grouped(const std::string &name, const Value &prop, bool required, Value &out, Alloc &a) {
    if (!prop.HasMember("x-choices-by") || !prop["x-choices-by"].IsObject()) return false;
    const Value &by = prop["x-choices-by"];
    if (!by.HasMember("field") || !by["field"].IsString() || !by.HasMember("values") || !by["values"].IsArray() ||
        !prop.HasMember("enum") || !prop["enum"].IsArray() || by["values"].Size() != prop["enum"].Size())
        return false;
    const Value *groups = &by["values"];
    Value whole = property(name, prop, required, a);
    if (!whole.HasMember("options")) return false;
    std::vector<std::string> order;
    std::map<std::string, std::vector<rapidjson::SizeType>> members;
    for (rapidjson::SizeType i = 0; i < groups->Size(); ++i) {
        if (!(*groups)[i].IsString()) return false;
        auto [it, added] = members.try_emplace((*groups)[i].GetString());
        if (added) order.push_back(it->first);
        it->second.push_back(i);
    }
    Value choices(rapidjson::kArrayType);
    choices.Swap(whole["options"]);
    whole.RemoveMember("options");
    whole.RemoveMember("displayOptions");
    for (const auto &group : order) {
        Value p(whole, a);
        Value offered(rapidjson::kArrayType);
        bool has_default = false;
        for (auto i : members[group]) {
            has_default = has_default || choices[i]["value"] == whole["default"];
            offered.PushBack(Value(choices[i], a), a);
        }
        if (!has_default) p["default"] = Value(offered[0]["value"], a);
        p.AddMember("options", offered, a);
        Value show = prop.HasMember("x-show-when") && prop["x-show-when"].IsObject() ? Value(prop["x-show-when"], a)
                                                                                      : Value(rapidjson::kObjectType);
        Value when(rapidjson::kArrayType);
        when.PushBack(Value(group.c_str(), a), a);
        show.RemoveMember(by["field"].GetString());
        show.AddMember(Value(by["field"], a), when, a);
        Value display(rapidjson::kObjectType);
        display.AddMember("show", show, a);
        p.AddMember("displayOptions", display, a);
        out.PushBack(p, a);
    }
    return true;
}

// The schema's properties in its "x-order", as n8n properties.
Value properties(const Value &schema, Alloc &a) {
    Value out(rapidjson::kArrayType);
    if (!schema.HasMember("properties")) return out;
    const Value &props = schema["properties"];
    auto required = [&](const char *name) {
        if (!schema.HasMember("required")) return false;
        const auto &r = schema["required"].GetArray();
        return std::any_of(r.begin(), r.end(), [&](const Value &v) { return std::string(v.GetString()) == name; });
    };
    auto add = [&](const char *name, const Value &prop) {
        if (!push_grouped(name, prop, required(name), out, a)) out.PushBack(property(name, prop, required(name), a), a);
    };
    if (schema.HasMember("x-order")) {
        for (const auto &n : schema["x-order"].GetArray())
            if (props.HasMember(n.GetString())) add(n.GetString(), props[n.GetString()]);
    } else {
        for (const auto &m : props.GetObject()) add(m.name.GetString(), m.value);
    }
    return out;
}

}  // namespace

std::string n8n_node_name(const std::string &type) {
    std::string out;
    bool upper = false;
    for (char c : type) {
        if (c == '.' || c == '-' || c == '_') {
            upper = !out.empty();
            continue;
        }
        out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        upper = false;
    }
    return out;
}

Value n8n_node_description(const wfnode_node_def &def, Alloc &a) {
    rapidjson::Document schema;
    schema.Parse(def.schema_json);
    Value d(rapidjson::kObjectType);
    d.AddMember("displayName", text_or_empty(def.display_name, a), a);
    // n8n's loader splits a node type at its dots ("package.node"): the name has none.
    d.AddMember("name", Value(n8n_node_name(def.type ? def.type : "").c_str(), a), a);
    // The panel's section: a node that only reads is an input; one that changes the PBX, output.
    const bool reads = !schema.HasParseError() && schema.HasMember("x-effect") && schema["x-effect"].IsString() &&
                       std::string(schema["x-effect"].GetString()) == "read";
    Value group(rapidjson::kArrayType);
    group.PushBack(Value(rapidjson::StringRef(reads ? "input" : "output")), a);
    d.AddMember("group", group, a);
    d.AddMember("version", def.node_version, a);
    d.AddMember("description", text_or_empty(def.description, a), a);
    // What the canvas needs to draw a node: its default name, one main input and output.
    Value defaults(rapidjson::kObjectType);
    defaults.AddMember("name", text_or_empty(def.display_name, a), a);
    d.AddMember("defaults", defaults, a);
    Value inputs(rapidjson::kArrayType), outputs(rapidjson::kArrayType);
    inputs.PushBack("main", a);
    outputs.PushBack("main", a);
    d.AddMember("inputs", inputs, a);
    d.AddMember("outputs", outputs, a);
    Value creds(rapidjson::kArrayType);
    if (def.credential_type) {
        Value c(rapidjson::kObjectType);
        c.AddMember("name", text_or_empty(def.credential_type, a), a);
        c.AddMember("required", true, a);
        creds.PushBack(c, a);
    }
    d.AddMember("credentials", creds, a);
    d.AddMember("properties", schema.HasParseError() ? Value(rapidjson::kArrayType) : properties(schema, a), a);
    return d;
}

Value n8n_credential_description(const wfnode_credential_def &def, Alloc &a) {
    rapidjson::Document schema;
    schema.Parse(def.schema_json);
    Value d(rapidjson::kObjectType);
    d.AddMember("name", text_or_empty(def.name, a), a);
    d.AddMember("displayName", text_or_empty(def.display_name, a), a);
    d.AddMember("properties", schema.HasParseError() ? Value(rapidjson::kArrayType) : properties(schema, a), a);
    return d;
}

}  // namespace nodehost
