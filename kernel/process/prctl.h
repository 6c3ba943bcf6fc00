// prctl(2): the process's name (PR_SET_NAME/PR_GET_NAME, shown as its comm) and the options whose
// effect this kernel has, with Linux's results and errno; EINVAL for everything else.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"

namespace kernel {

struct Process;

std::int64_t h_prctl(Process* p, arch::TrapFrame& f);   // (option, arg2, arg3, arg4, arg5)

}  // namespace kernel
