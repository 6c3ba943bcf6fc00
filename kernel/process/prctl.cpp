// prctl as Linux's kernel/sys.c and security/commoncap.c answer it on arm64. Only options whose
// meaning this kernel keeps are accepted; the rest are EINVAL, which is also what Linux answers for
// the features it was built without (seccomp, SVE, pointer authentication, tagged addresses,
// anonymous VMA names, checkpoint/restore), so programs take their fallback paths.
//
// Refused on purpose although Linux has them: a non-zero PR_SET_PDEATHSIG (no parent-death signal
// is sent yet: signals are the next issue; 0, "none", is accepted and PR_GET_PDEATHSIG reads 0),
// PR_SET_CHILD_SUBREAPER (orphans always go to init), PR_SET/GET_TIMERSLACK (the timers keep no
// slack to report), PR_SET_SECUREBITS and PR_CAPBSET_DROP (no capability sets beyond euid 0).
#include "kernel/process/prctl.h"

#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"

namespace kernel {

namespace {

using namespace abi;

enum Option : std::uint64_t {
    kPR_SET_PDEATHSIG = 1, kPR_GET_PDEATHSIG = 2, kPR_GET_DUMPABLE = 3, kPR_SET_DUMPABLE = 4,
    kPR_GET_KEEPCAPS = 7, kPR_SET_KEEPCAPS = 8, kPR_GET_TIMING = 13, kPR_SET_TIMING = 14,
    kPR_SET_NAME = 15, kPR_GET_NAME = 16, kPR_CAPBSET_READ = 23, kPR_GET_SECUREBITS = 27,
    kPR_GET_CHILD_SUBREAPER = 37, kPR_SET_NO_NEW_PRIVS = 38, kPR_GET_NO_NEW_PRIVS = 39,
};
constexpr std::uint64_t kCapLastCap = 40;      // CAP_CHECKPOINT_RESTORE, the last capability of Linux 6.x
constexpr std::uint64_t kSecureKeepCaps = 4;   // securebits' SECURE_KEEP_CAPS bit (1 << 4)
constexpr std::size_t kCommLen = 16;           // TASK_COMM_LEN

// PR_SET_NAME: at most 15 bytes of the string, NUL-terminated, read as Linux's
// strncpy_from_user on arm64 reads it: a whole 8-byte word at a time while 8 or more bytes may
// remain, then byte by byte, so a word that reaches an unreadable page is EFAULT even when the NUL
// came before the hole. EFAULT changes nothing. The name is the process's comm (what
// /proc/<pid>/comm and ps show) and its task's name.
std::int64_t set_name(Process* p, std::uint64_t user) {
    char comm[kCommLen] = {};
    std::size_t len = 0;
    while (len < kCommLen - 1) {   // at kCommLen - 1 without a NUL: truncated there
        const std::size_t step = kCommLen - 1 - len >= 8 ? 8 : 1;
        if (!copy_from_user(comm + len, user + len, step).ok()) return -kEFAULT;
        std::size_t i = 0;
        while (i < step && comm[len + i] != '\0') ++i;
        len += i;
        if (i < step) break;   // the NUL
    }
    comm[len] = '\0';
    static_assert(sizeof p->name == kCommLen);
    for (std::size_t i = 0; i < kCommLen; ++i) p->name[i] = i <= len ? comm[i] : '\0';
    lib::copy_bytes(p->task->name, comm, len + 1);
    return 0;
}

// Stores a yes/no value given as arg2 (0 or 1, else EINVAL).
std::int64_t set_flag(bool& flag, std::uint64_t arg) {
    if (arg > 1) return -kEINVAL;
    flag = arg == 1;
    return 0;
}

}  // namespace

std::int64_t h_prctl(Process* p, arch::TrapFrame& f) {
    const std::uint64_t arg2 = f.x[1], arg3 = f.x[2], arg4 = f.x[3], arg5 = f.x[4];
    switch (static_cast<std::uint32_t>(f.x[0])) {   // option is an int in Linux's prototype
    case kPR_SET_NAME: return set_name(p, arg2);
    case kPR_GET_NAME: {   // all 16 bytes, zero-padded after the name (Linux's strscpy_pad)
        char comm[kCommLen] = {};
        for (std::size_t i = 0; i < kCommLen - 1 && p->name[i]; ++i) comm[i] = p->name[i];
        return copy_to_user(arg2, comm, kCommLen).ok() ? 0 : -kEFAULT;
    }
    case kPR_SET_PDEATHSIG:
        if (arg2 > static_cast<std::uint64_t>(kMaxSignal)) return -kEINVAL;   // Linux's valid_signal
        return arg2 == 0 ? 0 : -kEINVAL;   // see the top of the file
    case kPR_GET_PDEATHSIG: return put_user(arg2, 0).ok() ? 0 : -kEFAULT;
    case kPR_GET_DUMPABLE: return p->dumpable ? 1 : 0;
    case kPR_SET_DUMPABLE: return set_flag(p->dumpable, arg2);   // SUID_DUMP_DISABLE or SUID_DUMP_USER
    case kPR_GET_KEEPCAPS: return p->keep_caps ? 1 : 0;
    case kPR_SET_KEEPCAPS: return set_flag(p->keep_caps, arg2);
    case kPR_GET_SECUREBITS: return p->keep_caps ? static_cast<std::int64_t>(1 << kSecureKeepCaps) : 0;
    case kPR_GET_TIMING: return 0;   // PR_TIMING_STATISTICAL, the only timing Linux has
    case kPR_SET_TIMING: return arg2 == 0 ? 0 : -kEINVAL;
    case kPR_CAPBSET_READ: return arg2 <= kCapLastCap ? 1 : -kEINVAL;   // the full bounding set
    case kPR_GET_CHILD_SUBREAPER: return put_user(arg2, 0).ok() ? 0 : -kEFAULT;
    case kPR_SET_NO_NEW_PRIVS:
        if (arg2 != 1 || arg3 || arg4 || arg5) return -kEINVAL;
        p->no_new_privs = true;   // for good: inherited by fork, kept by exec
        return 0;
    case kPR_GET_NO_NEW_PRIVS:
        if (arg2 || arg3 || arg4 || arg5) return -kEINVAL;
        return p->no_new_privs ? 1 : 0;
    default: return -kEINVAL;
    }
}

}  // namespace kernel
