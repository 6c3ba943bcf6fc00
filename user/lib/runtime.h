// The process environment as _start found it (argc, argv, envp, auxv), and small helpers every
// program uses: clocks, sleeping, the virtual counter, a seeded PRNG and fatal errors.
#pragma once

#include <cstddef>
#include <cstdint>

#include "user/lib/abi.h"

// Every program defines main; _start calls it and passes its result to exit_group.
int main(int argc, char** argv, char** envp);

namespace user {

struct Startup {
    int argc;
    char** argv;
    char** envp;
    const unsigned long* auxv;   // (type, value) pairs ending with AT_NULL
    const std::uintptr_t* initial_sp;
};
extern Startup g_startup;

// The value of an auxiliary-vector entry, 0 when absent (as glibc's getauxval).
unsigned long getauxval(unsigned long type);
const char* getenv(const char* name);

// CLOCK_MONOTONIC in nanoseconds (0 if the call fails).
std::uint64_t monotonic_ns();
// nanosleep for ms milliseconds; returns the nanosleep result.
long sleep_ms(long ms);

// The virtual counter, readable at EL0 as on Linux, and its frequency.
inline std::uint64_t read_cntvct() {
    std::uint64_t v;
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}
inline std::uint64_t read_cntfrq() {
    std::uint64_t v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

// xorshift64*: small, seedable, good enough for fuzzing and test patterns.
class Rng {
public:
    explicit constexpr Rng(std::uint64_t seed) : m_state(seed ? seed : 0x9e3779b97f4a7c15ull) {}
    std::uint64_t next() {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return m_state * 0x2545f4914f6cdd1dull;
    }
    std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }

private:
    std::uint64_t m_state;
};

// Prints "NAME: message" to stderr and exits with status 127.
[[noreturn]] void die(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace user
