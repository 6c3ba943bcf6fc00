// System-call dispatch: Linux AArch64 numbers (x8), arguments x0-x5, result (or -errno) in x0.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"

namespace kernel {

struct Process;
// p: the calling process (current_process()).
std::int64_t syscall_dispatch(Process* p, arch::TrapFrame& frame);

}  // namespace kernel
