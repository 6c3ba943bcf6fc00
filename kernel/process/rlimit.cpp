// The limits reported are the ones the kernel enforces (stack size, descriptors, processes, no core
// dumps); the rest are unlimited, as Linux's defaults mostly are. brk stops at 1 GiB but anonymous
// mmap has no cap, so no single RLIMIT_DATA figure describes both: it reads as unlimited.
#include "kernel/process/rlimit.h"

#include "kernel/syscall/linux_abi.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/cred_syscalls.h"
#include "kernel/process/process.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

namespace {

using namespace abi;

Rlimit64 limit_of(std::uint32_t resource) {
    auto both = [](std::uint64_t v) { return Rlimit64{v, v}; };
    switch (resource) {
    case kRLIMIT_STACK: return both(kUserStackSize);
    case kRLIMIT_NOFILE: return both(kMaxFds);
    case kRLIMIT_NPROC: return both(kMaxProcesses);
    case kRLIMIT_CORE: return both(0);     // no core dumps are written
    case kRLIMIT_NICE:
    case kRLIMIT_RTPRIO: return both(0);   // no priority changes (Linux's defaults too)
    default: return both(kRLIM_INFINITY);
    }
}

}  // namespace

std::int64_t sys_prlimit64(Process* p, int pid, std::uint32_t resource, std::uint64_t user_new, std::uint64_t user_old) {
    if (resource >= static_cast<std::uint32_t>(kRLIM_NLIMITS)) return -kEINVAL;
    if (pid < 0) return -kEINVAL;
    if (pid != 0 && pid != p->pid) {
        fs::Credentials target;
        if (!credentials_of_pid(pid, target)) return -kESRCH;
        // cred: Linux's check_prlimit_permission, also for a read (old_limit only).
        if (!cred::may_prlimit(p->cred, target)) return -kEPERM;
    }
    const Rlimit64 now = limit_of(resource);
    if (user_new) {
        Rlimit64 want;
        if (!get_user(want, user_new).ok()) return -kEFAULT;
        if (want.rlim_cur > want.rlim_max) return -kEINVAL;
        if (want.rlim_cur != now.rlim_cur || want.rlim_max != now.rlim_max) return -kEPERM;
    }
    if (user_old && !put_user(user_old, now).ok()) return -kEFAULT;
    return 0;
}

}  // namespace kernel
