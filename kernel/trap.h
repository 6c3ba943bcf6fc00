// Hooks into exception handling for the parts above the trap layer.
#pragma once

#include "arch/aarch64/trap_frame.h"

namespace kernel {

// Synchronous exceptions from EL0 (system calls, user faults) go here once user mode exists.
void set_user_sync_handler(void (*h)(arch::TrapFrame&));

}  // namespace kernel
