// The limits reported are the ones the kernel enforces (stack size, descriptors, processes, no core
// dumps); the rest are unlimited, as Linux's defaults mostly are. brk stops at 1 GiB but anonymous
// mmap has no cap, so no single RLIMIT_DATA figure describes both: it reads as unlimited.
// RLIMIT_NOFILE is each process's own (inherited by fork): it may be lowered, and raised up to its
// hard limit; only root raises the hard limit (up to fs.nr_open), as Linux. It binds new
// descriptors only: those already open above a lowered limit stay.
#include "kernel/process/rlimit.h"

#include "kernel/fs/fd_table.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/cred_syscalls.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

namespace {

using namespace abi;

Rlimit64 limit_of(std::uint32_t resource) {
    auto both = [](std::uint64_t v) { return Rlimit64{v, v}; };
    switch (resource) {
    case kRLIMIT_STACK: return both(kUserStackSize);
    case kRLIMIT_NPROC: return both(kMaxProcesses);
    case kRLIMIT_CORE: return both(0);     // no core dumps are written
    case kRLIMIT_NICE:
    case kRLIMIT_RTPRIO: return both(0);   // no priority changes (Linux's defaults too)
    default: return both(kRLIM_INFINITY);
    }
}

// prlimit64 on RLIMIT_NOFILE, run on the target under the process-tree lock.
struct NofileRequest {
    const Rlimit64* want;   // null: only read
    bool privileged;        // the caller may raise the hard limit
    Rlimit64 old;
    std::int64_t result = 0;
};

void nofile_on(Process& p, void* ctx) {
    auto& r = *static_cast<NofileRequest*>(ctx);
    r.old = {__atomic_load_n(&p.nofile_cur, __ATOMIC_RELAXED), __atomic_load_n(&p.nofile_max, __ATOMIC_RELAXED)};
    if (!r.want) return;
    if (r.want->rlim_max > r.old.rlim_max && !r.privileged) {
        r.result = -kEPERM;
        return;
    }
    __atomic_store_n(&p.nofile_cur, r.want->rlim_cur, __ATOMIC_RELAXED);
    __atomic_store_n(&p.nofile_max, r.want->rlim_max, __ATOMIC_RELAXED);
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
    Rlimit64 want;
    if (user_new) {
        if (!get_user(want, user_new).ok()) return -kEFAULT;
        if (want.rlim_cur > want.rlim_max) return -kEINVAL;
    }
    if (resource == kRLIMIT_NOFILE) {
        // Linux: above fs.nr_open even root gets EPERM.
        if (user_new && want.rlim_max > kNrOpen) return -kEPERM;
        NofileRequest req{user_new ? &want : nullptr, p->cred.euid == 0, {}, 0};
        if (!with_process(pid == 0 ? p->pid : pid, nofile_on, &req)) return -kESRCH;
        if (req.result < 0) return req.result;
        if (user_old && !put_user(user_old, req.old).ok()) return -kEFAULT;
        return 0;
    }
    if (pid != 0 && pid != p->pid && !process_exists(pid)) return -kESRCH;
    const Rlimit64 now = limit_of(resource);
    if (user_new && (want.rlim_cur != now.rlim_cur || want.rlim_max != now.rlim_max)) return -kEPERM;
    if (user_old && !put_user(user_old, now).ok()) return -kEFAULT;
    return 0;
}

}  // namespace kernel
