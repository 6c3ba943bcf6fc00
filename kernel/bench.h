// Benchmarks: KBENCH(name) registers a function returning instructions (PMU cycles) per operation;
// bench=NAME|all prints "bench NAME: X instructions/op". Exact under -icount shift=0 (make bench);
// elsewhere the runner says the figures are host-timed.
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

std::uint64_t read_counter();
unsigned run(const char* selection, std::uint64_t len);
bool counter_is_exact();   // true under -icount shift=0
void set_boot_ready_ns(std::uint64_t ns);
std::uint64_t boot_ready_ns();

template <typename F>
std::uint64_t measure(std::uint64_t iterations, F&& body) {
    for (std::uint64_t i = 0; i < iterations / 10 + 1; ++i) body();  // warm-up
    const std::uint64_t t0 = read_counter();
    for (std::uint64_t i = 0; i < iterations; ++i) body();
    const std::uint64_t t1 = read_counter();
    return (t1 - t0 + iterations / 2) / iterations;
}

}  // namespace kernel::bench

#define KBENCH(name)                                                                    \
    static std::uint64_t kbench_fn_##name();                                            \
    [[gnu::used, gnu::section(".kbenches." #name)]] static const ::kernel::bench::Case  \
        kbench_case_##name = {#name, kbench_fn_##name};                                 \
    static std::uint64_t kbench_fn_##name()
