// printf-style formatting behind kprintf and every bounded string build in the kernel. Integer, string,
// character and pointer conversions only: the kernel has no floating point (-mgeneral-regs-only).
#pragma once

#include <cstdarg>
#include <cstddef>

namespace lib {

// Receives each produced character in order; ctx is passed through untouched.
using PutChar = void (*)(char c, void* ctx);

// Supported: %d %i %u %x %X %o %b %p %s %c %%, length modifiers hh h l ll z t j, flags - 0 + space #,
// width and precision (both may be *). Differences from C printf, by design:
//   - %s of nullptr prints "(null)" (precision still applies);
//   - %p always prints "0x" followed by exactly 16 hex digits (width and '-' apply, other flags don't);
//   - %f %e %g %a %n %ls and any unknown conversion are copied to the output verbatim (the whole
//     "%...f" spec) and consume no argument, except %ls which consumes its pointer; %n never writes.
// Returns the number of characters produced.
std::size_t vformat(PutChar put, void* ctx, const char* fmt, va_list ap);
std::size_t format(PutChar put, void* ctx, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// snprintf semantics: writes at most size - 1 characters plus a NUL when size > 0 (buf may be nullptr
// when size == 0) and returns the length the full output would have had.
std::size_t vsnformat(char* buf, std::size_t size, const char* fmt, va_list ap);
std::size_t snformat(char* buf, std::size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace lib
