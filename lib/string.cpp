// Byte and C-string helpers; the kernel's memcpy/memset/memmove/memcmp/strlen are thin wrappers over
// these, so nothing here may call (or be compiled into a call to) any of them.
#include "lib/string.h"

#include <limits>

// GCC recognises copy, fill and strlen-shaped loops and replaces them with calls to memcpy, memset
// or strlen (-ftree-loop-distribute-patterns, on at -O2; GCC 12 happens to hold back under
// -ffreestanding, but GCC documents that freestanding code may still get memcpy/memset calls).
// Those calls would land in the kernel's wrappers around these very functions and recurse forever,
// so every function in this file turns the transformation off. Clang has no such attribute and
// relies on -ffreestanding.
#if defined(__GNUC__) && !defined(__clang__)
#define LIB_NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define LIB_NO_LIBCALL_LOOPS
#endif

namespace lib {
namespace {

// Word accesses go through a may_alias type: the bytes being copied may belong to any object type.
typedef std::uint64_t __attribute__((may_alias)) Word;
constexpr std::size_t kWordSize = sizeof(Word);
constexpr std::uintptr_t kWordMask = kWordSize - 1;
// Below this, aligning first costs more than it saves.
constexpr std::size_t kWordThreshold = 2 * kWordSize;

inline std::uintptr_t addr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// Ascending copy. Safe for overlapping ranges when dst < src too: every block is loaded before
// it is stored and later loads lie at or above the end of everything stored so far.
LIB_NO_LIBCALL_LOOPS void copy_forward(unsigned char* d, const unsigned char* s, std::size_t n) {
    // Word copies need src and dst equally misaligned; then a byte head aligns both at once.
    // Mutually misaligned ranges (rare in the kernel) take the byte loop: word accesses there would
    // be unaligned, which faults while the MMU is off.
    if (n >= kWordThreshold && ((addr(d) ^ addr(s)) & kWordMask) == 0) {
        while (addr(d) & kWordMask) {
            *d++ = *s++;
            --n;
        }
        auto* dw = reinterpret_cast<Word*>(d);
        auto* sw = reinterpret_cast<const Word*>(s);
        while (n >= 4 * kWordSize) {
            Word w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
            dw[0] = w0;
            dw[1] = w1;
            dw[2] = w2;
            dw[3] = w3;
            dw += 4;
            sw += 4;
            n -= 4 * kWordSize;
        }
        while (n >= kWordSize) {
            *dw++ = *sw++;
            n -= kWordSize;
        }
        d = reinterpret_cast<unsigned char*>(dw);
        s = reinterpret_cast<const unsigned char*>(sw);
    }
    while (n-- > 0) *d++ = *s++;
}

// Descending copy for overlapping ranges with dst > src: the mirror image of copy_forward.
LIB_NO_LIBCALL_LOOPS void copy_backward(unsigned char* d, const unsigned char* s, std::size_t n) {
    unsigned char* de = d + n;
    const unsigned char* se = s + n;
    if (n >= kWordThreshold && ((addr(de) ^ addr(se)) & kWordMask) == 0) {
        while (addr(de) & kWordMask) {
            *--de = *--se;
            --n;
        }
        auto* dw = reinterpret_cast<Word*>(de);
        auto* sw = reinterpret_cast<const Word*>(se);
        while (n >= 4 * kWordSize) {
            dw -= 4;
            sw -= 4;
            Word w3 = sw[3], w2 = sw[2], w1 = sw[1], w0 = sw[0];
            dw[3] = w3;
            dw[2] = w2;
            dw[1] = w1;
            dw[0] = w0;
            n -= 4 * kWordSize;
        }
        while (n >= kWordSize) {
            *--dw = *--sw;
            n -= kWordSize;
        }
        de = reinterpret_cast<unsigned char*>(dw);
        se = reinterpret_cast<const unsigned char*>(sw);
    }
    while (n-- > 0) *--de = *--se;
}

}  // namespace

LIB_NO_LIBCALL_LOOPS void copy_bytes(void* dst, const void* src, std::size_t n) {
    copy_forward(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), n);
}

LIB_NO_LIBCALL_LOOPS void move_bytes(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    // Compared as integers: relational comparison of pointers into different objects is unspecified.
    if (addr(d) == addr(s) || n == 0) return;
    if (addr(d) < addr(s) || addr(d) - addr(s) >= n) copy_forward(d, s, n);
    else copy_backward(d, s, n);
}

LIB_NO_LIBCALL_LOOPS void fill_bytes(void* dst, std::uint8_t value, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    if (n >= kWordThreshold) {
        while (addr(d) & kWordMask) {
            *d++ = value;
            --n;
        }
        const Word pattern = Word{value} * 0x0101010101010101ull;
        auto* dw = reinterpret_cast<Word*>(d);
        while (n >= 4 * kWordSize) {
            dw[0] = pattern;
            dw[1] = pattern;
            dw[2] = pattern;
            dw[3] = pattern;
            dw += 4;
            n -= 4 * kWordSize;
        }
        while (n >= kWordSize) {
            *dw++ = pattern;
            n -= kWordSize;
        }
        d = reinterpret_cast<unsigned char*>(dw);
    }
    while (n-- > 0) *d++ = value;
}

LIB_NO_LIBCALL_LOOPS int compare_bytes(const void* a, const void* b, std::size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    // Skip equal words when both can be aligned together; the byte loop then finds the difference.
    if (n >= kWordThreshold && ((addr(x) ^ addr(y)) & kWordMask) == 0) {
        while (addr(x) & kWordMask) {
            if (*x != *y) return *x < *y ? -1 : 1;
            ++x;
            ++y;
            --n;
        }
        while (n >= kWordSize && *reinterpret_cast<const Word*>(x) == *reinterpret_cast<const Word*>(y)) {
            x += kWordSize;
            y += kWordSize;
            n -= kWordSize;
        }
    }
    for (; n > 0; --n, ++x, ++y) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}

LIB_NO_LIBCALL_LOOPS std::size_t string_length(const char* s) {
    std::size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

LIB_NO_LIBCALL_LOOPS int string_compare(const char* a, const char* b) {
    auto* x = reinterpret_cast<const unsigned char*>(a);
    auto* y = reinterpret_cast<const unsigned char*>(b);
    while (*x != '\0' && *x == *y) {
        ++x;
        ++y;
    }
    return *x == *y ? 0 : (*x < *y ? -1 : 1);
}

LIB_NO_LIBCALL_LOOPS int string_ncompare(const char* a, const char* b, std::size_t n) {
    auto* x = reinterpret_cast<const unsigned char*>(a);
    auto* y = reinterpret_cast<const unsigned char*>(b);
    for (; n > 0; --n, ++x, ++y) {
        if (*x != *y) return *x < *y ? -1 : 1;
        if (*x == '\0') return 0;
    }
    return 0;
}

LIB_NO_LIBCALL_LOOPS const char* string_find_char(const char* s, char c) {
    for (;; ++s) {
        if (*s == c) return s;
        if (*s == '\0') return nullptr;
    }
}

LIB_NO_LIBCALL_LOOPS bool starts_with(const char* s, const char* prefix) {
    for (; *prefix != '\0'; ++s, ++prefix) {
        if (*s != *prefix) return false;  // also stops at the end of s, whose '\0' never matches
    }
    return true;
}

namespace {
// The value of c as a digit in bases up to 36, or 36 when it is no digit at all.
unsigned digit_value(char c) {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'z') return static_cast<unsigned>(c - 'a') + 10;
    if (c >= 'A' && c <= 'Z') return static_cast<unsigned>(c - 'A') + 10;
    return 36;
}
}  // namespace

LIB_NO_LIBCALL_LOOPS Result<std::uint64_t> parse_u64(const char* s, std::size_t len, unsigned base) {
    if (len == 0 || s == nullptr || base == 1 || base > 36) return Error::InvalidArgument;
    std::size_t i = 0;
    if (len >= 2 && s[0] == '0') {
        char marker = s[1];
        if ((base == 0 || base == 16) && (marker == 'x' || marker == 'X')) {
            base = 16;
            i = 2;
        } else if ((base == 0 || base == 2) && (marker == 'b' || marker == 'B')) {
            base = 2;
            i = 2;
        }
    }
    if (base == 0) base = (s[0] == '0' && len > 1) ? 8 : 10;
    if (i == len) return Error::InvalidArgument;  // a prefix with no digits after it

    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    bool overflow = false;
    // Scan to the end even after an overflow so that a bad digit anywhere still reports
    // InvalidArgument: the error does not depend on where the value stopped fitting.
    for (; i < len; ++i) {
        unsigned d = digit_value(s[i]);
        if (d >= base) return Error::InvalidArgument;
        if (value > (kMax - d) / base) overflow = true;
        else value = value * base + d;
    }
    if (overflow) return Error::OutOfRange;
    return value;
}

}  // namespace lib
