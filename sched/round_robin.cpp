// sched::RoundRobin: FIFO policy with a fixed time slice (see round_robin.h).
#include "sched/round_robin.h"

#include "lib/kassert.h"

namespace sched {

RoundRobin::RoundRobin(std::uint32_t quantum) : m_quantum(quantum) { KASSERT(quantum >= 1); }

void RoundRobin::enqueue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::RoundRobin);
    KASSERT(!e.queued);
    if (e.quantum_left == 0) e.quantum_left = m_quantum;
    m_queue.push_back(e.run_link);
    e.queued = true;
}

void RoundRobin::dequeue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::RoundRobin);
    KASSERT(e.queued);
    m_queue.remove(e.run_link);
    e.queued = false;
}

SchedEntity* RoundRobin::pick_next() {
    lib::ListNode* n = m_queue.pop_front();
    if (!n) return nullptr;
    SchedEntity* e = entity_of(n);
    e->queued = false;
    return e;
}

bool RoundRobin::tick(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::RoundRobin);
    KASSERT(!running.queued);
    return detail::account_tick(running, m_quantum);
}

bool RoundRobin::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::RoundRobin);
    KASSERT(woken.policy == PolicyKind::RoundRobin);
    return false;
}

}  // namespace sched
