// The device-tree reader's byte-level helpers, shared by its files (device_tree.cpp: the structure
// block; device_tree_properties.cpp: property values). Private to hal/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/string.h"

namespace hal::fdt_bytes {

// Bytewise big-endian loads: the blob may sit at any alignment and this runs before the MMU (and
// thus normal-memory unaligned access) is on.
inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

inline std::uint64_t load_be64(const std::uint8_t* p) {
    return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

inline bool equal_string(const char* a, const char* b) { return lib::string_compare(a, b) == 0; }

// Length of the NUL-terminated string at p, looking at no more than `limit` bytes; `limit` when
// there is no NUL within them.
inline std::size_t bounded_length(const std::uint8_t* p, std::size_t limit) {
    std::size_t n = 0;
    while (n < limit && p[n] != 0) n++;
    return n;
}

// Whether the NUL-terminated `s` equals the `len` bytes at `n`.
inline bool equal_n(const char* s, const char* n, std::size_t len) {
    for (std::size_t i = 0; i < len; i++) {
        if (s[i] != n[i] || s[i] == '\0') return false;
    }
    return s[len] == '\0';
}

}  // namespace hal::fdt_bytes
