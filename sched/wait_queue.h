// Wait queues and the sleeping locks built on them. A waiter blocks until woken; conditions are
// re-checked by the caller's loop (wake-ups may be spurious, e.g. after a kill).
#pragma once

#include "arch/aarch64/spinlock.h"
#include "lib/intrusive_list.h"
#include "sched/task.h"

namespace sched {

class WaitQueue {
public:
    WaitQueue() : m_lock(&m_own_lock) {}
    // A queue guarded by a lock it shares (with other queues, over one object's state): the waiters
    // of each queue wait for a condition on that state, and one hold of the lock can change the state
    // and take the waiter that can now proceed off whichever queue. The lock must outlive the queue.
    explicit WaitQueue(arch::SpinLock& shared) : m_lock(&shared) {}
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Blocks the caller until cond() is true (checked under the queue's lock, so a wake between
    // the check and the sleep is never lost). Must not be called from interrupt context.
    template <typename F>
    void wait_until(F&& cond) {
        for (;;) {
            const std::uint64_t daif = arch::irq_save();
            m_lock->lock();
            if (cond()) {
                m_lock->unlock();
                arch::irq_restore(daif);
                return;
            }
            sleep_locked();  // releases the lock; returns after a wake-up with IRQs still masked
            arch::irq_restore(daif);
        }
    }
    // Runs fn() under the queue's lock (IRQs masked): state that waiters' conditions read.
    template <typename F>
    auto with_lock(F&& fn) {
        arch::IrqSpinGuard g(*m_lock);
        return fn();
    }
    void wake_one();
    void wake_all();
    bool empty();

    // For callers that hold the queue's lock themselves (IRQs masked) around their own state.
    arch::SpinLock& lock() { return *m_lock; }
    // Lock held, IRQs masked: blocks the caller; the lock is released once it is queued and marked
    // blocked (a waker cannot miss it). Returns after a wake-up (or a kill), IRQs still masked, the
    // lock not held.
    void sleep_locked();
    // Lock held: takes the first waiter off the queue (nullptr if none). The caller wakes it with
    // sched::wake() once the lock is released.
    Task* pop_locked() {
        lib::ListNode* n = m_waiters.pop_front();
        return n ? lib::list_entry<Task, &Task::wait_link>(n) : nullptr;
    }
    bool empty_locked() const { return m_waiters.empty(); }

    // Used by the scheduler when a blocked task is killed.
    void remove(Task* t);

private:
    arch::SpinLock m_own_lock;      // the lock, unless the queue shares another
    arch::SpinLock* m_lock;         // guards m_waiters
    lib::IntrusiveList m_waiters;   // Task::wait_link, FIFO
};

// A sleeping mutex: blocks instead of spinning; FIFO hand-off. Not recursive; not for IRQ context.
class Mutex {
public:
    void lock();
    bool try_lock();
    void unlock();
    Task* owner() const { return m_owner; }

private:
    Task* m_owner = nullptr;  // guarded by m_waiters' lock
    WaitQueue m_waiters;
};

class [[nodiscard]] MutexGuard {
public:
    explicit MutexGuard(Mutex& m) : m_mutex(m) { m_mutex.lock(); }
    ~MutexGuard() { m_mutex.unlock(); }
    MutexGuard(const MutexGuard&) = delete;
    MutexGuard& operator=(const MutexGuard&) = delete;

private:
    Mutex& m_mutex;
};

// A counting semaphore. down() blocks while the count is 0; up() may be called from IRQ context.
class Semaphore {
public:
    explicit Semaphore(long initial = 0) : m_count(initial) {}
    void down();
    bool try_down();
    void up();
    long count() const { return m_count; }

private:
    long m_count;             // guarded by m_waiters' lock
    WaitQueue m_waiters;
};

}  // namespace sched
