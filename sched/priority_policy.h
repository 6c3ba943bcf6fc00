// sched::FixedPriority: 32 priority levels (31 highest), round-robin with a fixed slice inside a level.
// Every operation is O(1) and never allocates: a FIFO per level plus a bitmap of the non-empty levels,
// so the highest ready level is one count-leading-zeros away. Not synchronised: callers hold the
// run-queue lock with IRQs masked.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
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
    std::size_t size() const override { return m_size; }
    const char* name() const override { return "fixed-priority"; }

    std::uint32_t quantum() const { return m_quantum; }
    // Bit p set <=> level p has a queued entity (exposed for diagnostics and the invariant tests).
    std::uint32_t level_bitmap() const { return m_bitmap; }
    std::size_t level_size(std::uint8_t priority) const;

private:
    static_assert(kPriorityLevels == 32, "the non-empty-level bitmap is one 32-bit word");

    // Invariant: bit p of m_bitmap == !m_levels[p].empty(); m_size == sum of the level sizes.
    std::array<lib::IntrusiveList, kPriorityLevels> m_levels;
    std::uint32_t m_bitmap = 0;
    std::size_t m_size = 0;
    std::uint32_t m_quantum;
};

}  // namespace sched
