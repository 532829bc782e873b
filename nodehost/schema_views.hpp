// Two views of a node's embedded JSON Schema for form renderers. The embedded schema keeps
// the plugin's own "x-" keywords (its validator and the n8n form read them); renderers get:
// - standard_schema: plain draft 2020-12 that a strict validator compiles (no "x-" keyword,
//   standard formats only, union types as anyOf, conditional fields as if/then, a JSON-string
//   field as anyOf object | string with contentSchema);
// - ui_schema: the editor hints that are not JSON Schema (order, placeholders, password
//   widgets, rows, dynamic choices, a form's starting value as "ui:options": {"formDefault"}),
//   as a react-jsonschema-form style uiSchema.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>

namespace nodehost {

// The text a form shows in a field while it is empty: the schema's "x-placeholder", else its
// first example (as JSON text when it is not a string). An example is shown, never filled
// in: the example of a purge period is a real range, and a form holding it purges that range.
std::optional<std::string> placeholder_of(const rapidjson::Value &property);

// The value an editor's form starts a field with, where it differs from what the node does
// without the field ("default"): "x-form-default" (Purge Chats' Dry Run starts on in forms,
// off in the plugin). Null when the field has none.
const rapidjson::Value *form_default_of(const rapidjson::Value &property);

rapidjson::Value standard_schema(const rapidjson::Value &schema, rapidjson::Document::AllocatorType &a);
rapidjson::Value ui_schema(const rapidjson::Value &schema, rapidjson::Document::AllocatorType &a);

}  // namespace nodehost
