// Benchmarks of the foundation: the exception round trip and the timer interrupt.
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/spinlock.h"
#include "hal/timer.h"
#include "kernel/bench.h"
#include "kernel/boot_info.h"
#include "kernel/irq.h"

namespace {
// Exactly 2 instructions per iteration.
std::uint64_t busy_loop(std::uint64_t n) {
    const std::uint64_t t0 = arch::pmu::cycles();
    asm volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n) : : "cc");
    return arch::pmu::cycles() - t0;
}
}  // namespace

// An SVC taken at EL1 and returned from: vector, full frame save, dispatch, restore, ERET.
KBENCH(exception) {
    return kernel::bench::measure(20000, [] { asm volatile("svc #0" ::: "memory"); });
}

// One timer interrupt, handled, with no task switch: the same busy loop with IRQs masked and with a
// fast tick; the difference divided by the interrupts taken.
KBENCH(tick) {
    const std::uint32_t old_hz = hal::timer::hz();
    const std::uint32_t intid = kernel::g_boot.platform.timer.virt_intid;
    constexpr std::uint64_t kIterations = 2'000'000;  // 4M instructions: 40 ticks at 10 kHz under icount
    hal::timer::set_hz(10000);
    std::uint64_t quiet;
    {
        arch::IrqGuard masked;
        quiet = busy_loop(kIterations);
    }
    busy_loop(kIterations / 10);  // let the pending tick be taken before measuring
    const std::uint64_t before = kernel::irq::count(intid);
    const std::uint64_t noisy = busy_loop(kIterations);
    const std::uint64_t taken = kernel::irq::count(intid) - before;
    hal::timer::set_hz(old_hz);
    return taken ? (noisy - quiet) / taken : 0;
}
