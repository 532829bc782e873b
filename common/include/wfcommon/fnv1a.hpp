// FNV-1a, 64 bits: a fast, stable hash for keys and fingerprints that need no secrecy (a
// token store key naming an API client, a page's fingerprint). Not for anything an attacker
// must not forge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wfcommon::fnv1a {

inline constexpr uint64_t offset_basis = 14695981039346656037ull;
inline constexpr uint64_t prime = 1099511628211ull;

// The hash of `bytes`, continuing from `h` (start with offset_basis).
constexpr uint64_t hash(std::string_view bytes, uint64_t h = offset_basis) {
    for (unsigned char c : bytes) h = (h ^ c) * prime;
    return h;
}

// One FNV step over a whole 64-bit word (a fingerprint of many parts, each hashed by a faster
// function first: a page's records are hashed by lane_hash, which reads 32 bytes at a time).
constexpr uint64_t fold(uint64_t h, uint64_t word) { return (h ^ word) * prime; }

// Sixteen lower-case hex digits.
std::string hex(uint64_t h);

}  // namespace wfcommon::fnv1a
