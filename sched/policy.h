// sched::SchedPolicy: the interface every scheduling policy implements (queue of Ready entities plus
// time-slice accounting). Policies are not synchronised: the kernel calls them with its run-queue
// lock held and IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"
#include "sched/sched_entity.h"

namespace sched {

class SchedPolicy {
public:
    // Queue a Ready entity at the tail of its level; a spent slice (quantum_left == 0) is refilled.
    virtual void enqueue(SchedEntity& e) = 0;
    // Remove a queued entity from wherever it sits (a ready task being killed, or re-prioritised).
    virtual void dequeue(SchedEntity& e) = 0;
    // Remove and return the entity to run next, or nullptr when the policy has nothing ready.
    virtual SchedEntity* pick_next() = 0;
    // Account one timer tick to the running (unqueued) entity; true when its slice has just expired.
    // An entity kept running past expiry (nothing else was ready) starts a fresh slice on its next tick.
    virtual bool tick(SchedEntity& running) = 0;
    // Whether waking `woken` should preempt `running` right away (both of this policy).
    virtual bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const = 0;
    // Migration: remove and return the queued entity best given away to CPU dest, one whose affinity
    // includes dest and that would run last here (the policy's own order); nullptr when none may go.
    // O(queued) at worst: balancing only, never the switch or tick path.
    virtual SchedEntity* steal(unsigned dest) = 0;
    virtual std::size_t size() const = 0;
    virtual const char* name() const = 0;

protected:
    // Non-virtual and protected: nobody deletes a policy through this interface, and a virtual
    // destructor would drag operator delete into the freestanding kernel.
    ~SchedPolicy() = default;
};

namespace detail {
// The slice accounting both policies share: count down; 0 left means expired. A slice already spent
// (the entity kept the CPU because nothing else was ready) restarts here rather than underflowing.
inline bool account_tick(SchedEntity& running, std::uint32_t quantum) {
    if (running.quantum_left == 0) running.quantum_left = quantum;
    --running.quantum_left;
    return running.quantum_left == 0;
}

// The yield fast path on a non-empty list: unlinks and returns the head and links `tail` (on no
// list) at the back, in one splice with the size unchanged: pop_front() then push_back(tail)
// without their bookkeeping. IntrusiveList is a ring through its sentinel, end(); the list is not
// const, so neither is its sentinel.
[[gnu::always_inline]] inline lib::ListNode* rotate_head(lib::IntrusiveList& list, lib::ListNode& tail) {
    auto* sentinel = const_cast<lib::ListNode*>(list.end());
    lib::ListNode* head = sentinel->next;
    lib::ListNode* second = head->next;
    sentinel->next = second;
    second->prev = sentinel;
    lib::ListNode* last = sentinel->prev;  // head itself was the only node: the sentinel now
    tail.prev = last;
    tail.next = sentinel;
    last->next = &tail;
    sentinel->prev = &tail;
    head->prev = head->next = nullptr;  // unlinked, as IntrusiveList::remove leaves it
    return head;
}
}  // namespace detail

}  // namespace sched
