// Two views of a node's embedded JSON Schema for form renderers. The embedded schema keeps
// the plugin's own "x-" keywords (its validator and the n8n form read them); renderers get:
// - standard_schema: plain draft 2020-12 that a strict validator compiles (no "x-" keyword,
//   standard formats only, union types as anyOf, conditional fields as if/then, a JSON-string
//   field as anyOf object | string with contentSchema);
// - ui_schema: the editor hints that are not JSON Schema (order, placeholders, password
//   widgets, rows, dynamic choices), as a react-jsonschema-form style uiSchema.
#pragma once

#include <rapidjson/document.h>

namespace nodehost {

rapidjson::Value standard_schema(const rapidjson::Value &schema, rapidjson::Document::AllocatorType &a);
rapidjson::Value ui_schema(const rapidjson::Value &schema, rapidjson::Document::AllocatorType &a);

}  // namespace nodehost
