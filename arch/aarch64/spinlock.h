// Ticket spinlock and the IRQ-saving guard every lock shared with interrupt handlers must use.
// Written for SMP: acquire/release ordering, fair FIFO hand-off, WFE while waiting.
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/aarch64/cpu.h"

namespace arch {

class SpinLock {
public:
    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock() {
        const std::uint32_t ticket = m_next.fetch_add(1, std::memory_order_relaxed);
        // Acquire: the critical section's accesses cannot move above taking the lock.
        while (m_owner.load(std::memory_order_acquire) != ticket) cpu_relax();
    }
    bool try_lock() {
        std::uint32_t owner = m_owner.load(std::memory_order_relaxed);
        std::uint32_t expected = owner;
        return m_next.compare_exchange_strong(expected, owner + 1, std::memory_order_acquire,
                                              std::memory_order_relaxed);
    }
    void unlock() {
        // Release: the critical section's accesses complete before the next owner sees the lock.
        m_owner.store(m_owner.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    bool is_locked() const {
        return m_owner.load(std::memory_order_relaxed) != m_next.load(std::memory_order_relaxed);
    }
    // Panic path only: take the lock over from a holder that will never release it.
    void force_reset() {
        m_owner.store(m_next.load(std::memory_order_relaxed), std::memory_order_relaxed);
    }

private:
    std::atomic<std::uint32_t> m_next{0};
    std::atomic<std::uint32_t> m_owner{0};
};

// Masks IRQs (saving DAIF), then locks; the destructor unlocks and restores DAIF.
class [[nodiscard]] IrqSpinGuard {
public:
    explicit IrqSpinGuard(SpinLock& l) : m_lock(l), m_daif(irq_save()) { m_lock.lock(); }
    ~IrqSpinGuard() {
        m_lock.unlock();
        irq_restore(m_daif);
    }
    IrqSpinGuard(const IrqSpinGuard&) = delete;
    IrqSpinGuard& operator=(const IrqSpinGuard&) = delete;

private:
    SpinLock& m_lock;
    std::uint64_t m_daif;
};

// Locks for a scope where IRQs are already masked (asserted): interrupt handlers, switch hooks.
class [[nodiscard]] SpinGuardIrqsOff {
public:
    explicit SpinGuardIrqsOff(SpinLock& l) : m_lock(l) { m_lock.lock(); }
    ~SpinGuardIrqsOff() { m_lock.unlock(); }
    SpinGuardIrqsOff(const SpinGuardIrqsOff&) = delete;
    SpinGuardIrqsOff& operator=(const SpinGuardIrqsOff&) = delete;

private:
    SpinLock& m_lock;
};

// Masks IRQs for a scope (no lock): per-CPU data touched by interrupt handlers.
class [[nodiscard]] IrqGuard {
public:
    IrqGuard() : m_daif(irq_save()) {}
    ~IrqGuard() { irq_restore(m_daif); }
    IrqGuard(const IrqGuard&) = delete;
    IrqGuard& operator=(const IrqGuard&) = delete;

private:
    std::uint64_t m_daif;
};

}  // namespace arch
