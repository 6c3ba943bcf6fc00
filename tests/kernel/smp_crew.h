// Helpers for the `smp` suite: the online CPUs, waiting with the hang guard, and Crew, the tasks a
// test spawns. A crew's tasks wait at a gate until the test has spawned them all, and the crew kills
// whatever is still alive when the test returns early: no task outlives the test's stack it uses.
#pragma once

#include <atomic>
#include <cstdint>

#include "hal/timer.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace smp_test {

inline bool online(unsigned cpu) { return sched::online_cpus() & sched::cpu_bit(cpu); }

// Waits (sleeping) until pred(); false once the hang guard passed, so that a test fails instead of
// hanging.
template <typename F>
bool wait_for(F&& pred) {
    const std::uint64_t give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
    while (!pred()) {
        if (hal::timer::uptime_ns() > give_up) return false;
        sched::sleep_ns(1'000'000);
    }
    return true;
}

// As wait_for, for work that may take long on a loaded host: fails only when progress() (a count
// that grows while the work goes on) stayed the same for the whole hang guard.
template <typename F, typename P>
bool wait_while_progressing(F&& pred, P&& progress) {
    std::uint64_t last = progress();
    std::uint64_t give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
    while (!pred()) {
        const std::uint64_t now = progress();
        if (now != last) {
            last = now;
            give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
        } else if (hal::timer::uptime_ns() > give_up) {
            return false;
        }
        sched::sleep_ns(1'000'000);
    }
    return true;
}

class Crew {
public:
    static constexpr unsigned kMax = 4 * sched::kMaxCpus;

    Crew() = default;
    Crew(const Crew&) = delete;
    Crew& operator=(const Crew&) = delete;
    // A test that returned early (a failed check) may leave members running or blocked on its
    // objects: they are killed here, before its stack goes.
    ~Crew() {
        if (m_finished.load() == m_count) return;
        for (unsigned i = 0; i < m_count; ++i) (void)sched::kill(m_members[i].id);
    }

    // Spawns entry(arg) on the given CPUs; it runs once start() opened the gate.
    bool add(const char* name, sched::TaskEntry entry, void* arg, sched::CpuMask affinity) {
        if (m_count == kMax) return false;
        Member& m = m_members[m_count];
        m = {this, entry, arg, 0, false};
        sched::SpawnOptions opts{};
        opts.affinity = affinity;
        auto t = sched::spawn(name, trampoline, &m, opts);
        if (!t.ok()) return false;
        m.id = t.value()->id;  // it waits at the gate: it cannot have ended yet
        ++m_count;
        return true;
    }
    void start() {
        m_gate.with_lock([&] { return m_open = true; });
        m_gate.wake_all();
    }
    // Until every member returned; false at the hang guard (a member stuck, or a lost wake-up).
    bool wait_all() {
        return wait_all([&] { return std::uint64_t{m_finished.load()}; });
    }
    // The same, with the members' own measure of progress (a count they increase as they work).
    template <typename P>
    bool wait_all(P&& progress) {
        const bool done = wait_while_progressing([&] { return m_finished.load() == m_count; },
                                                 [&] { return progress() + m_finished.load(); });
        if (!done) report_stragglers();
        return done;
    }
    // Prints where the members that have not returned are, and what each CPU runs and queues.
    void report_stragglers() const {
        for (unsigned i = 0; i < m_count; ++i) {
            if (__atomic_load_n(&m_members[i].done, __ATOMIC_ACQUIRE)) continue;
            auto info = sched::task_info(m_members[i].id);
            if (!info.ok()) {
                kernel::kprintf("    task %lu: gone\n", m_members[i].id);
                continue;
            }
            kernel::kprintf("    task %lu (%s): %s on cpu %u, mask 0x%x\n", m_members[i].id, info.value().name,
                            sched::state_name(info.value().state), info.value().cpu, info.value().affinity);
        }
        for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
            auto cpu = sched::cpu_info(c);
            if (cpu.ok())
                kernel::kprintf("    cpu %u: runs task %lu (%s), %zu queued, %lu switches\n", c, cpu.value().current_id,
                                cpu.value().current_name, cpu.value().queued, cpu.value().switches);
        }
    }
    unsigned size() const { return m_count; }
    unsigned finished() const { return m_finished.load(); }
    std::uint64_t id(unsigned i) const { return m_members[i].id; }

private:
    struct Member {
        Crew* crew;
        sched::TaskEntry entry;
        void* arg;
        std::uint64_t id;
        bool done;  // returned (written by the member, release)
    };
    static int trampoline(void* p) {
        auto* m = static_cast<Member*>(p);
        Crew* crew = m->crew;
        crew->m_gate.wait_until([&] { return crew->m_open; });
        const int status = m->entry(m->arg);
        __atomic_store_n(&m->done, true, __ATOMIC_RELEASE);
        crew->m_finished++;  // the last touch of the crew: it may be gone right after
        return status;
    }

    Member m_members[kMax] = {};
    unsigned m_count = 0;
    sched::WaitQueue m_gate;
    bool m_open = false;  // guarded by m_gate's lock
    std::atomic<unsigned> m_finished{0};
};

}  // namespace smp_test
