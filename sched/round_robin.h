// sched::RoundRobin: one FIFO of Ready entities, each running for a slice of N ticks before it goes
// to the back. Every operation is O(1) (an intrusive list through SchedEntity::run_link) and never
// allocates. Not synchronised: callers hold the run-queue lock with IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
#include "lib/kassert.h"
#include "sched/policy.h"

namespace sched {

class RoundRobin final : public SchedPolicy {
public:
    // quantum: slice length in ticks, at least 1.
    explicit RoundRobin(std::uint32_t quantum = 1);
    RoundRobin(const RoundRobin&) = delete;
    RoundRobin& operator=(const RoundRobin&) = delete;

    void enqueue(SchedEntity& e) override;
    void dequeue(SchedEntity& e) override;
    SchedEntity* pick_next() override;
    bool tick(SchedEntity& running) override;
    // Never: a woken round-robin entity waits for the running one's slice to end.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const override;
    // From the tail towards the head: the first entity allowed on dest (the one that waits longest here).
    SchedEntity* steal(unsigned dest) override;
    std::size_t size() const override { return m_queue.size(); }
    const char* name() const override { return "round-robin"; }

    std::uint32_t quantum() const { return m_quantum; }

    // Yield's fast path: if anything is queued, `running` (unqueued) goes to the tail and the head is
    // removed and returned, exactly as enqueue(running) then pick_next(); otherwise nullptr and no change.
    SchedEntity* rotate(SchedEntity& running);

private:
    friend class RunQueue;  // its switch path calls rotate_unchecked()

    // rotate() without its precondition checks, for RunQueue (which checks them at every tick).
    SchedEntity* rotate_unchecked(SchedEntity& running);

    lib::IntrusiveList m_queue;  // head = next to run
    std::uint32_t m_quantum;
};

// Hot paths, inline so the scheduler's switch and tick paths make no calls into this file (and the
// policy-kind checks fold away behind RunQueue's dispatch).
inline void RoundRobin::enqueue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::RoundRobin);
    KASSERT(!e.queued);
    if (e.quantum_left == 0) e.quantum_left = m_quantum;
    m_queue.push_back(e.run_link);
    e.queued = true;
}

inline SchedEntity* RoundRobin::pick_next() {
    lib::ListNode* n = m_queue.pop_front();
    if (!n) return nullptr;
    SchedEntity* e = entity_of(n);
    e->queued = false;
    return e;
}

inline SchedEntity* RoundRobin::rotate(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::RoundRobin);
    KASSERT(!running.queued);
    return rotate_unchecked(running);
}

// A spent slice (quantum_left == 0) stays 0 here, unlike enqueue(): account_tick() refills it on the
// next tick, which gives the same slice length.
[[gnu::always_inline]] inline SchedEntity* RoundRobin::rotate_unchecked(SchedEntity& running) {
    if (m_queue.empty()) return nullptr;
    running.queued = true;
    SchedEntity* e = entity_of(detail::rotate_head(m_queue, running.run_link));
    e->queued = false;
    return e;
}

inline bool RoundRobin::tick(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::RoundRobin);
    KASSERT(!running.queued);
    return detail::account_tick(running, m_quantum);
}

inline bool RoundRobin::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::RoundRobin);
    KASSERT(woken.policy == PolicyKind::RoundRobin);
    return false;
}

}  // namespace sched
