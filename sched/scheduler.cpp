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
#include "sched/scheduler.h"

#include <cstddef>
#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/trap_frame.h"
#include "lib/format.h"
#include "lib/kassert.h"
#include "lib/panic.h"
#include "sched/platform.h"
#include "sched/run_queue.h"
#include "sched/wait_queue.h"

namespace sched {

const char* state_name(TaskState s) {
    switch (s) {
    case TaskState::Initializing: return "init";
    case TaskState::Ready: return "ready";
    case TaskState::Running: return "running";
    case TaskState::Blocked: return "blocked";
    case TaskState::Zombie: return "zombie";
    }
    return "?";
}

namespace {

constexpr unsigned kMaxCpus = 8;

// One CPU's scheduler state. Only that CPU touches it, with IRQs masked; fields marked "lock" are
// also guarded by its run-queue lock (for the CPUs that will enqueue on it remotely).
struct Cpu {
    arch::SpinLock lock;              // the run-queue lock; first: the switch path addresses it with no offset
    Task* current = nullptr;          // lock for writes
    std::uint64_t switches = 0;       // lock; next to current: one paired store
    Task* idle = nullptr;
    // A tick or wake-up asks for a switch at the next chance. Every scheduling decision clears it but
    // a yield's rotation, which needs no clearing: a request made with preemption enabled is served at
    // once (IRQ exit, maybe_preempt), and a yield needs preemption enabled.
    bool need_resched = false;
    unsigned preempt_count = 0;
    std::uint64_t last_tick = 0;      // counter value at the last tick (CPU time is charged per tick)
    Task* dead = nullptr;             // lock: an exited task, freed by the task switched to next...
    std::uint64_t dead_resume = 0;    // ...which then resumes here (its real saved lr)
    RunQueue rq;                      // lock
};

// Cpu is not standard-layout (its run queue holds policy objects), but it has no virtual base: GCC
// gives the offset of a direct member exactly.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(Cpu, current) == kCpuCurrentOffset, "current() in scheduler.h reads it there");
#pragma GCC diagnostic pop

// Each CPU constructs its slot when it comes up (only the boot CPU today) and points TPIDR_EL1 at it.
alignas(Cpu) unsigned char s_cpu_storage[kMaxCpus][sizeof(Cpu)];
Task s_boot_idle;

// Sleepers, by deadline in counter units. Guarded by the boot CPU's run-queue lock (one timer queue
// for the machine, driven by the boot CPU's timer, until SMP splits it per CPU).
constinit TimerQueue s_timers;

// All tasks (not idle). Guarded by s_tasks_lock.
arch::SpinLock s_tasks_lock;
lib::IntrusiveList* s_all_tasks = nullptr;
alignas(lib::IntrusiveList) unsigned char s_all_storage[sizeof(lib::IntrusiveList)];
std::size_t s_task_count = 0;
std::uint64_t s_next_id = 1;

std::uint64_t s_empty_ttbr0 = 0;  // kernel tasks' TTBR0: the empty user table
SwitchHook s_switch_hook = nullptr;
UserReturnHook s_user_return_hook = nullptr;
ExitHook s_exit_hook = nullptr;

static_assert(static_cast<unsigned>(TaskKind::Kernel) == 0, "the switch path tests both kinds with one add");

// Volatile: a task may resume on another CPU once tasks migrate, so never reuse an older read.
[[gnu::always_inline]] inline Cpu* cpu_pointer() {
    Cpu* c;
    asm volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}
[[gnu::always_inline]] inline Cpu& this_cpu() { return *cpu_pointer(); }

Task* task_of(SchedEntity* e) { return reinterpret_cast<Task*>(e); }  // sched is a Task's first member

void set_name(Task* t, const char* name) {
    std::size_t i = 0;
    for (; i < kTaskNameMax - 1 && name[i]; ++i) t->name[i] = name[i];
    t->name[i] = 0;
}

void describe_current(char* buf, unsigned size) {
    Task* t = current();
    if (!t) return;
    lib::snformat(buf, size, "%s (id %llu)", t->name, static_cast<unsigned long long>(t->id));
}

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

// Switches from prev (cpu.current: still Ready and queued, or Blocked, or a Zombie) to next (Ready,
// not queued, not prev). Lock held, IRQs masked. Returns when prev is switched back to, the lock held
// for it (the caller releases it: finish_switch). Which task runs is cpu.current alone: a runnable
// task is Ready whether queued or running, so a switch between two writes no task state.
[[gnu::always_inline]] inline void switch_to(Cpu& cpu, Task* prev, Task* next) {
    cpu.current = next;
    ++cpu.switches;
    if (__builtin_expect(static_cast<unsigned>(prev->kind) + static_cast<unsigned>(next->kind) != 0, 0))
        switch_with_user_state(prev, next);
    else
        cpu_switch_to(prev, next);
}

// In the task switched back to (or new): release the lock the switching task took for it.
[[gnu::always_inline]] inline void finish_switch() { this_cpu().lock.unlock(); }

// The task to run after one that stopped (blocked or exited). Lock held.
[[gnu::always_inline]] inline Task* pick_next_task(Cpu& cpu) {
    cpu.need_resched = false;
    SchedEntity* e = cpu.rq.pick_next();
    return e ? task_of(e) : cpu.idle;
}

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

// ---- Sleeping and waking.

// Program the one-shot timer for the earliest sleeper. Run-queue lock held. Out of line: callers on
// the wake path stay free of its stack-protected local.
[[gnu::noinline]] void arm_sleep_timer();

// A task woken with a sleep timer armed (a timed wait) cancels it. Lock held.
[[gnu::noinline]] void cancel_sleep_timer(Task* t) {
    s_timers.remove(t->timer);
    arm_sleep_timer();
}

// Blocked -> Ready (its sleep timer cancelled), asking for a switch if it should preempt. Lock held.
// Inlined where it is hot (wake); make_ready_locked() for the rest.
[[gnu::always_inline]] inline void make_ready_inline(Cpu& cpu, Task* t) {
    if (__builtin_expect(t->timer.armed, 0)) cancel_sleep_timer(t);
    t->state = TaskState::Ready;
    cpu.rq.enqueue(t->sched);
    if (cpu.current->is_idle || cpu.rq.should_preempt(cpu.current->sched, t->sched)) cpu.need_resched = true;
}
void make_ready_locked(Cpu& cpu, Task* t) { make_ready_inline(cpu, t); }

void on_sleep_deadline() {
    Cpu& cpu = this_cpu();
    cpu.lock.lock();  // IRQ context: IRQs are already masked
    const std::uint64_t now = read_sysreg(cntvct_el0);
    while (TimerEntry* e = s_timers.pop_expired(now)) {
        Task* t = timer_entry_owner<Task, &Task::timer>(e);
        if (t->state != TaskState::Blocked) continue;
        t->timed_out = true;
        make_ready_locked(cpu, t);
    }
    arm_sleep_timer();
    cpu.lock.unlock();
}

void arm_sleep_timer() {
    std::uint64_t earliest;
    if (s_timers.earliest(earliest))
        platform::set_deadline(platform::counts_to_ns(earliest), on_sleep_deadline);
    else platform::cancel_deadline();
}

// Takes the run-queue lock (IRQs already masked) with t, if it is blocked on a wait queue, off that
// queue's list: it can then neither be woken through the queue nor be found on it when it waits
// again. The queue's lock comes before ours, so ours is dropped while WaitQueue::remove runs; if t
// was woken and queued again meanwhile, repeat.
void lock_with_task_off_its_queue(Cpu& cpu, Task* t) {
    for (;;) {
        cpu.lock.lock();
        WaitQueue* wq = t->state == TaskState::Blocked ? t->waiting_on : nullptr;
        if (!wq || !t->wait_link.linked()) return;
        cpu.lock.unlock();
        wq->remove(t);
    }
}

// interrupt() with IRQs masked (the run-queue lock is taken and released here).
void interrupt_masked(Cpu& cpu, Task* t) {
    lock_with_task_off_its_queue(cpu, t);
    t->kill_pending = true;
    if (t->state == TaskState::Blocked) make_ready_locked(cpu, t);
    cpu.lock.unlock();
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

void maybe_preempt() {
    Cpu& cpu = this_cpu();
    if (cpu.need_resched && cpu.preempt_count == 0 && arch::irqs_enabled()) {
        cpu.need_resched = false;
        yield();
    }
}

}  // namespace

// First code of a new task (task_trampoline).
extern "C" void sched_finish_switch() {
    finish_switch();
    arch::irq_enable();
}

// Run by the task an exiting one switched to, before it resumes (sched_resume_after_exit), lock held
// and IRQs masked: the dead task's stack is not in use any more. Frees it (and the TCB of a detached
// task) and returns the real resume address. Only leaf locks (memory) are taken.
extern "C" std::uint64_t sched_reap_dead() {
    Cpu& cpu = this_cpu();
    Task* dead = cpu.dead;
    cpu.dead = nullptr;
    platform::kernel_stack_free(dead->stack);
    dead->stack = mm::KernelStack{};
    if (dead->detached) delete dead;
    return cpu.dead_resume;
}

extern "C" [[noreturn]] void sched_exit_current(int code) { exit(code); }

void init() {
    s_all_tasks = new (s_all_storage) lib::IntrusiveList();
    Cpu* cpu = new (s_cpu_storage[arch::cpu_index() & (kMaxCpus - 1)]) Cpu();
    write_sysreg(tpidr_el1, reinterpret_cast<std::uint64_t>(cpu));
    s_empty_ttbr0 = platform::empty_user_root();
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

lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts) {
    if (opts.priority > kMaxPriority) return lib::Error::InvalidArgument;
    if (opts.policy != PolicyKind::RoundRobin && opts.policy != PolicyKind::FixedPriority)
        return lib::Error::InvalidArgument;
    if (opts.kind != TaskKind::Kernel && opts.kind != TaskKind::User) return lib::Error::InvalidArgument;
    Task* t = new Task;
    if (!t) return lib::Error::NoMemory;
    auto stack = platform::kernel_stack_alloc();
    if (!stack.ok()) {
        delete t;
        return lib::Error::NoMemory;
    }
    t->stack = stack.value();
    set_name(t, name);
    t->kind = opts.kind;
    t->entry = entry;
    t->arg = arg;
    t->detached = opts.detached;
    t->sched.policy = opts.policy;
    t->sched.priority = opts.priority;
    t->context.x19_x28[0] = reinterpret_cast<std::uint64_t>(entry);
    t->context.x19_x28[1] = reinterpret_cast<std::uint64_t>(arg);
    t->context.lr = reinterpret_cast<std::uint64_t>(&task_trampoline);
    t->context.sp = t->stack.top;
    t->context.fp = 0;
    t->context.ttbr0 = s_empty_ttbr0;

    const std::uint64_t daif = arch::irq_save();
    Cpu& cpu = this_cpu();
    s_tasks_lock.lock();
    if (s_task_count >= kMaxTasks) {
        s_tasks_lock.unlock();
        arch::irq_restore(daif);
        platform::kernel_stack_free(t->stack);
        delete t;
        return lib::Error::Busy;
    }
    ++s_task_count;
    t->id = s_next_id++;
    t->parent_id = cpu.current->id;  // 0 (none) when the idle (boot) context spawns
    s_all_tasks->push_back(t->all_link);
    s_tasks_lock.unlock();
    cpu.lock.lock();
    make_ready_locked(cpu, t);
    cpu.lock.unlock();
    arch::irq_restore(daif);
    maybe_preempt();
    return t;
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

void exit(int code) {
    Task* self = current();
    KASSERT_MSG(!self->is_idle, "the idle task cannot exit");
    if (s_exit_hook) {
        arch::irq_enable();
        s_exit_hook(self);
    }
    arch::irq_disable();
    Cpu& cpu = this_cpu();
    cpu.preempt_count = 0;
    if (self->detached) {
        // Off the list now: its lock comes before the run-queue lock, which the freeing runs under.
        s_tasks_lock.lock();
        s_all_tasks->remove(self->all_link);
        --s_task_count;
        s_tasks_lock.unlock();
    }
    cpu.lock.lock();
    self->exit_code = code;
    self->state = TaskState::Zombie;
    Task* next = pick_next_task(cpu);
    // The task switched to frees this one before it resumes: its saved lr is redirected through
    // sched_resume_after_exit (context_switch.S), which calls sched_reap_dead.
    KASSERT(cpu.dead == nullptr);  // the previous exit's successor has run and reaped it
    cpu.dead = self;
    cpu.dead_resume = next->context.lr;
    next->context.lr = reinterpret_cast<std::uint64_t>(&sched_resume_after_exit);
    switch_to(cpu, self, next);
    kernel::panic("a zombie task was scheduled again");
}

void release(Task* t) {
    KASSERT(t != nullptr);
    {
        arch::IrqSpinGuard g(s_tasks_lock);
        KASSERT_MSG(t->state == TaskState::Zombie && !t->detached, "release: not a non-detached zombie");
        KASSERT_MSG(!t->stack.valid(), "release: the task has not stopped running");
        s_all_tasks->remove(t->all_link);
        --s_task_count;
    }
    delete t;
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

void interrupt(Task* t) {
    KASSERT(t != nullptr && !t->is_idle);
    {
        const std::uint64_t daif = arch::irq_save();
        interrupt_masked(this_cpu(), t);
        arch::irq_restore(daif);
    }
    maybe_preempt();
}

void sleep_until(std::uint64_t uptime_ns) {
    const std::uint64_t deadline = platform::ns_to_counts(uptime_ns);
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        Cpu& cpu = this_cpu();
        Task* self = cpu.current;
        if (self->kill_pending || read_sysreg(cntvct_el0) >= deadline) {
            arch::irq_restore(daif);
            return;
        }
        KASSERT_MSG(!self->is_idle, "the idle task cannot sleep");
        cpu.lock.lock();
        self->timed_out = false;
        s_timers.insert(self->timer, deadline);
        arm_sleep_timer();
        self->state = TaskState::Blocked;
        ++self->voluntary_switches;
        switch_to(cpu, self, pick_next_task(cpu));
        finish_switch();
        arch::irq_restore(daif);
    }
}

void sleep_ns(std::uint64_t ns) {
    const std::uint64_t now = platform::uptime_ns();
    sleep_until(ns > ~std::uint64_t{0} - now ? ~std::uint64_t{0} : now + ns);  // saturating: "forever"
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
ExitHook set_exit_hook(ExitHook hook) {
    arch::IrqGuard g;
    const ExitHook old = s_exit_hook;
    s_exit_hook = hook;
    return old;
}

lib::Status kill(std::uint64_t id) {
    if (id == 0) return lib::Error::InvalidArgument;
    Task* victim = nullptr;  // a detached task to delete after the locks
    bool self = false;
    {
        const std::uint64_t daif = arch::irq_save();
        Cpu& cpu = this_cpu();
        // Held throughout, so the task cannot be reclaimed under us.
        s_tasks_lock.lock();
        Task* t = nullptr;
        for (lib::ListNode* n = s_all_tasks->first(); n != s_all_tasks->end(); n = n->next) {
            Task* c = lib::list_entry<Task, &Task::all_link>(n);
            if (c->id == id) {
                t = c;
                break;
            }
        }
        if (!t || t->state == TaskState::Zombie) {
            s_tasks_lock.unlock();
            arch::irq_restore(daif);
            return lib::Error::NotFound;
        }
        if (t->kind == TaskKind::User) {
            interrupt_masked(cpu, t);  // its process has state to tear down: it ends itself
        } else if (t == cpu.current) {
            self = true;
        } else {
            lock_with_task_off_its_queue(cpu, t);
            KASSERT(t->state == TaskState::Ready || t->state == TaskState::Blocked);
            if (t->sched.queued) cpu.rq.dequeue(t->sched);  // Ready and not running: queued
            if (t->timer.armed) {
                s_timers.remove(t->timer);
                arm_sleep_timer();
            }
            t->kill_pending = true;
            t->state = TaskState::Zombie;
            t->exit_code = -9;
            cpu.lock.unlock();
            // Not running anywhere: nothing else touches its stack. Freed before anyone can see the
            // zombie, as for an exited task.
            platform::kernel_stack_free(t->stack);
            t->stack = mm::KernelStack{};
            if (t->detached) {
                s_all_tasks->remove(t->all_link);
                --s_task_count;
                victim = t;
            }
        }
        s_tasks_lock.unlock();
        arch::irq_restore(daif);
    }
    if (self) exit(-9);
    if (victim) delete victim;
    maybe_preempt();
    return {};
}

namespace {
TaskInfo info_of(const Task* t) {
    TaskInfo i{};
    i.id = t->id;
    for (std::size_t k = 0; k < kTaskNameMax; ++k) i.name[k] = t->name[k];
    i.state = (t->state == TaskState::Ready && t == this_cpu().current) ? TaskState::Running : t->state;
    i.kind = t->kind;
    i.policy = t->sched.policy;
    i.priority = t->sched.priority;
    i.cpu_ns = platform::counts_to_ns(t->cpu_counts);
    i.ticks = t->ticks;
    i.voluntary = t->voluntary_switches;
    i.involuntary = t->involuntary_switches;
    i.parent_id = t->parent_id;
    i.idle = t->is_idle;
    return i;
}
}  // namespace

void for_each_task(void (*fn)(const TaskInfo&, void*), void* ctx) {
    // Snapshot in chunks so fn (which prints) never runs under the lock.
    constexpr std::size_t kChunk = 32;
    TaskInfo buf[kChunk];
    std::uint64_t after = 0;
    bool first = true;
    for (;;) {
        std::size_t n = 0;
        {
            arch::IrqSpinGuard g(s_tasks_lock);
            if (first) buf[n++] = info_of(this_cpu().idle);
            for (lib::ListNode* l = s_all_tasks->first(); l != s_all_tasks->end() && n < kChunk; l = l->next) {
                Task* t = lib::list_entry<Task, &Task::all_link>(l);
                if (t->id > after) buf[n++] = info_of(t);
            }
        }
        first = false;
        if (n == 0) return;
        for (std::size_t i = 0; i < n; ++i) fn(buf[i], ctx);
        after = buf[n - 1].id;
        if (n < kChunk) return;
    }
}

std::size_t task_count() {
    arch::IrqSpinGuard g(s_tasks_lock);
    return s_task_count;
}

std::uint64_t switch_count() { return this_cpu().switches; }

std::size_t ready_count() {
    arch::IrqGuard masked;  // before this_cpu(): no migration between reading it and locking
    Cpu& cpu = this_cpu();
    cpu.lock.lock();
    const std::size_t n = cpu.rq.size();
    cpu.lock.unlock();
    return n;
}

lib::Result<TaskInfo> task_info(std::uint64_t id) {
    arch::IrqSpinGuard g(s_tasks_lock);
    for (lib::ListNode* l = s_all_tasks->first(); l != s_all_tasks->end(); l = l->next) {
        Task* t = lib::list_entry<Task, &Task::all_link>(l);
        if (t->id == id) return info_of(t);
    }
    return lib::Error::NotFound;
}

}  // namespace sched
