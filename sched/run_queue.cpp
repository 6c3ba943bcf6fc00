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

void RunQueue::dequeue(SchedEntity& e) {
    policy_for(e).dequeue(e);
    --m_size;
}

// Out of line: balancing is rare, and the hot paths above stay as they were.
SchedEntity* RunQueue::steal(unsigned dest) {
    KASSERT(dest < kMaxCpus);
    // Round robin runs after every fixed-priority level, so its tail is what would run last here.
    SchedEntity* e = m_round_robin.steal(dest);
    if (!e) e = m_fixed_priority.steal(dest);
    if (e) --m_size;
    return e;
}

}  // namespace sched
