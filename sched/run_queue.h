// sched::RunQueue: one CPU's Ready entities, split between a FixedPriority and a RoundRobin policy;
// FixedPriority entities always run first. Owns the policy objects, never the entities (they live in
// Tasks). O(1), no allocation, not synchronised: the kernel calls every method with this CPU's
// run-queue lock held and IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/kassert.h"
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
    // Yield's fast path, for the running (unqueued) entity: when enqueue(running) then pick_next()
    // would return another entity of running's own level (FixedPriority) or queue (RoundRobin), does
    // exactly that in one O(1) splice and returns it; otherwise nullptr with nothing changed (the
    // caller then takes the general enqueue and pick).
    SchedEntity* rotate(SchedEntity& running);
    // One tick of the running (unqueued) entity, accounted by its own policy. true = its slice expired:
    // the kernel switches if anything else is ready (size() > 0), else lets it run a fresh slice.
    bool tick(SchedEntity& running);
    // Whether waking `woken` must preempt `running` now: a FixedPriority entity preempts any
    // RoundRobin one, and a FixedPriority one of strictly lower priority; nothing else preempts.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const;
    // Removes and returns the queued entity best moved to CPU dest: one whose affinity includes dest,
    // the one that would run last here (RoundRobin from its tail towards its head first; then
    // FixedPriority from the lowest non-empty level up, each level from its tail). nullptr when no
    // queued entity may run on dest. O(queued) at worst; the kernel calls it with both CPUs' locks held.
    SchedEntity* steal(unsigned dest);
    std::size_t size() const { return m_size; }  // both policies' entities

    const RoundRobin& round_robin() const { return m_round_robin; }
    const FixedPriority& fixed_priority() const { return m_fixed_priority; }

private:
    SchedPolicy& policy_for(const SchedEntity& e);

    // == m_fixed_priority.size() + m_round_robin.size(), kept so that the tick reads one word.
    std::size_t m_size = 0;
    FixedPriority m_fixed_priority;
    RoundRobin m_round_robin;
};

// Hot paths, inline so the scheduler's switch and tick paths make no calls into this file.
inline void RunQueue::enqueue(SchedEntity& e) {
    if (e.policy == PolicyKind::FixedPriority) m_fixed_priority.enqueue(e);
    else m_round_robin.enqueue(e);  // RoundRobin::enqueue asserts the kind
    ++m_size;
}

inline SchedEntity* RunQueue::pick_next() {
    SchedEntity* e = m_fixed_priority.pick_next();
    if (!e) e = m_round_robin.pick_next();
    if (e) --m_size;
    return e;
}

// The running entity's preconditions (a valid policy, not queued) are checked by tick() at every
// tick; this hot path does not repeat them.
[[gnu::always_inline]] inline SchedEntity* RunQueue::rotate(SchedEntity& running) {
    if (__builtin_expect(running.policy != PolicyKind::RoundRobin, 1))
        return m_fixed_priority.rotate_unchecked(running);
    if (m_fixed_priority.size() != 0) return nullptr;  // a ready FixedPriority entity runs first
    return m_round_robin.rotate_unchecked(running);
}

inline bool RunQueue::tick(SchedEntity& running) {
    if (running.policy == PolicyKind::FixedPriority) return m_fixed_priority.tick(running);
    return m_round_robin.tick(running);  // asserts the kind
}

inline bool RunQueue::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::RoundRobin || running.policy == PolicyKind::FixedPriority);
    KASSERT(woken.policy == PolicyKind::RoundRobin || woken.policy == PolicyKind::FixedPriority);
    if (running.policy != woken.policy) return woken.policy == PolicyKind::FixedPriority;
    if (woken.policy == PolicyKind::FixedPriority) return m_fixed_priority.should_preempt(running, woken);
    return m_round_robin.should_preempt(running, woken);
}

}  // namespace sched
