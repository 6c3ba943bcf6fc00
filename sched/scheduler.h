// The scheduler: per-CPU run queues (sched/run_queue.h policies), context switches, preemption from
// the timer tick, sleeping, blocking and task exit. Kernel side: runs on the hardware.
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "sched/task.h"

namespace sched {

// Boot CPU: makes the running boot context the idle task and hooks the tick and IRQ exit.
void init();
// Boot CPU, last step of kmain: IRQs on, run tasks; the boot context idles (WFI) when nothing is ready.
[[noreturn]] void run_idle();

struct SpawnOptions {
    PolicyKind policy = PolicyKind::RoundRobin;
    std::uint8_t priority = 0;
    bool detached = true;   // reclaimed at exit (kernel tasks); false: a zombie until reaped
};
lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts = {});

Task* current();
void yield();
[[noreturn]] void exit(int code);
// Kills a task by id (ready, blocked or running). NotFound for an unknown or already dead id,
// InvalidArgument for the idle task.
lib::Status kill(std::uint64_t id);
void sleep_until(std::uint64_t uptime_ns);   // wakes no earlier, at most one tick late
void sleep_ns(std::uint64_t ns);

// Kernel preemption guard (nests). While held, a tick only marks the CPU for rescheduling.
void preempt_disable();
void preempt_enable();

// Blocking (used by WaitQueue): called with IRQs masked; `release` (if set) is unlocked once the
// task is marked blocked, so a waker that takes the same lock cannot miss it.
struct Unlocker {
    void (*fn)(void* ctx);
    void* ctx;
};
void block_current(WaitQueue* wq, Unlocker release);
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
};
// Calls fn for each task (a snapshot taken under the task-list lock; fn runs without locks).
void for_each_task(void (*fn)(const TaskInfo&, void* ctx), void* ctx);
std::size_t task_count();          // live tasks incl. zombies, excl. idle
std::uint64_t switch_count();      // context switches on this CPU since boot
std::size_t ready_count();
lib::Result<TaskInfo> task_info(std::uint64_t id);
inline constexpr std::size_t kMaxTasks = 4096;

}  // namespace sched
