#include "visible_text.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace nodehost {
namespace {

struct Decoded {
    char32_t code;
    size_t length;
};

// The character at the front of `s`, or nothing when it is not valid UTF-8 (overlong forms,
// surrogates and values past U+10FFFF included).
std::optional<Decoded> decode(std::string_view s) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return Decoded{lead, 1};
    size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || s.size() < length) return std::nullopt;
    char32_t code = lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
        code = (code << 6) | (byte(i) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return std::nullopt;
    return Decoded{code, length};
}

bool must_escape(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x061C || c == 0x200E ||
           c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string visible_text(std::string_view utf8, Backslashes backslashes) {
    std::string out;
    out.reserve(utf8.size());
    while (!utf8.empty()) {
        auto d = decode(utf8);
        if (!d) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(utf8[0]));
            utf8.remove_prefix(1);
            continue;
        }
        if (must_escape(d->code)) out += fmt::format("\\u{:04x}", static_cast<uint32_t>(d->code));
        else if (d->code == '\\' && backslashes == Backslashes::escape) out += "\\\\";
        else out.append(utf8.substr(0, d->length));
        utf8.remove_prefix(d->length);
    }
    return out;
}

}  // namespace nodehost
