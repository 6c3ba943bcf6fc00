// Wait queues, mutexes and semaphores. Lock order: a wait queue's lock, then the run-queue lock.
#include "sched/wait_queue.h"

#include "lib/kassert.h"
#include "sched/scheduler.h"

namespace sched {

void WaitQueue::sleep_locked() {
    Task* t = current();
    m_waiters.push_back(t->wait_link);
    if (!block_current(this, m_lock)) {  // a kill came first: not blocked, the lock still held
        m_waiters.remove(t->wait_link);
        m_lock->unlock();
    }
}

void WaitQueue::wake_one() {
    Task* t;
    {
        arch::IrqSpinGuard g(*m_lock);
        t = pop_locked();
    }
    if (t) wake(t);
}

void WaitQueue::wake_all() {
    for (;;) {
        Task* t;
        {
            arch::IrqSpinGuard g(*m_lock);
            t = pop_locked();
        }
        if (!t) return;
        wake(t);
    }
}

bool WaitQueue::empty() {
    arch::IrqSpinGuard g(*m_lock);
    return m_waiters.empty();
}

void WaitQueue::remove(Task* t) {
    arch::IrqSpinGuard g(*m_lock);
    if (t->wait_link.linked()) m_waiters.remove(t->wait_link);
}

void Mutex::lock() {
    Task* self = current();
    m_waiters.wait_until([&] {
        KASSERT_MSG(m_owner != self, "mutex: recursive lock");
        if (m_owner) return false;
        m_owner = self;
        return true;
    });
}

bool Mutex::try_lock() {
    Task* self = current();
    return m_waiters.with_lock([&] {
        if (m_owner) return false;
        m_owner = self;
        return true;
    });
}

void Mutex::unlock() {
    m_waiters.with_lock([&] {
        KASSERT_MSG(m_owner == current(), "mutex: unlock by a task that does not own it");
        m_owner = nullptr;
        return 0;
    });
    m_waiters.wake_one();  // the woken task re-checks; a newcomer may win (no starvation guarantee)
}

void Semaphore::down() {
    m_waiters.wait_until([&] {
        if (m_count <= 0) return false;
        --m_count;
        return true;
    });
}

bool Semaphore::try_down() {
    return m_waiters.with_lock([&] {
        if (m_count <= 0) return false;
        --m_count;
        return true;
    });
}

void Semaphore::up() {
    m_waiters.with_lock([&] { return ++m_count; });
    m_waiters.wake_one();
}

}  // namespace sched
