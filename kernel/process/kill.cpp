// kill(2) and the console's Ctrl-C: finding the target by pid under the process-tree lock and
// marking it; the target acts on it at its next return to EL0 (process.cpp, act_on_kill). No signal
// handlers yet: every signal that is not ignored terminates.
#include <limits>

#include "arch/aarch64/spinlock.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/cred_syscalls.h"
#include "kernel/process/process.h"
#include "kernel/process/process_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {

// Signals whose default action is to do nothing, as on Linux.
bool ignored_by_default(int sig) {
    return sig == abi::kSIGCHLD || sig == abi::kSIGURG || sig == abi::kSIGWINCH || sig == abi::kSIGCONT;
}

// kill(pid, sig) of one process, in Linux's order: the lookup (ESRCH), then the signal's validity
// (EINVAL), then the delivery. Every signal that is not ignored terminates (no handlers yet), and
// the target leaves at its next return to EL0; the caller leaves at once.
std::int64_t kill_one(int pid, int sig) {
    Process* self = current_process();
    std::uint64_t task_id = 0;
    bool kill_self = false;
    {
        arch::IrqSpinGuard g(tree_lock());
        Process* p = find_locked(pid);
        if (!p) return -abi::kESRCH;
        if (sig < 0 || sig > abi::kMaxSignal) return -abi::kEINVAL;
        // cred: Linux's check_kill_permission (kernel tasks, the monitor, may signal anyone). SIGCONT
        // is also allowed within a session, and every process is in init's (no setsid yet).
        if (self && sig != abi::kSIGCONT && !cred::may_signal(self->cred, credentials_of(*p))) return -abi::kEPERM;
        // A zombie still exists until reaped; signals do nothing to it.
        if (sig == 0 || p->zombie || ignored_by_default(sig)) return 0;
        // No signal handlers exist yet, so every signal init gets has its default action: ignored.
        if (p == init_process_locked()) return 0;
        kill_self = p == self;
        if (!kill_self) {
            __atomic_store_n(&p->pending_signal, sig, __ATOMIC_RELAXED);
            task_id = p->task->id;
        }
    }
    if (kill_self) process_exit(abi::wait_status_signaled(sig));
    // After the lock (see the top of the file). NotFound: the task stopped meanwhile; the process
    // is a zombie now, which the signal would not have changed.
    (void)sched::kill(task_id);
    return 0;
}

// kill(-1, sig): every process but init and the caller (zombies count as found); ESRCH if there is
// none. The pids are taken under the lock and each is then killed as kill(pid) would, so a process
// that is reaped in between is skipped and one created meanwhile may or may not be reached, as on
// Linux.
std::int64_t kill_all(int sig) {
    const Process* self = current_process();
    int pids[kMaxProcesses];
    std::size_t n = 0;
    {
        arch::IrqSpinGuard g(tree_lock());
        for (lib::ListNode* l = all_processes_locked().first(); l != all_processes_locked().end() && n < kMaxProcesses; l = l->next) {
            const Process* p = lib::list_entry<Process, &Process::all_link>(l);
            if (p != self && p != init_process_locked() && p->pid > 1) pids[n++] = p->pid;  // Linux spares pid 1 too
        }
    }
    if (n == 0) return -abi::kESRCH;
    if (sig < 0 || sig > abi::kMaxSignal) return -abi::kEINVAL;
    if (sig == 0) return 0;  // a probe: someone is there
    for (std::size_t i = 0; i < n; ++i) (void)kill_one(pids[i], sig);
    return 0;
}

}  // namespace

std::int64_t sys_kill(int pid, int sig) {
    if (pid == -1) return kill_all(sig);
    // INT_MIN has no positive group id (Linux answers ESRCH); otherwise each process is its own
    // group, so the group -pid is that process and group 0 is the caller.
    if (pid == std::numeric_limits<int>::min()) return -abi::kESRCH;
    if (pid == 0) pid = current_process()->pid;
    return kill_one(pid < 0 ? -pid : pid, sig);
}

void kill_from_interrupt(int pid, int sig) {
    std::uint64_t task_id = 0;
    {
        arch::IrqSpinGuard g(tree_lock());
        Process* p = find_locked(pid);
        if (!p || p->zombie) return;
        __atomic_store_n(&p->pending_signal, sig, __ATOMIC_RELAXED);
        task_id = p->task->id;
    }
    (void)sched::kill(task_id);  // acted on when the task next returns to EL0, never here
}

}  // namespace kernel
