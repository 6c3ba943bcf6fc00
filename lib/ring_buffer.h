// A fixed-size single-producer/single-consumer queue (the UART interrupt produces, a task consumes).
// Lock-free for exactly one producer and one consumer; more of either need an outside lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

namespace lib {

template <typename T, std::size_t N>
class RingBuffer {
    static_assert(N > 0 && (N & (N - 1)) == 0, "RingBuffer capacity must be a power of two");
    static_assert(std::is_default_constructible_v<T>, "slots are default-constructed up front");
    static_assert(std::atomic<std::size_t>::is_always_lock_free, "an interrupt handler may not spin on a lock");

public:
    constexpr RingBuffer() = default;
    RingBuffer(const RingBuffer&) = delete;
    RingBuffer& operator=(const RingBuffer&) = delete;

    // Producer side only. Returns false when full; never overwrites unread data.
    bool push(const T& value) {
        std::size_t head = m_head.load(std::memory_order_relaxed);  // only we write m_head
        // Acquire pairs with pop's release of m_tail: the consumer has finished reading the slot we
        // are about to overwrite before we see it as free.
        std::size_t tail = m_tail.load(std::memory_order_acquire);
        if (head - tail == N) return false;
        m_slots[head & kMask] = value;
        // Release publishes the slot contents before the consumer can see the new head.
        m_head.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer side only. Returns false when empty (out is untouched).
    bool pop(T& out) {
        std::size_t tail = m_tail.load(std::memory_order_relaxed);  // only we write m_tail
        // Acquire pairs with push's release of m_head: the slot's contents are visible.
        std::size_t head = m_head.load(std::memory_order_acquire);
        if (head == tail) return false;
        out = m_slots[tail & kMask];
        // Release: our read of the slot completes before the producer may reuse it.
        m_tail.store(tail + 1, std::memory_order_release);
        return true;
    }

    // Exact when called from the producer or the consumer with the other side idle; otherwise a
    // snapshot that may already be stale, but always within [0, N].
    std::size_t size() const {
        // Tail first: head only grows, so the later head read is never behind it. The other side may
        // have moved in between, so clamp.
        std::size_t tail = m_tail.load(std::memory_order_acquire);
        std::size_t head = m_head.load(std::memory_order_acquire);
        std::size_t n = head - tail;
        return n > N ? N : n;
    }
    bool empty() const { return size() == 0; }
    bool full() const { return size() == N; }
    static constexpr std::size_t capacity() { return N; }

private:
    static constexpr std::size_t kMask = N - 1;

    // Free-running counters, reduced modulo N only to index: head - tail is the fill level even after
    // they wrap, and head == tail (empty) is distinct from head - tail == N (full) without a spare slot.
    std::atomic<std::size_t> m_head{0};  // next slot to write; written by the producer only
    std::atomic<std::size_t> m_tail{0};  // next slot to read; written by the consumer only
    T m_slots[N]{};
};

}  // namespace lib
