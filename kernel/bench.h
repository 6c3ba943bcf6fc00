// Benchmarks: KBENCH(name) registers a function returning PMU cycles per operation; bench=NAME|all
// prints "bench NAME: X instructions/op" under -icount shift=0 (make bench), where QEMU's cycle
// counter counts instructions exactly, and "bench NAME: X ns/op" elsewhere, where it counts
// nanoseconds of host time (the runner measures which).
#pragma once

#include <cstdint>

namespace kernel::bench {

struct Case {
    const char* name;
    std::uint64_t (*fn)();
};

// Measures body() over `iterations` runs after a warm-up; returns PMU cycles per iteration, minus
// the cost of an empty measured loop.
template <typename F>
std::uint64_t measure(std::uint64_t iterations, F&& body);

// What a benchmark returns when it cannot measure on this machine (it says why): the runner prints
// "bench NAME: not measured", never a figure.
inline constexpr std::uint64_t kNotMeasured = ~std::uint64_t{0};

std::uint64_t read_counter();
unsigned run(const char* selection, std::uint64_t len);
bool counter_is_exact();   // true under -icount shift=0
void set_boot_ready_ns(std::uint64_t ns);
std::uint64_t boot_ready_ns();

template <typename F>
std::uint64_t measure(std::uint64_t iterations, F&& body) {
    for (std::uint64_t i = 0; i < iterations / 10 + 1; ++i) body();  // warm-up
    std::uint64_t t0 = read_counter();
    for (std::uint64_t i = 0; i < iterations; ++i) asm volatile("" ::: "memory");  // the loop alone
    const std::uint64_t empty = read_counter() - t0;
    t0 = read_counter();
    for (std::uint64_t i = 0; i < iterations; ++i) body();
    const std::uint64_t full = read_counter() - t0;
    return full > empty ? (full - empty + iterations / 2) / iterations : 0;
}

}  // namespace kernel::bench

#define KBENCH(name)                                                                    \
    static std::uint64_t kbench_fn_##name();                                            \
    [[gnu::used, gnu::section(".kbenches." #name)]] static const ::kernel::bench::Case  \
        kbench_case_##name = {#name, kbench_fn_##name};                                 \
    static std::uint64_t kbench_fn_##name()
