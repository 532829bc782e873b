// Secrets spelled with JSON escapes. Inside a JSON string any character may be written as
// \uXXXX, '/' also as \/: a server can hand a secret back so, and no search of the raw text
// finds it. Records reach an execution context as the server's own bytes, already validated
// (nodes/xapi/collection_reader), so this is done without parsing them again: a scan of the
// escapes says whether any could spell a character of a secret, and only then are the
// item's strings decoded, one by one, and searched.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace wfplugin::escaped {

// True when every byte of `secret` is printable ASCII (0x20 to 0x7E). Such a secret can be
// spelled with escapes only by \u00XX below \u0080, \/, \" and \\ (a non-ASCII character's
// escape, as an OData writer makes for every accented letter, never spells one of its bytes).
bool is_plain(std::string_view secret);

// True when `json` holds an escape that can spell a character of a secret other than by its
// JSON-escaped form (where only '"' and '\' are escaped, as \" and \\): with `plain_secrets`,
// a \u escape of an ASCII character or \/; otherwise any escape but \" and \\.
bool may_spell_a_secret(std::string_view json, bool plain_secrets);

// `json` with every string (keys included) decoded and passed to `redact`; a string that
// changed is written again JSON-escaped, every other string stays as it was spelled. Text
// outside strings (all of it, for text that is not JSON) is passed to `redact` as it is.
std::string redact_strings(std::string_view json, const std::function<std::string(std::string_view)> &redact);

}  // namespace wfplugin::escaped
