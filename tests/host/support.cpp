// Host-side definitions of the hooks portable code expects from the kernel: a failed KASSERT throws
// lib::AssertionFailure (tests/host/support.h) so a test can expect it instead of aborting.
#include "host/support.h"

#include <cstdio>
#include <string>

namespace lib {

[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg) {
    std::string what = std::string("KASSERT(") + expr + ") at " + file + ":" + std::to_string(line);
    if (msg) what += std::string(": ") + msg;
    throw AssertionFailure(what);
}

}  // namespace lib
