// Resource limits (prlimit64, glibc's getrlimit/setrlimit): the limits this kernel enforces.
// RLIMIT_NOFILE is per process (Process::nofile_cur/max); the others are the same for every process.
#pragma once

#include <cstdint>

namespace kernel {

struct Process;

// pid 0 is the caller. RLIMIT_NOFILE is set as Linux sets it (raising the hard limit needs root);
// setting another limit is refused with EPERM unless it changes nothing: those are properties of
// this kernel, not adjustable per process yet.
std::int64_t sys_prlimit64(Process* p, int pid, std::uint32_t resource, std::uint64_t user_new, std::uint64_t user_old);

}  // namespace kernel
