// The switch hook and the state it carries for user processes: ASIDs and lazy FP/SIMD (switch_state.h).
#include "kernel/switch_state.h"

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/tlb.h"
#include "hal/device_tree.h"
#include "kernel/process/process.h"
#include "mm/address_space.h"
#include "mm/asid_allocator.h"
#include "sched/scheduler.h"

extern "C" void fpsimd_save(kernel::FpState* s);
extern "C" void fpsimd_load(const kernel::FpState* s);

namespace kernel {

static_assert(offsetof(FpState, fpcr) == 512 && offsetof(FpState, fpsr) == 520, "fpsimd.S layout");

namespace {

arch::SpinLock s_asid_lock;          // guards s_asids
constinit mm::AsidAllocator s_asids;

// ---- ASIDs.
//
// With several CPUs a process may leave a CPU for another: the CPU it left switches to a kernel task
// (or another space) and publishes that in its slot (leave_space), so that releasing the process's
// ASID when it exits elsewhere finds no CPU still naming it. Its old TLB entries there are harmless:
// every invalidation of the space (unmap, exit's destroy) is broadcast to all CPUs (TLBI ...IS).
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
// Every CPU the kernel may start needs an allocator slot, or a rollover could hand its running ASID
// to another space.
static_assert(mm::AsidAllocator::kMaxCpus >= hal::kMaxCpus);
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
        if (ctx == kNoSpace) s_asids.set_active(c, 0);      // it left its space (leave_space)
        else if (ctx != 0) s_asids.set_active(c, ctx);      // 0: taken before a rollover, already exact
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

void deactivate_locked(unsigned cpu) {
    s_asids.set_active(cpu, 0);
    // Not 0: the next switch may take the fast path. Written under the lock, so after any rollover.
    __atomic_store_n(&s_fast.running[cpu].ctx, kNoSpace, __ATOMIC_RELAXED);
}

// This CPU switches to a kernel task: it runs no user space now (TTBR0 becomes the empty table).
// Lock-free, like the fast path, unless a rollover took the slot (0): the allocator's own record
// then still names the space it ran, which only the lock may change.
[[gnu::noinline]] void leave_space(unsigned cpu) {
    std::uint64_t* slot = &s_fast.running[cpu].ctx;
    std::uint64_t old = load_relaxed(*slot);
    if (old == kNoSpace) return;
    if (old == 0 || !__atomic_compare_exchange_n(slot, &old, kNoSpace, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        arch::SpinGuardIrqsOff g(s_asid_lock);
        deactivate_locked(cpu);
    }
}

}  // namespace

std::uint64_t activate_space(mm::AddressSpace* as) {
    const unsigned cpu = asid_cpu();
    std::uint64_t ttbr0;
    return activate_space_fast(as, cpu, ttbr0) ? ttbr0 : activate_space_locked(as, cpu);
}

void deactivate_space() {
    arch::SpinGuardIrqsOff g(s_asid_lock);
    deactivate_locked(asid_cpu());
}

// The space runs nowhere and no CPU can switch to it any more; this CPU left it under the lock
// (deactivate_space, or execve's switch to the new space), so its allocator slot does not name it.
void release_asid(std::uint64_t ctx) {
    arch::IrqSpinGuard g(s_asid_lock);
    // release() checks that no CPU's allocator slot names it: refresh them all from the running slots
    // (there is nothing to refresh on one CPU). This CPU's too: the task may have left the CPU it
    // deactivated the space on, and arrived on one that left the space lock-free (leave_space).
    if (s_slots_used > 1) sync_running_slots(false, kAsidCpus);
    s_asids.release(ctx);
}

std::uint64_t asid_rollovers(unsigned& bits) {
    arch::IrqSpinGuard g(s_asid_lock);
    bits = s_asids.bits();
    return s_asids.rollovers();
}

namespace {

// FP/SIMD registers are loaded lazily and saved eagerly, per CPU. Each CPU's registers hold the state
// of its `owner` (the last process that used FP there) when that process's fp_cpu names the CPU. A
// task that is not the owner runs with EL0 FP access trapped (CPACR_EL1.FPEN = 01); its first FP
// instruction traps, and only then are its registers loaded. Programs that never use FP (most
// system-call-bound ones) never pay for the 32 vector registers.
// The save is eager: the owner's registers are written to its Process when it is switched out, so a
// process that moves to another CPU finds its state in memory there; a process that comes back to a
// CPU whose registers still hold its state (owner, and fp_cpu still that CPU) skips the reload.
// fp_cpu is what makes a stale owner harmless: a process that ran FP elsewhere since, or a new
// process at a freed one's address (fp_cpu starts at kNoFpCpu), never matches.
// el0_open mirrors this CPU's CPACR_EL1: a switch writes the register (and pays the ISB) only when
// the access changes, which between two non-owners it never does.
struct alignas(64) FpCpu {
    Process* owner = nullptr;
    bool el0_open = true;  // as boot/head.S leaves it; the first switch to a User task closes it
};
FpCpu s_fp[kAsidCpus];

constexpr std::uint64_t kCpacrFpenAll = 3ull << 20;   // EL0 and EL1 FP access
constexpr std::uint64_t kCpacrFpenEl1 = 1ull << 20;   // EL1 only: EL0 FP traps (EC 0x07)

// Whether this CPU's registers hold p's current FP state (IRQs masked).
[[gnu::always_inline]] inline bool holds_fp_of(const FpCpu& f, const Process* p, unsigned cpu) {
    return f.owner == p && p->fp_cpu == cpu;
}

// IRQs masked (the mirror and the register change together).
void set_el0_fp_access(FpCpu& f, bool on) {
    write_sysreg(cpacr_el1, on ? kCpacrFpenAll : kCpacrFpenEl1);
    arch::isb();  // the new trap setting applies to the next EL0 instruction
    f.el0_open = on;
}

// Makes this CPU's registers hold p's state (IRQs masked). The previous owner's were saved when it
// was switched out (or it is p itself, running: fp_trap only comes from p).
void take_fp(FpCpu& f, Process* p, unsigned cpu) {
    static constexpr FpState kZeroFp{};  // a program's registers before its first FP instruction
    if (holds_fp_of(f, p, cpu)) return;
    fpsimd_load(p->fp_used ? &p->fp : &kZeroFp);
    p->fp_used = true;
    p->fp_cpu = cpu;
    f.owner = p;
}

// The FP/SIMD access the next task needs at EL0 (IRQs masked).
[[gnu::always_inline]] inline void set_fp_access_for(FpCpu& f, Process* n, unsigned cpu) {
    const bool owner = holds_fp_of(f, n, cpu);
    if (owner != f.el0_open) set_el0_fp_access(f, owner);
}

[[gnu::noinline]] void on_switch_locked(sched::Task* next, Process* n, mm::AddressSpace* as, unsigned cpu) {
    next->context.ttbr0 = activate_space_locked(as, cpu);
    set_fp_access_for(s_fp[cpu], n, cpu);
}

// The next task's space and FP access (IRQs masked, lock held). Calls only in tail position.
[[gnu::always_inline]] inline void switch_in(FpCpu& f, sched::Task* next, unsigned cpu) {
    Process* n = next->kind == sched::TaskKind::User ? static_cast<Process*>(next->process) : nullptr;
    if (!n) return leave_space(cpu);
    if (mm::AddressSpace* as = n->space) {
        std::uint64_t ttbr0;
        if (!activate_space_fast(as, cpu, ttbr0)) return on_switch_locked(next, n, as, cpu);
        next->context.ttbr0 = ttbr0;
    } else {
        leave_space(cpu);  // an exiting process, on the empty table: this CPU runs no space now
    }
    set_fp_access_for(f, n, cpu);
}

// prev owns this CPU's FP registers: its state goes to memory first (it may run elsewhere next).
[[gnu::noinline]] void switch_saving_fp(FpCpu& f, Process* prev, sched::Task* next, unsigned cpu) {
    fpsimd_save(&prev->fp);
    switch_in(f, next, cpu);
}

// Scheduler hook, IRQs masked, run-queue lock held: prev's FP state saved, the next space's ASID and
// FP access. Makes no call on its common path (calls only in tail position). The owner is never a
// kernel task, whose process is null.
void on_switch(sched::Task* prev, sched::Task* next) {
    const unsigned cpu = asid_cpu();
    FpCpu& f = s_fp[cpu];
    Process* p = static_cast<Process*>(prev->process);
    if (__builtin_expect(p == f.owner, 0) && p && p->fp_cpu == cpu) return switch_saving_fp(f, p, next, cpu);
    switch_in(f, next, cpu);
}

}  // namespace

void switch_state_init(unsigned asid_bits) {
    s_asids.init(asid_bits);
    s_fast.asid_mask = s_asids.max_asid();
    publish_generation();
    sched::set_switch_hook(on_switch);
}

void fp_trap(Process* p) {
    const unsigned cpu = asid_cpu();
    take_fp(s_fp[cpu], p, cpu);
    set_el0_fp_access(s_fp[cpu], true);
}

void fp_sync(Process* p) {
    const unsigned cpu = asid_cpu();
    if (holds_fp_of(s_fp[cpu], p, cpu)) fpsimd_save(&p->fp);
}

void fp_drop(Process* p, bool close_access) {
    const unsigned cpu = asid_cpu();
    p->fp_cpu = kNoFpCpu;  // no CPU's registers count as its state any more
    if (s_fp[cpu].owner == p) s_fp[cpu].owner = nullptr;
    if (close_access) set_el0_fp_access(s_fp[cpu], false);
}

}  // namespace kernel
