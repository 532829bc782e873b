#include "wfcommon/utf8.hpp"

namespace wfcommon::utf8 {

std::string cut(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return std::string(s);
    std::size_t at = max_bytes;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;  // a continuation byte
    return std::string(s.substr(0, at)) + "...";
}

}  // namespace wfcommon::utf8
