// strace= and the monitor's strace: which processes have their system calls logged, and the hook
// syscall_dispatch takes only when some are (one load and one predictable branch otherwise).
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "kernel/cmdline.h"

namespace kernel {
struct Process;
}

namespace kernel::strace {

inline constexpr int kAll = -1;  // g_target: 0 off, kAll every process, N > 0 the process with PID N
extern int g_target;

// READ_ONCE: a volatile load folds its low address bits into the ldr (adrp, ldr, cbnz), where GCC
// gives an atomic one an add of its own. Set rarely, by the monitor or the command line.
inline bool enabled() { return *static_cast<volatile int*>(&g_target) != 0; }
void set_target(int target);
int target();

// "all" -> kAll, "off" -> 0, a PID -> itself; false for anything else.
bool parse_target(StrView text, int& out);

// Runs the call through `dispatch`, logging it first (calls that do not return, and execve, whose
// arguments are gone once it succeeds) or after (the rest, so that out-arguments show what the call
// wrote) when p is traced.
using Dispatch = std::int64_t (*)(Process* p, arch::TrapFrame& f);
std::int64_t traced_call(Process* p, arch::TrapFrame& f, Dispatch dispatch);

}  // namespace kernel::strace
