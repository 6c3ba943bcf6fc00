// Loading a static ELF program from the initramfs into a fresh address space, with the Linux initial
// stack (argc, argv, envp, auxv).
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "mm/address_space.h"

namespace kernel {

struct LoadedProgram {
    mm::AddressSpace* space;   // heap storage; the caller owns it
    std::uint64_t entry, sp, brk_base;
};

// argv/envp: kernel copies, NULL-terminated. Returns a negative errno on failure (nothing leaks).
std::int64_t load_program(const char* path, const char* const* argv, const char* const* envp, LoadedProgram& out);

// Allocation helpers for address-space storage (heap, 16-byte aligned).
mm::AddressSpace* new_space_storage_create();
void free_space(mm::AddressSpace* space);
mm::FrameAllocator& user_frames();

}  // namespace kernel
