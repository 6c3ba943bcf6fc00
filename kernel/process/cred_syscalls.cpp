// The identity system calls with Linux's results and errno, in Linux's order (kernel/sys.c,
// kernel/groups.c); the rules themselves are the portable ones in cred_rules.cpp.
//
// A process's credentials are written only by its own task, under s_cred_lock; it reads its own
// without the lock (nobody else writes them), and others read a copy under the lock
// (credentials_of), so a check never sees half of a setresuid. The lock is a leaf: it is taken
// under the process-tree lock and takes nothing itself.
#include "kernel/process/cred_syscalls.h"

#include "arch/aarch64/spinlock.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

namespace {

using namespace abi;

arch::SpinLock s_cred_lock;

// uid_t and gid_t are 32 bits: the upper half of the register is not part of the argument.
std::uint32_t id_arg(std::uint64_t reg) { return static_cast<std::uint32_t>(reg); }

// Runs rule on a copy of the caller's credentials and commits the copy when it succeeds.
template <typename Rule>
std::int64_t change(Process* p, Rule rule) {
    fs::Credentials n = p->cred;
    const int r = rule(n);
    if (r == 0) commit_credentials(p, n);
    return r;
}

// getresuid/getresgid: each id in turn, stopping at the first that faults (Linux's put_user chain).
std::int64_t put_three(const arch::TrapFrame& f, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
    const std::uint32_t v[3] = {a, b, c};
    for (int i = 0; i < 3; ++i)
        if (!put_user(f.x[i], v[i]).ok()) return -kEFAULT;
    return 0;
}

}  // namespace

fs::Credentials credentials_of(const Process& p) {
    arch::IrqSpinGuard g(s_cred_lock);
    return p.cred;
}

bool credentials_of_pid(int pid, fs::Credentials& out) {
    struct Find {
        int pid;
        bool found;
        fs::Credentials* out;
    } find{pid, false, &out};
    for_each_process(
        [](const Process& q, void* ctx) {   // under the process-tree lock
            auto* f = static_cast<Find*>(ctx);
            if (q.pid != f->pid || f->found) return;
            f->found = true;
            *f->out = credentials_of(q);
        },
        &find);
    return find.found;
}

void commit_credentials(Process* self, const fs::Credentials& n) {
    const bool drop_dump = cred::ids_changed_for_dumpable(self->cred, n);
    {
        arch::IrqSpinGuard g(s_cred_lock);
        self->cred = n;
    }
    // Linux's commit_creds: suid_dumpable (0 by default) and no parent-death signal (none is
    // kept here: prctl refuses to set one).
    if (drop_dump) self->dumpable = false;
}

std::int64_t h_getuid(Process* p, arch::TrapFrame&) { return p->cred.ruid; }
std::int64_t h_geteuid(Process* p, arch::TrapFrame&) { return p->cred.euid; }
std::int64_t h_getgid(Process* p, arch::TrapFrame&) { return p->cred.rgid; }
std::int64_t h_getegid(Process* p, arch::TrapFrame&) { return p->cred.egid; }

std::int64_t h_getresuid(Process* p, arch::TrapFrame& f) { return put_three(f, p->cred.ruid, p->cred.euid, p->cred.suid); }
std::int64_t h_getresgid(Process* p, arch::TrapFrame& f) { return put_three(f, p->cred.rgid, p->cred.egid, p->cred.sgid); }

std::int64_t h_setuid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) { return cred::set_uid(c, id_arg(f.x[0])); });
}
std::int64_t h_setgid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) { return cred::set_gid(c, id_arg(f.x[0])); });
}
std::int64_t h_setreuid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) { return cred::set_reuid(c, id_arg(f.x[0]), id_arg(f.x[1])); });
}
std::int64_t h_setregid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) { return cred::set_regid(c, id_arg(f.x[0]), id_arg(f.x[1])); });
}
std::int64_t h_setresuid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) {
        return cred::set_resuid(c, id_arg(f.x[0]), id_arg(f.x[1]), id_arg(f.x[2]));
    });
}
std::int64_t h_setresgid(Process* p, arch::TrapFrame& f) {
    return change(p, [&](fs::Credentials& c) {
        return cred::set_resgid(c, id_arg(f.x[0]), id_arg(f.x[1]), id_arg(f.x[2]));
    });
}

std::int64_t h_setfsuid(Process* p, arch::TrapFrame& f) {
    fs::Credentials n = p->cred;
    const std::uint32_t old = cred::set_fsuid(n, id_arg(f.x[0]));
    if (n.fsuid != old) commit_credentials(p, n);
    return old;
}
std::int64_t h_setfsgid(Process* p, arch::TrapFrame& f) {
    fs::Credentials n = p->cred;
    const std::uint32_t old = cred::set_fsgid(n, id_arg(f.x[0]));
    if (n.fsgid != old) commit_credentials(p, n);
    return old;
}

// getgroups(size, list): size 0 asks for the count only (list untouched); a smaller size than the
// count is EINVAL; a negative one too (size is an int).
std::int64_t h_getgroups(Process* p, arch::TrapFrame& f) {
    const int size = static_cast<int>(f.x[0]);
    if (size < 0) return -kEINVAL;
    const int n = p->cred.ngroups;
    if (size == 0) return n;
    if (n > size) return -kEINVAL;
    if (!copy_to_user(f.x[1], p->cred.groups, static_cast<std::size_t>(n) * sizeof(std::uint32_t)).ok()) return -kEFAULT;
    return n;
}

// setgroups(size, list): CAP_SETGID (EPERM) first, then the size (Linux: at most NGROUPS_MAX,
// 65536; here at most fs::kMaxGroups, also EINVAL past it), then the copy (EFAULT).
std::int64_t h_setgroups(Process* p, arch::TrapFrame& f) {
    if (!cred::capable(p->cred)) return -kEPERM;
    const auto size = static_cast<std::uint32_t>(f.x[0]);   // Linux compares it as unsigned
    if (size > static_cast<std::uint32_t>(fs::kMaxGroups)) return -kEINVAL;
    std::uint32_t groups[fs::kMaxGroups];
    if (size && !copy_from_user(groups, f.x[1], size * sizeof(std::uint32_t)).ok()) return -kEFAULT;
    return change(p, [&](fs::Credentials& c) { return cred::set_groups(c, groups, static_cast<int>(size)); });
}

}  // namespace kernel
