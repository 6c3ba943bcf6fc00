// The kernel's memory: the physical frame allocator over all usable RAM, the kernel page table
// (image, linear map of RAM, device MMIO) and the heap. Everything here is IRQ-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hal/device_tree.h"
#include "lib/result.h"
#include "mm/page_table.h"
#include "mm/types.h"

namespace kernel::memory {

// Brings up frames, the final kernel page table and the heap. Called once by kmain, IRQs masked.
void init(const hal::PlatformInfo& platform, std::uint64_t kimage_pa, std::uint64_t dtb_pa);

lib::Result<mm::PhysAddr> alloc_frames(unsigned order);   // zeroed=false: contents undefined
lib::Result<mm::PhysAddr> alloc_zeroed_frame();
void free_frames(mm::PhysAddr pa, unsigned order);
void drain_frame_cache();   // this CPU's cached single frames and page tables back to the buddy allocator
void* phys_to_virt(mm::PhysAddr pa);

// Extra references to single RAM frames shared copy-on-write (a frame starts with one reference,
// count 0 here, so allocation need not touch the array). IRQ-safe and lock-free.
bool frame_ref_get(mm::PhysAddr pa);  // false when saturated (255 sharers): copy instead   // one more reference
bool frame_ref_put(mm::PhysAddr pa);   // one reference fewer: true when it was the last one
bool frame_ref_shared(mm::PhysAddr pa);  // more than one reference

mm::PageTable& kernel_table();          // callers hold no lock: the table has its own (see memory.cpp)
mm::FrameSource& table_frames();        // table frames for any page table (kernel or user)
mm::TlbMaintainer& tlb();
lib::Status kernel_map(mm::VirtAddr va, mm::PhysAddr pa, std::size_t size, mm::MapFlags flags);
lib::Status kernel_unmap(mm::VirtAddr va, std::size_t size);

// The kernel VA of a device's registers (mapped at init for the devices the device tree names).
std::uint64_t mmio_virt(std::uint64_t pa);
// The physical address of an all-invalid root table: TTBR0 when no user space is installed.
mm::PhysAddr empty_user_root();

struct Stats {
    std::size_t total_frames, free_frames;
    std::size_t free_blocks[11], allocated_blocks[11];
    std::size_t heap_bytes_in_use, heap_objects, heap_large, heap_pages;
    std::size_t kernel_tables;
};
Stats stats();
std::size_t free_frame_count();  // stats().free_frames without the rest (mmap and brk ask it)
void* heap_alloc(std::size_t size, std::size_t align);   // null when out of memory
void heap_free(void* p);
// operator new/delete for small objects: a per-CPU cache first, the heap behind it.
void* cached_alloc(std::size_t size);
void cached_free(void* p, std::size_t size);   // size: the one allocated (sized delete)
std::size_t cached_bytes();
void print_stats();

}  // namespace kernel::memory
