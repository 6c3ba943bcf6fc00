// sched_setaffinity, sched_getaffinity and getcpu with Linux's results and errno, in Linux's order
// (kernel/sched/core.c, kernel/sys.c). A pid is looked up under the process-tree lock and only its
// task id leaves the lock; the scheduler looks the task up again (NotFound: gone since).
//
// CPU ids as Linux shows them: every id below sched::kMaxCpus is "possible" (Linux's nr_cpu_ids;
// the masks hold no others), the online ones are sched::online_cpus() (Linux's active mask). The
// user-space cpumask is one unsigned long (kCpumaskBytes), enough for every possible id.
#include "kernel/syscall/sched_syscalls.h"

#include "kernel/syscall/linux_abi.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/cred_syscalls.h"
#include "kernel/process/process.h"
#include "kernel/syscall/user_copy.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {

using namespace abi;

constexpr std::uint32_t kCpumaskBytes = sizeof(std::uint64_t);
constexpr std::uint32_t kPossibleCpuIds = sched::kMaxCpus;
static_assert(kPossibleCpuIds <= kCpumaskBytes * 8, "one long holds every possible CPU");

// What a lookup by pid may carry out of the process-tree lock: copies, never the Process.
struct Target {
    int pid;
    bool found = false;
    bool zombie = false;            // exited, not yet reaped (Linux still finds it by pid)
    std::uint64_t task_id = 0;
    sched::CpuMask affinity = 0;    // its mask when found (a zombie's: the scheduler no longer has it)
    fs::Credentials cred;           // cred: whose it is, for sched_setaffinity's permission check
};

void match(const Process& p, void* ctx) {  // under the process-tree lock (for_each_process)
    auto* t = static_cast<Target*>(ctx);
    if (p.pid != t->pid || t->found) return;
    t->found = true;
    t->zombie = p.zombie;
    t->task_id = p.task->id;  // the task outlives the Process's place in the list (release_process)
    // Changed under the task's run-queue lock, which we do not hold: one aligned word, read whole.
    t->affinity = __atomic_load_n(&p.task->sched.affinity, __ATOMIC_RELAXED);
    t->cred = credentials_of(p);
}

// pid 0 is the caller, as is its own pid (one thread per process: tid == pid).
Target find_target(Process* self, int pid) {
    Target t{pid == 0 ? self->pid : pid};
    if (t.pid == self->pid) {
        t.found = true;
        t.task_id = self->task->id;  // the caller is running: neither exited nor reaped
        t.cred = self->cred;
        return t;
    }
    for_each_process(match, &t);
    return t;
}

// The mask `len` bytes at `user` give, as Linux's get_user_cpu_mask: a short mask is zero-extended,
// a long one read only as far as the kernel's mask reaches (the rest is never touched, so it cannot
// fault). Only possible CPUs are kept.
lib::Result<sched::CpuMask> read_user_mask(std::uint64_t user, std::uint32_t len) {
    std::uint64_t bits = 0;
    const std::uint32_t n = len < kCpumaskBytes ? len : kCpumaskBytes;
    // A zero-length copy never faults on Linux (copy_from_user returns 0 before access_ok matters).
    if (n && !copy_from_user(&bits, user, n).ok()) return lib::Error::Fault;
    return static_cast<sched::CpuMask>(bits & sched::kAllCpus);
}

}  // namespace

// Linux's order: the mask is read first (EFAULT), then the pid (ESRCH), then the mask judged
// (EINVAL: no online CPU in it).
std::int64_t h_sched_setaffinity(Process* p, arch::TrapFrame& f) {
    const int pid = static_cast<int>(f.x[0]);
    const auto len = static_cast<std::uint32_t>(f.x[1]);  // unsigned int in Linux's prototype
    const auto mask = read_user_mask(f.x[2], len);
    if (!mask.ok()) return -kEFAULT;
    const Target t = find_target(p, pid);
    if (!t.found) return -kESRCH;
    if (!cred::may_set_scheduling(p->cred, t.cred)) return -kEPERM;   // cred: check_same_owner or CAP_SYS_NICE
    if ((mask.value() & sched::online_cpus()) == 0) return -kEINVAL;
    const lib::Status s = sched::set_affinity(t.task_id, mask.value());
    if (s.ok()) return 0;
    // NotFound: the task stopped (a zombie, which Linux lets one set, to no effect) or was reaped
    // after the lookup (Linux would have found it a moment earlier; ESRCH is its answer after).
    if (s.error() == lib::Error::NotFound) return t.zombie ? 0 : -kESRCH;
    return -kEINVAL;
}

// Linux's order: len (EINVAL), then the pid (ESRCH), then the copy (EFAULT). Returns the bytes
// written: the kernel's mask size, or len if smaller (never, once len passed the checks: the mask
// is a single long). The bytes of a longer buffer past it are not touched.
std::int64_t h_sched_getaffinity(Process* p, arch::TrapFrame& f) {
    const int pid = static_cast<int>(f.x[0]);
    const auto len = static_cast<std::uint32_t>(f.x[1]);
    if (len * 8u < kPossibleCpuIds) return -kEINVAL;  // unsigned int arithmetic, wrapping as Linux's
    if (len & (sizeof(long) - 1)) return -kEINVAL;
    const Target t = find_target(p, pid);
    if (!t.found) return -kESRCH;
    sched::CpuMask mask;
    if (auto r = sched::get_affinity(t.task_id); r.ok()) mask = r.value();
    else if (t.zombie) mask = t.affinity;  // stopped: its last mask, as Linux reports a zombie's
    else return -kESRCH;                   // reaped since the lookup
    const std::uint64_t bits = mask & sched::online_cpus();  // Linux ANDs with the active CPUs
    const std::uint32_t n = len < kCpumaskBytes ? len : kCpumaskBytes;
    if (!copy_to_user(f.x[2], &bits, n).ok()) return -kEFAULT;
    return n;
}

// getcpu(cpu, node, tcache): the CPU the caller ran on during the call (it may move right after,
// as on Linux) and NUMA node 0; either pointer may be null; tcache is ignored (as since Linux 2.6.24).
// Like Linux, a good cpu pointer is written even when the node pointer then faults.
std::int64_t h_getcpu(Process*, arch::TrapFrame& f) {
    const auto cpu = static_cast<std::uint32_t>(sched::this_cpu_index());
    bool fault = false;
    if (f.x[0]) fault |= !put_user(f.x[0], cpu).ok();
    if (f.x[1]) fault |= !put_user(f.x[1], std::uint32_t{0}).ok();
    return fault ? -kEFAULT : 0;
}

}  // namespace kernel
