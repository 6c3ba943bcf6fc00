// Process lifecycle: creation, fork, exec, exit, wait, orphans, user faults, and the scheduler hooks
// that switch address spaces (ASIDs) and FP/SIMD state.
//
// Locks: s_tree_lock guards every Process's family fields (parent, children, zombie, wait_status),
// the process list and count. Order: a wait queue's lock -> s_tree_lock -> the run-queue lock; wake-ups
// are issued after s_tree_lock is released.
#include "kernel/process.h"

#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/tlb.h"
#include "hal/semihosting.h"
#include "kernel/boot_info.h"
#include "kernel/exec.h"
#include "kernel/file.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/user_copy.h"
#include "lib/format.h"
#include "lib/kassert.h"
#include "lib/string.h"
#include "mm/asid_allocator.h"
#include "sched/scheduler.h"

extern "C" void fpsimd_save(kernel::FpState* s);
extern "C" void fpsimd_load(const kernel::FpState* s);
extern "C" [[noreturn]] void enter_user(const arch::TrapFrame* src, arch::TrapFrame* dst);

namespace kernel {

static_assert(offsetof(FpState, fpcr) == 512 && offsetof(FpState, fpsr) == 520, "fpsimd.S layout");

namespace {

arch::SpinLock s_tree_lock;
lib::IntrusiveList* s_all = nullptr;
alignas(lib::IntrusiveList) unsigned char s_all_storage[sizeof(lib::IntrusiveList)];
std::size_t s_count = 0;
int s_next_pid = 1;
Process* s_init = nullptr;          // pid 1, when running with init=
sched::WaitQueue s_kernel_children; // the shell waits here for processes it started

arch::SpinLock s_asid_lock;          // guards s_asids
constinit mm::AsidAllocator s_asids;

arch::TrapFrame* frame_of(sched::Task* t) {
    return reinterpret_cast<arch::TrapFrame*>(t->stack.top - sizeof(arch::TrapFrame));
}

// ---- ASIDs.
//
// s_asids hands out ASIDs under s_asid_lock. A switch to a space whose context id is of the current
// generation takes no lock (the scheme of Linux arm64's check_and_switch_context): each CPU publishes
// the context id it runs in its running slot, and the allocator's own record of what each CPU runs
// (set_active) is brought up to date from the slots, under the lock, only before the operations that
// read it: a possible rollover, a release. Before a rollover, taking a slot's value also zeroes it, so
// that CPU's next switch goes through the lock and cannot publish a context id past a rollover it
// did not see:
//   switch (IRQs masked):  old = running[cpu]; if old != 0, ctx is of the current generation (as
//                          published) and cmpxchg(running[cpu], old -> ctx) succeeds, ctx's ASID is
//                          reserved for us;
//   before a rollover (lock held):  each slot is exchanged with 0, its context id set_active().
// Read-modify-writes of one location are totally ordered: either the switch's cmpxchg comes first and
// the rollover keeps ctx's ASID, or it finds 0 and takes the lock, which orders it after the rollover
// (and the new generation).
//
// s_fast.running[cpu].ctx: 0 = the next switch takes the lock (boot, or taken before a rollover);
// kNoSpace = the CPU runs no user space (its allocator slot is 0); else the context id it runs, which
// its allocator slot may not name yet. Only its own CPU writes a slot non-zero, with IRQs masked.
// s_fast also holds what a switch needs to know of the allocator, written under the lock and read
// without it: the ASID mask (fixed by process_init()) and the current generation << ASID bits.
// s_slots_used: 1 + the highest CPU that ever took the lock here (no other slot was ever non-zero);
// lock.
// One slot per CPU the kernel serves (the scheduler's and g_current_process's eight, indexed alike).
constexpr unsigned kAsidCpus = 8;
static_assert(kAsidCpus <= mm::AsidAllocator::kMaxCpus);
constexpr std::uint64_t kNoSpace = std::uint64_t{1} << 63;  // ASID 0: never a space's
struct RunningSlot {
    alignas(64) std::uint64_t ctx = 0;  // a cache line each: every switch writes its CPU's
};
struct {
    RunningSlot running[kAsidCpus];
    std::uint64_t asid_mask = 0xffff;   // initialised data (not BSS): nothing to clear at boot
    std::uint64_t generation_base = 0;  // a context id of the current generation, ASID bits clear
} s_fast;
unsigned s_slots_used = 0;

// A relaxed atomic load (one LDR) that GCC addresses off a base register like a plain one: its
// __atomic_load_n takes a symbol's or member's address into a register first.
inline std::uint64_t load_relaxed(const std::uint64_t& v) { return *static_cast<const volatile std::uint64_t*>(&v); }

// Lock held, after any change of generation.
void publish_generation() {
    __atomic_store_n(&s_fast.generation_base, s_asids.generation() << s_asids.bits(), __ATOMIC_RELAXED);
}

unsigned asid_cpu() { return arch::cpu_index() & (kAsidCpus - 1); }

// Lock held: the allocator's active slots from the running slots, for every CPU but `skip`. `take`:
// each slot also becomes 0 (before a rollover, see above); otherwise the view is only refreshed (the
// CPUs may move on at once, which only a rollover needs to stop).
void sync_running_slots(bool take, unsigned skip) {
    for (unsigned c = 0; c < s_slots_used; ++c) {
        if (c == skip) continue;
        const std::uint64_t ctx = take ? __atomic_exchange_n(&s_fast.running[c].ctx, 0, __ATOMIC_RELAXED)
                                       : __atomic_load_n(&s_fast.running[c].ctx, __ATOMIC_RELAXED);
        if (s_asids.asid_of(ctx) != 0) s_asids.set_active(c, ctx);  // 0 and kNoSpace: already exact
    }
}

// A current-generation ASID for a space without one (new, or from before a rollover). Lock held.
[[gnu::noinline]] std::uint64_t assign_context(mm::AddressSpace* as) {
    // Only an assign that finds every ASID taken rolls over, reading every CPU's active slot.
    if (s_asids.in_use() >= s_asids.max_asid()) sync_running_slots(true, kAsidCpus);
    bool flush = false;
    as->assign_asid(s_asids, flush);
    publish_generation();
    if (flush) arch::tlb_flush_all();  // a new generation: stale entries of recycled ASIDs go
    return as->context_id();
}

// The switch's slow path: a space without a current-generation ASID, or a CPU whose slot was taken
// (or never set). Records the space as this CPU's, in the allocator too.
[[gnu::noinline]] std::uint64_t activate_space_locked(mm::AddressSpace* as, unsigned cpu) {
    arch::SpinGuardIrqsOff g(s_asid_lock);
    std::uint64_t ctx = as->context_id();
    if (!s_asids.is_current(ctx)) ctx = assign_context(as);
    s_asids.set_active(cpu, ctx);
    __atomic_store_n(&s_fast.running[cpu].ctx, ctx, __ATOMIC_RELAXED);
    if (cpu >= s_slots_used) s_slots_used = cpu + 1;
    return as->table().root() | (std::uint64_t{s_asids.asid_of(ctx)} << 48);
}

// The switch's fast path: if the space's ASID is of the current generation and this CPU's slot was
// not taken, publishes it as this CPU's and gives its TTBR0 value. IRQs masked.
[[gnu::always_inline]] inline bool activate_space_fast(mm::AddressSpace* as, unsigned cpu,
                                                      std::uint64_t& ttbr0) {
    const std::uint64_t ctx = load_relaxed(as->context_id());
    const std::uint64_t mask = s_fast.asid_mask;
    std::uint64_t* slot = &s_fast.running[cpu].ctx;
    std::uint64_t old = load_relaxed(*slot);
    if (__builtin_expect(old == 0 || (ctx & ~mask) != load_relaxed(s_fast.generation_base) ||
                             !__atomic_compare_exchange_n(slot, &old, ctx, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED),
                         0))
        return false;
    ttbr0 = as->table().root() | ((ctx & mask) << 48);
    return true;
}

// Makes `as` this CPU's space (its ASID reserved for it) and returns its TTBR0 value. IRQs masked.
std::uint64_t activate_space(mm::AddressSpace* as, unsigned cpu) {
    std::uint64_t ttbr0;
    return activate_space_fast(as, cpu, ttbr0) ? ttbr0 : activate_space_locked(as, cpu);
}

// This CPU runs no user space any more (its process is exiting). IRQs masked.
void deactivate_space() {
    arch::SpinGuardIrqsOff g(s_asid_lock);
    const unsigned cpu = asid_cpu();
    s_asids.set_active(cpu, 0);
    // Not 0: the next switch may take the fast path. Written under the lock, so after any rollover.
    __atomic_store_n(&s_fast.running[cpu].ctx, kNoSpace, __ATOMIC_RELAXED);
}

// A dead space's ASID (its TLB entries already invalidated: free_space) may be handed out again. The
// space runs nowhere and no CPU can switch to it any more; this CPU left it under the lock
// (deactivate_space, or execve's switch to the new space), so its allocator slot does not name it.
void release_asid(std::uint64_t ctx) {
    arch::IrqSpinGuard g(s_asid_lock);
    // release() checks that no CPU's slot names it: refresh the others' (there are none on one CPU).
    if (s_slots_used > 1) sync_running_slots(false, asid_cpu());
    s_asids.release(ctx);
}

// FP/SIMD registers are switched lazily: they hold the state of s_fp_owner (one CPU until SMP makes
// this per CPU). A task that is not the owner runs with EL0 FP access trapped (CPACR_EL1.FPEN = 01);
// its first FP instruction traps, and only then are the owner's registers saved and its own loaded.
// Programs that never use FP (most system-call-bound ones) never pay for the 32 vector registers.
// s_el0_fp_open mirrors CPACR_EL1 (per CPU with SMP, like the owner): a switch writes the register
// (and pays the ISB) only when the access changes, which between two non-owners it never does.
Process* s_fp_owner = nullptr;
bool s_el0_fp_open = true;  // as boot/head.S leaves it; the first switch to a User task closes it

constexpr std::uint64_t kCpacrFpenAll = 3ull << 20;   // EL0 and EL1 FP access
constexpr std::uint64_t kCpacrFpenEl1 = 1ull << 20;   // EL1 only: EL0 FP traps (EC 0x07)

// IRQs masked (the mirror and the register change together).
void set_el0_fp_access(bool on) {
    write_sysreg(cpacr_el1, on ? kCpacrFpenAll : kCpacrFpenEl1);
    arch::isb();  // the new trap setting applies to the next EL0 instruction
    s_el0_fp_open = on;
}

// Makes the registers hold p's state (IRQs masked).
void take_fp(Process* p) {
    static constexpr FpState kZeroFp{};  // a program's registers before its first FP instruction
    if (s_fp_owner == p) return;
    if (s_fp_owner) fpsimd_save(&s_fp_owner->fp);
    fpsimd_load(p->fp_used ? &p->fp : &kZeroFp);
    p->fp_used = true;
    s_fp_owner = p;
}

// The current values of p's FP state in p->fp (IRQs masked).
void sync_fp(Process* p) {
    if (s_fp_owner == p) fpsimd_save(&p->fp);
}

// The FP/SIMD access the next task needs at EL0 (IRQs masked).
[[gnu::always_inline]] inline void set_fp_access_for(Process* n) {
    const bool owner = s_fp_owner == n;
    if (owner != s_el0_fp_open) set_el0_fp_access(owner);
}

[[gnu::noinline]] void on_switch_locked(sched::Task* next, Process* n, mm::AddressSpace* as, unsigned cpu) {
    next->context.ttbr0 = activate_space_locked(as, cpu);
    set_fp_access_for(n);
}

// Scheduler hook, IRQs masked, run-queue lock held: the next space's ASID and FP access. Makes no call
// on its common path (calls only in tail position).
void on_switch(sched::Task*, sched::Task* next) {
    const unsigned cpu = asid_cpu();
    Process* n = next->kind == sched::TaskKind::User ? static_cast<Process*>(next->process) : nullptr;
    g_current_process[cpu] = n;
    if (!n) return;
    if (mm::AddressSpace* as = n->space) {
        std::uint64_t ttbr0;
        if (!activate_space_fast(as, cpu, ttbr0)) return on_switch_locked(next, n, as, cpu);
        next->context.ttbr0 = ttbr0;
    }
    set_fp_access_for(n);
}

void release_process(Process* p) {
    {
        arch::IrqSpinGuard g(s_tree_lock);
        s_all->remove(p->all_link);
        --s_count;
    }
    // The task must have stopped running before its TCB can go (exit -> switch away).
    while (p->task->state != sched::TaskState::Zombie) sched::yield();
    sched::release(p->task);
    delete p;
}

// On the way back to EL0: a pending kill ends the process here.
void act_on_kill(Process* p) {
    if (!p->task->kill_pending) return;
    process_exit(abi::wait_status_signaled(p && p->pending_signal ? p->pending_signal : abi::kSIGKILL));
}

int user_task_entry(void* arg) {
    auto* p = static_cast<Process*>(arg);
    // CLONE_CHILD_SETTID: the child writes its own pid, in its own space (a copy-on-write write),
    // before its first instruction, as Linux's schedule_tail does; a bad address is ignored there too.
    if (p->set_child_tid) (void)put_user(p->set_child_tid, p->pid);
    write_sysreg(tpidr_el0, p->start_tls);  // kept from here on by the scheduler's switch
    enter_user(&p->start_frame, frame_of(sched::current()));
}

// Creates the Process and its (not yet runnable) bookkeeping; the caller fills space/frame/fds.
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
        if (parent) parent->children.push_back(p->sibling_link);
        s_all->push_back(p->all_link);
    }
    std::size_t n = lib::string_length(name);
    if (n >= sizeof p->name) n = sizeof p->name - 1;
    lib::copy_bytes(p->name, name, n);
    return p;
}

void unlink_new_process(Process* p) {
    arch::IrqSpinGuard g(s_tree_lock);
    if (p->parent) p->parent->children.remove(p->sibling_link);
    s_all->remove(p->all_link);
    --s_count;
}

const char* basename(const char* path) {
    const char* b = path;
    for (const char* s = path; *s; ++s)
        if (*s == '/') b = s + 1;
    return b;
}

lib::Status start_task(Process* p) {
    sched::SpawnOptions o;
    o.kind = sched::TaskKind::User;
    o.detached = false;
    // No preemption until the task knows its process: the switch hook reads it on the first switch.
    sched::preempt_disable();
    auto t = sched::spawn(p->name, user_task_entry, p, o);
    if (t.ok()) {
        p->task = t.value();
        p->task->process = p;
    }
    sched::preempt_enable();
    if (!t.ok()) return t.error();
    return {};
}

}  // namespace

void process_init() {
    s_all = new (s_all_storage) lib::IntrusiveList();
    unsigned asid_bits = ((read_sysreg(id_aa64mmfr0_el1) >> 4) & 0xf) == 2 &&
                                 (read_sysreg(tcr_el1) & (1ull << 36))
                             ? 16
                             : 8;
    // asid_bits=8 on a 16-bit CPU: 255 ASIDs, so that tests can make them roll over.
    const unsigned wanted = g_boot.options.asid_bits;
    if (wanted != 0 && wanted < asid_bits) asid_bits = wanted;
    s_asids.init(asid_bits);
    s_fast.asid_mask = s_asids.max_asid();
    publish_generation();
    sched::set_switch_hook(on_switch);
    sched::set_user_return_hook([](arch::TrapFrame&) { act_on_kill(current_process()); });
}

void set_init_process(Process* p) {
    arch::IrqSpinGuard g(s_tree_lock);
    s_init = p;
}

Process* g_current_process[8] = {};

Process* find_process(int pid) {
    arch::IrqSpinGuard g(s_tree_lock);
    for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next) {
        Process* p = lib::list_entry<Process, &Process::all_link>(n);
        if (p->pid == pid && !p->zombie) return p;
    }
    return nullptr;
}

lib::Result<Process*> spawn_process(const char* path, const char* const* argv, const char* const* envp,
                                    Process* parent) {
    LoadedProgram prog;
    const std::int64_t r = load_program(path, argv, envp, prog);
    if (r < 0) return r == -abi::kENOMEM ? lib::Error::NoMemory : lib::Error::NotFound;
    Process* p = new_process(basename(path), parent);
    if (!p) {
        free_space(prog.space);
        return lib::Error::Busy;
    }
    p->space = prog.space;
    p->brk_base = p->brk = prog.brk_base;
    p->start_frame = arch::TrapFrame{};
    p->start_frame.elr = prog.entry;
    p->start_frame.sp_el0 = prog.sp;
    p->start_frame.spsr = 0;  // EL0t, interrupts unmasked
    File* console = File::open_console();
    if (!console) {
        unlink_new_process(p);
        free_space(p->space);
        delete p;
        return lib::Error::NoMemory;
    }
    p->set_fd(0, console);
    p->set_fd(1, console->get());
    p->set_fd(2, console->get());
    if (auto s = start_task(p); !s.ok()) {
        for (int i = 0; i < p->fd_end; ++i)
            if (p->fds[i]) p->fds[i]->put();
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
    auto copy = storage ? self->space->clone_cow(storage) : lib::Result<mm::AddressSpace*>(lib::Error::NoMemory);
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
    child->start_frame = frame;
    child->start_frame.x[0] = 0;  // the child sees fork() return 0
    child->start_tls = read_sysreg(tpidr_el0);  // glibc's thread pointer: the child's TLS is at the same address
    if (request.stack) child->start_frame.sp_el0 = request.stack;
    child->set_child_tid = request.set_child_tid;
    child->clear_tid = request.clear_child_tid;
    if (self->fp_used) {
        {
            arch::IrqGuard g;
            sync_fp(self);  // the parent's live registers, if it owns them
        }
        child->fp = self->fp;
        child->fp_used = true;
    }
    for (int i = 0; i < self->fd_end; ++i) child->set_fd(i, self->fds[i] ? self->fds[i]->get() : nullptr);
    child->cloexec = self->cloexec;
    const int pid = child->pid;
    if (!start_task(child).ok()) {
        for (int i = 0; i < child->fd_end; ++i)
            if (child->fds[i]) child->fds[i]->put();
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

std::int64_t sys_execve(arch::TrapFrame& frame, const char* path, const char* const* argv, const char* const* envp) {
    Process* self = current_process();
    LoadedProgram prog;
    const std::int64_t r = load_program(path, argv, envp, prog);
    if (r < 0) return r;
    mm::AddressSpace* old = self->space;
    {
        arch::IrqGuard g;
        self->space = prog.space;
        self->task->context.ttbr0 = activate_space(prog.space, asid_cpu());
        write_sysreg(ttbr0_el1, self->task->context.ttbr0);
        arch::isb();  // the new space is in effect before we return to EL0 or touch user memory
    }
    const std::uint64_t old_ctx = old->context_id();
    free_space(old);  // invalidates its ASID's TLB entries before the ASID can be handed out again
    release_asid(old_ctx);
    for (std::uint64_t m = self->cloexec; m != 0; m &= m - 1) {  // close-on-exec descriptors go now
        const int fd = __builtin_ctzll(m);
        if (File* f = self->fd_at(static_cast<std::uint64_t>(fd))) f->put();
        self->set_fd(fd, nullptr);
    }
    self->brk_base = self->brk = prog.brk_base;
    self->mmap_next = kMmapTop;
    self->clear_tid = self->robust_list = 0;  // Linux forgets both at exec (they point into the old image)
    lib::copy_bytes(self->name, basename(path), 0);
    std::size_t n = lib::string_length(basename(path));
    if (n >= sizeof self->name) n = sizeof self->name - 1;
    lib::copy_bytes(self->name, basename(path), n);
    self->name[n] = 0;
    lib::copy_bytes(self->task->name, self->name, n + 1);
    {
        arch::IrqGuard g;
        self->fp_used = false;  // the new program starts with zero registers
        if (s_fp_owner == self) s_fp_owner = nullptr;  // the old program's registers are not kept
        set_el0_fp_access(false);
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
    for (int i = 0; i < self->fd_end; ++i) {
        if (self->fds[i]) self->fds[i]->put();
        self->fds[i] = nullptr;
    }
    self->fd_end = 0;
    // Leave the address space before destroying it. The switch hook must not re-activate it if we
    // are preempted meanwhile, so the process lets go of it first.
    mm::AddressSpace* space = self->space;
    {
        arch::IrqGuard g;
        if (s_fp_owner == self) s_fp_owner = nullptr;
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
            if (c->parent) c->parent->children.push_back(c->sibling_link);
            if (c->zombie) wake_init = true;
        }
        self->zombie = true;
        self->wait_status = status;
        parent = self->parent;
        parent_wq = parent ? &parent->child_exited : &s_kernel_children;
    }
    if (wake_init && s_init) s_init->child_exited.wake_all();
    if (self == s_init) {
        std::uint64_t rollovers;
        {
            arch::IrqSpinGuard g(s_asid_lock);
            rollovers = s_asids.rollovers();
        }
        if (rollovers)
            log_info("ASIDs (%u bits): %llu rollovers", s_asids.bits(), static_cast<unsigned long long>(rollovers));
        const bool exited = (status & 0x7f) == 0;
        log_info("init (pid 1) %s %d: powering off", exited ? "exited with status" : "was killed by signal",
                 exited ? (status >> 8) & 0xff : status & 0x7f);
        hal::semihosting::exit(exited ? static_cast<std::uint32_t>((status >> 8) & 0xff) : 128 + (status & 0x7f));
    }
    sched::preempt_disable();  // the parent may reap us only after we stopped: see release_process
    parent_wq->wake_all();
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

std::int64_t sys_kill(int pid, int sig) {
    if (sig < 0 || sig > abi::kMaxSignal) return -abi::kEINVAL;
    if (pid <= 0) return -abi::kEINVAL;  // process groups: not supported
    Process* p = nullptr;
    bool zombie = false;
    {
        arch::IrqSpinGuard g(s_tree_lock);
        for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next) {
            Process* c = lib::list_entry<Process, &Process::all_link>(n);
            if (c->pid == pid) {
                p = c;
                zombie = c->zombie;
                break;
            }
        }
    }
    if (!p) return -abi::kESRCH;
    if (sig == 0 || zombie) return 0;  // a zombie still exists until reaped; signals do nothing to it
    // Ignored by default, as on Linux.
    if (sig == abi::kSIGCHLD || sig == abi::kSIGURG || sig == abi::kSIGWINCH || sig == abi::kSIGCONT) return 0;
    // Every other signal terminates (no signal handlers yet), reported with its own number.
    if (p == current_process()) process_exit(abi::wait_status_signaled(sig));
    p->pending_signal = sig;
    sched::interrupt(p->task);  // it leaves at its next return to EL0
    return 0;
}

void kill_from_interrupt(int pid, int sig) {
    Process* p = find_process(pid);
    if (!p || !p->task) return;
    p->pending_signal = sig;
    sched::interrupt(p->task);  // acted on when the task next returns to EL0, never here
}

void for_each_process(void (*fn)(const Process&, void*), void* ctx) {
    // Small enough to walk under the lock: fn must not block (the shell copies what it prints).
    arch::IrqSpinGuard g(s_tree_lock);
    for (lib::ListNode* n = s_all->first(); n != s_all->end(); n = n->next)
        fn(*lib::list_entry<Process, &Process::all_link>(n), ctx);
}

std::size_t process_count() {
    arch::IrqSpinGuard g(s_tree_lock);
    return s_count;
}

// ---- User exceptions: system calls and faults.

namespace {
int signal_for(arch::esr::Class ec) {
    using arch::esr::Class;
    switch (ec) {
    case Class::DataAbortLower:
    case Class::InstrAbortLower: return abi::kSIGSEGV;
    case Class::PcAlignment:
    case Class::SpAlignment: return abi::kSIGBUS;
    case Class::FpException: return abi::kSIGFPE;
    case Class::Brk64:
    case Class::BreakpointLower:
    case Class::StepLower:
    case Class::WatchpointLower: return abi::kSIGTRAP;
    default: return abi::kSIGILL;
    }
}

const char* signal_name(int sig) {
    switch (sig) {
    case abi::kSIGSEGV: return "SIGSEGV";
    case abi::kSIGBUS: return "SIGBUS";
    case abi::kSIGILL: return "SIGILL";
    case abi::kSIGFPE: return "SIGFPE";
    case abi::kSIGTRAP: return "SIGTRAP";
    default: return "signal";
    }
}
}  // namespace

// Faults (everything but SVC): out of line, so the system-call path carries none of its locals.
[[gnu::noinline]] void handle_user_fault(arch::TrapFrame& frame) {
    using namespace arch::esr;
    const Class ec = exception_class(frame.esr);
    Process* p = current_process();
    if (ec == Class::FpAccess) {  // first FP use since this task was switched in: give it the registers
        take_fp(p);
        set_el0_fp_access(true);
        return;
    }
    // A write to a copy-on-write page (shared since a fork): give this space its own copy, retry.
    if (ec == Class::DataAbortLower && fault_kind(fault_status(frame.esr)) == FaultKind::Permission &&
        abort_is_write(frame.esr)) {
        arch::irq_enable();
        const bool resolved = p->space->resolve_cow_fault(frame.far).ok();
        arch::irq_disable();
        if (resolved) return;  // the access is retried
    }
    // A touch below the mapped stack but within its limit (and not far below sp) grows the stack.
    if (ec == Class::DataAbortLower && fault_kind(fault_status(frame.esr)) == FaultKind::Translation &&
        frame.far < kUserStackTop && frame.far >= kUserStackTop - kUserStackSize &&
        frame.far + 65536 >= frame.sp_el0) {
        arch::irq_enable();
        const bool grown = p->space->map_new(mm::align_down(frame.far, mm::kPageSize), mm::kPageSize,
                                             mm::MapFlags::Read | mm::MapFlags::Write).ok();
        arch::irq_disable();
        if (grown) return;  // the access is retried
    }
    // A fault: kill only this process, with a one-line report and Linux's signal status.
    const int sig = signal_for(ec);
    char detail[96] = "";
    if (is_abort(ec)) {
        const std::uint8_t fsc = fault_status(frame.esr);
        lib::snformat(detail, sizeof detail, " (%s level %u%s)", fault_kind_name(fault_kind(fsc)), fault_level(fsc),
                      ec == Class::DataAbortLower ? (abort_is_write(frame.esr) ? ", write" : ", read") : ", fetch");
    }
    char where[48] = "";
    if (is_abort(ec) || ec == Class::PcAlignment)  // FAR is only meaningful for these
        lib::snformat(where, sizeof where, " at 0x%llx", static_cast<unsigned long long>(frame.far));
    log_warn("pid %d (%s) killed by %s: %s%s%s, pc 0x%llx", p->pid, p->name, signal_name(sig), class_name(ec), detail,
             where, static_cast<unsigned long long>(frame.elr));
    process_exit(abi::wait_status_signaled(sig));
}

bool resolve_user_cow(std::uint64_t addr, std::size_t n) {
    if (n == 0 || !user_range_ok(addr, n)) return false;
    mm::AddressSpace* space = current_process()->space;
    bool any = false;
    for (std::uint64_t a = mm::align_down(addr, mm::kPageSize); a < addr + n; a += mm::kPageSize)
        any = space->resolve_cow_fault(a).ok() || any;
    return any;
}

void handle_user_exception(arch::TrapFrame& frame) {
    if (__builtin_expect(arch::esr::exception_class(frame.esr) != arch::esr::Class::Svc64, 0))
        return handle_user_fault(frame);
    arch::irq_enable();  // system calls are preemptible and may block
    Process* p = current_process();
    frame.x[0] = static_cast<std::uint64_t>(syscall_dispatch(p, frame));
    act_on_kill(p);
    arch::irq_disable();  // ELR/SPSR are restored next: no interrupt may clobber them
}

}  // namespace kernel
