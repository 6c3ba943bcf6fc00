// sched::FixedPriority: bitmap-indexed priority levels, FIFO within a level (see priority_policy.h).
#include "sched/priority_policy.h"

#include <bit>

#include "lib/kassert.h"

namespace sched {

FixedPriority::FixedPriority(std::uint32_t quantum) : m_quantum(quantum) { KASSERT(quantum >= 1); }

void FixedPriority::enqueue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::FixedPriority);
    KASSERT(e.priority <= kMaxPriority);
    KASSERT(!e.queued);
    if (e.quantum_left == 0) e.quantum_left = m_quantum;
    m_levels[e.priority].push_back(e.run_link);
    m_bitmap |= 1u << e.priority;
    ++m_size;
    e.queued = true;
}

void FixedPriority::dequeue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::FixedPriority);
    KASSERT(e.priority <= kMaxPriority);
    KASSERT(e.queued);
    // A set bit is the cheap evidence that e's level is the one it was queued on (priority is not
    // supposed to change while queued); a clear one proves it was not.
    KASSERT_MSG(m_bitmap & (1u << e.priority), "priority changed while queued");
    lib::IntrusiveList& level = m_levels[e.priority];
    level.remove(e.run_link);
    if (level.empty()) m_bitmap &= ~(1u << e.priority);
    --m_size;
    e.queued = false;
}

SchedEntity* FixedPriority::pick_next() {
    if (m_bitmap == 0) return nullptr;
    // Highest set bit = highest non-empty level; no scan over levels or entities.
    const unsigned top = static_cast<unsigned>(std::bit_width(m_bitmap)) - 1;
    lib::IntrusiveList& level = m_levels[top];
    lib::ListNode* n = level.pop_front();
    KASSERT(n != nullptr);  // the bitmap said the level was non-empty
    if (level.empty()) m_bitmap &= ~(1u << top);
    --m_size;
    SchedEntity* e = entity_of(n);
    e->queued = false;
    return e;
}

bool FixedPriority::tick(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::FixedPriority);
    KASSERT(running.priority <= kMaxPriority);
    KASSERT(!running.queued);
    return detail::account_tick(running, m_quantum);
}

bool FixedPriority::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::FixedPriority);
    KASSERT(woken.policy == PolicyKind::FixedPriority);
    KASSERT(running.priority <= kMaxPriority);
    KASSERT(woken.priority <= kMaxPriority);
    return woken.priority > running.priority;
}

std::size_t FixedPriority::level_size(std::uint8_t priority) const {
    KASSERT(priority <= kMaxPriority);
    return m_levels[priority].size();
}

}  // namespace sched
