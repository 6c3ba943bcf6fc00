// sched placement and balancing: which CPU a new or woken task goes to, and which CPUs a CPU should
// pull work from. Pure decisions over a snapshot of loads: no locks, no run queues, no hardware (the
// scheduler takes the locks and moves the tasks; see RunQueue::steal for the entity to move).
#pragma once

#include "sched/sched_entity.h"

namespace sched {

// A racy snapshot of every CPU's load, read without locks: placement is a heuristic, a stale value
// costs balance, never correctness.
struct CpuLoads {
    CpuMask online = 0;
    unsigned load[kMaxCpus] = {};  // queued ready tasks + 1 when it runs a task other than its idle task
};

inline constexpr unsigned kNoCpu = ~0u;

// Where a new or woken task goes: the least-loaded CPU of allowed & online; `last` (the CPU it last
// ran on, kNoCpu for a new task) wins a tie when it is a candidate (its cache is warm); otherwise the
// lowest-numbered of the least loaded. kNoCpu when allowed & online is empty.
unsigned select_cpu(const CpuLoads& loads, CpuMask allowed, unsigned last);

// The CPUs `self` should try to pull one task from, busiest first (ties: lowest number first): online,
// not self, with load >= loads.load[self] + 2 (moving one task narrows such a gap; a gap of one is
// balanced). Writes them to out, returns how many.
unsigned pull_sources(const CpuLoads& loads, unsigned self, unsigned out[kMaxCpus]);

}  // namespace sched
