// Whether an item holds a secret's form as it is spelled (raw, JSON-escaped, percent-encoded):
// every output item is searched, so the search reads sixteen places at a time, each form by
// its first and last byte together, and compares the rest only where both match (glibc's
// memmem went a pair of bytes at a time, slower still on the hex digits of \u escapes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wfplugin {

// True when `text` holds any of `forms` (each not empty).
bool holds_any(std::string_view text, const std::vector<std::string> &forms);

}  // namespace wfplugin
