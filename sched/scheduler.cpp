// The scheduler. Per-CPU state (Cpu, reached through TPIDR_EL1) holds the run queue, the running task
// and the idle task.
//
// Locks, in the order they nest:  task-list lock  ->  a wait queue's lock  ->  the run-queue lock
//   (memory and console locks are leaves below all of them).
// The run-queue lock is held, with IRQs masked, across cpu_switch_to: the task switched to releases
// it (after its own cpu_switch_to returns, or in task_trampoline when it is new). A task switched to
// by an exiting one first frees that one (exit() points its resume address at sched_resume_after_exit),
// so the common switch pays nothing for exits.
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
#include "sched/platform.h"
#include "sched/run_queue.h"
#include "sched/scheduler_internal.h"
#include "sched/wait_queue.h"

namespace sched {

namespace {

// Each CPU constructs its slot when it comes up (only the boot CPU today) and points TPIDR_EL1 at it.
alignas(Cpu) unsigned char s_cpu_storage[kMaxCpus][sizeof(Cpu)];
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
Cpu& cpu_at(unsigned index) { return *reinterpret_cast<Cpu*>(s_cpu_storage[index]); }

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
// slice and accounting, need_resched) and reads the queue's size, which only this CPU changes today;
// the switch itself is decided again under the lock at IRQ exit. CPU time is sampled: the task found
// running is charged the whole time since the previous tick, so switches pay nothing for it. While
// nothing else is ready there is no slice to account: the running task keeps the CPU either way.
void on_tick() {
    Cpu& cpu = this_cpu();
    Task* cur = cpu.current;
    const std::uint64_t now = read_sysreg(cntvct_el0);
    if (cur->is_idle) cpu.idle_counts += now - cpu.last_tick;
    cur->cpu_counts += now - cpu.last_tick;
    ++cur->ticks;
    cpu.last_tick = now;
    if (cpu.rq.size() == 0) return;
    if (cur->is_idle || cpu.rq.tick(cur->sched)) cpu.need_resched = true;
}

[[gnu::noinline]] void preempt(Cpu& cpu) {
    cpu.lock.lock();
    cpu.need_resched = false;
    Task* prev = cpu.current;
    if (Task* next = next_after_runnable(cpu, prev)) {
        if (!prev->is_idle) ++prev->involuntary_switches;
        switch_to(cpu, prev, next);
    }
    finish_switch();
}

// Returning from an interrupt: preempt if the tick (or a wake-up) asked for it; then, on the way back
// to EL0, let the process layer act on a pending kill.
[[gnu::noinline]] void on_irq_exit_slow(Cpu& cpu, arch::TrapFrame& frame, bool from_user) {
    if (cpu.need_resched && cpu.preempt_count == 0) preempt(cpu);
    if (from_user && s_user_return_hook) s_user_return_hook(frame);
}

void on_irq_exit(arch::TrapFrame& frame, bool from_user) {
    Cpu& cpu = this_cpu();
    if (__builtin_expect(cpu.need_resched || from_user, 0)) on_irq_exit_slow(cpu, frame, from_user);
}

}  // namespace

void maybe_preempt() {
    Cpu& cpu = this_cpu();
    if (cpu.need_resched && cpu.preempt_count == 0 && arch::irqs_enabled()) {
        cpu.need_resched = false;
        yield();
    }
}

// Blocked -> Ready, out of line (make_ready_inline, scheduler_internal.h, is the hot path's).
void make_ready_locked(Cpu& cpu, Task* t) { make_ready_inline(cpu, t); }

// First code of a new task (task_trampoline).
extern "C" void sched_finish_switch() {
    finish_switch();
    arch::irq_enable();
}

void init() {
    init_task_list();
    Cpu* cpu = new (s_cpu_storage[0]) Cpu();
    cpu->index = 0;
    cpu->mpidr = arch::mpidr();
    write_sysreg(tpidr_el1, reinterpret_cast<std::uint64_t>(cpu));
    __atomic_store_n(&g_online, cpu_bit(0), __ATOMIC_RELEASE);
    Task* idle = &s_boot_idle;
    set_name(idle, "idle");
    idle->id = 0;
    idle->is_idle = true;
    // Never queued, and one level above the top, so RunQueue::rotate never matches it: the switch
    // path's rotation needs no idle test.
    idle->sched.policy = PolicyKind::FixedPriority;
    idle->sched.priority = kPriorityLevels;
    idle->state = TaskState::Ready;  // runnable; running while it is cpu->current
    idle->context.ttbr0 = read_sysreg(ttbr0_el1);
    cpu->idle = cpu->current = idle;
    cpu->last_tick = read_sysreg(cntvct_el0);
    platform::set_tick_hook(on_tick);
    platform::set_irq_exit_hook(on_irq_exit);
    platform::set_current_task_describer(describe_current);
}

void run_idle() {
    Cpu& cpu = this_cpu();
    KASSERT(cpu.current == cpu.idle);
    arch::irq_enable();
    for (;;) {
        arch::irq_disable();
        if (cpu.rq.size() > 0) {
            cpu.lock.lock();
            reschedule_locked(cpu);
        } else {
            arch::wfi();  // wakes on a pending IRQ even while masked; it is taken after the unmask
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

void block_current(WaitQueue* wq, arch::SpinLock* release) {
    KASSERT(!arch::irqs_enabled());
    Cpu& cpu = this_cpu();
    Task* self = cpu.current;
    KASSERT_MSG(!self->is_idle, "the idle task cannot block");
    cpu.lock.lock();
    self->state = TaskState::Blocked;
    self->waiting_on = wq;
    if (release) release->unlock();  // wakers may now find us: they wait for the rq lock
    ++self->voluntary_switches;
    switch_to(cpu, self, pick_next_task(cpu));
    finish_switch();
    self->waiting_on = nullptr;
}

void wake(Task* t) {
    {
        const std::uint64_t daif = arch::irq_save();
        Cpu& cpu = this_cpu();
        cpu.lock.lock();
        if (t->state == TaskState::Blocked) make_ready_inline(cpu, t);
        cpu.lock.unlock();
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
    i.idle_ns = platform::counts_to_ns(cpu.idle_counts);
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
