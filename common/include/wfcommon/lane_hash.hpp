// A fast 64-bit hash of bytes for fingerprints that need no secrecy (a page's records, every
// byte of an export): four independent lanes of multiply-xor over 8-byte words, so the
// multiplications overlap instead of waiting on each other as std::hash's chain does (about
// four times its speed). Not for anything an attacker must not collide.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace wfcommon::lane_hash {

inline uint64_t hash(std::string_view bytes) {
    constexpr uint64_t k = 0x9E3779B97F4A7C15ull;  // odd: multiplying by it loses nothing
    auto word = [&](size_t at) {
        uint64_t w;
        std::memcpy(&w, bytes.data() + at, 8);
        return w;
    };
    auto step = [&](uint64_t h, uint64_t w) { return std::rotl((h ^ w) * k, 31); };
    uint64_t a = 1, b = 2, c = 3, d = 4;
    const size_t n = bytes.size();
    size_t at = 0;
    for (; at + 32 <= n; at += 32)
        a = step(a, word(at)), b = step(b, word(at + 8)), c = step(c, word(at + 16)), d = step(d, word(at + 24));
    for (; at + 8 <= n; at += 8) a = step(a, word(at));
    uint64_t tail = 0;
    std::memcpy(&tail, bytes.data() + at, n - at);
    uint64_t h = step(step(step(step(step(a, tail), b), c), d), n);
    // Every input bit reaches every output bit (MurmurHash3's finaliser).
    h ^= h >> 33, h *= 0xFF51AFD7ED558CCDull, h ^= h >> 33, h *= 0xC4CEB9FE1A85EC53ull, h ^= h >> 33;
    return h;
}

}  // namespace wfcommon::lane_hash
