// A circular doubly-linked intrusive list: the node lives inside the element, so insertion and removal
// are O(1) and never allocate (safe in interrupt context). Not synchronised: the owner's lock guards it.
#pragma once

#include <cstddef>

#include "lib/kassert.h"

namespace lib {

struct ListNode {
    ListNode* prev = nullptr;
    ListNode* next = nullptr;

    // A node is linked iff its pointers are set; unlink() resets them so double removal is caught.
    bool linked() const { return next != nullptr; }
};

// Recover the element from its embedded node: container_of without offsetof on non-standard types.
template <typename T, ListNode T::*Member>
T* list_entry(ListNode* node) {
    const auto offset = reinterpret_cast<std::size_t>(&(static_cast<T*>(nullptr)->*Member));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
}

class IntrusiveList {
public:
    IntrusiveList() { m_head.prev = m_head.next = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return m_head.next == &m_head; }
    std::size_t size() const { return m_size; }
    ListNode* front() const { return empty() ? nullptr : m_head.next; }
    ListNode* back() const { return empty() ? nullptr : m_head.prev; }

    void push_back(ListNode& n) { insert_between(n, m_head.prev, &m_head); }
    void push_front(ListNode& n) { insert_between(n, &m_head, m_head.next); }

    void remove(ListNode& n) {
        KASSERT(n.linked());
        n.prev->next = n.next;
        n.next->prev = n.prev;
        n.prev = n.next = nullptr;
        --m_size;
    }

    ListNode* pop_front() {
        ListNode* n = front();
        if (n) remove(*n);
        return n;
    }

    // Iteration: for (ListNode* n = l.first(); n != l.end(); n = n->next)
    ListNode* first() const { return m_head.next; }
    const ListNode* end() const { return &m_head; }

private:
    void insert_between(ListNode& n, ListNode* prev, ListNode* next) {
        KASSERT(!n.linked());
        n.prev = prev;
        n.next = next;
        prev->next = &n;
        next->prev = &n;
        ++m_size;
    }

    ListNode m_head;
    std::size_t m_size = 0;
};

}  // namespace lib
