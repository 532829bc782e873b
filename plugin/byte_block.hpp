// Thirty-two bytes compared at once, through GCC's vector types: every output item's bytes
// pass the output screens, and one comparison per byte would cost more than the network read
// that brought them. The functions that use these are built twice (WFPLUGIN_BYTE_SCAN): for
// AVX2, where a block is one register, and for any x86-64 (two SSE2 registers); the loader
// picks one by the CPU. Elsewhere the compiler uses what the target has.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define WFPLUGIN_BYTE_SCAN __attribute__((target_clones("avx2", "default")))
#else
#define WFPLUGIN_BYTE_SCAN
#endif
// For a lambda inside such a function: inlined, so it is built for each target too.
#define WFPLUGIN_INLINED __attribute__((always_inline))

// A block passes by value between these helpers and the scans that include them: all inlined,
// so no call passes one across an ABI, which is what GCC's note about AVX vector arguments is
// for. Off in the file that includes this header (only the scans do).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace wfplugin::bytes {

static_assert(std::endian::native == std::endian::little, "a byte's place is read from the low end of a word");

typedef unsigned char Block __attribute__((vector_size(32)));
constexpr size_t block = 32;

// The bytes at `p` (any alignment).
WFPLUGIN_INLINED inline Block load(const char *p) {
    Block b;
    std::memcpy(&b, p, sizeof b);
    return b;
}

// 0xFF in each byte of `b` equal to `c`, 0 elsewhere.
WFPLUGIN_INLINED inline Block equal(Block b, unsigned char c) { return reinterpret_cast<Block>(b == c); }

typedef unsigned char Half __attribute__((vector_size(16)));
typedef unsigned char Quarter __attribute__((vector_size(8)));

WFPLUGIN_INLINED inline uint64_t word_of(Quarter q) {
    uint64_t w;
    std::memcpy(&w, &q, sizeof w);
    return w;
}

// Whether any byte of `b` is not 0: the halves folded together in registers, twice, then one
// word looked at (no trip through memory).
WFPLUGIN_INLINED inline bool any(Block b) {
    const Half half = __builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) |
                      __builtin_shufflevector(b, b, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    return word_of(__builtin_shufflevector(half, half, 0, 1, 2, 3, 4, 5, 6, 7) |
                   __builtin_shufflevector(half, half, 8, 9, 10, 11, 12, 13, 14, 15)) != 0;
}

// Calls `f(i)` for each byte i of `b` that `equal` set, first to last, until `f` returns true;
// returns whether one did.
template <typename F> WFPLUGIN_INLINED inline bool any_place(Block b, F f) {
    const uint64_t words[4] = {
        word_of(__builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7)),
        word_of(__builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15)),
        word_of(__builtin_shufflevector(b, b, 16, 17, 18, 19, 20, 21, 22, 23)),
        word_of(__builtin_shufflevector(b, b, 24, 25, 26, 27, 28, 29, 30, 31)),
    };
    for (size_t w = 0; w < 4; ++w)
        for (uint64_t v = words[w] & 0x8080808080808080ull; v; v &= v - 1)
            if (f(w * 8 + static_cast<size_t>(std::countr_zero(v)) / 8)) return true;
    return false;
}

}  // namespace wfplugin::bytes
