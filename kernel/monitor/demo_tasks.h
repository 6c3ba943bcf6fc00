// Demo kernel tasks for the shell's `spawn`: they make preemption and sleeping visible in `ps`.
#pragma once

#include "lib/result.h"
#include "sched/task.h"

namespace kernel::demo {

// "counter" counts and yields, "spinner" spins without yielding (only preemption takes the CPU
// from it), "sleeper" sleeps 100 ms in a loop. Unknown names give InvalidArgument.
lib::Result<sched::Task*> spawn(const char* name);

}  // namespace kernel::demo
