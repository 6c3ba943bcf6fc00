// sched::RoundRobin: FIFO policy with a fixed time slice (see round_robin.h).
#include "sched/round_robin.h"

#include "lib/kassert.h"

namespace sched {

RoundRobin::RoundRobin(std::uint32_t quantum) : m_quantum(quantum) { KASSERT(quantum >= 1); }

void RoundRobin::dequeue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::RoundRobin);
    KASSERT(e.queued);
    m_queue.remove(e.run_link);
    e.queued = false;
}

SchedEntity* RoundRobin::steal(unsigned dest) {
    KASSERT(dest < kMaxCpus);
    const CpuMask bit = cpu_bit(dest);
    // The list is a ring through its sentinel, end(): walk prev from the tail until it comes round.
    for (lib::ListNode* n = m_queue.end()->prev; n != m_queue.end(); n = n->prev) {
        SchedEntity* e = entity_of(n);
        if (!(e->affinity & bit)) continue;
        m_queue.remove(*n);
        e->queued = false;
        return e;
    }
    return nullptr;
}

}  // namespace sched
