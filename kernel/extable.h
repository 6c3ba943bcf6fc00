// The exception-fixup table and the fault-tolerant accesses built on it (arch/aarch64/probe.S).
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/trap_frame.h"

extern "C" {
bool probe_read_u64(std::uint64_t addr, std::uint64_t& out);
bool probe_write_u64(std::uint64_t addr, std::uint64_t value);
std::size_t arch_copy_from_user(void* dst, const void* user_src, std::size_t n);
std::size_t arch_copy_to_user(void* user_dst, const void* src, std::size_t n);
}

namespace kernel {

// If the faulting instruction has a fixup, redirect the frame there and return true.
bool extable_fixup(arch::TrapFrame& f);

}  // namespace kernel
