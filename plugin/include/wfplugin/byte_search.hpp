// Whether one byte string holds another, read sixteen or thirty-two places at a time: every
// output item passes the secret screen, and every record the reader's check for \u0000. Each
// place is tested by the needle's first two bytes and its last together, the rest compared
// only where all three match; a needle of up to eight bytes is tested at all its bytes at once.
// (glibc's memmem went a pair of bytes at a time, slower still on the hex digits of \u
// escapes, where one pair alone matches often.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wfplugin {

// True when `text` holds `needle` (an empty needle is held by any text).
bool contains(std::string_view text, std::string_view needle);

// True when `text` holds any of `needles`.
bool contains_any(std::string_view text, const std::vector<std::string> &needles);

}  // namespace wfplugin
