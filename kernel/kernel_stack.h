// Kernel stacks: 16 KiB each in the kernel-stack region, in 32 KiB slots whose lower half stays
// unmapped (the guard). The vector entry's overflow check relies on this layout (trap_frame.h).
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "mm/kernel_stack.h"
#include "mm/types.h"

namespace kernel {

using KernelStack = mm::KernelStack;  // the descriptor lives in mm/ so that sched's Task can hold one

lib::Result<KernelStack> kernel_stack_alloc();
void kernel_stack_free(const KernelStack& s);
std::size_t kernel_stacks_in_use();
std::size_t kernel_stacks_cached();
// Gives cached stacks back (unmaps them, frees their frames): after it, memory counts are exact.
void kernel_stack_drain_cache();

}  // namespace kernel
