// Byte and C-string helpers for code that may not call libc; the kernel's memcpy/memset/memmove/
// memcmp wrap these. Number parsing returns a Result instead of strtoull's errno and end pointer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace lib {

// memcpy: the ranges must not overlap (use move_bytes).
void copy_bytes(void* dst, const void* src, std::size_t n);
// memmove: any overlap.
void move_bytes(void* dst, const void* src, std::size_t n);
// memset.
void fill_bytes(void* dst, std::uint8_t value, std::size_t n);
// memcmp: <0, 0, >0 by the first differing byte compared as unsigned.
int compare_bytes(const void* a, const void* b, std::size_t n);

std::size_t string_length(const char* s);
// strcmp / strncmp: characters compared as unsigned.
int string_compare(const char* a, const char* b);
int string_ncompare(const char* a, const char* b, std::size_t n);
// strchr: the first c in s, or nullptr; c == '\0' finds the terminator.
const char* string_find_char(const char* s, char c);
inline char* string_find_char(char* s, char c) {
    return const_cast<char*>(string_find_char(static_cast<const char*>(s), c));
}
bool starts_with(const char* s, const char* prefix);

// Parses exactly s[0, len) as an unsigned number: no sign, no spaces, every character must be a digit.
// base is 2..36, or 0 to pick from a prefix: "0x"/"0X" hex, "0b"/"0B" binary, a leading "0" octal,
// else decimal. With base 16 or 2 the matching prefix is also accepted.
// Errors: InvalidArgument for an empty string, a bare prefix, a bad digit or a bad base;
// OutOfRange when the digits are valid but the value does not fit in 64 bits.
Result<std::uint64_t> parse_u64(const char* s, std::size_t len, unsigned base);

}  // namespace lib
