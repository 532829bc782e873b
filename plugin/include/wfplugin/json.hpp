// Small helpers over RapidJSON shared by the plugin's layers.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

namespace wfplugin::json {

// Parses `text` as JSON; on failure throws NodeError(INVALID_INPUT) naming `what`.
rapidjson::Document parse(std::string_view text, const std::string &what);

// Compact serialisation of a value.
std::string stringify(const rapidjson::Value &value);

// Quotes and escapes `s` as a JSON string literal.
std::string quote(std::string_view s);

// Member lookup that tolerates a non-object: nullptr when absent.
const rapidjson::Value *find(const rapidjson::Value &object, const char *name);

// The value's JSON type name as JSON Schema spells it ("integer" for whole numbers).
const char *type_name(const rapidjson::Value &value);

}  // namespace wfplugin::json
