// The one JSON reading policy, for every document the plugin and nodehost read: parameters,
// credentials, items, pipeline files, editor requests, cached tokens, server answers.
//   - read by length: a NUL byte is data (and refused), never the end of the text;
//   - one document and nothing after it but white space;
//   - valid UTF-8; no duplicate key in an object; no NUL character (\u0000) in a key or string;
//   - at most max_depth levels of nesting and max_bytes of text.
// Iterative parsing plus the depth bound keep the stack flat for any input.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wfcommon::json {

inline constexpr std::size_t max_depth = 64;
inline constexpr std::size_t max_bytes = 64u << 20;

// Why a text was refused, and where.
struct Problem {
    std::string why;     // "duplicate key \"a\"", "nested deeper than 64 levels"
    std::string path;    // the value being read: "options.filter", "items[2]", "" for the root
    std::size_t offset;  // byte offset in the text
    // "<why> at <path> (byte <offset>)", or "<why> at byte <offset>" for the root.
    std::string describe() const;
};

// Parses `text` into `doc` under the policy; the problem when refused (then `doc` is unusable).
std::optional<Problem> parse(std::string_view text, rapidjson::Document &doc);

// Quotes and escapes `s` as a JSON string literal.
std::string quote(std::string_view s);

// `s` quoted, cut to at most `max_chars` bytes (on a character boundary) with "..." after:
// for error messages, which never repeat a long value whole.
std::string excerpt(std::string_view s, std::size_t max_chars = 40);

}  // namespace wfcommon::json
