// The mapping system calls: mmap (anonymous and file), munmap, mprotect, msync. Table entries for
// syscall.cpp; they decode their own arguments. File areas are kernel/fs/file_mmap.h's.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"

namespace kernel {

struct Process;

std::int64_t h_mmap(Process* p, arch::TrapFrame& f);      // (addr, len, prot, flags, fd, offset)
std::int64_t h_munmap(Process* p, arch::TrapFrame& f);    // (addr, len)
std::int64_t h_mprotect(Process* p, arch::TrapFrame& f);  // (addr, len, prot)
std::int64_t h_msync(Process* p, arch::TrapFrame& f);     // (addr, len, flags)

}  // namespace kernel
