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

}  // namespace sched
