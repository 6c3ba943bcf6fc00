// sched::TimerQueue: a pairing heap of TimerEntry keyed by (deadline, seq) (see timer_queue.h).
#include "sched/timer_queue.h"

#include "lib/kassert.h"

namespace sched {

// Strict total order (seq is unique), so equal deadlines leave in insertion order.
bool TimerQueue::before(const TimerEntry& a, const TimerEntry& b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
}

// Two detached roots (no prev, no sibling) become one: the later becomes the earlier's leftmost child.
TimerEntry* TimerQueue::meld(TimerEntry* a, TimerEntry* b) {
    if (before(*b, *a)) {
        TimerEntry* t = a;
        a = b;
        b = t;
    }
    b->sibling = a->child;
    if (a->child) a->child->prev = b;
    b->prev = a;
    a->child = b;
    return a;
}

// The standard two-pass merge of a sibling list (the children of a removed node) into one detached
// root, without recursion: pass 1 melds neighbours left to right, pushing each pair's root on a stack
// threaded through `sibling` (so it ends rightmost-first); pass 2 pops it, melding into an accumulator.
TimerEntry* TimerQueue::merge_pairs(TimerEntry* first) {
    TimerEntry* stack = nullptr;
    TimerEntry* cur = first;
    while (cur) {
        TimerEntry* a = cur;
        TimerEntry* b = a->sibling;
        a->prev = a->sibling = nullptr;
        TimerEntry* pair = a;
        if (b) {
            cur = b->sibling;
            b->prev = b->sibling = nullptr;
            pair = meld(a, b);
        } else {
            cur = nullptr;
        }
        pair->sibling = stack;
        stack = pair;
    }
    TimerEntry* result = nullptr;
    while (stack) {
        TimerEntry* next = stack->sibling;
        stack->sibling = nullptr;
        result = result ? meld(stack, result) : stack;
        stack = next;
    }
    return result;
}

void TimerQueue::insert(TimerEntry& e, std::uint64_t deadline) {
    KASSERT(!e.armed);
    e.deadline = deadline;
    e.seq = m_next_seq++;
    e.child = e.sibling = e.prev = nullptr;
    e.queue = this;
    e.armed = true;
    m_root = m_root ? meld(m_root, &e) : &e;
    ++m_size;
}

void TimerQueue::remove(TimerEntry& e) {
    KASSERT(e.armed);
    KASSERT_MSG(e.queue == this, "timer entry armed on another queue");
    if (&e == m_root) {
        m_root = merge_pairs(e.child);
    } else {
        // Unlink e (with its subtree) from its parent's child list: prev is the parent exactly when
        // e is the leftmost child, since a left sibling's own children never include e.
        KASSERT(e.prev != nullptr);
        if (e.prev->child == &e) {
            e.prev->child = e.sibling;
        } else {
            e.prev->sibling = e.sibling;
        }
        if (e.sibling) e.sibling->prev = e.prev;
        // e's children are all later than e's ancestors, so their merged subtree may rejoin at the root.
        if (TimerEntry* sub = merge_pairs(e.child)) m_root = meld(m_root, sub);
    }
    e.child = e.sibling = e.prev = nullptr;
    e.queue = nullptr;
    e.armed = false;
    --m_size;
}

TimerEntry* TimerQueue::pop_expired(std::uint64_t now) {
    TimerEntry* e = m_root;
    if (!e || e->deadline > now) return nullptr;
    remove(*e);
    return e;
}

bool TimerQueue::earliest(std::uint64_t& out) const {
    if (!m_root) return false;
    out = m_root->deadline;
    return true;
}

}  // namespace sched
