// sched::FixedPriority: bitmap-indexed priority levels, FIFO within a level (see priority_policy.h).
#include "sched/priority_policy.h"

#include <bit>

#include "lib/kassert.h"

namespace sched {

FixedPriority::FixedPriority(std::uint32_t quantum) : m_quantum(quantum) { KASSERT(quantum >= 1); }

void FixedPriority::dequeue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::FixedPriority);
    KASSERT(e.priority <= kMaxPriority);
    KASSERT(e.queued);
    // A set bit is the cheap evidence that e's level is the one it was queued on (priority is not
    // supposed to change while queued); a clear one proves it was not.
    KASSERT_MSG(m_bitmap & (1u << e.priority), "priority changed while queued");
    lib::IntrusiveList& level = m_levels[e.priority].list;
    level.remove(e.run_link);
    if (level.empty()) m_bitmap &= ~(1u << e.priority);
    --m_size;
    e.queued = false;
}

SchedEntity* FixedPriority::steal(unsigned dest) {
    KASSERT(dest < kMaxCpus);
    const CpuMask bit = cpu_bit(dest);
    // Lowest set bit first: only the non-empty levels are visited.
    for (std::uint32_t levels = m_bitmap; levels != 0; levels &= levels - 1) {
        const auto p = static_cast<unsigned>(std::countr_zero(levels));
        lib::IntrusiveList& level = m_levels[p].list;
        for (lib::ListNode* n = level.end()->prev; n != level.end(); n = n->prev) {
            SchedEntity* e = entity_of(n);
            if (!(e->affinity & bit)) continue;
            level.remove(*n);
            if (level.empty()) m_bitmap &= ~(1u << p);
            --m_size;
            e->queued = false;
            return e;
        }
    }
    return nullptr;
}

std::size_t FixedPriority::level_size(std::uint8_t priority) const {
    KASSERT(priority <= kMaxPriority);
    return m_levels[priority].list.size();
}

}  // namespace sched
