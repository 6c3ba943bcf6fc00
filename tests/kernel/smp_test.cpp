// Kernel suite `smp` (part 1): every CPU checks in, per-CPU data, locks hammered from every CPU,
// migration that keeps registers, affinity honoured. Written for any number of online CPUs: with one
// each test runs on CPU 0 alone; with more the same code spreads its tasks over all of them.
// Budget: a few seconds per test on TCG; bounds are counts, never times (kHangGuardNs only).
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "arch/aarch64/spinlock.h"
#include "hal/timer.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "tests/kernel/smp_crew.h"

using sched::cpu_bit;
using sched::CpuMask;
using sched::kMaxCpus;
using smp_test::Crew;
using smp_test::online;
using smp_test::wait_for;

// ---- Each online CPU checks in.
namespace {
struct CheckIn {
    std::atomic<unsigned> seen[kMaxCpus] = {};
    sched::Semaphore leave{0};
};
struct CheckInArg {
    CheckIn* check_in;
    unsigned ran_on;
};
int check_in(void* p) {
    auto* a = static_cast<CheckInArg*>(p);
    a->ran_on = sched::this_cpu_index();  // pinned: it cannot move after reading it
    if (a->ran_on < kMaxCpus) a->check_in->seen[a->ran_on]++;
    a->check_in->leave.down();  // stays alive (blocked) while the test looks at it
    return 0;
}
}  // namespace

KTEST(smp, each_online_cpu_checks_in_once) {
    const CpuMask mask = sched::online_cpus();
    KT_EXPECT(mask & cpu_bit(0));  // the boot CPU
    KT_EXPECT_EQ(mask & ~sched::kAllCpus, 0);
    KT_EXPECT_EQ(sched::online_cpu_count(), static_cast<unsigned>(__builtin_popcount(mask)));
    CheckIn ci;
    CheckInArg args[kMaxCpus] = {};
    Crew crew;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        args[c] = {&ci, ~0u};
        if (online(c)) KT_ASSERT(crew.add("checkin", check_in, &args[c], cpu_bit(c)));
    }
    KT_EXPECT_EQ(crew.size(), sched::online_cpu_count());
    crew.start();
    unsigned arrived = 0;
    KT_EXPECT(wait_for([&] {
        arrived = 0;
        for (auto& s : ci.seen) arrived += s.load();
        return arrived == crew.size();
    }));
    KT_EXPECT_EQ(arrived, crew.size());
    // Each task ran where it was pinned, and sits there (blocked) with its mask.
    unsigned member = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        KT_EXPECT_EQ(ci.seen[c].load(), online(c) ? 1u : 0u);
        if (!online(c)) continue;
        KT_EXPECT_EQ(args[c].ran_on, c);
        auto info = sched::task_info(crew.id(member++));
        KT_EXPECT(info.ok());
        if (info.ok()) KT_EXPECT_EQ(info.value().affinity, cpu_bit(c));
        if (info.ok()) KT_EXPECT_EQ(info.value().cpu, c);
    }
    // cpu_info answers for the online CPUs (each its own MPIDR) and for no others.
    std::uint64_t mpidrs[kMaxCpus] = {};
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        auto info = sched::cpu_info(c);
        if (!online(c)) {
            KT_EXPECT(!info.ok() && info.error() == lib::Error::NotFound);
            continue;
        }
        KT_EXPECT(info.ok());
        if (!info.ok()) continue;
        KT_EXPECT_EQ(info.value().index, c);
        mpidrs[c] = info.value().mpidr;
        for (unsigned d = 0; d < c; ++d)
            if (online(d)) KT_EXPECT(mpidrs[d] != mpidrs[c]);
    }
    for (unsigned c : {kMaxCpus, kMaxCpus + 1, 1000u}) KT_EXPECT(sched::cpu_info(c).error() == lib::Error::NotFound);
    // The CPU running this test reports this test as its current task.
    sched::preempt_disable();
    auto here = sched::cpu_info(sched::this_cpu_index());
    sched::preempt_enable();
    KT_EXPECT(here.ok() && here.value().current_id == sched::current()->id);
    for (unsigned i = 0; i < crew.size(); ++i) ci.leave.up();
    KT_EXPECT(crew.wait_all());
}

// ---- Per-CPU counters: the data of "this CPU" with preemption disabled, as the kernel's own
// per-CPU state is used. Pinned tasks check they never leave their CPU; unpinned ones may migrate
// between increments, never inside one. Each slot must end at exactly what its users counted.
namespace {
constexpr unsigned kIncrements = 2000;
struct alignas(64) Slot {
    std::uint64_t count;  // only touched by the CPU it belongs to, with preemption disabled
};
struct Counters {
    Slot slot[kMaxCpus] = {};
};
struct CounterArg {
    Counters* counters;
    unsigned pinned_to;  // kMaxCpus: not pinned
    std::uint64_t mine[kMaxCpus];
    unsigned wrong_cpu, switched_inside;
};
int count_on_this_cpu(void* p) {
    auto* a = static_cast<CounterArg*>(p);
    for (unsigned i = 0; i < kIncrements; ++i) {
        sched::preempt_disable();
        const unsigned cpu = sched::this_cpu_index();
        if (a->pinned_to != kMaxCpus && cpu != a->pinned_to) a->wrong_cpu++;
        const std::uint64_t switches = sched::switch_count();  // this CPU's
        volatile std::uint64_t& count = a->counters->slot[cpu].count;
        const std::uint64_t v = count;
        // A long window (most of the test's time): ticks land in it, and must not switch this CPU.
        for (int k = 0; k < 2000; ++k) asm volatile("");
        count = v + 1;
        a->mine[cpu]++;
        if (sched::switch_count() != switches || sched::this_cpu_index() != cpu) a->switched_inside++;
        sched::preempt_enable();
        sched::yield();
    }
    return 0;
}
}  // namespace

KTEST(smp, per_cpu_counters_are_exact) {
    constexpr unsigned kPerCpu = 2;  // pinned tasks per CPU, and as many unpinned ones
    Counters counters;
    CounterArg args[2 * kPerCpu * kMaxCpus] = {};
    Crew crew;
    unsigned n = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!online(c)) continue;
        for (unsigned k = 0; k < kPerCpu; ++k) {
            args[n] = {&counters, c, {}, 0, 0};
            KT_ASSERT(crew.add("percpu-pin", count_on_this_cpu, &args[n++], cpu_bit(c)));
            args[n] = {&counters, kMaxCpus, {}, 0, 0};
            KT_ASSERT(crew.add("percpu-any", count_on_this_cpu, &args[n++], sched::kAllCpus));
        }
    }
    crew.start();
    KT_ASSERT(crew.wait_all());
    std::uint64_t total = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        std::uint64_t expected = 0;
        for (unsigned i = 0; i < n; ++i) expected += args[i].mine[c];
        KT_EXPECT_EQ(counters.slot[c].count, expected);
        if (!online(c)) KT_EXPECT_EQ(counters.slot[c].count, 0);
        total += counters.slot[c].count;
    }
    KT_EXPECT_EQ(total, std::uint64_t{n} * kIncrements);
    for (unsigned i = 0; i < n; ++i) {
        KT_EXPECT_EQ(args[i].wrong_cpu, 0);
        KT_EXPECT_EQ(args[i].switched_inside, 0);
        if (args[i].pinned_to != kMaxCpus) KT_EXPECT_EQ(args[i].mine[args[i].pinned_to], kIncrements);
    }
}

// ---- A shared counter hammered from every CPU under each kind of lock.
namespace {
enum class LockKind { Mutex, SpinLock, Semaphore };
struct Hammer {
    LockKind kind;
    sched::Mutex mutex;
    arch::SpinLock spin;
    sched::Semaphore sem{1};
    unsigned rounds = 0;        // per task
    std::uint64_t counter = 0;  // guarded by the lock of `kind`
    CpuMask held_on = 0;        // the CPUs that held it, guarded the same way
    std::atomic<std::uint64_t> progress{0};  // read by the test while it waits
};
// Acquisitions in all, whatever the number of CPUs: a ticket lock's hand-off to a CPU the host has
// descheduled waits for the host, so the run time grows with contention, not with the work.
constexpr unsigned kHammerTotal = 8000;
void bump(Hammer& h, bool may_sleep) {
    const std::uint64_t v = h.counter;
    // A wide race window: an unlocked counter loses updates even when the host rarely runs two
    // vCPUs at once (checked: without the spinlock, -smp 2 and 4 fail).
    for (int k = 0; k < 2000; ++k) asm volatile("");
    // A sleeping lock is held across a switch now and then: the others must wait, even on one CPU.
    if (may_sleep) sched::yield();
    h.counter = v + 1;
    h.held_on |= cpu_bit(sched::this_cpu_index());
    h.progress.fetch_add(1, std::memory_order_relaxed);
}
int hammer(void* p) {
    auto& h = *static_cast<Hammer*>(p);
    for (unsigned i = 0; i < h.rounds; ++i) {
        switch (h.kind) {
        case LockKind::Mutex: {
            sched::MutexGuard g(h.mutex);
            bump(h, i % 16 == 0);
            break;
        }
        case LockKind::SpinLock: {
            arch::IrqSpinGuard g(h.spin);
            bump(h, false);
            break;
        }
        case LockKind::Semaphore:
            h.sem.down();
            bump(h, i % 16 == 0);
            h.sem.up();
            break;
        }
        if (i % 64 == 1) sched::yield();
    }
    return 0;
}
// Two tasks pinned to each online CPU: every CPU contends, with itself and with the others.
void hammer_from_every_cpu(kernel::ktest::Context& kt, LockKind kind) {
    Hammer h;
    h.kind = kind;
    h.rounds = kHammerTotal / (2 * sched::online_cpu_count());
    Crew crew;
    for (unsigned c = 0; c < kMaxCpus; ++c)
        for (int k = 0; k < 2 && online(c); ++k) KT_ASSERT(crew.add("hammer", hammer, &h, cpu_bit(c)));
    crew.start();
    KT_ASSERT(crew.wait_all([&] { return h.progress.load(); }));
    KT_EXPECT_EQ(h.counter, std::uint64_t{crew.size()} * h.rounds);
    KT_EXPECT_EQ(h.held_on, sched::online_cpus());
    KT_EXPECT(h.mutex.owner() == nullptr);
    KT_EXPECT_EQ(h.sem.count(), 1);
    KT_EXPECT(!h.spin.is_locked());
}
}  // namespace

KTEST(smp, mutex_keeps_a_counter_exact_from_every_cpu) { hammer_from_every_cpu(kt, LockKind::Mutex); }
KTEST(smp, spinlock_keeps_a_counter_exact_from_every_cpu) { hammer_from_every_cpu(kt, LockKind::SpinLock); }
KTEST(smp, semaphore_as_a_lock_keeps_a_counter_exact_from_every_cpu) {
    hammer_from_every_cpu(kt, LockKind::Semaphore);
}

// ---- Migration keeps a task's registers. The values are put in x19-x28 by asm and the call is made
// from asm, so the compiler can neither see them nor keep copies elsewhere: only the callee's and the
// context switch's saving and restoring decide what the registers hold afterwards.
namespace {
struct CallFrame {
    std::uint64_t seed;          // x19 = seed, x20 = seed + 1, ... x28 = seed + 9
    std::uint64_t (*fn)(std::uint64_t, std::uint64_t);
    std::uint64_t a0, a1;        // fn's arguments
    std::uint64_t after[10];     // x19-x28 after the call
    std::uint64_t result;        // fn's result
};
static_assert(offsetof(CallFrame, fn) == 8 && offsetof(CallFrame, a0) == 16 && offsetof(CallFrame, a1) == 24);
static_assert(offsetof(CallFrame, after) == 32 && offsetof(CallFrame, result) == 112);

[[gnu::noinline]] void call_with_known_callee_saved(CallFrame* frame) {
    // x9 carries the frame pointer in and is saved on the stack across the call (the callee may
    // clobber it); every other register the call or the asm may change is declared clobbered.
    register CallFrame* x9 asm("x9") = frame;
    asm volatile(
        "str x9, [sp, #-16]!\n"
        "ldp x0, x1, [x9, #16]\n"
        "ldr x16, [x9, #8]\n"
        "ldr x19, [x9]\n"
        "add x20, x19, #1\n"
        "add x21, x19, #2\n"
        "add x22, x19, #3\n"
        "add x23, x19, #4\n"
        "add x24, x19, #5\n"
        "add x25, x19, #6\n"
        "add x26, x19, #7\n"
        "add x27, x19, #8\n"
        "add x28, x19, #9\n"
        "blr x16\n"
        "ldr x9, [sp], #16\n"
        "stp x19, x20, [x9, #32]\n"
        "stp x21, x22, [x9, #48]\n"
        "stp x23, x24, [x9, #64]\n"
        "stp x25, x26, [x9, #80]\n"
        "stp x27, x28, [x9, #96]\n"
        "str x0, [x9, #112]\n"
        : "+r"(x9)
        :
        : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x10", "x11", "x12", "x13", "x14", "x15",
          "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x30",
          "memory", "cc");
}

// Called from the asm above: moves the calling task to `cpu`; returns the CPU it then runs on.
std::uint64_t move_self(std::uint64_t id, std::uint64_t cpu) {
    if (!sched::set_affinity(id, cpu_bit(static_cast<unsigned>(cpu))).ok()) return ~0ull;
    return sched::this_cpu_index();
}

constexpr unsigned kMigrationRounds = 100;
struct Migrant {
    unsigned moves = 0, wrong_cpu = 0, bad_registers = 0;
};
int migrate_across_every_cpu(void* p) {
    auto* m = static_cast<Migrant*>(p);
    const std::uint64_t self = sched::current()->id;
    for (unsigned round = 0; round < kMigrationRounds; ++round) {
        for (unsigned c = 0; c < kMaxCpus; ++c) {
            if (!online(c)) continue;
            CallFrame f{0x5eed'0000'0000'0000ull | (std::uint64_t{round} << 16) | (c << 8), move_self, self, c, {}, 0};
            call_with_known_callee_saved(&f);
            ++m->moves;
            if (f.result != c || sched::this_cpu_index() != c) ++m->wrong_cpu;  // pinned to c now
            for (unsigned r = 0; r < 10; ++r)
                if (f.after[r] != f.seed + r) ++m->bad_registers;
        }
    }
    return 0;
}

// Spins with x19-x28 holding seed..seed+9 (interrupted, preempted and moved meanwhile); returns a
// mask of the registers that changed.
unsigned spin_with_known_callee_saved(std::uint64_t seed, std::uint64_t loops) {
    std::uint64_t after[10];
    asm volatile(
        "mov x19, %[seed]\n"
        "add x20, x19, #1\n"
        "add x21, x19, #2\n"
        "add x22, x19, #3\n"
        "add x23, x19, #4\n"
        "add x24, x19, #5\n"
        "add x25, x19, #6\n"
        "add x26, x19, #7\n"
        "add x27, x19, #8\n"
        "add x28, x19, #9\n"
        "mov x10, %[loops]\n"
        "1: subs x10, x10, #1\n"
        "b.ne 1b\n"
        "stp x19, x20, [%[after]]\n"
        "stp x21, x22, [%[after], #16]\n"
        "stp x23, x24, [%[after], #32]\n"
        "stp x25, x26, [%[after], #48]\n"
        "stp x27, x28, [%[after], #64]\n"
        :
        : [seed] "r"(seed), [loops] "r"(loops), [after] "r"(after)
        : "x10", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "memory", "cc");
    unsigned bad = 0;
    for (unsigned r = 0; r < 10; ++r)
        if (after[r] != seed + r) bad |= 1u << r;
    return bad;
}

struct Spinner {
    std::atomic<bool> stop{false};
    std::atomic<unsigned> last_cpu{~0u};
    std::atomic<std::uint64_t> spins{0};
    unsigned bad_registers = 0;
};
int spin_and_report(void* p) {
    auto* s = static_cast<Spinner*>(p);
    for (std::uint64_t i = 1; !s->stop.load(); ++i) {
        if (spin_with_known_callee_saved(0xab00'0000'0000'0000ull | (i << 8), 20'000)) ++s->bad_registers;
        s->last_cpu = sched::this_cpu_index();
        s->spins++;
    }
    return 0;
}
}  // namespace

KTEST(smp, a_task_moving_itself_keeps_its_registers) {
    Migrant m;
    Crew crew;
    KT_ASSERT(crew.add("migrant", migrate_across_every_cpu, &m, sched::kAllCpus));
    crew.start();
    KT_ASSERT(crew.wait_all());
    KT_EXPECT_EQ(m.moves, kMigrationRounds * sched::online_cpu_count());
    KT_EXPECT_EQ(m.wrong_cpu, 0);
    KT_EXPECT_EQ(m.bad_registers, 0);
}

KTEST(smp, a_spinning_task_moved_by_another_keeps_its_registers) {
    Spinner s;
    Crew crew;
    KT_ASSERT(crew.add("spinner", spin_and_report, &s, sched::kAllCpus));
    crew.start();
    const std::uint64_t id = crew.id(0);
    unsigned wrong_cpu = 0, moves = 0;
    bool ran_everywhere = true;
    for (unsigned round = 0; round < 10 && ran_everywhere; ++round) {
        for (unsigned c = 0; c < kMaxCpus && ran_everywhere; ++c) {
            if (!online(c)) continue;
            KT_EXPECT(sched::set_affinity(id, cpu_bit(c)).ok());
            ++moves;
            // Running or queued on c now (it never blocks), and it spins there.
            auto info = sched::task_info(id);
            if (!info.ok() || info.value().cpu != c) ++wrong_cpu;
            const std::uint64_t spins = s.spins.load();
            ran_everywhere = wait_for([&] { return s.spins.load() > spins + 1; });
            if (s.last_cpu.load() != c) ++wrong_cpu;
        }
    }
    s.stop = true;
    KT_EXPECT(crew.wait_all());
    KT_EXPECT(ran_everywhere);
    KT_EXPECT_EQ(moves, 10 * sched::online_cpu_count());
    KT_EXPECT_EQ(wrong_cpu, 0);
    KT_EXPECT_EQ(s.bad_registers, 0);
}

// ---- Affinity is honoured through yields, sleeps and preemptions while every CPU is loaded.
namespace {
struct Pinned {
    std::atomic<bool>* stop;
    unsigned cpu;
    unsigned checks = 0, elsewhere = 0;
    std::uint64_t preempted = 0;  // involuntary switches it went through
};
int stay_pinned(void* p) {
    auto* a = static_cast<Pinned*>(p);
    const std::uint64_t self = sched::current()->id;
    auto involuntary = [&] {
        auto info = sched::task_info(self);
        return info.ok() ? info.value().involuntary : 0;
    };
    const std::uint64_t start = involuntary();
    const std::uint64_t give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
    // At least 300 rounds and 3 preemptions (counts, not times; the guard only stops a broken tick).
    for (unsigned i = 0; i < 300 || (involuntary() < start + 3 && hal::timer::uptime_ns() < give_up); ++i) {
        switch (i % 3) {
        case 0: sched::yield(); break;
        case 1: sched::sleep_ns(100'000); break;
        default:
            for (int k = 0; k < 20'000; ++k) {  // long enough for a tick to preempt it now and then
                if (sched::this_cpu_index() != a->cpu) ++a->elsewhere;
                ++a->checks;
            }
        }
        if (sched::this_cpu_index() != a->cpu) ++a->elsewhere;
        ++a->checks;
    }
    a->preempted = involuntary() - start;
    return 0;
}
int load_until_stopped(void* p) {
    auto* stop = static_cast<std::atomic<bool>*>(p);
    for (unsigned i = 0; !stop->load(std::memory_order_relaxed); ++i)
        if (i % 4096 == 0) sched::yield();
    return 0;
}
}  // namespace

KTEST(smp, a_pinned_task_never_runs_elsewhere) {
    std::atomic<bool> stop{false};
    Pinned pinned[kMaxCpus] = {};
    Crew load, checkers;
    // Loaders: one pinned to each CPU (each CPU has a second task to preempt for) and one free to
    // move (the balancer has work to do).
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!online(c)) continue;
        KT_ASSERT(load.add("load-pin", load_until_stopped, &stop, cpu_bit(c)));
        KT_ASSERT(load.add("load-any", load_until_stopped, &stop, sched::kAllCpus));
        pinned[c] = {&stop, c};
        KT_ASSERT(checkers.add("pinned", stay_pinned, &pinned[c], cpu_bit(c)));
    }
    load.start();
    checkers.start();
    for (unsigned i = 0; i < checkers.size(); ++i) {
        auto mask = sched::get_affinity(checkers.id(i));
        KT_EXPECT(mask.ok());
        if (mask.ok()) KT_EXPECT_EQ(__builtin_popcount(mask.value()), 1);
    }
    KT_EXPECT(checkers.wait_all());
    stop = true;
    KT_EXPECT(load.wait_all());
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!online(c)) continue;
        KT_EXPECT(pinned[c].checks >= 300);
        KT_EXPECT_EQ(pinned[c].elsewhere, 0);
        KT_EXPECT(pinned[c].preempted >= 3);
    }
}

namespace {
int wait_on_semaphore(void* p) {
    static_cast<sched::Semaphore*>(p)->down();
    return 0;
}
}  // namespace

KTEST(smp, set_and_get_affinity_and_their_errors) {
    sched::Semaphore sem{0};
    Crew crew;
    KT_ASSERT(crew.add("affine", wait_on_semaphore, &sem, sched::kAllCpus));
    crew.start();
    const std::uint64_t id = crew.id(0);
    const CpuMask online_mask = sched::online_cpus();
    auto mask = sched::get_affinity(id);
    KT_EXPECT(mask.ok() && mask.value() == sched::kAllCpus);
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!online(c)) continue;
        KT_EXPECT(sched::set_affinity(id, cpu_bit(c)).ok());
        mask = sched::get_affinity(id);
        KT_EXPECT(mask.ok() && mask.value() == cpu_bit(c));
    }
    KT_EXPECT(sched::set_affinity(id, online_mask).ok());
    mask = sched::get_affinity(id);
    KT_EXPECT(mask.ok() && mask.value() == online_mask);
    // No online CPU in the mask: refused, and the mask stays as it was.
    KT_EXPECT(sched::set_affinity(id, 0).error() == lib::Error::InvalidArgument);
    KT_EXPECT(sched::set_affinity(id, ~online_mask).error() == lib::Error::InvalidArgument);
    mask = sched::get_affinity(id);
    KT_EXPECT(mask.ok() && mask.value() == online_mask);
    // The idle task and ids that name no task.
    KT_EXPECT(sched::set_affinity(0, online_mask).error() == lib::Error::InvalidArgument);
    KT_EXPECT(sched::get_affinity(0).error() == lib::Error::InvalidArgument);
    KT_EXPECT(sched::set_affinity(0xffff'ffffull, online_mask).error() == lib::Error::NotFound);
    KT_EXPECT(sched::get_affinity(0xffff'ffffull).error() == lib::Error::NotFound);
    // A task cannot be spawned where no CPU may run it.
    sched::SpawnOptions nowhere{};
    nowhere.affinity = ~online_mask;  // never 0 (which may mean "inherit"): bits past kMaxCpus are set
    KT_EXPECT(sched::spawn("nowhere", wait_on_semaphore, &sem, nowhere).error() == lib::Error::InvalidArgument);
    sem.up();
    KT_EXPECT(crew.wait_all());
    // Gone once it ended.
    KT_EXPECT(wait_for([&] { return !sched::task_info(id).ok(); }));
    KT_EXPECT(sched::set_affinity(id, online_mask).error() == lib::Error::NotFound);
    KT_EXPECT(sched::get_affinity(id).error() == lib::Error::NotFound);
}

namespace {
struct Sleeper {
    std::atomic<int> asleep{0};
    std::atomic<unsigned> woke_on{~0u};
};
int sleep_then_report(void* p) {
    auto* s = static_cast<Sleeper*>(p);
    s->asleep.store(1);
    sched::sleep_ns(50'000'000);
    s->woke_on.store(sched::this_cpu_index());
    return 0;
}
}  // namespace

// A sleeper whose affinity moves it off the CPU it sleeps on wakes on one it allows: the timer that
// fires on the old CPU places it (sleep.cpp) instead of running it there.
KTEST(smp, a_sleeper_moved_while_it_sleeps_wakes_where_it_may_run) {
    const unsigned last = 31 - static_cast<unsigned>(__builtin_clz(sched::online_cpus()));
    Sleeper s;
    sched::SpawnOptions o;
    o.affinity = sched::cpu_bit(0);
    o.detached = true;
    auto t = sched::spawn("sleeper", sleep_then_report, &s, o);
    KT_ASSERT(t.ok());
    const std::uint64_t id = t.value()->id;
    KT_ASSERT(wait_for([&] {
        auto i = sched::task_info(id);
        return s.asleep.load() == 1 && i.ok() && i.value().state == sched::TaskState::Blocked;
    }));
    KT_EXPECT(sched::set_affinity(id, sched::cpu_bit(last)).ok());  // on one CPU: the same CPU
    KT_ASSERT(wait_for([&] { return s.woke_on.load() != ~0u; }));
    KT_EXPECT_EQ(s.woke_on.load(), last);
}

namespace {
std::atomic<unsigned> s_called_on[sched::kMaxCpus];
void note_call(void* arg) {
    s_called_on[sched::this_cpu_index()].fetch_add(1);
    static_cast<std::atomic<unsigned>*>(arg)->fetch_add(1);
}
}  // namespace

// The call-function IPI: fn runs once on every other online CPU (from its SGI handler), never on the
// caller's, and the call returns once all have run it.
KTEST(smp, a_function_called_on_the_other_cpus_runs_once_on_each) {
    for (auto& c : s_called_on) c.store(0);
    std::atomic<unsigned> total{0};
    sched::preempt_disable();  // the caller's CPU, to check it was skipped
    const unsigned me = sched::this_cpu_index();
    const unsigned ran = kernel::smp::call_on_others(note_call, &total, kernel::ktest::kHangGuardNs);
    sched::preempt_enable();
    const unsigned others = sched::online_cpu_count() - 1;
    KT_EXPECT_EQ(ran, others);
    KT_EXPECT_EQ(total.load(), others);
    for (unsigned c = 0; c < sched::kMaxCpus; ++c)
        KT_EXPECT_EQ(s_called_on[c].load(), (c != me && smp_test::online(c)) ? 1u : 0u);
}
