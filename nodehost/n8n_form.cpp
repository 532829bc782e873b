#include "n8n_form.hpp"

#include <wfcommon/secret_fields.hpp>

#include "io.hpp"
#include "schema_views.hpp"

#include <algorithm>
#include <string>

namespace nodehost {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

Value text(const char *s, Alloc &a) { return Value(s ? s : "", a); }

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

Value property(const std::string &name, const Value &prop, bool required, Alloc &a) {
    // A field with dynamic choices (ABI 1.2's "x-options-source") is n8n's options type, whose
    // loadOptionsMethod names the source the host asks the plugin about.
    const bool dynamic = prop.HasMember("x-options-source") && prop["x-options-source"].IsString();
    const std::string type = dynamic ? "options" : prop.HasMember("x-n8n-type") ? prop["x-n8n-type"].GetString() : "string";
    Value p(rapidjson::kObjectType);
    p.AddMember("displayName", text(prop.HasMember("title") ? prop["title"].GetString() : name.c_str(), a), a);
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
    // A fixed list of choices: n8n's options, each shown by its "x-enum-names" entry.
    if (type == "options" && !dynamic && prop.HasMember("enum") && prop["enum"].IsArray()) {
        const Value &values = prop["enum"];
        const Value *names = prop.HasMember("x-enum-names") && prop["x-enum-names"].IsArray() &&
                                     prop["x-enum-names"].Size() == values.Size()
                                 ? &prop["x-enum-names"]
                                 : nullptr;
        Value choices(rapidjson::kArrayType);
        for (rapidjson::SizeType i = 0; i < values.Size(); ++i) {
            Value choice(rapidjson::kObjectType);
            choice.AddMember("name", Value(names ? (*names)[i] : values[i], a), a);
            choice.AddMember("value", Value(values[i], a), a);
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
    if (schema.HasMember("x-order")) {
        for (const auto &n : schema["x-order"].GetArray())
            if (props.HasMember(n.GetString())) out.PushBack(property(n.GetString(), props[n.GetString()], required(n.GetString()), a), a);
    } else {
        for (const auto &m : props.GetObject()) out.PushBack(property(m.name.GetString(), m.value, required(m.name.GetString()), a), a);
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
    d.AddMember("displayName", text(def.display_name, a), a);
    // n8n's loader splits a node type at its dots ("package.node"): the name has none.
    d.AddMember("name", Value(n8n_node_name(def.type ? def.type : "").c_str(), a), a);
    // The panel's section: a node that only reads is an input; one that changes the PBX, output.
    const bool reads = !schema.HasParseError() && schema.HasMember("x-effect") && schema["x-effect"].IsString() &&
                       std::string(schema["x-effect"].GetString()) == "read";
    Value group(rapidjson::kArrayType);
    group.PushBack(Value(rapidjson::StringRef(reads ? "input" : "output")), a);
    d.AddMember("group", group, a);
    d.AddMember("version", def.node_version, a);
    d.AddMember("description", text(def.description, a), a);
    // What the canvas needs to draw a node: its default name, one main input and output.
    Value defaults(rapidjson::kObjectType);
    defaults.AddMember("name", text(def.display_name, a), a);
    d.AddMember("defaults", defaults, a);
    Value inputs(rapidjson::kArrayType), outputs(rapidjson::kArrayType);
    inputs.PushBack("main", a);
    outputs.PushBack("main", a);
    d.AddMember("inputs", inputs, a);
    d.AddMember("outputs", outputs, a);
    Value creds(rapidjson::kArrayType);
    if (def.credential_type) {
        Value c(rapidjson::kObjectType);
        c.AddMember("name", text(def.credential_type, a), a);
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
    d.AddMember("name", text(def.name, a), a);
    d.AddMember("displayName", text(def.display_name, a), a);
    d.AddMember("properties", schema.HasParseError() ? Value(rapidjson::kArrayType) : properties(schema, a), a);
    return d;
}

}  // namespace nodehost
