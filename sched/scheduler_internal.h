// What the scheduler's files share (private to sched/): one CPU's scheduler state, the locking rules
// between CPUs and the inline switch path that every switch (yield, preemption, blocking, sleeping,
// exit) is built from, plus the few functions one file defines for the others.
//   scheduler.cpp    the core: pick, switch, yield, block and wake, the tick and preemption, init
//   cpus.cpp         several CPUs: bringing one up, placing tasks, pulling work, affinity, IPIs
//   task_list.cpp    every task from spawn to release: the task list, exit, kill, snapshots for ps
//   sleep.cpp        sleeping: each CPU's timer queue of sleepers and its one-shot deadline
//
// Locks, in the order they nest (one place for the whole kernel's scheduler side):
//   task-list lock  ->  a wait queue's lock  ->  run-queue locks (two at once: lower CPU number first)
//   (memory and console locks are leaves below all of them; the process layer's tree lock comes
//   before the task-list lock). Every one masks IRQs (arch::SpinLock users take IrqSpinGuard).
//
// Which CPU's lock guards a task: the one its Task::cpu names. Task::cpu changes only with that lock
// held and the destination's too, so holding the lock of the CPU a task names pins it there
// (lock_task_cpu re-checks after locking). A task's scheduling state (state, queued, waiting_on, its
// sleep timer) changes only under that lock.
//
// The hand-over between CPUs. A CPU holds its run-queue lock from choosing the next task until the
// next task runs (finish_switch releases it, on the far side of cpu_switch_to). Everything that can
// make a task run elsewhere (a wake-up, a pull, an affinity move) must first take the lock of the CPU
// the task names, which is the switching CPU's until the switch is over: so no CPU picks a task whose
// registers are still being saved. The ordering: cpu_switch_to's stores of prev's registers come
// before the unlock's store-release (SpinLock::unlock); the CPU that then takes the lock does so with
// a load-acquire, which orders its later reads of those registers (when it switches to the task)
// after them. A blocked task woken from another CPU while it is still switching out is therefore not
// lost and not run early: the waker waits for the lock, then finds it Blocked and fully saved.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "sched/context.h"
#include "sched/run_queue.h"
#include "sched/scheduler.h"
#include "sched/task.h"
#include "sched/timer_queue.h"

namespace sched {

// One CPU's scheduler state. Fields marked "lock" are guarded by its run-queue lock (other CPUs
// enqueue on it, pull from it and read it under that lock); the others are touched only by the CPU
// itself, with IRQs masked.
struct Cpu {
    arch::SpinLock lock;              // the run-queue lock; first: the switch path addresses it with no offset
    std::uint32_t index = 0;          // logical CPU number (arch::cpu_index() reads it at PERCPU_INDEX)
    Task* current = nullptr;          // lock for writes; at PERCPU_CURRENT (the EL0 entry path reads it)
    std::uint64_t switches = 0;       // lock; next to current: one paired store
    Task* idle = nullptr;
    // A tick or a wake-up (from any CPU, under the lock) asks for a switch at the next chance. Every
    // scheduling decision clears it but a yield's rotation, which needs no clearing: a request made
    // with preemption enabled is served at once (IRQ exit, maybe_preempt), and a yield needs
    // preemption enabled. Read and written with relaxed atomics: other CPUs set it.
    // The two flags the interrupt exit tests, in one halfword it loads once (pending_flags).
    alignas(2) bool need_resched = false;
    bool balance_due = false;         // the tick asks for a balance pass at IRQ exit
    bool multi = false;               // more than one CPU is online: the tick balances
    CpuMask bit = 0;                  // cpu_bit(index)
    unsigned preempt_count = 0;
    std::uint64_t last_tick = 0;      // counter value at the last tick (CPU time is charged per tick)
    std::uint64_t ticks = 0;          // ticks taken
    // A task switched out that the task switched to must finish off (exit() and migrate_out() point
    // its resume address at sched_resume_after_handoff): a dead one to free, or one to place on
    // another CPU. Lock.
    Task* dead = nullptr;
    Task* migrating = nullptr;
    std::uint64_t handoff_resume = 0; // ...the resumed task's real saved lr
    RunQueue rq;                      // lock
    TimerQueue timers;                // lock: its sleepers (tasks that slept on this CPU), by deadline
    std::uint64_t mpidr = 0;
    std::uint64_t migrations_in = 0;  // lock
};

// Cpu is not standard-layout (its run queue holds policy objects), but it has no virtual base: GCC
// gives the offset of a direct member exactly.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(Cpu, current) == PERCPU_CURRENT, "the EL0 entry path reads it there (vectors.S)");
static_assert(offsetof(Cpu, index) == PERCPU_INDEX, "arch::cpu_index() reads it there");
static_assert(offsetof(Cpu, balance_due) == offsetof(Cpu, need_resched) + 1, "pending_flags() reads both");
#pragma GCC diagnostic pop

static_assert(static_cast<unsigned>(TaskKind::Kernel) == 0, "the switch path tests both kinds with one add");

// Volatile: a task may resume on another CPU, so never reuse an older read across a switch.
[[gnu::always_inline]] inline Cpu* cpu_pointer() {
    Cpu* c;
    asm volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}
// This CPU's state. Only meaningful while the caller cannot migrate: IRQs masked (or preemption off).
[[gnu::always_inline]] inline Cpu& this_cpu() { return *cpu_pointer(); }

// Every CPU's state (slots of CPUs that never came up stay unconstructed), and which are online (bit
// n: cpu_at(n) is constructed and runs tasks; only ever grows). Defined in scheduler.cpp.
extern unsigned char g_cpu_storage[kMaxCpus][sizeof(Cpu)];
inline Cpu& cpu_at(unsigned index) { return *reinterpret_cast<Cpu*>(g_cpu_storage[index]); }
extern CpuMask g_online;
inline CpuMask online_mask() { return __atomic_load_n(&g_online, __ATOMIC_ACQUIRE); }
// A hint (one relaxed load): callers that act on it check under a lock that the task is where a
// single CPU implies (a CPU that just came online may not be seen yet).
inline bool single_cpu() {
    const CpuMask m = __atomic_load_n(&g_online, __ATOMIC_RELAXED);
    return (m & (m - 1)) == 0;
}

inline Task* task_of(SchedEntity* e) { return reinterpret_cast<Task*>(e); }  // sched is a Task's first member

inline bool need_resched(const Cpu& c) { return __atomic_load_n(&c.need_resched, __ATOMIC_RELAXED); }
// need_resched and balance_due together: non-zero when either is set.
inline std::uint16_t pending_flags(const Cpu& c) {
    // A volatile halfword load: GCC addresses it off the block (an __atomic load takes an add first).
    return *reinterpret_cast<const volatile std::uint16_t*>(&c.need_resched);
}
inline void set_need_resched(Cpu& c, bool v) { __atomic_store_n(&c.need_resched, v, __ATOMIC_RELAXED); }
// Asks CPU c (its lock held) to reschedule; true when it is another CPU that was not asked yet and
// must be told (kick_cpu, once the lock is dropped). One that was asked already will look anyway.
inline bool request_resched(Cpu& c) {
    if (need_resched(c)) return false;
    set_need_resched(c, true);
    return &c != cpu_pointer();
}

// ---- Locking tasks and CPUs (IRQs masked throughout).

// Both CPUs' locks, lower number first (a == b: one lock).
inline void lock_pair(unsigned a, unsigned b) {
    if (a == b) return cpu_at(a).lock.lock();
    cpu_at(a < b ? a : b).lock.lock();
    cpu_at(a < b ? b : a).lock.lock();
}
inline void unlock_pair(unsigned a, unsigned b) {
    cpu_at(a).lock.unlock();
    if (a != b) cpu_at(b).lock.unlock();
}
// Locks the CPU t names, with t pinned there; returns its number.
inline unsigned lock_task_cpu(Task* t) {
    for (;;) {
        const unsigned c = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
        cpu_at(c).lock.lock();
        if (__atomic_load_n(&t->cpu, __ATOMIC_RELAXED) == c) return c;
        cpu_at(c).lock.unlock();
    }
}
// Moves t's Task::cpu to `to` (both locks held).
inline void set_task_cpu(Task* t, unsigned to) { __atomic_store_n(&t->cpu, to, __ATOMIC_RELAXED); }

// ---- The switch path.

// A switch that involves a User task: the process layer's hook, then the EL0 state, then the switch
// itself (here, so that the common path keeps nothing live across a call). Kernel-to-kernel switches
// never come here.
[[gnu::noinline, gnu::cold]] void switch_with_user_state(Task* prev, Task* next);

// Switches from prev (cpu.current: still Ready and queued, or Blocked, or a Zombie, or migrating) to
// next (Ready, not queued, not prev). Lock held, IRQs masked. Returns when prev is switched back to,
// on whichever CPU, with that CPU's lock held for it (the caller releases it: finish_switch). Which
// task runs is cpu.current alone: a runnable task is Ready whether queued or running, so a switch
// between two writes no task state.
[[gnu::always_inline]] inline void switch_to(Cpu& cpu, Task* prev, Task* next) {
    cpu.current = next;
    ++cpu.switches;
    if (__builtin_expect(static_cast<unsigned>(prev->kind) + static_cast<unsigned>(next->kind) != 0, 0))
        switch_with_user_state(prev, next);
    else
        cpu_switch_to(prev, next);
}

// In the task switched back to (or new): release the lock the switching task took for it. This
// CPU's: the task may have come back on another than it left.
[[gnu::always_inline]] inline void finish_switch() { this_cpu().lock.unlock(); }

// The task to run after one that stopped (blocked, exited or left). Lock held.
[[gnu::always_inline]] inline Task* pick_next_task(Cpu& cpu) {
    set_need_resched(cpu, false);
    SchedEntity* e = cpu.rq.pick_next();
    return e ? task_of(e) : cpu.idle;
}

// Points next's resume through sched_resume_after_handoff (context_switch.S): cpu.dead or
// cpu.migrating is dealt with there, on next's stack, once prev's registers are saved. Lock held.
inline void hand_off_to(Cpu& cpu, Task* next) {
    cpu.handoff_resume = next->context.lr;
    next->context.lr = reinterpret_cast<std::uint64_t>(&sched_resume_after_handoff);
}

// ---- Making tasks ready.

// Blocked (or new) -> Ready on CPU `to`: t's sleep timer cancelled (on the CPU it slept on: `from`,
// which t names), t moved to `to` and queued there, and a switch asked for if it should preempt.
// Both locks held. True when `to` is another CPU that must be told (send_resched_ipi) once the
// locks are dropped.
[[nodiscard]] bool make_ready_on(Cpu& from, Cpu& to, Task* t);
// The same on the CPU t names (whose lock is held); the hot path of a wake-up on one CPU.
[[gnu::always_inline]] inline bool make_ready_here(Cpu& cpu, Task* t);

// A task woken with a sleep timer armed (a timed wait) cancels it: from the timer queue of `cpu`
// (the one it slept on, which it names; lock held). Reprograms the comparator only when that is
// this CPU's (another CPU's simply fires once early and finds nothing).
[[gnu::noinline]] void cancel_sleep_timer(Cpu& cpu, Task* t);

[[gnu::always_inline]] inline bool make_ready_here(Cpu& cpu, Task* t) {
    if (__builtin_expect(t->timer.armed, 0)) cancel_sleep_timer(cpu, t);
    t->state = TaskState::Ready;
    cpu.rq.enqueue(t->sched);
    if (cpu.current->is_idle || cpu.rq.should_preempt(cpu.current->sched, t->sched)) return request_resched(cpu);
    return false;
}

// Where t should go now (racy: rechecked under the locks by the caller): its CPU when only one is
// online, else the placement policy's choice among the CPUs it may run on (cpus.cpp).
unsigned choose_cpu(const Task* t);
// Whether t is in the state place_task's caller saw (its CPU's lock held): a wake-up that lost the
// race to another is a no-op, and a migrating task is placed once (Ready, on no queue, running
// nowhere).
inline bool in_state(const Task* t, TaskState from_state, unsigned cpu) {
    return t->state == from_state &&
           (from_state != TaskState::Ready || (!t->sched.queued && cpu_at(cpu).current != t));
}
// place_task with a choice to make (cpus.cpp).
void place_task_slow(Task* t, TaskState from_state);
// Makes a task Ready on the CPU chosen for it (from Blocked: a wake-up; Initializing: a new task;
// Ready: one migrating), locking what it needs and telling that CPU; a no-op when t is no longer in
// that state. IRQs masked, no scheduler lock held. With one CPU online, inline and without a choice
// (single_cpu() is a hint: t's CPU is checked under the lock).
[[gnu::always_inline]] inline void place_task(Task* t, TaskState from_state) {
    if (__builtin_expect(single_cpu(), 1)) {
        Cpu& cpu = this_cpu();
        cpu.lock.lock();
        if (__builtin_expect(t->cpu == cpu.index, 1)) {
            if (in_state(t, from_state, cpu.index)) (void)make_ready_here(cpu, t);
            cpu.lock.unlock();
            return;
        }
        cpu.lock.unlock();
    }
    place_task_slow(t, from_state);
}
// Tells CPU `cpu` to look at its run queue (a reschedule IPI); nothing for this CPU.
void kick_cpu(unsigned cpu);

// With preemption enabled and IRQs on: switches now if a tick or wake-up asked for it.
void maybe_preempt();

// ---- Several CPUs (cpus.cpp, and scheduler.cpp for a CPU's own state).

// Constructs CPU index's state with `idle` as its idle task (not yet online).
Cpu& construct_cpu(unsigned index, std::uint64_t mpidr, Task* idle);
// The calling CPU starts scheduling on `cpu`: TPIDR_EL1, its idle task current (SP_EL0), online.
void enter_cpu(Cpu& cpu);

// Switches the running task (cpu.current, lock held, no longer allowed on this CPU) out: the task
// switched to places it on a CPU it may run on. Returns on that CPU, its lock held (finish_switch).
void migrate_out(Cpu& cpu, Task* self);
// Pulls one queued task from a busier CPU onto this one (IRQs masked, no lock held). True if it did.
bool pull_task(Cpu& cpu);

// ---- Tasks (task_list.cpp).

// Ends the current kernel task, killed from another CPU, at its interrupt exit (no exit hook).
[[noreturn, gnu::cold]] void end_killed_kernel_task();

void set_name(Task* t, const char* name);
// Called first by init(): the (empty) task list, and the TTBR0 new kernel tasks start with.
void init_task_list();
// The TTBR0 of tasks without user space (idle tasks of secondary CPUs start with it).
std::uint64_t empty_ttbr0();

}  // namespace sched
