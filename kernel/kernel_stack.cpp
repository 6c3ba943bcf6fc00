// Kernel-stack slots. A small cache keeps recently freed stacks mapped, so creating and reaping a
// task does not pay four map and four unmap operations (with TLB invalidations) every time.
#include "kernel/kernel_stack.h"

#include "arch/aarch64/spinlock.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "lib/kassert.h"
#include "mm/layout.h"

namespace kernel {

namespace {
constexpr std::uint32_t kMaxStacks = 8192;   // 256 MiB of VA: more than the task limit
constexpr std::uint32_t kCacheSize = 16;

// Guarded by s_lock.
arch::SpinLock s_lock;
std::uint64_t s_slot_bits[kMaxStacks / 64];
std::uint32_t s_next_hint = 0;
std::size_t s_in_use = 0;
KernelStack s_cache[kCacheSize];
std::uint32_t s_cached = 0;

std::uint64_t slot_bottom(std::uint32_t slot) {
    return mm::kKernelStackBase + std::uint64_t{slot} * mm::kKernelStackSlot + mm::kKernelStackSize;
}

lib::Result<std::uint32_t> take_slot() {
    for (std::uint32_t n = 0; n < kMaxStacks / 64; ++n) {
        const std::uint32_t w = (s_next_hint + n) % (kMaxStacks / 64);
        if (~s_slot_bits[w] == 0) continue;
        const unsigned bit = static_cast<unsigned>(__builtin_ctzll(~s_slot_bits[w]));
        s_slot_bits[w] |= std::uint64_t{1} << bit;
        s_next_hint = w;
        return w * 64 + bit;
    }
    return lib::Error::NoMemory;
}

void release_slot(std::uint32_t slot) {
    KASSERT(s_slot_bits[slot / 64] & (std::uint64_t{1} << (slot % 64)));
    s_slot_bits[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
}

void unmap_and_free(const KernelStack& s) {
    if (!memory::kernel_unmap(s.bottom, mm::kKernelStackSize).ok()) panic("kernel stack: unmap failed");
    memory::free_frames(s.pa, 2);
}
}  // namespace

lib::Result<KernelStack> kernel_stack_alloc() {
    {
        arch::IrqSpinGuard g(s_lock);
        if (s_cached > 0) {
            ++s_in_use;
            return s_cache[--s_cached];
        }
    }
    auto frames = memory::alloc_frames(2);  // 16 KiB, physically contiguous
    if (!frames.ok()) return frames.error();
    std::uint32_t slot;
    {
        arch::IrqSpinGuard g(s_lock);
        auto r = take_slot();
        if (!r.ok()) {
            memory::free_frames(frames.value(), 2);
            return r.error();
        }
        slot = r.value();
    }
    KernelStack s{slot_bottom(slot), slot_bottom(slot) + mm::kKernelStackSize, frames.value(), slot};
    auto m = memory::kernel_map(s.bottom, s.pa, mm::kKernelStackSize,
                                mm::MapFlags::Read | mm::MapFlags::Write | mm::MapFlags::Global);
    if (!m.ok()) {
        memory::free_frames(s.pa, 2);
        arch::IrqSpinGuard g(s_lock);
        release_slot(slot);
        return m.error();
    }
    arch::IrqSpinGuard g(s_lock);
    ++s_in_use;
    return s;
}

void kernel_stack_free(const KernelStack& s) {
    KASSERT(s.valid());
    {
        arch::IrqSpinGuard g(s_lock);
        KASSERT(s_in_use > 0);
        --s_in_use;
        if (s_cached < kCacheSize) {
            s_cache[s_cached++] = s;
            return;
        }
        release_slot(s.slot);
    }
    unmap_and_free(s);
}

std::size_t kernel_stacks_in_use() {
    arch::IrqSpinGuard g(s_lock);
    return s_in_use;
}

std::size_t kernel_stacks_cached() {
    arch::IrqSpinGuard g(s_lock);
    return s_cached;
}

void kernel_stack_drain_cache() {
    for (;;) {
        KernelStack s;
        {
            arch::IrqSpinGuard g(s_lock);
            if (s_cached == 0) return;
            s = s_cache[--s_cached];
            release_slot(s.slot);
        }
        unmap_and_free(s);
    }
}

}  // namespace kernel
