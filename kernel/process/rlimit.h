// Resource limits (prlimit64, glibc's getrlimit/setrlimit): the limits this kernel enforces, the
// same for every process.
#pragma once

#include <cstdint>

namespace kernel {

struct Process;

// pid 0 is the caller. Setting is refused with EPERM unless it changes nothing: the limits are
// properties of this kernel, not adjustable per process yet.
std::int64_t sys_prlimit64(Process* p, int pid, std::uint32_t resource, std::uint64_t user_new, std::uint64_t user_old);

}  // namespace kernel
