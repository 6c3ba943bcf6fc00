// User processes: an EL0 task with its own address space, file descriptors, parent and children.
// Linux semantics for fork (clone with SIGCHLD), execve, exit/exit_group, wait4, zombies and orphans.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/trap_frame.h"
#include "kernel/fs/credentials.h"
#include "kernel/fs/fd_table.h"
#include "kernel/fs/vfs.h"
#include "kernel/process/exec_stack.h"
#include "lib/intrusive_list.h"
#include "lib/result.h"
#include "mm/address_space.h"
#include "sched/task.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel {

class File;
struct ExecFailure;

inline constexpr std::size_t kMaxProcesses = 256;   // a fork bomb stops here with EAGAIN
inline constexpr std::uint64_t kUserStackTop = 0x0000'7fff'ffff'0000ull;
inline constexpr std::uint64_t kUserStackSize = 8 * 1024 * 1024;  // the most it grows; below: a guard gap
inline constexpr std::uint64_t kUserStackInitial = 16 * 1024;     // mapped at exec at least (more when the
                                                                   // arguments need it); the rest on demand
inline constexpr std::uint64_t kMmapTop = 0x0000'7f00'0000'0000ull;  // anonymous maps grow down from here
// Where a static PIE (ET_DYN without an interpreter) is loaded: far below the maps and the stack,
// with its brk growing up from its end (x86-64 Linux's ELF_ET_DYN_BASE; no randomisation yet).
inline constexpr std::uint64_t kPieLoadBase = 0x0000'5555'5555'4000ull;

inline constexpr unsigned kNoFpCpu = ~0u;

struct FpState {
    std::uint64_t q[64];  // q0..q31, 128 bits each
    std::uint64_t fpcr, fpsr;
};

struct Process {
    int pid = 0;
    char name[16] = {};
    sched::Task* task = nullptr;
    mm::AddressSpace* space = nullptr;   // heap storage (exec.cpp)

    // Family: guarded by the process-tree lock (process.cpp). A process is linked into the process
    // list and its parent's children only once it is complete (its task started): until then no
    // lookup by pid (kill, wait, prlimit, the shell) can find it; its pid and its place in the
    // count are reserved from the start.
    Process* parent = nullptr;
    int ppid = 0;   // parent's pid (0: none), kept with parent for getppid, which reads it unlocked
    lib::IntrusiveList children;
    lib::ListNode sibling_link;
    lib::ListNode all_link;
    bool zombie = false;
    int wait_status = 0;
    sched::WaitQueue child_exited;   // this process waits here for its children
    // Children that have exited but not yet woken child_exited: raised under the lock, lowered
    // (atomically) after the wake-up; the process is not freed before it is back to 0.
    int wakers = 0;

    // Descriptors (fd_table.h: changed by the process's own task only, or its parent before it
    // runs) and their limit, RLIMIT_NOFILE: new descriptors stay below the soft limit. The limits
    // are read and written atomically (prlimit64 from another process).
    FdTable fds;
    std::uint64_t nofile_cur = kNofileSoft, nofile_max = kNofileHard;
    // Files (kernel/fs): the root (chroot) and working directory, each holding a reference to its
    // inode (taken at fork, dropped at exit); the file-creation mask; who the process is.
    fs::Path root, cwd;
    std::uint32_t umask = 022;
    fs::Credentials cred;   // init runs as root (all ids 0)
    // cred: identity (kernel/process/cred*): cred is written only by the process itself, under the
    // credentials lock (cred_syscalls.cpp), so that another process's check (kill, prlimit) reads a
    // consistent copy through credentials_of(); the process reads its own without the lock.
    // prctl's per-process values (prctl.cpp), owned by the process's own task:
    bool dumpable = true;        // PR_GET/SET_DUMPABLE: cleared by an identity change, reset by exec
    bool no_new_privs = false;   // PR_SET_NO_NEW_PRIVS: set-id bits no longer apply at exec (inherited, kept)
    bool keep_caps = false;      // PR_SET_KEEPCAPS (securebits' KEEP_CAPS): cleared by exec
    std::uint64_t brk_base = 0, brk = 0;
    std::uint64_t mmap_next = kMmapTop;
    // set_tid_address / CLONE_CHILD_CLEARTID. Linux writes 0 there and futex-wakes at exit only when
    // the address space is shared (mm_users > 1); ours never is, so exit leaves it alone, as Linux does.
    std::uint64_t clear_tid = 0;
    std::uint64_t set_child_tid = 0;  // CLONE_CHILD_SETTID: the child stores its pid here before EL0
    std::uint64_t robust_list = 0;    // set_robust_list (a fork child starts without, as on Linux)
    // A terminating signal sent by kill(), acted on at the next return to EL0. Written by the sender
    // under the process-tree lock, read by the process itself: accessed with __atomic builtins.
    int pending_signal = 0;
    arch::TrapFrame start_frame;  // the registers a new process (fork child) starts with
    std::uint64_t start_tls = 0;  // and its TPIDR_EL0 (a fork child inherits the parent's, as on Linux)
    // FP/SIMD: until the program's first FP instruction fp_used is false and its registers are zero
    // (as after exec on Linux); fp is then neither read nor copied, so fork and exec skip its 528 bytes.
    bool fp_used = false;
    unsigned fp_cpu = kNoFpCpu;  // the CPU whose registers hold its live FP state, if any (switch_state.cpp)
    FpState fp;
    // /proc/<pid> (procdev): when it was forked (uptime; stat's starttime), the file exec ran (exe)
    // and argv's bytes as the program started (cmdline, up to a page, as Linux shows at most).
    // Written by fork and exec under the process-tree lock, read by procfs under it (inspect_process).
    std::uint64_t start_ns = 0;
    char exe[256] = {};
    std::uint32_t cmdline_len = 0;
    char cmdline[4096];

    File* fd_at(std::uint64_t n) const { return fds.get(n); }
    std::uint64_t nofile_limit() const { return __atomic_load_n(&nofile_cur, __ATOMIC_RELAXED); }
    // The lowest free descriptor at or above `from` below RLIMIT_NOFILE, with room made for it; -1
    // when there is none (or no memory). FdTable::find_free tells EMFILE and ENOMEM apart.
    int free_fd(int from = 0) {
        const int r = fds.find_free(static_cast<std::uint64_t>(from), nofile_limit());
        return r < 0 ? -1 : r;
    }
    // Puts f in slot n (room made by free_fd, or by fds.reserve); the caller handles what was there.
    void set_fd(int n, File* f, bool close_on_exec = false) { (void)fds.set(static_cast<unsigned>(n), f, close_on_exec); }
};

// Creates pid 1 (or any process without a parent) running `path` from the initramfs. When the
// program cannot be executed, `failure` (if given) says why, with Linux's errno (exec.h). as_init:
// it is the init process (set_init_process) from before it first runs.
lib::Result<Process*> spawn_process(const char* path, const char* const* argv, const char* const* envp,
                                    Process* parent, ExecFailure* failure = nullptr, bool as_init = false);
// The calling task's process (null for a kernel task): through the task, so that it stays right
// wherever the task migrates.
inline Process* current_process() { return static_cast<Process*>(sched::current()->process); }
// Makes p the init process (init=): it adopts orphans, and the kernel powers off when it exits.
void set_init_process(Process* p);
// Whether a process with this pid exists (a zombie does, until it is reaped), as Linux's lookups by
// pid see it. A bool, not the Process: it may be reaped as soon as the lookup's lock is dropped.
bool process_exists(int pid);
// Runs fn on the process with this pid under the process-tree lock (a spinlock: fn must not sleep);
// false when there is none.
bool with_process(int pid, void (*fn)(Process& p, void* ctx), void* ctx);
// p's parent's pid, 0 without one: never through p->parent, which may be reaped meanwhile.
inline int parent_pid(const Process* p) { return __atomic_load_n(&p->ppid, __ATOMIC_RELAXED); }

// System-call entry from the trap handler; also the user-fault path.
void handle_user_exception(arch::TrapFrame& frame);  // user_fault.cpp
// On the way back to EL0 (after a system call, or an interrupt): a pending kill ends the process.
void act_on_kill(Process* p);
[[noreturn]] void process_exit(int wait_status);

// Waits for a child (the shell's `run` uses it for its foreground job). Returns the pid reaped,
// 0 with WNOHANG and nothing ready, or a negative errno.
std::int64_t wait_child(Process* self, int pid, int* status, int options);

// The shell's view: called for each process.
void for_each_process(void (*fn)(const Process& p, void* ctx), void* ctx);
// procfs: calls fn with the process `pid` (zombies included) under the process-tree lock (IRQs
// masked: fn copies what it needs and returns); false when there is none.
bool inspect_process(int pid, void (*fn)(const Process& p, void* ctx), void* ctx);
// The last pid handed out (/proc/loadavg; pids count processes created since boot: /proc/stat).
int last_pid();
std::size_t process_count();

void process_init();   // hooks into the scheduler and trap handling

// What a fork-style clone asks for beyond a copy of the caller (syscall.cpp decodes the flags).
struct ForkRequest {
    std::uint64_t stack = 0;            // the child's sp; 0: the parent's
    std::uint64_t set_child_tid = 0;    // CLONE_CHILD_SETTID address in the child, or 0
    std::uint64_t clear_child_tid = 0;  // CLONE_CHILD_CLEARTID address in the child, or 0
};

// System-call implementations that need the process internals (syscall.cpp dispatches).
std::int64_t sys_fork(arch::TrapFrame& frame, const ForkRequest& request = {});
// path: a kernel copy; argv and envp are read where they are (user memory) while the new stack is built.
std::int64_t sys_execve(arch::TrapFrame& frame, const char* path, const ArgVector& argv, const ArgVector& envp);
// kill(2) as on Linux: pid > 0 that process, 0 the caller's group, -1 every process but init and the
// caller, < -1 the group -pid. Process groups do not exist yet: each process is its own group.
std::int64_t sys_kill(int pid, int sig);
// Terminates a process from interrupt context (the console's Ctrl-C): only marks it. Unlike kill(2)
// it also ends init: it is the console's way to stop the shell's foreground job, whatever its pid.
void kill_from_interrupt(int pid, int sig);

}  // namespace kernel
