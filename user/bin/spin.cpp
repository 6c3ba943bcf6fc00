// spin: burns CPU in user mode, for preemption and scheduler tests. `spin` loops forever;
// `spin SECONDS` loops until SECONDS of CLOCK_MONOTONIC time have passed, then exits 0.
#include "user/lib/user.h"

using namespace user;

int main(int argc, char** argv, char**) {
    long seconds = -1;
    if (argc > 1 && (!parse_long(argv[1], &seconds) || seconds < 0)) die("usage: spin [SECONDS]");
    const std::uint64_t start = monotonic_ns();
    const std::uint64_t limit = static_cast<std::uint64_t>(seconds) * 1000000000ull;
    if (seconds < 0) printf("spin: pid %ld spinning forever\n", getpid());
    else printf("spin: pid %ld spinning for %ld s\n", getpid(), seconds);
    volatile std::uint64_t counter = 0;
    for (;;) {
        for (int i = 0; i < 100000; ++i) counter = counter + 1;   // no system call in the hot loop
        if (seconds >= 0 && monotonic_ns() - start >= limit) break;
    }
    printf("spin: pid %ld done after %ld s (%lu iterations)\n", getpid(), seconds,
           static_cast<unsigned long>(counter));
    return 0;
}
