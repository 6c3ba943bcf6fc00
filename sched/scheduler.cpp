// The scheduler. Per-CPU state (Cpu) holds the run queue, the running task and the idle task.
//
// Locks, in the order they nest:  task-list lock  ->  a wait queue's lock  ->  the run-queue lock
//   (memory and console locks are leaves below all of them).
// The run-queue lock is held, with IRQs masked, across cpu_switch_to: the task switched to releases
// it (after its own cpu_switch_to returns, or in task_trampoline when it is new).
#include "sched/scheduler.h"

#include <cstddef>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/trap_frame.h"
#include "hal/timer.h"
#include "kernel/irq.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "lib/kassert.h"
#include "lib/format.h"
#include "lib/string.h"
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

struct Cpu {
    arch::SpinLock lock;            // the run-queue lock: guards everything below and tasks' scheduling state
    RunQueue* rq = nullptr;
    Task* current = nullptr;
    Task* idle = nullptr;
    Task* prev = nullptr;           // the task switched away from, for the next task to finish with
    std::uint64_t switch_counts = 0;  // counter value at the last switch (accounting)
    bool need_resched = false;
    unsigned preempt_count = 0;     // only this CPU touches it
    std::uint64_t switches = 0;
};

Cpu s_cpus[kMaxCpus];
alignas(RunQueue) unsigned char s_rq_storage[kMaxCpus][sizeof(RunQueue)];
Task s_boot_idle;

// Sleepers, by deadline in counter units. Guarded by the boot CPU's run-queue lock (one timer queue
// for the machine until SMP splits it per CPU).
constinit TimerQueue s_timers;

// All tasks (not idle). Guarded by s_tasks_lock.
arch::SpinLock s_tasks_lock;
lib::IntrusiveList* s_all_tasks = nullptr;
alignas(lib::IntrusiveList) unsigned char s_all_storage[sizeof(lib::IntrusiveList)];
std::size_t s_task_count = 0;
std::uint64_t s_next_id = 1;

Cpu& this_cpu() { return s_cpus[arch::cpu_index() & (kMaxCpus - 1)]; }
Task* task_of(SchedEntity* e) {
    return reinterpret_cast<Task*>(reinterpret_cast<char*>(e) - offsetof(Task, sched));
}

void set_name(Task* t, const char* name) {
    std::size_t n = lib::string_length(name);
    if (n >= kTaskNameMax) n = kTaskNameMax - 1;
    lib::copy_bytes(t->name, name, n);
    t->name[n] = 0;
}

void describe_current(char* buf, unsigned size) {
    Task* t = this_cpu().current;
    if (!t) return;
    lib::snformat(buf, size, "%s (id %llu)", t->name, static_cast<unsigned long long>(t->id));
}

// Program the one-shot timer for the earliest sleeper. Run-queue lock held.
void arm_sleep_timer();

// Switches from cpu.current to the next ready task (or idle). Lock held, IRQs masked. The caller set
// prev's state: Running means "still runnable" (it goes back on the queue), anything else not.
// Returns a zombie that the caller must reclaim after unlocking (or nullptr).
[[gnu::noinline]] Task* switch_away(Cpu& cpu) {
    Task* prev = cpu.current;
    if (prev->state == TaskState::Running && !prev->is_idle) {
        prev->state = TaskState::Ready;
        cpu.rq->enqueue(prev->sched);
    }
    SchedEntity* e = cpu.rq->pick_next();
    Task* next = e ? task_of(e) : cpu.idle;
    if (next == prev) {
        prev->state = TaskState::Running;
        return nullptr;
    }
    next->state = TaskState::Running;
    const std::uint64_t now = read_sysreg(cntvct_el0);
    prev->cpu_counts += now - cpu.switch_counts;
    cpu.switch_counts = now;
    cpu.current = next;
    cpu.prev = prev;
    cpu.need_resched = false;
    ++cpu.switches;
    cpu_switch_to(&prev->context, &next->context);
    // Back in prev, switched to by another task that still holds the lock for us.
    Cpu& here = this_cpu();
    Task* done = here.prev;
    here.prev = nullptr;
    return (done && done->state == TaskState::Zombie) ? done : nullptr;
}

// A zombie that can no longer run: free its stack now; the TCB too when nobody will wait for it.
void reclaim(Task* t) {
    kernel::kernel_stack_free(t->stack);
    t->stack = kernel::KernelStack{};
    if (t->detached) {
        {
            arch::IrqSpinGuard g(s_tasks_lock);
            s_all_tasks->remove(t->all_link);
            --s_task_count;
        }
        delete t;
    }
}

// Lock held, IRQs masked: switch, then release the lock and reclaim what the switch left behind.
void reschedule_locked(Cpu& cpu) {
    Task* zombie = switch_away(cpu);
    this_cpu().lock.unlock();
    if (zombie) reclaim(zombie);
}

void on_tick() {
    Cpu& cpu = this_cpu();
    cpu.lock.lock();  // IRQ context: IRQs are already masked
    Task* cur = cpu.current;
    ++cur->ticks;
    if (cur->is_idle) {
        if (cpu.rq->size() > 0) cpu.need_resched = true;
    } else if (cpu.rq->tick(cur->sched) && cpu.rq->size() > 0) {
        cpu.need_resched = true;
    }
    cpu.lock.unlock();
}

void on_sleep_deadline() {
    Cpu& cpu = s_cpus[0];
    cpu.lock.lock();
    const std::uint64_t now = read_sysreg(cntvct_el0);
    while (TimerEntry* e = s_timers.pop_expired(now)) {
        Task* t = timer_entry_owner<Task, &Task::timer>(e);
        if (t->state != TaskState::Blocked) continue;
        t->timed_out = true;
        t->state = TaskState::Ready;
        cpu.rq->enqueue(t->sched);
        if (cpu.current->is_idle || cpu.rq->should_preempt(cpu.current->sched, t->sched)) cpu.need_resched = true;
    }
    arm_sleep_timer();
    cpu.lock.unlock();
}

void arm_sleep_timer() {
    std::uint64_t earliest;
    if (s_timers.earliest(earliest)) hal::timer::set_deadline(hal::timer::counts_to_ns(earliest), on_sleep_deadline);
    else hal::timer::cancel_deadline();
}

// Returning from an interrupt: preempt if the tick (or a wake-up) asked for it.
void on_irq_exit(arch::TrapFrame&, bool) {
    Cpu& cpu = this_cpu();
    if (!cpu.need_resched || cpu.preempt_count != 0) return;
    cpu.lock.lock();
    if (!cpu.current->is_idle) ++cpu.current->involuntary_switches;
    reschedule_locked(cpu);
}

void maybe_preempt() {
    Cpu& cpu = this_cpu();
    if (cpu.need_resched && cpu.preempt_count == 0 && arch::irqs_enabled()) yield();
}

}  // namespace

// First code of a new task (task_trampoline), and the end of any switch into a new context.
extern "C" void sched_finish_switch() {
    Cpu& cpu = this_cpu();
    Task* done = cpu.prev;
    cpu.prev = nullptr;
    cpu.lock.unlock();
    if (done && done->state == TaskState::Zombie) reclaim(done);
    arch::irq_enable();
}

extern "C" [[noreturn]] void sched_exit_current(int code) { exit(code); }

void init() {
    s_all_tasks = new (s_all_storage) lib::IntrusiveList();
    for (unsigned i = 0; i < kMaxCpus; ++i) s_cpus[i].rq = new (s_rq_storage[i]) RunQueue();
    Cpu& cpu = this_cpu();
    Task* idle = &s_boot_idle;
    set_name(idle, "idle");
    idle->id = 0;
    idle->is_idle = true;
    idle->state = TaskState::Running;
    idle->context.ttbr0 = read_sysreg(ttbr0_el1);
    cpu.idle = cpu.current = idle;
    cpu.switch_counts = read_sysreg(cntvct_el0);
    hal::timer::set_tick_hook(on_tick);
    kernel::irq::set_exit_hook(on_irq_exit);
    kernel::set_current_task_describer(describe_current);
}

void run_idle() {
    Cpu& cpu = this_cpu();
    KASSERT(cpu.current == cpu.idle);
    arch::irq_enable();
    for (;;) {
        arch::irq_disable();
        if (cpu.rq->size() > 0) {
            cpu.lock.lock();
            reschedule_locked(cpu);
        } else {
            arch::wfi();  // wakes on a pending IRQ even while masked; it is taken after the unmask
        }
        arch::irq_enable();
    }
}

Task* current() { return this_cpu().current; }

lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts) {
    if (opts.priority > kMaxPriority) return lib::Error::InvalidArgument;
    {
        arch::IrqSpinGuard g(s_tasks_lock);
        if (s_task_count >= kMaxTasks) return lib::Error::Busy;
        ++s_task_count;  // reserved now, so concurrent spawns cannot overshoot the limit
    }
    auto undo_count = [] {
        arch::IrqSpinGuard g(s_tasks_lock);
        --s_task_count;
    };
    Task* t = new Task;
    if (!t) {
        undo_count();
        return lib::Error::NoMemory;
    }
    auto stack = kernel::kernel_stack_alloc();
    if (!stack.ok()) {
        delete t;
        undo_count();
        return lib::Error::NoMemory;
    }
    t->stack = stack.value();
    set_name(t, name);
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
    t->context.ttbr0 = kernel::memory::empty_user_root();
    Cpu& cpu = this_cpu();
    {
        arch::IrqSpinGuard g(s_tasks_lock);
        t->id = s_next_id++;
        t->parent = cpu.current->is_idle ? nullptr : cpu.current;
        s_all_tasks->push_back(t->all_link);
    }
    {
        arch::IrqSpinGuard g(cpu.lock);
        t->state = TaskState::Ready;
        cpu.rq->enqueue(t->sched);
        if (cpu.current->is_idle || cpu.rq->should_preempt(cpu.current->sched, t->sched)) cpu.need_resched = true;
    }
    maybe_preempt();
    return t;
}

void yield() {
    const std::uint64_t daif = arch::irq_save();
    Cpu& cpu = this_cpu();
    KASSERT_MSG(cpu.preempt_count == 0, "yield with preemption disabled");
    cpu.lock.lock();
    if (!cpu.current->is_idle) ++cpu.current->voluntary_switches;
    reschedule_locked(cpu);
    arch::irq_restore(daif);
}

void exit(int code) {
    arch::irq_disable();
    Cpu& cpu = this_cpu();
    Task* self = cpu.current;
    KASSERT_MSG(!self->is_idle, "the idle task cannot exit");
    cpu.preempt_count = 0;
    cpu.lock.lock();
    self->exit_code = code;
    self->state = TaskState::Zombie;
    switch_away(cpu);
    kernel::panic("a zombie task was scheduled again");
}

void block_current(WaitQueue* wq, Unlocker release) {
    Cpu& cpu = this_cpu();
    KASSERT(!arch::irqs_enabled());
    Task* self = cpu.current;
    KASSERT_MSG(!self->is_idle, "the idle task cannot block");
    cpu.lock.lock();
    self->state = TaskState::Blocked;
    self->waiting_on = wq;
    if (release.fn) release.fn(release.ctx);  // wakers may now find us: they wait for the rq lock
    ++self->voluntary_switches;
    Task* zombie = switch_away(cpu);
    this_cpu().lock.unlock();
    if (zombie) reclaim(zombie);
    self->waiting_on = nullptr;
}

void wake(Task* t) {
    Cpu& cpu = this_cpu();
    {
        arch::IrqSpinGuard g(cpu.lock);
        if (t->state != TaskState::Blocked) return;
        if (t->timer.armed) {
            s_timers.remove(t->timer);
            arm_sleep_timer();
        }
        t->state = TaskState::Ready;
        cpu.rq->enqueue(t->sched);
        if (cpu.current->is_idle || cpu.rq->should_preempt(cpu.current->sched, t->sched)) cpu.need_resched = true;
    }
    maybe_preempt();
}

void sleep_until(std::uint64_t uptime_ns) {
    const std::uint64_t deadline = hal::timer::ns_to_counts(uptime_ns);
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        Cpu& cpu = this_cpu();
        if (read_sysreg(cntvct_el0) >= deadline) {
            arch::irq_restore(daif);
            return;
        }
        cpu.lock.lock();
        Task* self = cpu.current;
        self->timed_out = false;
        s_timers.insert(self->timer, deadline);
        arm_sleep_timer();
        self->state = TaskState::Blocked;
        ++self->voluntary_switches;
        reschedule_locked(cpu);
        arch::irq_restore(daif);
        if (self->kill_pending) return;
    }
}

void sleep_ns(std::uint64_t ns) { sleep_until(hal::timer::uptime_ns() + ns); }

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

lib::Status kill(std::uint64_t id) {
    Task* t = nullptr;
    {
        arch::IrqSpinGuard g(s_tasks_lock);
        for (lib::ListNode* n = s_all_tasks->first(); n != s_all_tasks->end(); n = n->next) {
            Task* c = lib::list_entry<Task, &Task::all_link>(n);
            if (c->id == id && c->state != TaskState::Zombie) {
                t = c;
                break;
            }
        }
    }
    if (!t) return lib::Error::NotFound;
    if (t == current()) exit(-9);
    // A blocked task first leaves its wait queue (queue lock before the run-queue lock).
    for (;;) {
        Cpu& cpu = this_cpu();
        WaitQueue* wq;
        {
            arch::IrqSpinGuard g(cpu.lock);
            if (t->state == TaskState::Zombie) return lib::Error::NotFound;
            t->kill_pending = true;
            wq = t->state == TaskState::Blocked ? t->waiting_on : nullptr;
        }
        if (wq) wq->remove(t);
        const std::uint64_t daif = arch::irq_save();
        cpu.lock.lock();
        if (t->state == TaskState::Blocked && t->waiting_on != wq) {  // moved meanwhile: retry
            cpu.lock.unlock();
            arch::irq_restore(daif);
            continue;
        }
        if (t->state == TaskState::Ready) cpu.rq->dequeue(t->sched);
        if (t->timer.armed) {
            s_timers.remove(t->timer);
            arm_sleep_timer();
        }
        KASSERT(t->state == TaskState::Ready || t->state == TaskState::Blocked);
        t->state = TaskState::Zombie;
        t->exit_code = -9;
        cpu.lock.unlock();
        arch::irq_restore(daif);
        reclaim(t);  // it is not running anywhere: nothing else will touch its stack
        return {};
    }
}

namespace {
TaskInfo info_of(const Task* t) {
    TaskInfo i{};
    i.id = t->id;
    lib::copy_bytes(i.name, t->name, kTaskNameMax);
    i.state = t->state;
    i.kind = t->kind;
    i.policy = t->sched.policy;
    i.priority = t->sched.priority;
    i.cpu_ns = hal::timer::counts_to_ns(t->cpu_counts);
    i.ticks = t->ticks;
    i.voluntary = t->voluntary_switches;
    i.involuntary = t->involuntary_switches;
    i.parent_id = t->parent ? t->parent->id : 0;
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
    arch::IrqSpinGuard g(this_cpu().lock);
    return this_cpu().rq->size();
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
