// KASSERT: an always-on invariant check. In the kernel a failure panics with the expression, file
// and line; in host tests the same symbol throws lib::AssertionFailure so tests can expect it.
#pragma once

namespace lib {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg);
}

#define KASSERT(cond)                                                         \
    do {                                                                      \
        if (__builtin_expect(!(cond), 0)) lib::assert_failed(#cond, __FILE__, __LINE__, nullptr); \
    } while (0)

#define KASSERT_MSG(cond, msg)                                                \
    do {                                                                      \
        if (__builtin_expect(!(cond), 0)) lib::assert_failed(#cond, __FILE__, __LINE__, (msg)); \
    } while (0)
