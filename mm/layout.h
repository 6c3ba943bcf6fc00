// The kernel's virtual address layout (48-bit VA, 4 KiB granule). Pure constants, shared with boot
// code through the #defines below.
//
//   0x0000_0000_0000_0000 .. 0x0000_FFFF_FFFF_FFFF   TTBR0: user space of the running task
//   0xFFFF_0000_0000_0000 .. 0xFFFF_7FFF_FFFF_FFFF   linear map: VA = PA + LINEAR_BASE (all RAM)
//   0xFFFF_8000_0000_0000 .. 0xFFFF_8FFF_FFFF_FFFF   kernel stacks (32 KiB slots: 16 KiB guard + stack)
//   0xFFFF_9000_0000_0000 .. 0xFFFF_9FFF_FFFF_FFFF   device MMIO mappings
//   0xFFFF_FFFF_8000_0000 .. top                     kernel image (wherever it was loaded in RAM)
#pragma once

#define LINEAR_BASE 0xFFFF000000000000
#define KIMAGE_BASE 0xFFFFFFFF80000000
#define KSTACK_BASE 0xFFFF800000000000
#define MMIO_BASE 0xFFFF900000000000

#ifndef __ASSEMBLER__
#include "mm/types.h"

namespace mm {
inline constexpr VirtAddr kLinearBase = LINEAR_BASE;
inline constexpr VirtAddr kKernelImageBase = KIMAGE_BASE;
inline constexpr VirtAddr kKernelStackBase = KSTACK_BASE;
inline constexpr VirtAddr kMmioBase = MMIO_BASE;
inline constexpr std::uint64_t kLinearMapMax = std::uint64_t{1} << 47;  // 128 TiB of RAM at most

inline constexpr std::size_t kKernelStackSize = 16 * 1024;
inline constexpr std::size_t kKernelStackSlot = 2 * kKernelStackSize;  // guard below, stack above

constexpr VirtAddr phys_to_linear(PhysAddr pa) { return pa + kLinearBase; }
constexpr PhysAddr linear_to_phys(VirtAddr va) { return va - kLinearBase; }
}  // namespace mm
#endif
