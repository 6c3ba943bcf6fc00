// Process lifecycle: creation, fork, exec, exit, wait, orphans. What a context switch carries for
// processes (ASIDs, FP/SIMD registers) is in switch_state.cpp; system calls and faults in user_fault.cpp.
//
// Locks: s_tree_lock guards every Process's family fields (parent, children, zombie, wait_status),
// the process list and count. Order: a wait queue's lock -> s_tree_lock -> the run-queue lock; wake-ups
// are issued after s_tree_lock is released, and so are kills (sched::kill takes a wait queue's lock).
//
// Lookups by pid: a process is published (linked into s_all and its parent's children) only once
// its task exists, and it leaves s_all only when reaped (release_process), under s_tree_lock. So a
// Process found under the lock is complete and stays valid while the lock is held, and no longer:
// what is used after the lock (to interrupt a task) is the task's id, which sched::kill looks up
// again under the scheduler's own lock and which is never reused.
#include "kernel/process/process.h"

#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/tlb.h"
#include "hal/semihosting.h"
#include "hal/timer.h"
#include "kernel/boot_info.h"
#include "kernel/process/exec.h"
#include "kernel/process/process_internal.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/cred_syscalls.h"
#include "kernel/fs/file.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/switch_state.h"
#include "kernel/syscall/user_copy.h"
#include "lib/kassert.h"
#include "lib/string.h"
#include "sched/scheduler.h"

extern "C" [[noreturn]] void enter_user(const arch::TrapFrame* src, arch::TrapFrame* dst);

namespace kernel {

namespace {

arch::SpinLock s_tree_lock;
lib::IntrusiveList* s_all = nullptr;
alignas(lib::IntrusiveList) unsigned char s_all_storage[sizeof(lib::IntrusiveList)];
std::size_t s_count = 0;
int s_next_pid = 1;
Process* s_init = nullptr;          // pid 1, when running with init=
sched::WaitQueue s_kernel_children; // the shell waits here for processes it started


arch::TrapFrame* frame_of(sched::Task* t) {
    return reinterpret_cast<arch::TrapFrame*>(t->stack.top - sizeof(arch::TrapFrame));
}


void release_process(Process* p) {
    {
        arch::IrqSpinGuard g(s_tree_lock);
        s_all->remove(p->all_link);
        --s_count;
    }
    // The task must have stopped running before its TCB can go (exit -> switch away), and no
    // exiting child may still be about to wake p->child_exited (process_exit).
    while (p->task->state != sched::TaskState::Zombie) sched::yield();
    while (__atomic_load_n(&p->wakers, __ATOMIC_ACQUIRE) != 0) sched::yield();
    sched::release(p->task);
    delete p;
}

}  // namespace

// On the way back to EL0: a pending kill ends the process here.
void act_on_kill(Process* p) {
    if (!p->task->kill_pending) return;
    const int sig = __atomic_load_n(&p->pending_signal, __ATOMIC_RELAXED);
    process_exit(abi::wait_status_signaled(sig ? sig : abi::kSIGKILL));
}

namespace {

int user_task_entry(void* arg) {
    auto* p = static_cast<Process*>(arg);
    // CLONE_CHILD_SETTID: the child writes its own pid, in its own space (a copy-on-write write),
    // before its first instruction, as Linux's schedule_tail does; a bad address is ignored there too.
    if (p->set_child_tid) (void)put_user(p->set_child_tid, p->pid);
    write_sysreg(tpidr_el0, p->start_tls);  // kept from here on by the scheduler's switch
    act_on_kill(p);  // killed before it first ran: it never reaches EL0
    enter_user(&p->start_frame, frame_of(sched::current()));
}

// Creates the Process and its (not yet runnable) bookkeeping; the caller fills space/frame/fds.
// Its pid and its place in the count are taken now; start_task publishes it once it is complete.
Process* new_process(const char* name, Process* parent) {
    Process* p = new Process;
    if (!p) return nullptr;
    {
        arch::IrqSpinGuard g(s_tree_lock);
        if (s_count >= kMaxProcesses) {
            delete p;
            return nullptr;
        }
        ++s_count;
        p->pid = s_next_pid++;
        p->parent = parent;
        p->ppid = parent ? parent->pid : 0;
    }
    p->start_ns = hal::timer::uptime_ns();
    std::size_t n = lib::string_length(name);
    if (n >= sizeof p->name) n = sizeof p->name - 1;
    lib::copy_bytes(p->name, name, n);
    return p;
}

// What /proc/<pid> shows of the program exec loaded (cmdline, exe), under the tree lock so that a
// reader sees one program's, never a mix.
void set_program_identity(Process* p, const LoadedProgram& prog) {
    char* args = new char[sizeof p->cmdline];
    const std::size_t n = args ? copy_program_args(prog, args, sizeof p->cmdline) : 0;
    arch::IrqSpinGuard g(s_tree_lock);
    lib::copy_bytes(p->cmdline, args, n);
    p->cmdline_len = static_cast<std::uint32_t>(n);
    lib::copy_bytes(p->exe, prog.exe, sizeof p->exe);
    delete[] args;
}

// Gives back the count taken by new_process for a process that was never published.
void unlink_new_process(Process*) {
    arch::IrqSpinGuard g(s_tree_lock);
    --s_count;
}

const char* basename(const char* path) {
    const char* b = path;
    for (const char* s = path; *s; ++s)
        if (*s == '/') b = s + 1;
    return b;
}

// The task runs on the CPUs `affinity` allows: a fork child's are its parent's, as on Linux.
lib::Status start_task(Process* p, sched::CpuMask affinity) {
    sched::SpawnOptions o;
    o.affinity = affinity;
    o.kind = sched::TaskKind::User;
    o.detached = false;
    // Created suspended: it may run on another CPU the moment it is started, and the switch hook
    // reads its process on the first switch.
    o.suspended = true;
    auto t = sched::spawn(p->name, user_task_entry, p, o);
    if (!t.ok()) return t.error();
    p->task = t.value();
    p->task->process = p;
    {
        // Complete: now lookups by pid may find it, before it first runs, which may be at once on
        // another CPU (its own getpid and kill(0) must find it). A kill meanwhile marks the new task,
        // which then ends on its first way back to EL0.
        arch::IrqSpinGuard g(s_tree_lock);
        if (p->parent) p->parent->children.push_back(p->sibling_link);
        s_all->push_back(p->all_link);
    }
    sched::start(p->task);
    return {};
}

}  // namespace

// Shared with kill.cpp (process_internal.h). The published process with this pid (zombies
// included), or null; s_tree_lock held.
Process* find_locked(int pid) {
    for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next) {
        Process* p = lib::list_entry<Process, &Process::all_link>(n);
        if (p->pid == pid) return p;
    }
    return nullptr;
}
arch::SpinLock& tree_lock() { return s_tree_lock; }
lib::IntrusiveList& all_processes_locked() { return *s_all; }
Process* init_process_locked() { return s_init; }

void process_init() {
    s_all = new (s_all_storage) lib::IntrusiveList();
    unsigned asid_bits = ((read_sysreg(id_aa64mmfr0_el1) >> 4) & 0xf) == 2 &&
                                 (read_sysreg(tcr_el1) & (1ull << 36))
                             ? 16
                             : 8;
    // asid_bits=8 on a 16-bit CPU: 255 ASIDs, so that tests can make them roll over.
    const unsigned wanted = g_boot.options.asid_bits;
    if (wanted != 0 && wanted < asid_bits) asid_bits = wanted;
    switch_state_init(asid_bits);
    sched::set_user_return_hook([](arch::TrapFrame&) { act_on_kill(current_process()); });
}

void set_init_process(Process* p) {
    arch::IrqSpinGuard g(s_tree_lock);
    s_init = p;
}


bool process_exists(int pid) {
    arch::IrqSpinGuard g(s_tree_lock);
    return find_locked(pid) != nullptr;
}

bool with_process(int pid, void (*fn)(Process& p, void* ctx), void* ctx) {
    arch::IrqSpinGuard g(s_tree_lock);
    Process* p = find_locked(pid);
    if (p) fn(*p, ctx);
    return p != nullptr;
}

// vfs: a process's root and working directory, each referenced: a new one's are its parent's (or
// the name space's root for one without), dropped at exit.
namespace {
void take_fs_places(Process* p, const Process* from) {
    const fs::Path root = from ? from->root : fs::root_path();
    const fs::Path cwd = from ? from->cwd : fs::root_path();
    if (root.inode) root.inode->get();
    if (cwd.inode) cwd.inode->get();
    p->root = root;
    p->cwd = cwd;
}
void drop_fs_places(Process* p) {
    if (p->root.inode) p->root.inode->put();
    if (p->cwd.inode) p->cwd.inode->put();
    p->root = p->cwd = fs::Path{};
}
const fs::Credentials s_root_cred{};
}  // namespace

lib::Result<Process*> spawn_process(const char* path, const char* const* argv, const char* const* envp,
                                    Process* parent, ExecFailure* failure, bool as_init) {
    LoadedProgram prog;
    const fs::WalkStart from = parent ? fs::WalkStart{parent->root, parent->cwd, &parent->cred}
                                      : fs::WalkStart{fs::root_path(), fs::root_path(), &s_root_cred};
    const std::int64_t r = load_program(from, path, ArgVector::kernel(argv), ArgVector::kernel(envp), prog, failure);
    switch (-r) {
    case 0: break;
    case abi::kENOMEM: return lib::Error::NoMemory;
    case abi::kENOTDIR: return lib::Error::NotDirectory;
    case abi::kELOOP: return lib::Error::TooManyLinks;
    case abi::kENOEXEC: return lib::Error::Malformed;
    case abi::kEACCES: return lib::Error::Unsupported;
    case abi::kE2BIG: case abi::kENAMETOOLONG: return lib::Error::OutOfRange;
    default: return lib::Error::NotFound;
    }
    Process* p = new_process(basename(path), parent);
    if (!p) {
        file_maps_discard(prog.areas, prog.area_count);
        free_space(prog.space);
        return lib::Error::Busy;
    }
    p->space = prog.space;
    file_maps_adopt(p, prog.areas, prog.area_count);   // execmap: the program's segments
    p->brk_base = p->brk = prog.brk_base;
    p->cred = prog.cred;   // cred: root, unless the program is set-user-id or set-group-id
    p->dumpable = prog.cred.euid == prog.cred.ruid && prog.cred.egid == prog.cred.rgid;
    set_program_identity(p, prog);
    p->start_frame = arch::TrapFrame{};
    p->start_frame.elr = prog.entry;
    p->start_frame.sp_el0 = prog.sp;
    p->start_frame.spsr = 0;  // EL0t, interrupts unmasked
    File* console = File::open_console();
    if (!console) {
        file_maps_release(p);
        unlink_new_process(p);
        free_space(p->space);
        delete p;
        return lib::Error::NoMemory;
    }
    p->set_fd(0, console);
    p->set_fd(1, console->get());
    p->set_fd(2, console->get());
    take_fs_places(p, parent);
    // Init before it can run: on another CPU it may run, and exit, before this returns.
    if (as_init) set_init_process(p);
    if (auto s = start_task(p, sched::kAllCpus); !s.ok()) {
        if (as_init) set_init_process(nullptr);
        drop_fs_places(p);
        p->fds.close_all();
        file_maps_release(p);
        unlink_new_process(p);
        free_space(p->space);
        delete p;
        return s.error();
    }
    return p;
}

std::int64_t sys_fork(arch::TrapFrame& frame, const ForkRequest& request) {
    Process* self = current_process();
    Process* child = new_process(self->name, self);
    if (!child) return -abi::kEAGAIN;
    void* storage = ::operator new(sizeof(mm::AddressSpace), std::align_val_t{alignof(mm::AddressSpace)});
    // Copy-on-write: the frames are shared read-only until a write fault (handle_user_fault) copies.
    // (With the file areas: file_mmap.h; shared file pages stay shared.)
    auto copy = storage ? file_maps_fork(self, child, storage) : lib::Result<mm::AddressSpace*>(lib::Error::NoMemory);
    if (!copy.ok()) {
        if (storage) ::operator delete(storage, std::align_val_t{alignof(mm::AddressSpace)});
        unlink_new_process(child);
        delete child;
        return -abi::kENOMEM;
    }
    child->space = copy.value();
    child->brk_base = self->brk_base;
    child->brk = self->brk;
    child->mmap_next = self->mmap_next;
    // The same program (its own writer is self, so no lock to read; the child is not published yet).
    lib::copy_bytes(child->exe, self->exe, sizeof child->exe);
    lib::copy_bytes(child->cmdline, self->cmdline, self->cmdline_len);
    child->cmdline_len = self->cmdline_len;
    child->start_frame = frame;
    child->start_frame.x[0] = 0;  // the child sees fork() return 0
    child->start_tls = read_sysreg(tpidr_el0);  // glibc's thread pointer: the child's TLS is at the same address
    if (request.stack) child->start_frame.sp_el0 = request.stack;
    child->set_child_tid = request.set_child_tid;
    child->clear_tid = request.clear_child_tid;
    if (self->fp_used) {
        {
            arch::IrqGuard g;
            fp_sync(self);  // the parent's live registers, if it owns them
        }
        child->fp = self->fp;
        child->fp_used = true;
    }
    child->nofile_cur = self->nofile_limit();
    child->nofile_max = __atomic_load_n(&self->nofile_max, __ATOMIC_RELAXED);
    // cred: the identity and prctl's flags, as Linux's copy_process (the parent writes its own
    // credentials only from its own task, which is here).
    child->cred = self->cred;
    child->dumpable = self->dumpable;
    child->no_new_privs = self->no_new_privs;
    child->keep_caps = self->keep_caps;
    take_fs_places(child, self);
    child->umask = self->umask;   // paths: fork inherits the file-creation mask
    const int pid = child->pid;
    if (!child->fds.copy_from(self->fds) || !start_task(child, self->task->sched.affinity).ok()) {
        file_maps_release(child);
        drop_fs_places(child);
        child->fds.close_all();
        unlink_new_process(child);
        free_space(child->space);
        delete child;
        return -abi::kEAGAIN;
    }
    // The child runs before the parent returns (as with Linux's sched_child_runs_first): most
    // children exec or exit at once, and then the pages the parent writes next (its stack) are no
    // longer shared, so its write faults re-enable them in place instead of copying them.
    sched::yield();
    return pid;
}

std::int64_t sys_execve(arch::TrapFrame& frame, const char* path, const ArgVector& argv, const ArgVector& envp) {
    Process* self = current_process();
    LoadedProgram prog;
    const ExecCaller caller{self->cred, self->no_new_privs};   // cred
    const std::int64_t r =
        load_program(fs::WalkStart{self->root, self->cwd, &self->cred}, path, argv, envp, prog, nullptr, &caller);
    if (r < 0) return r;
    file_maps_release(self);  // before the old space goes: a truncation must not reach it after
    mm::AddressSpace* old = self->space;
    {
        arch::IrqGuard g;
        self->space = prog.space;
        self->task->context.ttbr0 = activate_space(prog.space);
        write_sysreg(ttbr0_el1, self->task->context.ttbr0);
        arch::isb();  // the new space is in effect before we return to EL0 or touch user memory
    }
    file_maps_adopt(self, prog.areas, prog.area_count);   // execmap: the program's segments
    const std::uint64_t old_ctx = old->context_id();
    free_space(old);  // invalidates its ASID's TLB entries before the ASID can be handed out again
    release_asid(old_ctx);
    self->fds.close_on_exec();  // close-on-exec descriptors go now
    self->brk_base = self->brk = prog.brk_base;
    set_program_identity(self, prog);
    self->mmap_next = kMmapTop;
    self->clear_tid = self->robust_list = 0;  // Linux forgets both at exec (they point into the old image)
    // cred: the set-id exec's identity; dumpable unless it runs with ids other than the real ones
    // (Linux's setup_new_exec, suid_dumpable 0); KEEP_CAPS never survives an exec.
    commit_credentials(self, prog.cred);
    self->dumpable = prog.cred.euid == prog.cred.ruid && prog.cred.egid == prog.cred.rgid;
    self->keep_caps = false;
    lib::copy_bytes(self->name, basename(path), 0);
    std::size_t n = lib::string_length(basename(path));
    if (n >= sizeof self->name) n = sizeof self->name - 1;
    lib::copy_bytes(self->name, basename(path), n);
    self->name[n] = 0;
    lib::copy_bytes(self->task->name, self->name, n + 1);
    {
        arch::IrqGuard g;
        self->fp_used = false;  // the new program starts with zero registers
        fp_drop(self, true);  // the old program's registers are not kept; the new one starts closed
    }
    frame = arch::TrapFrame{};
    frame.elr = prog.entry;
    frame.sp_el0 = prog.sp;
    frame.spsr = 0;
    write_sysreg(tpidr_el0, 0);
    return 0;
}

void process_exit(int status) {
    Process* self = current_process();
    KASSERT(self);
    arch::irq_enable();
    self->fds.close_all();  // with IRQs on and no lock held: a close may take the VFS lock
    file_maps_release(self);  // before the space goes: a truncation must not reach it after
    drop_fs_places(self);
    // Leave the address space before destroying it. The switch hook must not re-activate it if we
    // are preempted meanwhile, so the process lets go of it first.
    mm::AddressSpace* space = self->space;
    {
        arch::IrqGuard g;
        fp_drop(self, false);
        self->space = nullptr;
        self->task->context.ttbr0 = memory::empty_user_root();
        write_sysreg(ttbr0_el1, memory::empty_user_root());
        arch::isb();
        deactivate_space();
    }
    if (space) {
        const std::uint64_t ctx = space->context_id();
        free_space(space);  // invalidates its ASID's TLB entries first
        release_asid(ctx);
    }
    bool wake_init = false;
    sched::WaitQueue* parent_wq;
    Process* parent;
    {
        arch::IrqSpinGuard g(s_tree_lock);
        // Orphans go to pid 1, which reaps them; without init the kernel reaps them.
        while (lib::ListNode* n = self->children.pop_front()) {
            Process* c = lib::list_entry<Process, &Process::sibling_link>(n);
            c->parent = (s_init && s_init != self) ? s_init : nullptr;
            __atomic_store_n(&c->ppid, c->parent ? c->parent->pid : 0, __ATOMIC_RELAXED);
            if (c->parent) c->parent->children.push_back(c->sibling_link);
            if (c->zombie) wake_init = true;
        }
        self->zombie = true;
        self->wait_status = status;
        parent = self->parent;
        parent_wq = parent ? &parent->child_exited : &s_kernel_children;
        // Once the lock is dropped the parent may exit and be reaped before we wake it: this keeps
        // it from being freed until we have (release_process waits for it).
        if (parent) __atomic_fetch_add(&parent->wakers, 1, __ATOMIC_RELAXED);
    }
    if (wake_init && s_init) s_init->child_exited.wake_all();
    if (self == s_init) {
        unsigned bits = 0;
        if (const std::uint64_t rollovers = asid_rollovers(bits))
            log_info("ASIDs (%u bits): %llu rollovers", bits, static_cast<unsigned long long>(rollovers));
        const bool exited = (status & 0x7f) == 0;
        log_info("init (pid 1) %s %d: powering off", exited ? "exited with status" : "was killed by signal",
                 exited ? (status >> 8) & 0xff : status & 0x7f);
        hal::semihosting::exit(exited ? static_cast<std::uint32_t>((status >> 8) & 0xff) : 128 + (status & 0x7f));
    }
    sched::preempt_disable();  // the parent may reap us only after we stopped: see release_process
    parent_wq->wake_all();
    if (parent) __atomic_fetch_sub(&parent->wakers, 1, __ATOMIC_RELEASE);
    sched::exit(status);
}

std::int64_t wait_child(Process* self, int pid, int* status, int options) {
    sched::WaitQueue& wq = self ? self->child_exited : s_kernel_children;
    Process* reaped = nullptr;
    bool none = false;
    wq.wait_until([&] {
        arch::IrqSpinGuard g(s_tree_lock);
        bool any = false;
        auto consider = [&](Process* c) {
            if (pid > 0 && c->pid != pid) return false;
            any = true;
            if (!c->zombie) return false;
            reaped = c;
            return true;
        };
        if (self) {
            for (lib::ListNode* n = self->children.first(); n != self->children.end(); n = n->next)
                if (consider(lib::list_entry<Process, &Process::sibling_link>(n))) break;
            if (reaped) self->children.remove(reaped->sibling_link);
        } else {
            for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next) {
                Process* c = lib::list_entry<Process, &Process::all_link>(n);
                if (c->parent == nullptr && consider(c)) break;
            }
        }
        none = !any;
        return reaped != nullptr || none || (options & abi::kWNOHANG) || sched::current()->kill_pending;
    });
    if (reaped) {
        const int rpid = reaped->pid;
        if (status) *status = reaped->wait_status;
        release_process(reaped);
        return rpid;
    }
    if (none) return -abi::kECHILD;
    if (options & abi::kWNOHANG) return 0;
    return -abi::kEINTR;
}

void for_each_process(void (*fn)(const Process&, void*), void* ctx) {
    // Small enough to walk under the lock: fn must not block (the shell copies what it prints).
    arch::IrqSpinGuard g(s_tree_lock);
    for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next)
        fn(*lib::list_entry<Process, &Process::all_link>(n), ctx);
}

int last_pid() {
    arch::IrqSpinGuard g(s_tree_lock);
    return s_next_pid - 1;
}

bool inspect_process(int pid, void (*fn)(const Process&, void*), void* ctx) {
    arch::IrqSpinGuard g(s_tree_lock);
    const Process* p = find_locked(pid);
    if (p) fn(*p, ctx);
    return p != nullptr;
}

std::size_t process_count() {
    arch::IrqSpinGuard g(s_tree_lock);
    return s_count;
}

}  // namespace kernel
