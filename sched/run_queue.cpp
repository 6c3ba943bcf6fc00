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

SchedEntity* RunQueue::steal(unsigned dest) {
    const auto allowed = [dest](lib::ListNode* n) { return (entity_of(n)->affinity & cpu_bit(dest)) != 0; };
    const lib::IntrusiveList& rr = m_round_robin.m_queue;
    for (lib::ListNode* n = rr.back(); n && n != rr.end(); n = n->prev) {
        if (!allowed(n)) continue;
        SchedEntity* e = entity_of(n);
        dequeue(*e);
        return e;
    }
    for (unsigned level = 0; level < kPriorityLevels; ++level) {
        if (!(m_fixed_priority.level_bitmap() & (1u << level))) continue;
        const lib::IntrusiveList& l = m_fixed_priority.m_levels[level].list;
        for (lib::ListNode* n = l.back(); n && n != l.end(); n = n->prev) {
            if (!allowed(n)) continue;
            SchedEntity* e = entity_of(n);
            dequeue(*e);
            return e;
        }
    }
    return nullptr;
}

void RunQueue::dequeue(SchedEntity& e) {
    policy_for(e).dequeue(e);
    --m_size;
}

}  // namespace sched
