// A small printf: %d %i %u %x %X %s %c %p %% with l/ll/z/h length modifiers, flags '-' and '0',
// width and precision (also '*'). printf/dprintf format the whole message first and hand it to one
// write(), so a line printed by one call is never interleaved with another process's output.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace user {

// Return the length the full output would have (like C's snprintf); the buffer is always terminated.
int vsnprintf(char* buf, std::size_t size, const char* fmt, va_list ap);
int snprintf(char* buf, std::size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Return the number of bytes written, or -errno from write. Messages longer than the internal
// buffer (1 KiB) are cut.
int vdprintf(int fd, const char* fmt, va_list ap);
int dprintf(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Writes the whole string (looping on short writes); returns false on an error.
bool write_all(int fd, const void* buf, std::size_t n);
// Reads exactly n bytes (looping on short reads); false on an error or end of file first.
bool read_exact(int fd, void* buf, std::size_t n);
bool puts(const char* s);   // s and a newline, in one write when short

}  // namespace user
