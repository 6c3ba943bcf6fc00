// The scheduler: per-CPU run queues (sched/run_queue.h policies), context switches, preemption from
// the timer tick, sleeping, blocking and task exit. Kernel side: runs on the hardware.
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "lib/result.h"
#include "sched/task.h"

namespace arch {
struct TrapFrame;
}

namespace sched {

// Boot CPU: makes the running boot context the idle task and hooks the tick and IRQ exit.
void init();
// Boot CPU, last step of kmain: IRQs on, run tasks; the boot context idles (WFI) when nothing is ready.
[[noreturn]] void run_idle();

struct SpawnOptions {
    PolicyKind policy = PolicyKind::RoundRobin;
    std::uint8_t priority = 0;
    bool detached = true;   // reclaimed at exit (kernel tasks); false: a zombie until release()
    TaskKind kind = TaskKind::Kernel;
    // The CPUs it may run on (must include an online one); 0: the spawning task's, as Linux's fork
    // inherits its mask (all CPUs when the boot context spawns).
    CpuMask affinity = 0;
    bool suspended = false;       // created not runnable: start() makes it so (after the caller's set-up)
};
// The task is Ready (and may already have run, on any CPU) when this returns, unless created
// suspended. Busy at kMaxTasks.
lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts = {});

// The running task (nullptr before init()). One instruction and safe anywhere, preemptible or not:
// SP_EL0 holds it in the kernel (cpu_switch_to loads it with each task, the EL0 entry path sets it).
// Reading this CPU's block instead would race a migration between finding the block and reading it.
inline Task* current() { return reinterpret_cast<Task*>(read_sysreg(sp_el0)); }
// Makes a task created with SpawnOptions::suspended runnable (once).
void start(Task* t);
void yield();
// Ends the calling task: calls the exit hook (if set) first, then stops. A detached task is reclaimed
// entirely; a non-detached one stays a Zombie (exit_code set, stack freed) until release().
[[noreturn]] void exit(int code);
// Frees the TCB of a non-detached Zombie (one that has stopped running). Its id is gone afterwards.
void release(Task* t);
// Kills a task by id (ready, blocked or running). A kernel task ends at once with exit code -9 (the
// exit hook runs only when it kills itself); a User task is interrupted instead (interrupt(): its
// process layer ends it, on its way back to EL0).
// NotFound for an unknown or already dead id, InvalidArgument for the idle task (id 0).
lib::Status kill(std::uint64_t id);
// Sets t->kill_pending and, if t is Blocked (on a wait queue or sleeping), takes it off the queue and
// makes it Ready: its wait returns early and it can check current()->kill_pending. Wait loops
// (WaitQueue::wait_until) re-check their condition, so they block again unless it tests kill_pending.
void interrupt(Task* t);
// Wakes no earlier, at most one tick late; returns early (at once if already set) on kill_pending.
void sleep_until(std::uint64_t uptime_ns);
void sleep_ns(std::uint64_t ns);

// Hooks for the process layer (each one pointer; nullptr removes it). Each setter returns the hook it
// replaces, so a caller (a test) can chain to it or put it back.
using SwitchHook = void (*)(Task* prev, Task* next);
using UserReturnHook = void (*)(arch::TrapFrame& frame);
using ExitHook = void (*)(Task* t);
// Called on every switch where prev or next is a User task, before the switch, with IRQs masked and
// the run-queue lock held (it must not block or take scheduler locks): FP/SIMD state, next's TTBR0.
// The scheduler then saves prev's TPIDR_EL0 and loads next's, and next->context.ttbr0 if it changed.
SwitchHook set_switch_hook(SwitchHook hook);
// Called at the end of the IRQ exit path when the interrupt came from EL0, after any reschedule (just
// before the task returns to EL0), IRQs masked: where a pending kill (later, signals) is acted on.
UserReturnHook set_user_return_hook(UserReturnHook hook);
// Called by exit() before the task stops: on its own stack, IRQs enabled, still runnable (state not
// yet Zombie; task_info() reports it Running). Not called for a kernel task that kill() ends from
// another task.
ExitHook set_exit_hook(ExitHook hook);

// Kernel preemption guard (nests). While held, a tick only marks the CPU for rescheduling.
void preempt_disable();
void preempt_enable();

// Blocking (used by WaitQueue): called with IRQs masked; `release` (if set) is unlocked once the
// task is marked blocked, so a waker that takes the same lock cannot miss it. Returns false without
// blocking, `release` still held, when a kill not yet acted on by a wake-up is pending (scheduler.cpp).
[[nodiscard]] bool block_current(WaitQueue* wq, arch::SpinLock* release);
// Makes a blocked task ready (no-op for any other state). Any context.
void wake(Task* t);

// Introspection for `ps` and tests.
struct TaskInfo {
    std::uint64_t id;
    char name[kTaskNameMax];
    TaskState state;
    TaskKind kind;
    PolicyKind policy;
    std::uint8_t priority;
    std::uint64_t cpu_ns, ticks, voluntary, involuntary;
    std::uint64_t parent_id;
    bool idle;
    unsigned cpu;        // the CPU it runs on, or last ran on (or is queued on)
    CpuMask affinity;
};
// Calls fn for each task (a snapshot taken under the task-list lock; fn runs without locks).
void for_each_task(void (*fn)(const TaskInfo&, void* ctx), void* ctx);
std::size_t task_count();          // live tasks incl. zombies, excl. idle
std::uint64_t switch_count();      // context switches on this CPU since boot
std::size_t ready_count();
lib::Result<TaskInfo> task_info(std::uint64_t id);
inline constexpr std::size_t kMaxTasks = 4096;

// ---- CPUs.
// The CPUs that run tasks (bit n: logical CPU n, numbered in device-tree order; the boot CPU is 0).
CpuMask online_cpus();
unsigned online_cpu_count();
// The calling CPU's logical number. With IRQs on and preemption enabled the task may move to another
// CPU right after: use it for statistics, or with preemption disabled.
inline unsigned this_cpu_index() { return arch::cpu_index(); }
// Affinity (Linux's sched_setaffinity): the CPUs task `id` may run on. Returns once the task is
// neither running nor queued on a CPU outside the mask (a task running there is preempted and moved;
// a blocked one moves when it wakes). NotFound for an unknown or dead id; InvalidArgument for a mask
// without an online CPU or for an idle task (id 0). May block: not from IRQ context.
lib::Status set_affinity(std::uint64_t id, CpuMask mask);
lib::Result<CpuMask> get_affinity(std::uint64_t id);
// One CPU's state and counters, for the shell's `cpus` and tests. NotFound for a CPU not online.
struct CpuInfo {
    unsigned index;
    std::uint64_t mpidr;
    std::size_t queued;           // ready tasks waiting in its run queue
    std::uint64_t current_id;     // the task it runs (0: its idle task)
    char current_name[kTaskNameMax];
    std::uint64_t switches;       // context switches since it came up
    std::uint64_t idle_ns;        // time spent in its idle task (sampled by the tick)
    std::uint64_t migrations_in;  // tasks placed on it from another CPU, or pulled by it
};
lib::Result<CpuInfo> cpu_info(unsigned cpu);

// ---- Bringing up a secondary CPU (the kernel's smp.cpp). prepare_cpu, on the boot CPU: CPU `index`'s
// scheduler state and idle task, whose stack the CPU starts on. run_secondary, on that CPU with
// TPIDR_EL1 = percpu (and its interrupts set up): it joins the online CPUs and runs its idle task.
struct CpuBoot {
    void* percpu;
    std::uint64_t stack_top;
};
lib::Result<CpuBoot> prepare_cpu(unsigned index, std::uint64_t mpidr);
[[noreturn]] void run_secondary();

}  // namespace sched
