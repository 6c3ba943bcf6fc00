// sched::TimerQueue: armed timed wake-ups (sleepers, timeouts) ordered by deadline, FIFO among equal
// deadlines. Intrusive and allocation-free; not synchronised: the kernel holds the timer-queue lock
// with IRQs masked (the timer IRQ pops from it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace sched {

class TimerQueue;

// Embedded in whatever waits (a Task, a timeout object); recover the owner with timer_entry_owner().
// The link fields belong to the queue while armed; read only deadline and armed.
struct TimerEntry {
    std::uint64_t deadline = 0;  // absolute, in the kernel's timer ticks (counter units)
    // Pairing-heap links (see TimerQueue).
    TimerEntry* child = nullptr;    // leftmost child
    TimerEntry* sibling = nullptr;  // next sibling to the right
    TimerEntry* prev = nullptr;     // left sibling, or the parent when leftmost; nullptr at the root
    std::uint64_t seq = 0;          // insertion number: breaks deadline ties first-in first-out
    const TimerQueue* queue = nullptr;  // the queue it is armed on, so remove() catches a wrong one
    bool armed = false;
};

static_assert(!std::is_polymorphic_v<TimerEntry>);
static_assert(std::is_standard_layout_v<TimerEntry>);

// container_of for an embedded TimerEntry, as lib::list_entry does for list nodes:
//   Task* t = sched::timer_entry_owner<Task, &Task::timer>(entry);
template <typename T, TimerEntry T::*Member>
T* timer_entry_owner(TimerEntry* entry) {
    const auto offset = reinterpret_cast<std::size_t>(&(static_cast<T*>(nullptr)->*Member));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(entry) - offset);
}

// Structure: a pairing heap over the entries themselves, keyed by (deadline, seq). Why: with ~1,000
// sleepers a sorted list costs a 1,000-node walk per sleep() under an IRQ-masked lock, and a binary
// heap needs an array of fixed capacity (we cannot allocate). A pairing heap is pointer-linked, so it
// is unbounded and intrusive, and its costs fit how a timer queue is used:
//   insert               O(1)            (a meld with the root)
//   earliest, size       O(1)
//   pop_expired, remove  O(log n) amortised: detaching is O(1), then the removed node's children are
//                        merged in two passes. One call can cost O(n) (the first pop after n inserts
//                        links n roots), but that work flattens the heap for the pops that follow.
// Merging is iterative, so no call recurses on the kernel stack. seq is a 64-bit counter: it does not
// wrap in the life of the system (2^64 inserts).
class TimerQueue {
public:
    TimerQueue() = default;
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;

    // Arm e to fire at `deadline`. e must not be armed (on any queue).
    void insert(TimerEntry& e, std::uint64_t deadline);
    // Cancel an armed entry of this queue (a killed sleeper, a satisfied timeout).
    void remove(TimerEntry& e);
    // Disarm and return the earliest entry whose deadline is <= now (ties in insertion order), or
    // nullptr if none has expired. The timer IRQ loops on this until nullptr.
    TimerEntry* pop_expired(std::uint64_t now);
    // The earliest deadline, for programming the one-shot timer; false (out untouched) when empty.
    [[nodiscard]] bool earliest(std::uint64_t& out) const;
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

private:
    static bool before(const TimerEntry& a, const TimerEntry& b);
    static TimerEntry* meld(TimerEntry* a, TimerEntry* b);
    static TimerEntry* merge_pairs(TimerEntry* first);

    // Invariant: every entry is no earlier (by before()) than its parent; m_root is the earliest.
    TimerEntry* m_root = nullptr;
    std::size_t m_size = 0;
    std::uint64_t m_next_seq = 0;
};

}  // namespace sched
