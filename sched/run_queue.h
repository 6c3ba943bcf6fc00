// sched::RunQueue: one CPU's Ready entities, split between a FixedPriority and a RoundRobin policy;
// FixedPriority entities always run first. Owns the policy objects, never the entities (they live in
// Tasks). O(1), no allocation, not synchronised: the kernel calls every method with this CPU's
// run-queue lock held and IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sched/priority_policy.h"
#include "sched/round_robin.h"
#include "sched/sched_entity.h"

namespace sched {

class RunQueue {
public:
    // Slice lengths in ticks for each policy (each at least 1).
    explicit RunQueue(std::uint32_t round_robin_quantum = 1, std::uint32_t fixed_priority_quantum = 1);
    RunQueue(const RunQueue&) = delete;
    RunQueue& operator=(const RunQueue&) = delete;

    // Onto the queue of e.policy (preconditions as the policy's: not queued, priority in range).
    void enqueue(SchedEntity& e);
    // From the queue of e.policy; e must be queued.
    void dequeue(SchedEntity& e);
    // The next entity to run, removed from its queue: FixedPriority before RoundRobin. nullptr when
    // nothing is ready (the kernel then runs this CPU's idle task, which is never queued).
    SchedEntity* pick_next();
    // One tick of the running (unqueued) entity, accounted by its own policy. true = its slice expired:
    // the kernel switches if anything else is ready (size() > 0), else lets it run a fresh slice.
    bool tick(SchedEntity& running);
    // Whether waking `woken` must preempt `running` now: a FixedPriority entity preempts any
    // RoundRobin one, and a FixedPriority one of strictly lower priority; nothing else preempts.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const;
    std::size_t size() const { return m_fixed_priority.size() + m_round_robin.size(); }

    const RoundRobin& round_robin() const { return m_round_robin; }
    const FixedPriority& fixed_priority() const { return m_fixed_priority; }

private:
    SchedPolicy& policy_for(const SchedEntity& e);

    FixedPriority m_fixed_priority;
    RoundRobin m_round_robin;
};

}  // namespace sched
