// Ticket spinlock and the IRQ-saving guard every lock shared with interrupt handlers must use.
// Written for SMP: acquire/release ordering, fair FIFO hand-off, WFE while waiting.
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu.h"

namespace arch {

// A ticket lock in one word, laid out like Linux's arm64 one: the owner ticket in bits 0-15, the
// next ticket in bits 16-31. Taking it uncontended is one exclusive add and one compare; unlocking
// stores the owner half alone (release), and a concurrent taker's store-exclusive then retries.
// FIFO hand-off, up to 65535 waiters. Unused state stays zero: constinit-able.
class SpinLock {
public:
    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock() {
        // Acquire: the critical section's accesses cannot move above taking the lock.
        const std::uint32_t old = __atomic_fetch_add(&m_word, 1u << 16, __ATOMIC_ACQUIRE);
        const auto ticket = static_cast<std::uint16_t>(old >> 16);
        if (__builtin_expect(ticket == static_cast<std::uint16_t>(old), 1)) return;
        while (__atomic_load_n(owner(), __ATOMIC_ACQUIRE) != ticket) cpu_relax();
    }
    bool try_lock() {
        std::uint32_t old = __atomic_load_n(&m_word, __ATOMIC_RELAXED);
        if ((old >> 16) != (old & 0xffff)) return false;  // held
        return __atomic_compare_exchange_n(&m_word, &old, old + (1u << 16), false, __ATOMIC_ACQUIRE,
                                           __ATOMIC_RELAXED);
    }
    void unlock() {
        // Release: the critical section's accesses complete before the next owner sees the lock.
        __atomic_store_n(owner(), static_cast<std::uint16_t>(*owner() + 1), __ATOMIC_RELEASE);
    }
    bool is_locked() const {
        const std::uint32_t w = __atomic_load_n(&m_word, __ATOMIC_RELAXED);
        return (w >> 16) != (w & 0xffff);
    }
    // Panic path only: take the lock over from a holder that will never release it.
    void force_reset() {
        const std::uint32_t w = __atomic_load_n(&m_word, __ATOMIC_RELAXED);
        __atomic_store_n(&m_word, (w & 0xffff0000u) | (w >> 16), __ATOMIC_RELAXED);
    }

private:
    std::uint16_t* owner() { return reinterpret_cast<std::uint16_t*>(&m_word); }  // little-endian: low half
    std::uint32_t m_word = 0;
};
static_assert(sizeof(SpinLock) == 4);

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
