#include "escaped_secrets.hpp"

#include "byte_block.hpp"

#include "wfplugin/json.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace wfplugin::escaped {
namespace {

// Whether the escape whose backslash is at text[at] can spell a character of a secret.
bool spells(std::string_view text, size_t at, bool plain_secrets) {
    const char c = text[at + 1];
    if (!plain_secrets) return c != '"' && c != '\\';
    if (c == '/') return true;
    // \u00XX with X <= 7: an ASCII character. Hex digits spell 0 to 7 only as digits.
    return c == 'u' && at + 4 < text.size() && text[at + 2] == '0' && text[at + 3] == '0' && text[at + 4] >= '0' &&
           text[at + 4] <= '7';
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The code unit of "\uXXXX" at s[at] (the backslash), or -1.
long code_unit(std::string_view s, size_t at) {
    if (at + 6 > s.size() || s[at] != '\\' || s[at + 1] != 'u') return -1;
    long unit = 0;
    for (size_t i = at + 2; i < at + 6; ++i) {
        const int d = hex_digit(s[i]);
        if (d < 0) return -1;
        unit = unit * 16 + d;
    }
    return unit;
}

void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The characters a string's contents (between its quotes) spell. An escape that spells no
// character (a lone surrogate, bad hex) is kept as written: it is no part of any UTF-8 secret.
std::string decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out += s[i++];
            continue;
        }
        const char c = s[i + 1];
        const char *shorts = "\"\\/bfnrt", *meant = "\"\\/\b\f\n\r\t";
        if (const char *k = std::strchr(shorts, c); k && c) {
            out += meant[k - shorts];
            i += 2;
            continue;
        }
        const long unit = code_unit(s, i);
        if (unit >= 0xD800 && unit < 0xDC00) {
            const long low = code_unit(s, i + 6);
            if (low >= 0xDC00 && low < 0xE000) {
                append_utf8(out, 0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00));
                i += 12;
                continue;
            }
        } else if (unit >= 0 && (unit < 0xDC00 || unit >= 0xE000)) {
            append_utf8(out, static_cast<uint32_t>(unit));
            i += 6;
            continue;
        }
        out.append(s.substr(i, 2));  // spells no character: as written
        i += 2;
    }
    return out;
}

// Past the closing quote of the string whose contents begin at s[at], or npos.
size_t string_end(std::string_view s, size_t at) {
    for (; at < s.size(); ++at) {
        if (s[at] == '\\') ++at;
        else if (s[at] == '"') return at + 1;
    }
    return std::string_view::npos;
}

}  // namespace

bool is_plain(std::string_view secret) {
    return std::all_of(secret.begin(), secret.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

WFPLUGIN_BYTE_SCAN bool may_spell_a_secret(std::string_view json, bool plain_secrets) {
    const size_t n = json.size();
    // Whether the backslash at json[p] begins an escape: an even number of backslashes before it.
    auto begins_escape = [&](size_t p) {
        size_t before = 0;
        while (before < p && json[p - 1 - before] == '\\') ++before;
        return before % 2 == 0;
    };
    if (!plain_secrets) {
        for (size_t p = json.find('\\'); p != std::string_view::npos && p + 1 < n; p = json.find('\\', p + 2))
            if (spells(json, p, false)) return true;  // found left to right: p begins an escape
        return false;
    }
    auto spells_ascii = [&](size_t p) { return p + 1 < n && spells(json, p, true) && begins_escape(p); };
    size_t at = 0;
    // Thirty-two places at a time, on an OData writer's answers too, where one byte in a few is
    // a backslash (every non-ASCII character is escaped): only "\u00" followed by 0 to 7, and
    // "\/", are looked at again.
    using namespace bytes;
    const char *p = json.data();
    auto found_from = [&](size_t from) WFPLUGIN_INLINED {
        const Block backslash = equal(load(p + from), '\\');
        if (!any(backslash)) return false;  // text without escapes
        const Block next = load(p + from + 1);
        const Block ascii_unit = equal(next, 'u') & equal(load(p + from + 2), '0') & equal(load(p + from + 3), '0') &
                                 equal(load(p + from + 4) & 0xF8, '0');  // '0' to '7'
        const Block hits = backslash & (ascii_unit | equal(next, '/'));
        if (!any(hits)) [[likely]]
            return false;
        return any_place(hits, [&](size_t i) { return begins_escape(from + i); });
    };
    constexpr size_t reach = block + 4;  // the bytes one block's test reads
    if (n >= reach) {
        for (; at + reach <= n; at += block)
            if (found_from(at)) return true;
        // The places left, in one block that overlaps the last; its last four places (an escape
        // cut by the end) are looked at below.
        if (at < n - 4 && found_from(n - reach)) return true;
        at = n - 4;
    }
    for (; at < n; ++at)
        if (json[at] == '\\' && spells_ascii(at)) return true;
    return false;
}

std::string redact_strings(std::string_view json, const std::function<std::string(std::string_view)> &redact) {
    std::string out;
    out.reserve(json.size());
    size_t at = 0;
    while (at < json.size()) {
        const size_t open = json.find('"', at);
        const size_t close = open == std::string_view::npos ? open : string_end(json, open + 1);
        if (close == std::string_view::npos) break;  // no string left (or one never closed): text
        out += redact(json.substr(at, open - at));
        const std::string_view spelled = json.substr(open, close - open);
        const std::string text = decode(spelled.substr(1, spelled.size() - 2));
        const std::string clean = redact(text);
        if (clean == text) out += spelled;
        else out += json::quote(clean);
        at = close;
    }
    out += redact(json.substr(at));
    return out;
}

}  // namespace wfplugin::escaped
