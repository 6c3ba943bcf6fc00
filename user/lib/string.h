// The few C string and memory functions user programs need. mem* and str* have C linkage because
// the compiler emits calls to memcpy/memset/memmove/memcmp on its own, even freestanding.
#pragma once

#include <cstddef>

extern "C" {
void* memcpy(void* dst, const void* src, std::size_t n);
void* memmove(void* dst, const void* src, std::size_t n);
void* memset(void* dst, int c, std::size_t n);
int memcmp(const void* a, const void* b, std::size_t n);
std::size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, std::size_t n);
}

namespace user {

bool str_eq(const char* a, const char* b);
bool starts_with(const char* s, const char* prefix);
const char* str_find(const char* haystack, const char* needle);   // nullptr when absent
// Copies at most size-1 bytes and always terminates (size > 0); returns strlen(src).
std::size_t str_copy(char* dst, const char* src, std::size_t size);
const char* basename(const char* path);
// Parses an optionally signed decimal (or 0x-prefixed hex) integer; false on junk or an empty string.
bool parse_long(const char* s, long* out);

}  // namespace user
