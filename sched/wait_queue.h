// Wait queues and the sleeping locks built on them. A waiter blocks until woken; conditions are
// re-checked by the caller's loop (wake-ups may be spurious, e.g. after a kill).
#pragma once

#include "arch/aarch64/spinlock.h"
#include "lib/intrusive_list.h"

namespace sched {

struct Task;

class WaitQueue {
public:
    WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Blocks the caller until cond() is true (checked under the queue's lock, so a wake between
    // the check and the sleep is never lost). Must not be called from interrupt context.
    template <typename F>
    void wait_until(F&& cond) {
        for (;;) {
            const std::uint64_t daif = arch::irq_save();
            m_lock.lock();
            if (cond()) {
                m_lock.unlock();
                arch::irq_restore(daif);
                return;
            }
            sleep_locked();  // releases m_lock; returns after a wake-up with IRQs still masked
            arch::irq_restore(daif);
        }
    }
    // Runs fn() under the queue's lock (IRQs masked): state that waiters' conditions read.
    template <typename F>
    auto with_lock(F&& fn) {
        arch::IrqSpinGuard g(m_lock);
        return fn();
    }
    void wake_one();
    void wake_all();
    bool empty();

    // Used by the scheduler when a blocked task is killed.
    void remove(Task* t);

private:
    void sleep_locked();
    arch::SpinLock m_lock;        // guards m_waiters
    lib::IntrusiveList m_waiters; // Task::wait_link, FIFO
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
