// Kernel suite `smp` (part 2): load spread over the CPUs, wake-ups across CPUs, fork/exec/exit storms
// from every CPU at once, and preemption, sleep and kill with several CPUs. As in part 1, the same
// code runs on one CPU (degenerately) and on eight; counts bound the work, the hang guard the waits.
#include <atomic>
#include <cstdint>

#include "hal/timer.h"
#include "kernel/kernel_stack.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/fs/rootfs.h"
#include "kernel/memory.h"
#include "kernel/process/process.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "tests/kernel/smp_crew.h"

using sched::cpu_bit;
using sched::CpuMask;
using sched::kMaxCpus;
using smp_test::Crew;
using smp_test::online;
using smp_test::wait_for;
using smp_test::wait_while_progressing;

namespace {

// The first and second online CPUs (both CPU 0 when it is alone).
unsigned first_cpu() { return static_cast<unsigned>(__builtin_ctz(sched::online_cpus())); }
unsigned second_cpu() {
    const CpuMask rest = sched::online_cpus() & ~cpu_bit(first_cpu());
    return rest ? static_cast<unsigned>(__builtin_ctz(rest)) : first_cpu();
}

struct Snapshot {
    std::size_t frames, heap_bytes, tasks, processes;
    static Snapshot take() {
        kernel::kernel_stack_drain_cache();
        kernel::memory::drain_frame_cache();
        const auto s = kernel::memory::stats();
        // execmap: the initramfs's page cache counts as free (a program's first exec fills it for good).
        return {s.free_frames + s.heap_pages + kernel::fs::RootFs::cached_pages(), s.heap_bytes_in_use,
                sched::task_count(), kernel::process_count()};
    }
    bool operator==(const Snapshot&) const = default;
};

}  // namespace

// ---- 1,000 runnable tasks end up spread: no CPU's load exceeds another's by more than one.
namespace {
constexpr unsigned kHerd = 1000;
struct Herd {
    sched::WaitQueue gate;
    bool open = false;  // guarded by gate's lock
    std::atomic<bool> release{false};
    std::atomic<unsigned> started{0}, exited{0};
};
int graze(void* p) {
    auto* h = static_cast<Herd*>(p);
    // Blocked until all are spawned: yielding meanwhile, they would leave the spawning test a
    // thousandth of its CPU.
    h->gate.wait_until([&] { return h->open; });
    h->started++;
    while (!h->release.load(std::memory_order_relaxed)) sched::yield();
    h->exited++;
    return 0;
}
}  // namespace

KTEST(smp, a_thousand_tasks_spread_evenly_over_the_cpus) {
    const std::size_t tasks = sched::task_count();
    Herd herd;
    unsigned spawned = 0;
    for (; spawned < kHerd; ++spawned)
        if (!sched::spawn("herd", graze, &herd).ok()) break;
    KT_EXPECT_EQ(spawned, kHerd);
    herd.gate.with_lock([&] { return herd.open = true; });
    herd.gate.wake_all();
    KT_EXPECT(wait_for([&] { return herd.started.load() == spawned; }));
    // A CPU's load: the tasks queued on it, and the one it runs unless that is its idle task (this
    // test's own task counts where it runs, as the balancer sees it). Balancing is eventual: look
    // until it holds, never for how long it took.
    std::size_t load[kMaxCpus] = {};
    auto balanced = [&] {
        std::size_t lo = ~std::size_t{0}, hi = 0, sum = 0;
        for (unsigned c = 0; c < kMaxCpus; ++c) {
            if (!online(c)) continue;
            auto info = sched::cpu_info(c);
            if (!info.ok()) return false;
            load[c] = info.value().queued + (info.value().current_id != 0 ? 1 : 0);
            lo = load[c] < lo ? load[c] : lo;
            hi = load[c] > hi ? load[c] : hi;
            sum += load[c];
        }
        return hi <= lo + 1 && sum >= spawned;
    };
    const bool even = wait_for([&] {
        sched::sleep_ns(9'000'000);  // look seldom: the balancer works on the tick
        return balanced();
    });
    KT_EXPECT(even);
    if (!even) {
        kernel::kprintf("    loads at the hang guard:");
        for (unsigned c = 0; c < kMaxCpus; ++c)
            if (online(c)) kernel::kprintf(" cpu%u=%zu", c, load[c]);
        kernel::kprintf("\n");
    }
    herd.release = true;
    KT_EXPECT(wait_while_progressing([&] { return herd.exited.load() == spawned; },
                                     [&] { return std::uint64_t{herd.exited.load()}; }));
    KT_EXPECT(wait_for([&] { return sched::task_count() == tasks; }));
}

// ---- A wake-up from another CPU is never lost: two tasks pinned to different CPUs hand a turn back
// and forth. A lost wake-up leaves both blocked: the hang guard ends the test with the count reached.
namespace {
constexpr std::uint64_t kRally = 100'000;  // turns each player takes
struct Rally {
    sched::WaitQueue wq;
    std::uint64_t turn = 0;  // guarded by wq's lock; even: the first player's turn
    std::atomic<std::uint64_t> turns{0};
};
struct Player {
    Rally* rally;
    std::uint64_t parity;
};
int play_by_wait_queue(void* p) {
    auto* pl = static_cast<Player*>(p);
    Rally& r = *pl->rally;
    for (std::uint64_t i = 0; i < kRally; ++i) {
        r.wq.wait_until([&] { return (r.turn & 1) == pl->parity; });
        r.wq.with_lock([&] { return ++r.turn; });
        r.turns++;
        r.wq.wake_one();  // the other player is the only one who can be waiting
    }
    return 0;
}

struct SemRally {
    sched::Semaphore mine[2] = {sched::Semaphore{1}, sched::Semaphore{0}};
    std::atomic<std::uint64_t> turns{0};
};
struct SemPlayer {
    SemRally* rally;
    unsigned me;
};
constexpr std::uint64_t kSemRally = 20'000;
int play_by_semaphores(void* p) {
    auto* pl = static_cast<SemPlayer*>(p);
    for (std::uint64_t i = 0; i < kSemRally; ++i) {
        pl->rally->mine[pl->me].down();
        pl->rally->turns++;
        pl->rally->mine[1 - pl->me].up();
    }
    return 0;
}

// Runs the crew until done; false (after printing the count reached) when no turn was taken for the
// whole hang guard.
template <typename Turns>
bool rally_to_the_end(Crew& crew, Turns turns, std::uint64_t total) {
    crew.start();
    const bool done = wait_while_progressing([&] { return crew.finished() == crew.size(); }, turns);
    if (!done)
        kernel::kprintf("    stuck after %llu of %llu turns: a lost wake-up\n",
                        static_cast<unsigned long long>(turns()), static_cast<unsigned long long>(total));
    return done;
}
}  // namespace

KTEST(smp, a_hundred_thousand_ping_pongs_across_cpus_through_a_wait_queue) {
    Rally r;
    Player players[2] = {{&r, 0}, {&r, 1}};
    Crew crew;
    KT_ASSERT(crew.add("ping", play_by_wait_queue, &players[0], cpu_bit(first_cpu())));
    KT_ASSERT(crew.add("pong", play_by_wait_queue, &players[1], cpu_bit(second_cpu())));
    KT_EXPECT(rally_to_the_end(crew, [&] { return r.turns.load(); }, 2 * kRally));
    KT_EXPECT_EQ(r.turns.load(), 2 * kRally);
    KT_EXPECT_EQ(r.wq.with_lock([&] { return r.turn; }), 2 * kRally);
    KT_EXPECT(r.wq.empty());
}

KTEST(smp, ping_pongs_across_cpus_through_semaphores) {
    SemRally r;
    SemPlayer players[2] = {{&r, 0}, {&r, 1}};
    Crew crew;
    KT_ASSERT(crew.add("sem-ping", play_by_semaphores, &players[0], cpu_bit(first_cpu())));
    KT_ASSERT(crew.add("sem-pong", play_by_semaphores, &players[1], cpu_bit(second_cpu())));
    KT_EXPECT(rally_to_the_end(crew, [&] { return r.turns.load(); }, 2 * kSemRally));
    KT_EXPECT_EQ(r.turns.load(), 2 * kSemRally);
    KT_EXPECT_EQ(r.mine[0].count(), 1);
    KT_EXPECT_EQ(r.mine[1].count(), 0);
}

// ---- fork/exec/exit storms from every CPU at once; every frame, heap byte, task and process back.
namespace {
constexpr unsigned kStormRuns = 6;  // per CPU
struct Storm {
    std::atomic<unsigned> runs{0}, failures{0};
    std::atomic<int> bad_status{0};
};
int storm_from_this_cpu(void* p) {
    auto* s = static_cast<Storm*>(p);
    const char* envp[] = {"HOME=/", nullptr};
    for (unsigned i = 0; i < kStormRuns; ++i) {
        // forktree forks (a tree of 3), hello only execs and exits.
        const char* tree[] = {"/bin/forktree", "1", nullptr};
        const char* hello[] = {"/bin/hello", nullptr};
        const char* const* argv = i % 2 ? hello : tree;
        auto proc = kernel::spawn_process(argv[0], argv, envp, nullptr);
        int status = -1;
        if (proc.ok()) {
            const int pid = proc.value()->pid;
            if (kernel::wait_child(nullptr, pid, &status, 0) != pid) status = -1;
        }
        if (status != 0) {
            s->failures++;
            s->bad_status = status;
        }
        s->runs++;
    }
    return 0;
}
}  // namespace

KTEST(smp, fork_exec_exit_storms_from_every_cpu_leave_every_frame_behind) {
    const Snapshot before = Snapshot::take();
    Storm storm;
    Crew crew;
    for (unsigned c = 0; c < kMaxCpus; ++c)
        if (online(c)) KT_ASSERT(crew.add("storm", storm_from_this_cpu, &storm, cpu_bit(c)));
    crew.start();
    KT_ASSERT(crew.wait_all());
    KT_EXPECT_EQ(storm.runs.load(), kStormRuns * crew.size());
    KT_EXPECT_EQ(storm.failures.load(), 0);
    KT_EXPECT_EQ(storm.bad_status.load(), 0);
    // Exited tasks are reclaimed as their CPUs switch away from them: wait for it, then compare.
    Snapshot after{};
    wait_for([&] {
        after = Snapshot::take();
        return after == before;
    });
    KT_EXPECT_EQ(after.frames, before.frames);
    KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
    KT_EXPECT_EQ(after.tasks, before.tasks);
    KT_EXPECT_EQ(after.processes, before.processes);
}

// ---- Preemption, sleep and kill with several CPUs.
namespace {
struct Busy {
    std::atomic<bool>* stop;
    std::atomic<std::uint64_t> spins{0};
};
int spin_without_yielding(void* p) {
    auto* b = static_cast<Busy*>(p);
    while (!b->stop->load(std::memory_order_relaxed)) b->spins.fetch_add(1, std::memory_order_relaxed);
    return 0;
}
}  // namespace

// Two spinners pinned to each CPU, neither ever yielding: each CPU's tick must preempt them in turn.
KTEST(smp, every_cpu_preempts_its_spinning_tasks) {
    std::atomic<bool> stop{false};
    Busy busy[2 * kMaxCpus];
    Crew crew;
    unsigned n = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!online(c)) continue;
        for (int k = 0; k < 2; ++k) {
            busy[n].stop = &stop;
            KT_ASSERT(crew.add("busy", spin_without_yielding, &busy[n++], cpu_bit(c)));
        }
    }
    crew.start();
    auto preempted = [&](unsigned i) {
        auto info = sched::task_info(crew.id(i));
        return info.ok() ? info.value().involuntary : 0;
    };
    KT_EXPECT(wait_for([&] {
        for (unsigned i = 0; i < n; ++i)
            if (preempted(i) < 3 || busy[i].spins.load() == 0) return false;
        return true;
    }));
    stop = true;
    KT_EXPECT(crew.wait_all());
}

namespace {
struct Sleeper {
    unsigned cpu;
    unsigned wrong_cpu = 0, early = 0, naps = 0;
};
int nap_on_my_cpu(void* p) {
    auto* s = static_cast<Sleeper*>(p);
    for (std::uint64_t ms : {1ull, 2ull, 5ull, 1ull, 3ull}) {
        const std::uint64_t t0 = hal::timer::uptime_ns();
        sched::sleep_ns(ms * 1'000'000);
        if (hal::timer::uptime_ns() - t0 < ms * 1'000'000) ++s->early;
        if (sched::this_cpu_index() != s->cpu) ++s->wrong_cpu;
        ++s->naps;
    }
    return 0;
}
}  // namespace

KTEST(smp, sleepers_on_every_cpu_wake) {
    Sleeper sleepers[2 * kMaxCpus];
    Crew crew;
    unsigned n = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        for (int k = 0; k < 2 && online(c); ++k) {
            sleepers[n].cpu = c;
            KT_ASSERT(crew.add("sleeper", nap_on_my_cpu, &sleepers[n++], cpu_bit(c)));
        }
    }
    crew.start();
    KT_EXPECT(crew.wait_all());
    for (unsigned i = 0; i < n; ++i) {
        KT_EXPECT_EQ(sleepers[i].naps, 5);
        KT_EXPECT_EQ(sleepers[i].early, 0);
        KT_EXPECT_EQ(sleepers[i].wrong_cpu, 0);
    }
}

namespace {
struct Victims {
    sched::WaitQueue wq;
    bool never = false;  // guarded by wq's lock
    std::atomic<bool> spin_forever{true};
};
int block_on_queue(void* p) {
    auto* v = static_cast<Victims*>(p);
    v->wq.wait_until([&] { return v->never; });
    return 0;
}
int spin_on(void* p) {
    auto* v = static_cast<Victims*>(p);
    while (v->spin_forever.load(std::memory_order_relaxed)) {
    }
    return 0;
}
struct Killer {
    std::uint64_t blocked_id, spinning_id;
    bool killed_blocked = false, killed_spinning = false, blocked_gone = false;
    unsigned cpu = ~0u;
};
int kill_from_here(void* p) {
    auto* k = static_cast<Killer*>(p);
    k->cpu = sched::this_cpu_index();
    k->killed_blocked = sched::kill(k->blocked_id).ok();
    k->blocked_gone = !sched::task_info(k->blocked_id).ok();
    k->killed_spinning = sched::kill(k->spinning_id).ok();
    return 0;
}
bool is_blocked(std::uint64_t id) {
    auto i = sched::task_info(id);
    return i.ok() && i.value().state == sched::TaskState::Blocked;
}
}  // namespace

// Tasks on the first CPU (one blocked on a wait queue, one spinning) killed by a task on the second.
KTEST(smp, tasks_killed_from_another_cpu_are_gone) {
    const Snapshot before = Snapshot::take();
    Victims v;
    Crew victims, killers;  // the victims never return: the killer ends them
    KT_ASSERT(victims.add("victim-block", block_on_queue, &v, cpu_bit(first_cpu())));
    KT_ASSERT(victims.add("victim-spin", spin_on, &v, cpu_bit(first_cpu())));
    Killer k{victims.id(0), victims.id(1)};
    KT_ASSERT(killers.add("killer", kill_from_here, &k, cpu_bit(second_cpu())));
    victims.start();
    KT_EXPECT(wait_for([&] {
        auto spin = sched::task_info(victims.id(1));
        return is_blocked(victims.id(0)) && spin.ok() && spin.value().state != sched::TaskState::Blocked;
    }));
    killers.start();
    KT_EXPECT(killers.wait_all());
    KT_EXPECT_EQ(k.cpu, second_cpu());
    KT_EXPECT(k.killed_blocked);
    KT_EXPECT(k.blocked_gone);
    KT_EXPECT(k.killed_spinning);
    KT_EXPECT(wait_for([&] { return !sched::task_info(victims.id(1)).ok(); }));
    KT_EXPECT(v.wq.empty());
    KT_EXPECT_EQ(victims.finished(), 0);  // ended by the kills, not by returning
    v.spin_forever = false;  // should a kill have failed, let the spinner end
    Snapshot after{};
    wait_for([&] {
        after = Snapshot::take();
        return after == before;
    });
    KT_EXPECT_EQ(after.frames, before.frames);
    KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
    KT_EXPECT_EQ(after.tasks, before.tasks);
}
