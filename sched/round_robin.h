// sched::RoundRobin: one FIFO of Ready entities, each running for a slice of N ticks before it goes
// to the back. Every operation is O(1) (an intrusive list through SchedEntity::run_link) and never
// allocates. Not synchronised: callers hold the run-queue lock with IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
#include "sched/policy.h"

namespace sched {

class RoundRobin final : public SchedPolicy {
public:
    // quantum: slice length in ticks, at least 1.
    explicit RoundRobin(std::uint32_t quantum = 1);
    RoundRobin(const RoundRobin&) = delete;
    RoundRobin& operator=(const RoundRobin&) = delete;

    void enqueue(SchedEntity& e) override;
    void dequeue(SchedEntity& e) override;
    SchedEntity* pick_next() override;
    bool tick(SchedEntity& running) override;
    // Never: a woken round-robin entity waits for the running one's slice to end.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const override;
    std::size_t size() const override { return m_queue.size(); }
    const char* name() const override { return "round-robin"; }

    std::uint32_t quantum() const { return m_quantum; }

private:
    lib::IntrusiveList m_queue;  // head = next to run
    std::uint32_t m_quantum;
};

}  // namespace sched
