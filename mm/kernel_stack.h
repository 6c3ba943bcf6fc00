// A kernel stack's place: 16 KiB in the kernel-stack region (mm/layout.h), in a 32 KiB slot whose
// lower half stays unmapped (the guard). The vector entry's overflow check relies on this layout
// (trap_frame.h). The allocator is the kernel's (kernel/kernel_stack.h): it maps stacks into the
// kernel table; the scheduler only keeps the descriptor in each task.
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm {

struct KernelStack {
    std::uint64_t bottom = 0;   // lowest mapped address; the guard is the 16 KiB below
    std::uint64_t top = 0;      // initial sp (exclusive end)
    PhysAddr pa = 0;            // the 4 frames behind it (one order-2 block)
    std::uint32_t slot = 0;
    bool valid() const { return top != 0; }
};

}  // namespace mm
