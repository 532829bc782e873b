#include "escape_non_ascii.hpp"

#include <cstdint>

namespace emulator {
namespace {

void append_unit(std::string &out, uint32_t unit) {
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(unit >> shift) & 0xF];
}

}  // namespace

std::string escape_non_ascii(std::string_view json) {
    std::string out;
    out.reserve(json.size() + json.size() / 2);
    for (size_t i = 0; i < json.size();) {
        const auto lead = static_cast<unsigned char>(json[i]);
        if (lead < 0x80) {
            out += json[i++];
            continue;
        }
        // The emulator writes valid UTF-8 only: the lead byte says the length.
        const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        uint32_t cp = lead & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
        for (size_t k = 1; k < length && i + k < json.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(json[i + k]) & 0x3F);
        i += length;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            append_unit(out, 0xD800 + (cp >> 10));
            append_unit(out, 0xDC00 + (cp & 0x3FF));
        } else {
            append_unit(out, cp);
        }
    }
    return out;
}

}  // namespace emulator
