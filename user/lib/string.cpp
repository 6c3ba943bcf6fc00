// Byte loops for the C memory and string functions (built with -fno-tree-loop-distribute-patterns so
// the compiler cannot turn memset's own loop back into a call to memset).
#include "user/lib/string.h"

#include <cstdint>

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    // Word copies when both sides are aligned: the pipe and fork tests move megabytes.
    if (((reinterpret_cast<std::uintptr_t>(d) | reinterpret_cast<std::uintptr_t>(s)) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8) *reinterpret_cast<std::uint64_t*>(d) = *reinterpret_cast<const std::uint64_t*>(s);
    }
    while (n--) *d++ = *s++;
    return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

void* memset(void* dst, int c, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto b = static_cast<unsigned char>(c);
    if ((reinterpret_cast<std::uintptr_t>(d) & 7) == 0) {
        const std::uint64_t w = 0x0101010101010101ull * b;
        for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<std::uint64_t*>(d) = w;
    }
    while (n--) *d++ = b;
    return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

std::size_t strlen(const char* s) {
    std::size_t n = 0;
    while (s[n]) ++n;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, std::size_t n) {
    for (; n; --n, ++a, ++b) {
        if (*a != *b) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
        if (!*a) return 0;
    }
    return 0;
}

}  // extern "C"

namespace user {

bool str_eq(const char* a, const char* b) { return strcmp(a, b) == 0; }

bool starts_with(const char* s, const char* prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

const char* str_find(const char* haystack, const char* needle) {
    const std::size_t n = strlen(needle);
    for (const char* p = haystack; *p; ++p)
        if (strncmp(p, needle, n) == 0) return p;
    return n == 0 ? haystack : nullptr;
}

std::size_t str_copy(char* dst, const char* src, std::size_t size) {
    const std::size_t len = strlen(src);
    if (size == 0) return len;
    const std::size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return len;
}

const char* basename(const char* path) {
    const char* base = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/' && p[1]) base = p + 1;
    return base;
}

bool parse_long(const char* s, long* out) {
    bool neg = false;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    unsigned long v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
    if (!*s) return false;
    for (; *s; ++s) {
        unsigned d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return false;
        v = v * base + d;
    }
    *out = neg ? -static_cast<long>(v) : static_cast<long>(v);
    return true;
}

}  // namespace user
