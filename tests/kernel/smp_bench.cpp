// SMP benchmark `ipi`: from a wake-up on one CPU to the woken task running on another.
//
// Two kernel tasks, pinned to CPUs 0 and 1, hand a token back and forth through two semaphores,
// each blocked in down() while the other has it. Each hand-off is measured from just before the
// waker's up() to the woken task's return from down(): up() places the task on the other CPU's
// queue and sends the reschedule SGI; that CPU leaves WFI, takes the interrupt, its idle loop
// switches to the task, which returns from down().
//
// What the figure includes under -icount shift=0: QEMU runs the CPUs round-robin on one host
// thread and virtual time advances with the instructions of every CPU, so the figure is the sum of
// what both CPUs execute between the two reads. An interrupt one vCPU raises for another on the same
// host thread does not stop the running one: QEMU moves to the woken CPU only when the waker halts
// (or its time slice, bounded by the next timer deadline, ends). So each hand-off counts:
//   the waker: up() including the SGI, then its own down() blocking, the switch to its idle task
//     and the idle loop up to its WFI;
//   the woken CPU: nothing while it waits (a CPU halted in WFI executes no instructions, which is
//     what makes the figure mean the wake-up path and not an idle loop's spinning), then the exit
//     from WFI, the IRQ entry and exit, the idle loop picking the task, the switch, and the return
//     from down().
// Both directions are such hand-offs (each CPU blocks, idles in WFI and is woken by an SGI every
// round), so both are measured. A timer tick that falls inside a hand-off is averaged in, as in the
// other benches.
//
// The two reads are on different CPUs, whose PMU cycle counters have different offsets (each
// starts when that CPU enables it), so the clock is the generic timer's virtual counter, one for
// all CPUs: under icount 16 instructions per tick at 62.5 MHz; the quantisation averages out over
// the many hand-offs. Needs two online CPUs (make bench boots it with -smp 2); with one it says so
// and reports 0.
#include <atomic>

#include "arch/aarch64/cpu.h"
#include "kernel/bench.h"
#include "kernel/log.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace {

std::uint64_t virtual_count() {
    std::uint64_t v;
    asm volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

std::uint64_t counter_hz() {
    std::uint64_t v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

struct IpiRun {
    static constexpr long kWarmup = 200, kRounds = 5000;
    sched::Semaphore to_first, to_second;  // CPU 0's task waits on to_first, CPU 1's on to_second
    std::uint64_t woken_at = 0;            // written before up(), read after down(): the semaphore orders them
    std::uint64_t total_ticks = 0;         // updated by one task at a time, the token holder
    long measured = 0;
    std::atomic<int> exited{0};

    void wake(sched::Semaphore& s) {
        woken_at = virtual_count();
        s.up();
    }
    void woke(long round) {
        const std::uint64_t now = virtual_count();
        if (round < kWarmup) return;
        total_ticks += now - woken_at;
        ++measured;
    }
};

// CPU 0: wakes the other task, then waits for the token to come back.
int ipi_first(void* p) {
    auto* r = static_cast<IpiRun*>(p);
    for (long i = 0; i < IpiRun::kWarmup + IpiRun::kRounds; ++i) {
        r->wake(r->to_second);
        r->to_first.down();
        r->woke(i);
    }
    r->exited++;
    return 0;
}

// CPU 1: waits for the token, then hands it back.
int ipi_second(void* p) {
    auto* r = static_cast<IpiRun*>(p);
    for (long i = 0; i < IpiRun::kWarmup + IpiRun::kRounds; ++i) {
        r->to_second.down();
        r->woke(i);
        r->wake(r->to_first);
    }
    r->exited++;
    return 0;
}

}  // namespace

// A wake-up on one CPU to the woken task running on another (in WFI until then).
KBENCH(ipi) {
    if (!(sched::online_cpus() & sched::cpu_bit(1))) {
        kernel::kprintf("bench ipi: needs a second CPU online (boot with -smp 2)\n");
        return kernel::bench::kNotMeasured;
    }
    IpiRun r;
    sched::SpawnOptions opts{sched::PolicyKind::FixedPriority, 20, true};
    opts.affinity = sched::cpu_bit(1);
    // The second task first, so that it is blocked in down() (its CPU in WFI) before the first wake-up.
    if (!sched::spawn("ipi-second", ipi_second, &r, opts).ok()) return kernel::bench::kNotMeasured;
    sched::sleep_ns(1'000'000);
    opts.affinity = sched::cpu_bit(0);
    if (!sched::spawn("ipi-first", ipi_first, &r, opts).ok()) return kernel::bench::kNotMeasured;
    while (r.exited.load() != 2) sched::sleep_ns(1'000'000);
    const std::uint64_t hz = counter_hz();
    if (hz == 0 || r.measured == 0) return kernel::bench::kNotMeasured;
    // Ticks -> ns of virtual time (instructions under icount), rounded, per hand-off.
    const std::uint64_t ns = r.total_ticks * 1'000'000'000ull / hz;
    return (ns + static_cast<std::uint64_t>(r.measured) / 2) / static_cast<std::uint64_t>(r.measured);
}
