// Sixteen bytes compared at once (SSE2 on x86-64, NEON on ARM, through GCC's vector types):
// the output screens read every byte of every item, and one comparison per byte would cost
// more than the network read that brought it.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace wfplugin::bytes {

typedef unsigned char Block __attribute__((vector_size(16)));
constexpr size_t block = 16;

// The sixteen bytes at `p` (any alignment).
inline Block load(const char *p) {
    Block b;
    std::memcpy(&b, p, sizeof b);
    return b;
}

// 0xFF in each byte of `b` equal to `c`, 0 elsewhere.
inline Block equal(Block b, unsigned char c) { return reinterpret_cast<Block>(b == c); }

// One bit per byte of `b` whose high bit is set, as `equal` sets it (bit i for byte i).
inline uint32_t mask(Block b) {
#if defined(__SSE2__)
    return static_cast<uint32_t>(__builtin_ia32_pmovmskb128(reinterpret_cast<char __attribute__((vector_size(16)))>(b)));
#else
    uint64_t halves[2];
    std::memcpy(halves, &b, sizeof halves);
    uint32_t m = 0;
    for (int h = 0; h < 2; ++h)
        for (uint64_t v = halves[h] & 0x8080808080808080ull; v; v &= v - 1)
            m |= 1u << (h * 8 + std::countr_zero(v) / 8);
    return m;
#endif
}

}  // namespace wfplugin::bytes
