// The scheduler's system calls for user programs: Linux's CPU affinity (sched_setaffinity,
// sched_getaffinity) and getcpu. Table entries for syscall.cpp; they decode their own arguments.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"

namespace kernel {

struct Process;

std::int64_t h_sched_setaffinity(Process* p, arch::TrapFrame& f);  // (pid, len, user_mask_ptr)
std::int64_t h_sched_getaffinity(Process* p, arch::TrapFrame& f);  // (pid, len, user_mask_ptr)
std::int64_t h_getcpu(Process* p, arch::TrapFrame& f);             // (cpu, node, tcache)

}  // namespace kernel
