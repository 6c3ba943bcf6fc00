// Kernel stacks: 16 KiB each in the kernel-stack region, in 32 KiB slots whose lower half stays
// unmapped (the guard). The vector entry's overflow check relies on this layout (trap_frame.h).
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "mm/types.h"

namespace kernel {

struct KernelStack {
    std::uint64_t bottom = 0;   // lowest mapped address; the guard is the 16 KiB below
    std::uint64_t top = 0;      // initial sp (exclusive end)
    mm::PhysAddr pa = 0;        // the 4 frames behind it (one order-2 block)
    std::uint32_t slot = 0;
    bool valid() const { return top != 0; }
};

lib::Result<KernelStack> kernel_stack_alloc();
void kernel_stack_free(const KernelStack& s);
std::size_t kernel_stacks_in_use();
std::size_t kernel_stacks_cached();
// Gives cached stacks back (unmaps them, frees their frames): after it, memory counts are exact.
void kernel_stack_drain_cache();

}  // namespace kernel
