// sched::FixedPriority: 32 priority levels (31 highest), round-robin with a fixed slice inside a level.
// Every operation is O(1) and never allocates: a FIFO per level plus a bitmap of the non-empty levels,
// so the highest ready level is one count-leading-zeros away. Not synchronised: callers hold the
// run-queue lock with IRQs masked.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
#include "lib/kassert.h"
#include "sched/policy.h"

namespace sched {

class FixedPriority final : public SchedPolicy {
public:
    // quantum: slice length in ticks within a level, at least 1.
    explicit FixedPriority(std::uint32_t quantum = 1);
    FixedPriority(const FixedPriority&) = delete;
    FixedPriority& operator=(const FixedPriority&) = delete;

    void enqueue(SchedEntity& e) override;
    void dequeue(SchedEntity& e) override;
    SchedEntity* pick_next() override;
    bool tick(SchedEntity& running) override;
    // Only a strictly higher priority preempts; equals wait for the running slice to end.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const override;
    // From the lowest non-empty level up, each level from its tail towards its head: the first entity
    // allowed on dest (the lowest priority, and the last of its level to run here).
    SchedEntity* steal(unsigned dest) override;
    std::size_t size() const override { return m_size; }
    const char* name() const override { return "fixed-priority"; }

    std::uint32_t quantum() const { return m_quantum; }

    // Yield's fast path: if the highest non-empty level is running's own, running (unqueued) goes to
    // that level's tail and its head is removed and returned, exactly as enqueue(running) then
    // pick_next(); otherwise (a higher level is ready, or nothing at running's level) nullptr and no change.
    SchedEntity* rotate(SchedEntity& running);
    // Bit p set <=> level p has a queued entity (exposed for diagnostics and the invariant tests).
    std::uint32_t level_bitmap() const { return m_bitmap; }
    std::size_t level_size(std::uint8_t priority) const;

private:
    friend class RunQueue;  // its switch path calls rotate_unchecked()
    static_assert(kPriorityLevels == 32, "the non-empty-level bitmap is one 32-bit word");

    // rotate() without its precondition checks, for RunQueue (which checks them at every tick).
    SchedEntity* rotate_unchecked(SchedEntity& running);

    // One level's FIFO, padded to a power of two so that indexing is a shift (the switch path).
    struct alignas(32) Level {
        lib::IntrusiveList list;
    };

    // Invariant: bit p of m_bitmap == !m_levels[p].list.empty(); m_size == sum of the level sizes.
    std::array<Level, kPriorityLevels> m_levels;
    std::uint32_t m_bitmap = 0;
    std::size_t m_size = 0;
    std::uint32_t m_quantum;
};

// Hot paths, inline so the scheduler's switch and tick paths make no calls into this file (and the
// policy-kind checks fold away behind RunQueue's dispatch).
inline void FixedPriority::enqueue(SchedEntity& e) {
    KASSERT(e.policy == PolicyKind::FixedPriority);
    KASSERT(e.priority <= kMaxPriority);
    KASSERT(!e.queued);
    if (e.quantum_left == 0) e.quantum_left = m_quantum;
    m_levels[e.priority].list.push_back(e.run_link);
    m_bitmap |= 1u << e.priority;
    ++m_size;
    e.queued = true;
}

inline SchedEntity* FixedPriority::pick_next() {
    if (m_bitmap == 0) return nullptr;
    // Highest set bit = highest non-empty level; no scan over levels or entities.
    const unsigned top = static_cast<unsigned>(std::bit_width(m_bitmap)) - 1;
    lib::IntrusiveList& level = m_levels[top].list;
    lib::ListNode* n = level.pop_front();
    KASSERT(n != nullptr);  // the bitmap said the level was non-empty
    if (level.empty()) m_bitmap &= ~(1u << top);
    --m_size;
    SchedEntity* e = entity_of(n);
    e->queued = false;
    return e;
}

inline SchedEntity* FixedPriority::rotate(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::FixedPriority);
    KASSERT(!running.queued);
    return rotate_unchecked(running);
}

// A spent slice (quantum_left == 0) stays 0 here, unlike enqueue(): account_tick() refills it on the
// next tick, which gives the same slice length.
[[gnu::always_inline]] inline SchedEntity* FixedPriority::rotate_unchecked(SchedEntity& running) {
    // The top level is running's own: bit `priority` is the highest one set. A priority of 32 to 63
    // (out of range) matches nothing: the 64-bit shift leaves 0.
    if ((std::uint64_t{m_bitmap} >> running.priority) != 1) return nullptr;
    running.queued = true;
    SchedEntity* e = entity_of(detail::rotate_head(m_levels[running.priority].list, running.run_link));
    e->queued = false;
    return e;
}

inline bool FixedPriority::tick(SchedEntity& running) {
    KASSERT(running.policy == PolicyKind::FixedPriority);
    KASSERT(running.priority <= kMaxPriority);
    KASSERT(!running.queued);
    return detail::account_tick(running, m_quantum);
}

inline bool FixedPriority::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    KASSERT(running.policy == PolicyKind::FixedPriority);
    KASSERT(woken.policy == PolicyKind::FixedPriority);
    KASSERT(running.priority <= kMaxPriority);
    KASSERT(woken.priority <= kMaxPriority);
    return woken.priority > running.priority;
}

}  // namespace sched
