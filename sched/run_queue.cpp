// sched::RunQueue: dispatch to the entity's policy, FixedPriority first (see run_queue.h).
#include "sched/run_queue.h"

#include "lib/kassert.h"

namespace sched {

RunQueue::RunQueue(std::uint32_t round_robin_quantum, std::uint32_t fixed_priority_quantum)
    : m_fixed_priority(fixed_priority_quantum), m_round_robin(round_robin_quantum) {}

SchedPolicy& RunQueue::policy_for(const SchedEntity& e) {
    switch (e.policy) {
    case PolicyKind::RoundRobin: return m_round_robin;
    case PolicyKind::FixedPriority: return m_fixed_priority;
    }
    KASSERT_MSG(false, "unknown PolicyKind");
    __builtin_unreachable();
}

void RunQueue::enqueue(SchedEntity& e) { policy_for(e).enqueue(e); }

void RunQueue::dequeue(SchedEntity& e) { policy_for(e).dequeue(e); }

SchedEntity* RunQueue::pick_next() {
    if (SchedEntity* e = m_fixed_priority.pick_next()) return e;
    return m_round_robin.pick_next();
}

bool RunQueue::tick(SchedEntity& running) { return policy_for(running).tick(running); }

bool RunQueue::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::RoundRobin || running.policy == PolicyKind::FixedPriority);
    KASSERT(woken.policy == PolicyKind::RoundRobin || woken.policy == PolicyKind::FixedPriority);
    if (running.policy != woken.policy) return woken.policy == PolicyKind::FixedPriority;
    if (woken.policy == PolicyKind::FixedPriority) return m_fixed_priority.should_preempt(running, woken);
    return m_round_robin.should_preempt(running, woken);
}

}  // namespace sched
