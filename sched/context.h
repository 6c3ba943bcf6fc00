// The scheduler's side of the context switch: the saved-register block a Task embeds (owned by arch:
// arch/aarch64/cpu_context.h) and the assembly routines (context_switch.S) the scheduler calls or
// points tasks at, typed with the Task they are given.
#pragma once

#include "arch/aarch64/cpu_context.h"

namespace sched {

using CpuContext = arch::CpuContext;
struct Task;

}  // namespace sched

// Saves the current callee-saved registers, fp, lr and sp into prev's context, loads next's and
// returns into next's lr. Kernel state only: TPIDR_EL0 and TTBR0 (EL0 state) are the scheduler's
// business, done before the call when a User task is involved. IRQs masked; the caller holds the
// run-queue lock (released by the next task: after its own cpu_switch_to returns, or in
// task_trampoline when new). Each Task holds its context at TASK_CONTEXT (checked in sched/task.h).
extern "C" void cpu_switch_to(sched::Task* prev, sched::Task* next);
// Where a new task's first switch lands: x19 = entry, x20 = argument (see scheduler.cpp).
extern "C" void task_trampoline();
// Where a task switched to lands first when the switching task must be finished off (exit() and
// migrate_out() store this in its saved lr): calls sched_finish_handoff(), then continues at the
// real resume address that returns.
extern "C" void sched_resume_after_handoff();
