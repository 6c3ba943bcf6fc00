// sched::SchedEntity: the scheduling state the kernel embeds in each Task (its run-queue link, policy,
// priority and remaining time slice). Plain data: the policies own its meaning; nothing here locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/intrusive_list.h"

namespace sched {

enum class PolicyKind : std::uint8_t { RoundRobin, FixedPriority };

// CPUs: logical numbers 0 (the boot CPU) .. kMaxCpus - 1, in device-tree order; a mask has bit n
// set for CPU n.
inline constexpr unsigned kMaxCpus = 8;
using CpuMask = std::uint32_t;
inline constexpr CpuMask kAllCpus = (CpuMask{1} << kMaxCpus) - 1;
inline constexpr CpuMask cpu_bit(unsigned cpu) { return CpuMask{1} << cpu; }

// FixedPriority levels: 0 (lowest) .. kMaxPriority (highest); one bit per level in a 32-bit bitmap.
inline constexpr std::uint8_t kMaxPriority = 31;
inline constexpr std::size_t kPriorityLevels = kMaxPriority + 1;

// Lifecycle: a Ready entity is queued (run_link on exactly one policy's list, queued == true); the
// running entity and blocked ones are not. policy and priority may only change while not queued
// (the queue an entity sits on is derived from them), which the policies' dequeue cannot check.
struct SchedEntity {
    lib::ListNode run_link;  // on a policy's queue while Ready
    PolicyKind policy = PolicyKind::RoundRobin;
    std::uint8_t priority = 0;       // FixedPriority: 0..kMaxPriority, higher runs first
    std::uint32_t quantum_left = 0;  // ticks left in the current slice; 0 = spent (refilled on enqueue)
    bool queued = false;
    CpuMask affinity = kAllCpus;     // the CPUs it may run on (never empty); changed with its CPU's lock
};

static_assert(!std::is_polymorphic_v<SchedEntity>);
static_assert(std::is_standard_layout_v<SchedEntity>);

// The entity owning a queued run_link (the policies' lists hold nodes, not entities).
inline SchedEntity* entity_of(lib::ListNode* node) {
    return lib::list_entry<SchedEntity, &SchedEntity::run_link>(node);
}

}  // namespace sched
