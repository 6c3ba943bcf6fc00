// Scheduler benchmarks: yield between two tasks, the same among 1,000 ready tasks, spawn+exit+reap,
// and a preempting tick. Each measures from a high-priority task so nothing else interferes.
#include <atomic>

#include "arch/aarch64/pmu.h"
#include "hal/timer.h"
#include "kernel/bench.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace {

struct YieldRun {
    std::uint64_t iterations;
    std::atomic<bool> stop{false};
    std::atomic<int> exited{0};
    std::uint64_t cycles = 0, switches = 0;
};

int yield_partner(void* p) {
    auto* r = static_cast<YieldRun*>(p);
    while (!r->stop.load(std::memory_order_relaxed)) sched::yield();
    r->exited++;
    return 0;
}

int yield_measurer(void* p) {
    auto* r = static_cast<YieldRun*>(p);
    for (int i = 0; i < 100; ++i) sched::yield();  // warm-up
    const std::uint64_t s0 = sched::switch_count();
    const std::uint64_t t0 = arch::pmu::cycles();
    for (std::uint64_t i = 0; i < r->iterations; ++i) sched::yield();
    r->cycles = arch::pmu::cycles() - t0;
    r->switches = sched::switch_count() - s0;
    r->stop = true;
    r->exited++;
    return 0;
}

// Runs the measurer and `partners` partner tasks at one fixed priority above everything else;
// returns instructions per context switch.
std::uint64_t yield_bench(int partners, std::uint64_t iterations) {
    YieldRun r;
    r.iterations = iterations;
    const sched::SpawnOptions hi{sched::PolicyKind::FixedPriority, 20, true};
    sched::preempt_disable();
    for (int i = 0; i < partners; ++i)
        if (!sched::spawn("yield-partner", yield_partner, &r, hi).ok()) return 0;
    if (!sched::spawn("yield-measure", yield_measurer, &r, hi).ok()) return 0;
    sched::preempt_enable();  // they run now, to completion, above us
    while (r.exited.load() != partners + 1) sched::sleep_ns(1'000'000);
    return r.switches ? r.cycles / r.switches : 0;
}

}  // namespace

// One switch between two kernel tasks that yield in turn.
KBENCH(yield) { return yield_bench(1, 20000); }

// The same with 1,000 other tasks ready at the same level: O(1) means the same cost per switch.
KBENCH(yield_1000) { return yield_bench(1000, 20); }

namespace {
std::atomic<int> s_spawned_ran{0};
int spawned(void*) {
    s_spawned_ran.fetch_add(1, std::memory_order_relaxed);
    return 0;
}

struct SpawnRun {
    std::uint64_t iterations, cycles = 0;
    std::atomic<bool> done{false};
};

int spawn_measurer(void* p) {
    auto* r = static_cast<SpawnRun*>(p);
    const sched::SpawnOptions same{sched::PolicyKind::FixedPriority, 20, true};
    auto once = [&] {
        // Create, let it run and exit (yield to it), and it is reclaimed when we are switched back to.
        if (sched::spawn("spawned", spawned, nullptr, same).ok()) sched::yield();
    };
    for (int i = 0; i < 100; ++i) once();
    const std::uint64_t t0 = arch::pmu::cycles();
    for (std::uint64_t i = 0; i < r->iterations; ++i) once();
    r->cycles = arch::pmu::cycles() - t0;
    r->done = true;
    return 0;
}
}  // namespace

// Create a kernel task, run it, let it exit, reap it.
KBENCH(spawn) {
    SpawnRun r;
    r.iterations = 5000;
    if (!sched::spawn("spawn-measure", spawn_measurer, &r, {sched::PolicyKind::FixedPriority, 20, true}).ok()) return 0;
    while (!r.done.load()) sched::sleep_ns(1'000'000);
    return r.cycles / r.iterations;
}

namespace {
// Two tasks spin in loops of exactly 5 instructions per iteration while a fast tick preempts them;
// the instructions the loops do not explain, divided by the preemptions, are the cost of one
// preempting tick (interrupt entry, tick accounting, switch, return). The measuring task's own
// sleep and wake-up (about a thousand instructions) are spread over ~400 preemptions.
struct PreemptRun {
    std::uint64_t loops[2] = {0, 0};
    std::uint8_t stop = 0;
    std::atomic<int> exited{0};
    std::atomic<int> next{0};
};

int preempt_spinner(void* p) {
    auto* r = static_cast<PreemptRun*>(p);
    std::uint64_t* counter = &r->loops[r->next.fetch_add(1)];
    asm volatile(
        "1: ldr x9, [%0]\n"
        "   add x9, x9, #1\n"
        "   str x9, [%0]\n"
        "   ldrb w10, [%1]\n"
        "   cbz w10, 1b\n"
        :
        : "r"(counter), "r"(&r->stop)
        : "x9", "x10", "memory");
    r->exited++;
    return 0;
}

struct PreemptMeasure {
    PreemptRun* run;
    std::uint64_t per_preempt = 0;
    std::atomic<bool> done{false};
};

int preempt_measurer(void* p) {
    auto* m = static_cast<PreemptMeasure*>(p);
    PreemptRun* r = m->run;
    const std::uint32_t old_hz = hal::timer::hz();
    hal::timer::set_hz(10000);
    sched::sleep_ns(2'000'000);  // warm-up: both spinners running
    const std::uint64_t l0 = r->loops[0] + r->loops[1], s0 = sched::switch_count();
    const std::uint64_t t0 = arch::pmu::cycles();
    sched::sleep_ns(40'000'000);
    const std::uint64_t t1 = arch::pmu::cycles();
    const std::uint64_t l1 = r->loops[0] + r->loops[1], s1 = sched::switch_count();
    hal::timer::set_hz(old_hz);
    r->stop = 1;
    const std::uint64_t preemptions = s1 - s0 - 2;  // minus our own switch out and back in
    const std::uint64_t unexplained = (t1 - t0) - 5 * (l1 - l0);
    m->per_preempt = preemptions ? unexplained / preemptions : 0;
    m->done = true;
    return 0;
}
}  // namespace

// A timer tick that switches to another task.
KBENCH(preempt) {
    PreemptRun run;
    PreemptMeasure m;
    m.run = &run;
    const sched::SpawnOptions spin{sched::PolicyKind::FixedPriority, 20, true};
    sched::preempt_disable();
    if (!sched::spawn("preempt-spin", preempt_spinner, &run, spin).ok()) return 0;
    if (!sched::spawn("preempt-spin", preempt_spinner, &run, spin).ok()) return 0;
    if (!sched::spawn("preempt-measure", preempt_measurer, &m, {sched::PolicyKind::FixedPriority, 21, true}).ok())
        return 0;
    sched::preempt_enable();
    while (!m.done.load() || run.exited.load() != 2) sched::sleep_ns(1'000'000);
    return m.per_preempt;
}
