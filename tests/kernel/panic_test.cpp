// Kernel suite `panic`: expected panics. Each runs only when named (test=panic.NAME), alone in its
// own boot, and passes when QEMU shows the report tests/CMake (cmake/qemu_tests.cmake) asks for: the
// full report, and the faulting function's caller in the backtrace.
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/panic.h"
#include "lib/kassert.h"
#include "mm/layout.h"
#include "sched/scheduler.h"

namespace {
// Waits up to 5 s of uptime for an interrupt that is to panic; returning means it never came.
void wait_for_the_panic() {
    const std::uint64_t give_up = hal::timer::uptime_ns() + 5'000'000'000ull;
    while (hal::timer::uptime_ns() < give_up) arch::wfi();
}
}  // namespace

// A leaf: no frame record of its own, so its caller (kernel::ktest::run) is known only from lr.
KTEST_PANIC(panic, null_deref) {
    volatile std::uint64_t* p = nullptr;
    *p = 1;  // a data abort at EL1 with no fixup
}

namespace {
[[gnu::noinline]] std::uint64_t recurse(std::uint64_t n) {
    volatile char pad[512];
    pad[0] = static_cast<char>(n);
    return n == 0 ? pad[0] : recurse(n - 1) + pad[0];
}
}  // namespace

KTEST_PANIC(panic, stack_overflow) {
    // 512+ bytes per frame: runs off the 16 KiB stack into the guard; the next exception entry (the
    // tick) or the fault itself is caught by the stack check and reported from the emergency stack.
    kt.check(recurse(1u << 20) != 0, "recursion returned", __FILE__, __LINE__);
}

KTEST_PANIC(panic, kassert) {
    KASSERT(kernel::g_boot.entry_el == 99);
}

// A fault while the console lock is held (IRQs masked): console::write takes the lock, then reads
// the bytes it is given. The report must still come out, through the panic path's lock-free writes.
KTEST_PANIC(panic, console_lock_held) {
    kernel::console::write(reinterpret_cast<const char*>(16), 4);
}

namespace {
constexpr std::uint32_t kPanicSgi = 9;
// Runs in IRQ context (called by irq::dispatch), a leaf like null_deref.
void faulting_irq_handler(std::uint32_t intid) { *reinterpret_cast<volatile std::uint64_t*>(intid * 8) = 1; }
}  // namespace

// A fault in an interrupt handler: the report shows the handler and the dispatch that called it.
KTEST_PANIC(panic, in_irq_handler) {
    kernel::irq::register_handler(kPanicSgi, faulting_irq_handler);
    kernel::irq::gic()->send_sgi(kPanicSgi, arch::cpu_index());
    wait_for_the_panic();
}

namespace {
// Stands in for the scheduler's task describer, which the report calls: a corrupt current task
// would make it fault like this, inside the report.
volatile std::uintptr_t s_unmapped = 24;  // volatile: the compiler cannot see the null page
[[gnu::noinline]] void faulting_describer(char* buf, unsigned) {
    buf[0] = *reinterpret_cast<volatile char*>(s_unmapped);
}
}  // namespace

// A fault inside the panic report: one short line naming it, then the machine stops (QEMU exits 1
// under tests), never a second report and never recursion.
KTEST_PANIC(panic, nested_fault) {
    kernel::set_current_task_describer(faulting_describer);
    kernel::panic("first panic");
}

// The console itself broken (pointed at an unmapped device address): the report's first write faults.
// The panic path restarts the UART at the early console's address and names the nested fault in one
// line, instead of faulting again and again on the broken console.
KTEST_PANIC(panic, console_broken) {
    kernel::console::init(mm::kMmioBase + 0x1000, 0);  // no device there: init's first store faults
}

// ---- Panics with several CPUs (booted with --smp 4 by cmake/qemu_smp_debug_tests.cmake).

namespace {
// Each busy task's count, per CPU: it has started running there once its count is non-zero.
std::uint64_t s_spins[sched::kMaxCpus];

[[noreturn]] int spin_forever(void* arg) {
    auto* n = static_cast<std::uint64_t*>(arg);
    for (;;) __atomic_fetch_add(n, 1, __ATOMIC_RELAXED);  // IRQs on: a stop request is taken at once
}

// Never answers the stop request: its CPU's IRQs stay masked for good.
[[noreturn]] int spin_forever_masked(void* arg) {
    arch::irq_disable();
    spin_forever(arg);
}

[[gnu::noinline]] int panic_on_cpu2(void*) { kernel::panic("on CPU %u while every CPU is busy", arch::cpu_index()); }

// Sleeps (the caller's CPU runs a busy task too) until every count of `mask` has moved; false if
// that takes over 60 s of uptime (the scheduler never ran one of them).
bool wait_until_running(sched::CpuMask mask) {
    const std::uint64_t give_up = hal::timer::uptime_ns() + 60'000'000'000ull;
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (!(mask & sched::cpu_bit(c))) continue;
        while (__atomic_load_n(&s_spins[c], __ATOMIC_RELAXED) == 0) {
            if (hal::timer::uptime_ns() > give_up) return false;
            sched::sleep_ns(1'000'000);
        }
    }
    return true;
}

// Waits for a panic that some other CPU raises; returning means it never came.
void sleep_until_the_panic() {
    const std::uint64_t give_up = hal::timer::uptime_ns() + 60'000'000'000ull;
    while (hal::timer::uptime_ns() < give_up) sched::sleep_ns(10'000'000);
}
}  // namespace

// A panic on CPU 2 while CPUs 0 and 1 run busy tasks (IRQs on: they stop and say what they ran) and
// CPU 3 spins with IRQs masked (it never answers: the report must still end, saying so). One report,
// a line per other CPU, and the panicking task's frames.
KTEST_PANIC(panic, smp_cpu2_while_busy) {
    const sched::CpuMask online = sched::online_cpus();
    if (!kt.check(sched::online_cpu_count() >= 4, "needs 4 CPUs online (--smp 4)", __FILE__, __LINE__)) return;
    sched::CpuMask busy = 0;
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (c == 2 || !(online & sched::cpu_bit(c))) continue;
        sched::SpawnOptions o;
        o.affinity = sched::cpu_bit(c);
        KT_ASSERT(sched::spawn(c == 3 ? "busy-masked" : "busy", c == 3 ? spin_forever_masked : spin_forever,
                               &s_spins[c], o).ok());
        busy |= sched::cpu_bit(c);
    }
    if (!kt.check(wait_until_running(busy), "every busy task ran", __FILE__, __LINE__)) return;
    sched::SpawnOptions o;
    o.affinity = sched::cpu_bit(2);
    KT_ASSERT(sched::spawn("panicker", panic_on_cpu2, nullptr, o).ok());
    sleep_until_the_panic();
}

namespace {
std::uint32_t s_at_barrier = 0;
constexpr unsigned kRacers = 3;  // on CPUs 1, 2 and 3

// Each racer waits for the others at the barrier, then all panic at once (as closely as their
// virtual CPUs allow: whether two really overlap is up to the host, and the test asks nothing of it).
// IRQs masked first: the winner's stop request cannot take a racer before it panics, so every loser
// goes through the claim in the panic path and parks there.
[[gnu::noinline]] int panic_at_the_barrier(void*) {
    arch::irq_disable();
    __atomic_fetch_add(&s_at_barrier, 1u, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&s_at_barrier, __ATOMIC_ACQUIRE) < kRacers) arch::cpu_relax();
    kernel::panic("racing panic on CPU %u", arch::cpu_index());
}
}  // namespace

// Three CPUs panic at the same moment: still exactly one report (whichever CPU wins the claim); the
// others park, and the report's line for each says it panicked too (or did not stop, when its
// virtual CPU had not got that far by the end of the report's wait).
KTEST_PANIC(panic, smp_racing_panics) {
    if (!kt.check(sched::online_cpu_count() >= 4, "needs 4 CPUs online (--smp 4)", __FILE__, __LINE__)) return;
    for (unsigned c = 1; c <= kRacers; ++c) {
        sched::SpawnOptions o;
        o.affinity = sched::cpu_bit(c);
        KT_ASSERT(sched::spawn("racer", panic_at_the_barrier, nullptr, o).ok());
    }
    sleep_until_the_panic();
}
