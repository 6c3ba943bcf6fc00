// The scheduler. Per-CPU state (Cpu, reached through TPIDR_EL1) holds the run queue, the running task
// and the idle task; scheduler_internal.h states the lock order and the hand-over between CPUs.
//
// The run-queue lock is held, with IRQs masked, across cpu_switch_to: the task switched to releases
// it (after its own cpu_switch_to returns, or in task_trampoline when it is new). A task switched to
// by an exiting or migrating one first finishes that one off (exit() and migrate_out() point its
// resume address at sched_resume_after_handoff), so the common switch pays nothing for either.
//
// Every switch (yield, preemption, blocking, exit) inlines the same short sequence: a rotation of the
// run queue when the current task just goes behind the others of its level, the general enqueue and
// pick otherwise, and one branch, never taken between kernel tasks, to the EL0 state of User tasks.
//
// The core lives here (pick, switch, yield, blocking and waking, the tick and preemption, init);
// tasks from spawn to release in task_list.cpp, sleeping in sleep.cpp; what they share in
// scheduler_internal.h. What the scheduler needs of the machine comes through sched/platform.h.
#include "sched/scheduler.h"

#include <cstddef>
#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/trap_frame.h"
#include "lib/format.h"
#include "lib/kassert.h"
#include "sched/loadavg.h"
#include "sched/platform.h"
#include "sched/run_queue.h"
#include "sched/scheduler_internal.h"
#include "sched/wait_queue.h"

namespace sched {

namespace {

Task s_boot_idle;

SwitchHook s_switch_hook = nullptr;
UserReturnHook s_user_return_hook = nullptr;

void describe_current(char* buf, unsigned size) {
    Task* t = current();
    if (!t) return;
    lib::snformat(buf, size, "%s (id %llu)", t->name, static_cast<unsigned long long>(t->id));
}

}  // namespace

CpuMask g_online = 0;
// Each CPU's slot is constructed when the CPU is prepared (construct_cpu) and TPIDR_EL1 points at it.
alignas(Cpu) unsigned char g_cpu_storage[kMaxCpus][sizeof(Cpu)];

// ---- The switch path.

// A switch that involves a User task: the process layer's hook, then the EL0 state, then the switch
// itself (here, so that the common path keeps nothing live across a call). Kernel-to-kernel switches
// never come here.
[[gnu::noinline, gnu::cold]] void switch_with_user_state(Task* prev, Task* next) {
    if (s_switch_hook) s_switch_hook(prev, next);
    // TPIDR_EL0 goes with every task here, without testing which is the User one: a kernel task's
    // value means nothing, and no task reaches EL0 but through a switch that loads its own.
    prev->context.tpidr_el0 = read_sysreg(tpidr_el0);
    write_sysreg(tpidr_el0, next->context.tpidr_el0);
    // Kernel tasks all run on the empty user table, so only here can TTBR0 change. The ASID in bits
    // 63:48 tags the new space's TLB entries: no flush; the ISB puts the new table in effect.
    const std::uint64_t ttbr0 = next->context.ttbr0;
    if (ttbr0 != read_sysreg(ttbr0_el1)) {
        write_sysreg(ttbr0_el1, ttbr0);
        arch::isb();
    }
    cpu_switch_to(prev, next);
}

namespace {

[[gnu::noinline]] Task* next_after_runnable_slow(Cpu& cpu, Task* prev) {
    if (!prev->is_idle) cpu.rq.enqueue(prev->sched);  // idle is never queued
    Task* next = pick_next_task(cpu);
    return next == prev ? nullptr : next;
}

// prev (cpu.current) stays runnable: the task to switch to, with prev queued behind its level, or
// nullptr when prev keeps the CPU. Lock held. The common case, prev going behind the others of its
// own level, is one rotation of the queue.
// The idle task needs no test here: its entity matches no level (see init()).
[[gnu::always_inline]] inline Task* next_after_runnable(Cpu& cpu, Task* prev) {
    if (SchedEntity* e = cpu.rq.rotate(prev->sched)) return task_of(e);
    return next_after_runnable_slow(cpu, prev);
}

// Lock held, IRQs masked, cpu.current runnable: switch if something should run instead; unlocks.
void reschedule_locked(Cpu& cpu) {
    Task* prev = cpu.current;
    if (Task* next = next_after_runnable(cpu, prev)) switch_to(cpu, prev, next);
    finish_switch();  // either way: ours again
}

// ---- Interrupt paths.

// The tick (IRQ context, IRQs masked). Lock-free: it touches only this CPU's state (the running task's
// slice and accounting, need_resched) and reads the queue's size without the lock (other CPUs may be
// changing it: a stale size delays a switch by a tick at most); the switch itself is decided again
// under the lock at IRQ exit. CPU time is sampled: the task found running is charged the whole time
// since the previous tick, so switches pay nothing for it. While nothing else is ready there is no
// slice to account: the running task keeps the CPU either way. With several CPUs online, every
// fourth tick also asks for a balance pass (cpus.cpp), which costs a few loads when balanced.
void on_tick() {
    Cpu& cpu = this_cpu();
    Task* cur = cpu.current;
    const std::uint64_t now = read_sysreg(cntvct_el0);
    const std::uint64_t ran = now - cpu.last_tick;
    cur->cpu_counts += ran;
    ++cur->ticks;
    cpu.last_tick = now;
    account_tick(cpu.index, cur->is_idle, cur->kind == TaskKind::User, ran, now);   // loadavg.h: /proc/stat, load
    // An idle CPU pulls from its idle loop after every interrupt; a busy one every fourth tick.
    if (__builtin_expect(cpu.multi, 0) && (++cpu.ticks & 3) == 0) cpu.balance_due = true;
    if (cpu.rq.size() == 0) return;
    if (cur->is_idle || cpu.rq.tick(cur->sched)) set_need_resched(cpu, true);
}

[[gnu::noinline]] void preempt(Cpu& cpu) {
    cpu.lock.lock();
    set_need_resched(cpu, false);
    Task* prev = cpu.current;
    // Its affinity no longer allows this CPU (set_affinity from another CPU): it leaves for one that
    // it allows instead of going back on this queue.
    if (__builtin_expect(!(prev->sched.affinity & cpu.bit), 0)) {  // (the idle task's allows its CPU)
        ++prev->involuntary_switches;
        migrate_out(cpu, prev);  // returns on the new CPU, its lock held
        return finish_switch();
    }
    if (Task* next = next_after_runnable(cpu, prev)) {
        if (!prev->is_idle) ++prev->involuntary_switches;
        switch_to(cpu, prev, next);
    }
    finish_switch();
}

// Returning from an interrupt: preempt if the tick (or a wake-up) asked for it; then, on the way back
// to EL0, let the process layer act on a pending kill. IRQs masked; no lock held.
[[gnu::noinline]] void on_irq_exit_slow(Cpu& cpu, arch::TrapFrame& frame, bool from_user) {
    if (cpu.balance_due) {
        cpu.balance_due = false;
        if (pull_task(cpu)) set_need_resched(cpu, true);
    }
    if (need_resched(cpu) && cpu.preempt_count == 0) {
        // A kernel task killed while it ran (sched::kill from another CPU) ends at its next interrupt
        // with preemption enabled, as a preempted one would be killed on one CPU.
        Task* cur = cpu.current;
        if (__builtin_expect(cur->kill_pending && cur->kind == TaskKind::Kernel, 0) && !cur->is_idle)
            end_killed_kernel_task();
        preempt(cpu);
    }
    if (from_user && s_user_return_hook) s_user_return_hook(frame);
}

void on_irq_exit(arch::TrapFrame& frame, bool from_user) {
    Cpu& cpu = this_cpu();
    if (__builtin_expect(pending_flags(cpu) != 0 || from_user, 0)) on_irq_exit_slow(cpu, frame, from_user);
}

}  // namespace

// Without masking IRQs on the common path: a task that migrates between reading the block and the
// flags reads the new CPU's, where its own preempt_count is just as much 0 (a task that has
// disabled preemption cannot migrate). The flag is cleared with IRQs masked, on the CPU it is then on.
void maybe_preempt() {
    Cpu& cpu = this_cpu();
    if (!(need_resched(cpu) && cpu.preempt_count == 0 && arch::irqs_enabled())) return;
    {
        arch::IrqGuard masked;
        set_need_resched(this_cpu(), false);
    }
    yield();
}

bool make_ready_on(Cpu& from, Cpu& to, Task* t) {
    if (&from == &to) return make_ready_here(to, t);
    if (t->timer.armed) cancel_sleep_timer(from, t);
    set_task_cpu(t, to.index);
    ++to.migrations_in;
    return make_ready_here(to, t);
}

// First code of a new task (task_trampoline).
extern "C" void sched_finish_switch() {
    finish_switch();
    arch::irq_enable();
}

Cpu& construct_cpu(unsigned index, std::uint64_t mpidr, Task* idle) {
    Cpu* cpu = new (g_cpu_storage[index]) Cpu();
    cpu->index = index;
    cpu->bit = cpu_bit(index);
    cpu->mpidr = mpidr;
    set_name(idle, "idle");
    idle->id = 0;
    idle->is_idle = true;
    idle->cpu = index;
    idle->sched.affinity = cpu_bit(index);
    // Never queued, and one level above the top, so RunQueue::rotate never matches it: the switch
    // path's rotation needs no idle test.
    idle->sched.policy = PolicyKind::FixedPriority;
    idle->sched.priority = kPriorityLevels;
    idle->state = TaskState::Ready;  // runnable; running while it is cpu->current
    cpu->idle = cpu->current = idle;
    return *cpu;
}

// The calling CPU starts scheduling: its block in TPIDR_EL1, its idle task current (SP_EL0), online.
void enter_cpu(Cpu& cpu) {
    write_sysreg(tpidr_el1, reinterpret_cast<std::uint64_t>(&cpu));
    write_sysreg(sp_el0, reinterpret_cast<std::uint64_t>(cpu.idle));
    cpu.last_tick = read_sysreg(cntvct_el0);
    const CpuMask online = __atomic_or_fetch(&g_online, cpu_bit(cpu.index), __ATOMIC_RELEASE);
    // Every online CPU's tick now balances (a hint: read without ordering).
    if (online != cpu_bit(cpu.index))
        for (unsigned c = 0; c < kMaxCpus; ++c)
            if (online & cpu_bit(c)) __atomic_store_n(&cpu_at(c).multi, true, __ATOMIC_RELAXED);
}

void init() {
    init_task_list();
    s_boot_idle.context.ttbr0 = read_sysreg(ttbr0_el1);
    enter_cpu(construct_cpu(0, arch::mpidr() & 0xff00ffffffull, &s_boot_idle));  // the affinity fields
    platform::set_tick_hook(on_tick);
    platform::set_irq_exit_hook(on_irq_exit);
    platform::set_current_task_describer(describe_current);
}

// Each CPU's idle task. need_resched is cleared and the queue looked at under the lock, so a task
// queued by another CPU after the look finds need_resched clear and sends an IPI, which ends the WFI
// (a pending IRQ wakes it even while masked; it is taken after the unmask). With nothing queued here,
// an idle CPU first tries to pull work from a busier one.
void run_idle() {
    Cpu& cpu = this_cpu();
    KASSERT(cpu.current == cpu.idle);
    arch::irq_enable();
    for (;;) {
        arch::irq_disable();
        cpu.lock.lock();
        set_need_resched(cpu, false);
        const bool ready = cpu.rq.size() > 0;
        if (ready) {
            reschedule_locked(cpu);
        } else {
            cpu.lock.unlock();
            if (single_cpu() || !pull_task(cpu)) arch::wfi();
        }
        arch::irq_enable();
    }
}

namespace {
// yield() when the rotation does not apply (prev is idle, or alone at its level, or outranked).
[[gnu::noinline]] void yield_slow(Cpu& cpu, Task* prev, std::uint64_t daif) {
    if (Task* next = next_after_runnable_slow(cpu, prev)) {
        ++prev->voluntary_switches;
        switch_to(cpu, prev, next);
    }
    finish_switch();
    arch::irq_restore(daif);
}
}  // namespace

void yield() {
    const std::uint64_t daif = arch::irq_save();
    Cpu& cpu = this_cpu();
    KASSERT_MSG(cpu.preempt_count == 0, "yield with preemption disabled");
    cpu.lock.lock();
    Task* prev = cpu.current;
    SchedEntity* e = cpu.rq.rotate(prev->sched);
    if (__builtin_expect(e == nullptr, 0)) return yield_slow(cpu, prev, daif);
    ++prev->voluntary_switches;
    switch_to(cpu, prev, task_of(e));
    finish_switch();
    arch::irq_restore(daif);
}

bool block_current(WaitQueue* wq, arch::SpinLock* release) {
    KASSERT(!arch::irqs_enabled());
    Cpu& cpu = this_cpu();
    Task* self = cpu.current;
    KASSERT_MSG(!self->is_idle, "the idle task cannot block");
    cpu.lock.lock();
    // A kill from another CPU between the caller's check of its condition (under `release`) and this
    // lock found us running, so it woke no one; it sets kill_pending under this lock, so we see it
    // here. Take its one wake-up now instead of blocking: the caller re-checks (a kill-aware wait
    // ends, any other goes round and blocks for real), and the kill's IPI ends a kernel task or
    // reaches the user one's way back to EL0 once IRQs are unmasked.
    if (__builtin_expect(self->kill_pending && !self->kill_woken, 0)) {
        self->kill_woken = true;
        cpu.lock.unlock();
        return false;
    }
    self->state = TaskState::Blocked;
    self->waiting_on = wq;
    if (release) release->unlock();  // wakers may now find us: they wait for the rq lock
    ++self->voluntary_switches;
    switch_to(cpu, self, pick_next_task(cpu));
    finish_switch();
    self->waiting_on = nullptr;
    return true;
}

void wake(Task* t) {
    {
        const std::uint64_t daif = arch::irq_save();
        place_task(t, TaskState::Blocked);  // its one-CPU path is inlined here
        arch::irq_restore(daif);
    }
    maybe_preempt();
}

void preempt_disable() {
    arch::IrqGuard g;
    ++this_cpu().preempt_count;
}

void preempt_enable() {
    {
        arch::IrqGuard g;
        Cpu& cpu = this_cpu();
        KASSERT(cpu.preempt_count > 0);
        --cpu.preempt_count;
    }
    maybe_preempt();
}

// Plain stores: a hook is installed at boot (or by a test) and read with IRQs masked or by the task
// itself; a switch running on another CPU would see the old or the new one, both valid.
SwitchHook set_switch_hook(SwitchHook hook) {
    arch::IrqGuard g;
    const SwitchHook old = s_switch_hook;
    s_switch_hook = hook;
    return old;
}
UserReturnHook set_user_return_hook(UserReturnHook hook) {
    arch::IrqGuard g;
    const UserReturnHook old = s_user_return_hook;
    s_user_return_hook = hook;
    return old;
}

std::uint64_t switch_count() { return this_cpu().switches; }

CpuMask online_cpus() { return __atomic_load_n(&g_online, __ATOMIC_ACQUIRE); }
unsigned online_cpu_count() { return static_cast<unsigned>(__builtin_popcount(online_cpus())); }

lib::Result<CpuInfo> cpu_info(unsigned index) {
    if (index >= kMaxCpus || !(online_cpus() & cpu_bit(index))) return lib::Error::NotFound;
    Cpu& cpu = cpu_at(index);
    CpuInfo i{};
    arch::IrqSpinGuard g(cpu.lock);
    i.index = index;
    i.mpidr = cpu.mpidr;
    i.queued = cpu.rq.size();
    i.current_id = cpu.current->id;
    for (std::size_t k = 0; k < kTaskNameMax; ++k) i.current_name[k] = cpu.current->name[k];
    i.switches = cpu.switches;
    i.idle_ns = platform::counts_to_ns(cpu.idle->cpu_counts);  // its idle task's time, as any task's
    i.migrations_in = cpu.migrations_in;
    return i;
}

std::size_t ready_count() {
    arch::IrqGuard masked;  // before this_cpu(): no migration between reading it and locking
    Cpu& cpu = this_cpu();
    cpu.lock.lock();
    const std::size_t n = cpu.rq.size();
    cpu.lock.unlock();
    return n;
}

}  // namespace sched
