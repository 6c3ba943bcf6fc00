// What procfs collects from the rest of the kernel, shared with sysinfo(2) so that both report the
// same figures (kernel/fs/procfs only, and kernel/syscall/sysinfo.cpp).
#pragma once

#include <cstdint>

#include "kernel/fs/procfs/proc_text.h"

namespace kernel {
struct Process;
}

namespace kernel::fs::proc {

MemInfo memory_info();                  // /proc/meminfo, sysinfo's totalram/freeram
std::uint64_t idle_ns_all_cpus();       // /proc/uptime's second figure
void load_averages(std::uint64_t out[3]);   // fixed point (sched/loadavg.h)
// /proc/mounts as `reader` sees the name space (its root; the global root for a kernel task).
// The VFS lock held.
void format_mounts(Text& t, const Process* reader);

}  // namespace kernel::fs::proc
