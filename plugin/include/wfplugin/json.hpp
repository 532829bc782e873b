// JSON for the plugin: one reading policy for everything a host hands in (parameters,
// credentials, items), and small helpers over RapidJSON.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wfplugin::json {

// The policy, so two readers can never disagree about what a document says: valid UTF-8,
// one document and nothing after it, no duplicate key in any object, no NUL character in a
// key or string, nesting at most max_depth deep (far above any real document, far below
// what could exhaust a stack), at most max_bytes of text.
inline constexpr std::size_t max_depth = 64;
inline constexpr std::size_t max_bytes = 64u << 20;

// Parses `text` under the policy; on failure throws NodeError(INVALID_INPUT) naming `what`
// (as the field) and what was wrong, quoting at most a short excerpt of the offending text.
rapidjson::Document parse(std::string_view text, const std::string &what);

// Compact serialisation of a value.
std::string stringify(const rapidjson::Value &value);

// Quotes and escapes `s` as a JSON string literal.
std::string quote(std::string_view s);

// `s` quoted, cut to at most `max_chars` bytes (on a character boundary) with "..." after:
// for error messages, which never repeat a long value whole.
std::string excerpt(std::string_view s, std::size_t max_chars = 40);

// Member lookup that tolerates a non-object: nullptr when absent.
const rapidjson::Value *find(const rapidjson::Value &object, const char *name);

// The value's JSON type name as JSON Schema spells it: "integer" only for a number written
// without a fraction or exponent that fits 64 bits, "number" for any other number.
const char *type_name(const rapidjson::Value &value);

}  // namespace wfplugin::json
