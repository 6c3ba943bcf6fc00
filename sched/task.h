// The task control block. Fields are grouped by the lock that guards them (scheduler.cpp states the
// lock order): the run-queue lock for scheduling state, the task-list lock for membership and
// parent/child links; accounting is written only by the CPU running the task, with IRQs masked.
#pragma once

#include <cstdint>

#include "kernel/kernel_stack.h"
#include "lib/intrusive_list.h"
#include "sched/context.h"
#include "sched/sched_entity.h"
#include "sched/timer_queue.h"

namespace sched {

enum class TaskState : std::uint8_t { Initializing, Ready, Running, Blocked, Zombie };
enum class TaskKind : std::uint8_t { Kernel, User };

const char* state_name(TaskState s);

class WaitQueue;

using TaskEntry = int (*)(void* arg);
inline constexpr std::size_t kTaskNameMax = 24;

struct Task {
    CpuContext context;  // first: cpu_switch_to takes its address

    // Identity: fixed after creation.
    std::uint64_t id = 0;           // never reused (64-bit counter)
    char name[kTaskNameMax] = {};
    TaskKind kind = TaskKind::Kernel;
    kernel::KernelStack stack;
    TaskEntry entry = nullptr;
    void* arg = nullptr;

    // Scheduling state: run-queue lock.
    TaskState state = TaskState::Initializing;
    SchedEntity sched;
    WaitQueue* waiting_on = nullptr;   // the wait queue holding wait_link while Blocked
    lib::ListNode wait_link;
    TimerEntry timer;                  // armed while sleeping (or blocked with a timeout)
    bool timed_out = false;
    bool kill_pending = false;

    // Membership and family: task-list lock.
    lib::ListNode all_link;
    Task* parent = nullptr;
    int exit_code = 0;
    bool detached = true;              // kernel tasks: reclaimed at exit, nobody waits

    // Accounting: the running CPU, IRQs masked.
    std::uint64_t cpu_counts = 0;      // counter units spent running
    std::uint64_t ticks = 0;           // timer ticks that found it running (its slices)
    std::uint64_t voluntary_switches = 0;
    std::uint64_t involuntary_switches = 0;
    bool is_idle = false;

    // User-mode state (issue 5): address space, FP/SIMD registers. Unused by kernel tasks.
    void* address_space = nullptr;
    void* fpsimd = nullptr;
};

}  // namespace sched
