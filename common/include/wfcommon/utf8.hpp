// UTF-8 text cut for messages: never in the middle of a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wfcommon::utf8 {

// `s` when it has at most `max_bytes` bytes; else its first bytes up to `max_bytes`, cut on a
// character boundary, with "..." after. For error messages, which never repeat a long (perhaps
// hostile) value whole, nor split a character into invalid UTF-8.
std::string cut(std::string_view s, std::size_t max_bytes);

}  // namespace wfcommon::utf8
