// JSON for the plugin: one reading policy for everything a host hands in (parameters,
// credentials, items), and small helpers over RapidJSON.
#pragma once

#include <wfcommon/json_policy.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wfplugin::json {

// The policy is wfcommon's (common/), the same nodehost reads with, so two readers can never
// disagree about what a document says. Nesting at most max_depth deep is far above any real
// document and far below what could exhaust a stack.
using wfcommon::json::max_bytes;
using wfcommon::json::max_depth;

// Parses `text` under the policy; on failure throws NodeError(INVALID_INPUT) saying what was
// wrong and where ("parameters is not valid JSON: duplicate key \"top\" at options (byte 9)").
// Its field names the parameter by its keys ("options.filter"; `what` and the keys otherwise).
rapidjson::Document parse(std::string_view text, const std::string &what);

// Compact serialisation of a value.
std::string stringify(const rapidjson::Value &value);

// Quotes and escapes a JSON string literal; the excerpt for error messages (see wfcommon).
using wfcommon::json::excerpt;
using wfcommon::json::quote;

// Member lookup that tolerates a non-object: nullptr when absent.
const rapidjson::Value *find(const rapidjson::Value &object, const char *name);

// The value's JSON type name as JSON Schema spells it: "integer" only for a number written
// without a fraction or exponent that fits 64 bits, "number" for any other number.
const char *type_name(const rapidjson::Value &value);

}  // namespace wfplugin::json
