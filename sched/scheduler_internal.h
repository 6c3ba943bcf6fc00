// What the scheduler's files share (private to sched/): one CPU's scheduler state and the inline
// switch path that every switch (yield, preemption, blocking, sleeping, exit) is built from, plus
// the few functions one file defines for the others.
//   scheduler.cpp    the core: pick, switch, yield, block and wake, the tick and preemption, init
//   task_list.cpp    every task from spawn to release: the task list, exit, kill, snapshots for ps
//   sleep.cpp        sleeping: the timer queue of sleepers and its one-shot deadline
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "sched/context.h"
#include "sched/run_queue.h"
#include "sched/scheduler.h"
#include "sched/task.h"

namespace sched {

// One CPU's scheduler state. Only that CPU touches it, with IRQs masked; fields marked "lock" are
// also guarded by its run-queue lock (for the CPUs that will enqueue on it remotely).
struct Cpu {
    arch::SpinLock lock;              // the run-queue lock; first: the switch path addresses it with no offset
    std::uint32_t index = 0;          // logical CPU number (arch::cpu_index() reads it here)
    Task* current = nullptr;          // lock for writes
    std::uint64_t switches = 0;       // lock; next to current: one paired store
    Task* idle = nullptr;
    // A tick or wake-up asks for a switch at the next chance. Every scheduling decision clears it but
    // a yield's rotation, which needs no clearing: a request made with preemption enabled is served at
    // once (IRQ exit, maybe_preempt), and a yield needs preemption enabled.
    bool need_resched = false;
    unsigned preempt_count = 0;
    std::uint64_t last_tick = 0;      // counter value at the last tick (CPU time is charged per tick)
    Task* dead = nullptr;             // lock: an exited task, freed by the task switched to next...
    std::uint64_t dead_resume = 0;    // ...which then resumes here (its real saved lr)
    RunQueue rq;                      // lock
    std::uint64_t mpidr = 0;
    std::uint64_t idle_counts = 0;    // counter units its idle task ran (sampled by the tick)
    std::uint64_t migrations_in = 0;  // lock
};

// Cpu is not standard-layout (its run queue holds policy objects), but it has no virtual base: GCC
// gives the offset of a direct member exactly.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(Cpu, current) == kCpuCurrentOffset, "current() in scheduler.h reads it there");
static_assert(offsetof(Cpu, index) == arch::kPerCpuIndexOffset, "arch::cpu_index() reads it there");
#pragma GCC diagnostic pop

static_assert(static_cast<unsigned>(TaskKind::Kernel) == 0, "the switch path tests both kinds with one add");

// Volatile: a task may resume on another CPU once tasks migrate, so never reuse an older read.
[[gnu::always_inline]] inline Cpu* cpu_pointer() {
    Cpu* c;
    asm volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}
[[gnu::always_inline]] inline Cpu& this_cpu() { return *cpu_pointer(); }

// Every CPU's state (online or not: slots of CPUs that never came up stay unconstructed), and which
// are online (bit n: cpu_at(n) is constructed and runs tasks). Defined in scheduler.cpp.
Cpu& cpu_at(unsigned index);
extern CpuMask g_online;

inline Task* task_of(SchedEntity* e) { return reinterpret_cast<Task*>(e); }  // sched is a Task's first member

// ---- The switch path.

// A switch that involves a User task: the process layer's hook, then the EL0 state, then the switch
// itself (here, so that the common path keeps nothing live across a call). Kernel-to-kernel switches
// never come here.
[[gnu::noinline, gnu::cold]] void switch_with_user_state(Task* prev, Task* next);

// Switches from prev (cpu.current: still Ready and queued, or Blocked, or a Zombie) to next (Ready,
// not queued, not prev). Lock held, IRQs masked. Returns when prev is switched back to, the lock held
// for it (the caller releases it: finish_switch). Which task runs is cpu.current alone: a runnable
// task is Ready whether queued or running, so a switch between two writes no task state.
[[gnu::always_inline]] inline void switch_to(Cpu& cpu, Task* prev, Task* next) {
    cpu.current = next;
    ++cpu.switches;
    if (__builtin_expect(static_cast<unsigned>(prev->kind) + static_cast<unsigned>(next->kind) != 0, 0))
        switch_with_user_state(prev, next);
    else
        cpu_switch_to(prev, next);
}

// In the task switched back to (or new): release the lock the switching task took for it.
[[gnu::always_inline]] inline void finish_switch() { this_cpu().lock.unlock(); }

// The task to run after one that stopped (blocked or exited). Lock held.
[[gnu::always_inline]] inline Task* pick_next_task(Cpu& cpu) {
    cpu.need_resched = false;
    SchedEntity* e = cpu.rq.pick_next();
    return e ? task_of(e) : cpu.idle;
}

// ---- Making tasks ready (lock held).

// A task woken with a sleep timer armed (a timed wait) cancels it. Lock held.
[[gnu::noinline]] void cancel_sleep_timer(Task* t);

// Blocked -> Ready (its sleep timer cancelled), asking for a switch if it should preempt. Lock held.
// Inlined where it is hot (wake); make_ready_locked() for the rest.
[[gnu::always_inline]] inline void make_ready_inline(Cpu& cpu, Task* t) {
    if (__builtin_expect(t->timer.armed, 0)) cancel_sleep_timer(t);
    t->state = TaskState::Ready;
    cpu.rq.enqueue(t->sched);
    if (cpu.current->is_idle || cpu.rq.should_preempt(cpu.current->sched, t->sched)) cpu.need_resched = true;
}
void make_ready_locked(Cpu& cpu, Task* t);

// With preemption enabled and IRQs on: switches now if a tick or wake-up asked for it.
void maybe_preempt();

// ---- Tasks (task_list.cpp).

void set_name(Task* t, const char* name);
// Called first by init(): the (empty) task list, and the TTBR0 new kernel tasks start with.
void init_task_list();

}  // namespace sched
