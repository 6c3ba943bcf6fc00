// The task control block. Fields are grouped by the lock that guards them (scheduler.cpp states the
// lock order): the run-queue lock for scheduling state, the task-list lock for membership and
// parent/child links; accounting is written only by the CPU running the task, with IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
#include "mm/kernel_stack.h"
#include "sched/context.h"
#include "sched/sched_entity.h"
#include "sched/timer_queue.h"

namespace sched {

// Running is only reported, never stored (see Task::state).
enum class TaskState : std::uint8_t { Initializing, Ready, Running, Blocked, Zombie };
enum class TaskKind : std::uint8_t { Kernel, User };

const char* state_name(TaskState s);

class WaitQueue;

using TaskEntry = int (*)(void* arg);
inline constexpr std::size_t kTaskNameMax = 24;

struct Task {
    SchedEntity sched;   // run-queue lock; first: a queued entity is its task (no offset to apply)
    CpuContext context;  // at TASK_CONTEXT: cpu_switch_to takes Task pointers

    // Identity: fixed after creation.
    std::uint64_t id = 0;           // never reused (64-bit counter)
    char name[kTaskNameMax] = {};
    TaskKind kind = TaskKind::Kernel;  // User: has EL0 state (TPIDR_EL0, TTBR0; FP/SIMD: switch hook)
    mm::KernelStack stack;
    TaskEntry entry = nullptr;
    void* arg = nullptr;

    // Scheduling state: run-queue lock.
    // Ready means runnable: queued, or running (its CPU's current task; TaskInfo reports it as
    // Running). Running is never stored, so a switch between two runnable tasks writes no state.
    TaskState state = TaskState::Initializing;
    WaitQueue* waiting_on = nullptr;   // the wait queue it blocked on (nullptr: sleeping)
    lib::ListNode wait_link;
    TimerEntry timer;                  // armed while sleeping (or blocked with a timeout)
    bool timed_out = false;
    bool kill_pending = false;         // set by kill/interrupt: waits end early, the owner checks it
    // The one early wake-up a kill gives has been given (run-queue lock): to a task found Blocked, or
    // declined by block_current when the kill came from another CPU just before it blocked.
    bool kill_woken = false;
    // The CPU it runs on, is queued on, or last ran on (a blocked task: where it wakes from). Written
    // with that CPU's run-queue lock held (and the new one's, when it moves): holding the lock of the
    // CPU it names pins it there (lock_task_cpu).
    std::uint32_t cpu = 0;

    // Membership and family: task-list lock.
    lib::ListNode all_link;
    std::uint64_t parent_id = 0;       // the spawning task's id (0: none); the parent may be gone
    int exit_code = 0;
    bool detached = true;              // reclaimed at exit; false: a zombie TCB until sched::release()
    bool stopped = false;              // a zombie that has left its CPU for good (release-stored)

    // Accounting: the running CPU, IRQs masked.
    std::uint64_t cpu_counts = 0;      // counter units spent running, sampled by the tick (whole ticks)
    std::uint64_t ticks = 0;           // timer ticks that found it running (its slices)
    std::uint64_t voluntary_switches = 0;
    std::uint64_t involuntary_switches = 0;
    bool is_idle = false;

    // User mode. Unused by kernel tasks.
    void* process = nullptr;  // the kernel::Process a user task belongs to (its space, files, FP state)
};

static_assert(offsetof(Task, sched) == 0);
static_assert(offsetof(Task, context) == TASK_CONTEXT, "cpu_switch_to finds it there (arch/aarch64/cpu_context.h)");

}  // namespace sched
