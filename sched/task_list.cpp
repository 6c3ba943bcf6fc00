// Every task the scheduler knows, from spawn to release: the list of all tasks (and its lock, first
// in the lock order: scheduler.cpp), creation, exit and the reaping of an exited task by the one
// switched to next, kill and interrupt, and the snapshots `ps` and tests read.
#include <cstddef>
#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "lib/intrusive_list.h"
#include "lib/kassert.h"
#include "lib/panic.h"
#include "sched/platform.h"
#include "sched/scheduler.h"
#include "sched/scheduler_internal.h"
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

// All tasks (not idle). Guarded by s_tasks_lock.
arch::SpinLock s_tasks_lock;
lib::IntrusiveList* s_all_tasks = nullptr;
alignas(lib::IntrusiveList) unsigned char s_all_storage[sizeof(lib::IntrusiveList)];
std::size_t s_task_count = 0;
std::uint64_t s_next_id = 1;

std::uint64_t s_empty_ttbr0 = 0;  // kernel tasks' TTBR0: the empty user table
ExitHook s_exit_hook = nullptr;

// Locks the CPU t names (IRQs already masked) with t, if it is blocked on a wait queue, off that
// queue's list: it can then neither be woken through the queue nor be found on it when it waits
// again. The queue's lock comes before ours, so ours is dropped while WaitQueue::remove runs; if t
// was woken and queued again meanwhile, repeat. Returns the CPU locked.
unsigned lock_with_task_off_its_queue(Task* t) {
    for (;;) {
        const unsigned c = lock_task_cpu(t);
        WaitQueue* wq = t->state == TaskState::Blocked ? t->waiting_on : nullptr;
        if (!wq || !t->wait_link.linked()) return c;
        cpu_at(c).lock.unlock();
        wq->remove(t);
    }
}

// Whether t runs on the CPU it names (whose lock is held).
bool running_on(unsigned c, const Task* t) { return cpu_at(c).current == t; }

// interrupt() with IRQs masked: a blocked task is made ready where it is; a task running on another
// CPU is told at once (the IPI's interrupt exit acts on the kill on its way back to EL0).
void interrupt_masked(Task* t) {
    const unsigned c = lock_with_task_off_its_queue(t);
    Cpu& cpu = cpu_at(c);
    t->kill_pending = true;
    bool kick = false;
    if (t->state == TaskState::Blocked) {
        t->kill_woken = true;
        kick = make_ready_here(cpu, t);
    }
    else if (running_on(c, t) && &cpu != cpu_pointer()) kick = true;
    cpu.lock.unlock();
    if (kick) kick_cpu(c);
}

// The live task with this id, or nullptr. s_tasks_lock held.
Task* find_task_locked(std::uint64_t id) {
    for (lib::ListNode* n = s_all_tasks->first(); n != s_all_tasks->end(); n = n->next) {
        Task* c = lib::list_entry<Task, &Task::all_link>(n);
        if (c->id == id) return c;
    }
    return nullptr;
}

TaskInfo info_of(const Task* t) {
    TaskInfo i{};
    i.id = t->id;
    for (std::size_t k = 0; k < kTaskNameMax; ++k) i.name[k] = t->name[k];
    i.state = (t->state == TaskState::Ready && t == cpu_at(t->cpu).current) ? TaskState::Running : t->state;
    i.kind = t->kind;
    i.policy = t->sched.policy;
    i.priority = t->sched.priority;
    i.cpu_ns = platform::counts_to_ns(t->cpu_counts);
    i.ticks = t->ticks;
    i.voluntary = t->voluntary_switches;
    i.involuntary = t->involuntary_switches;
    i.parent_id = t->parent_id;
    i.idle = t->is_idle;
    i.cpu = t->cpu;
    i.affinity = t->sched.affinity;
    return i;
}

}  // namespace

void set_name(Task* t, const char* name) {
    std::size_t i = 0;
    for (; i < kTaskNameMax - 1 && name[i]; ++i) t->name[i] = name[i];
    t->name[i] = 0;
}

void init_task_list() {
    s_all_tasks = new (s_all_storage) lib::IntrusiveList();
    s_empty_ttbr0 = platform::empty_user_root();
}

std::uint64_t empty_ttbr0() { return s_empty_ttbr0; }

// Run by the task switched to, before it resumes (sched_resume_after_handoff), lock held and IRQs
// masked: the task switched from is saved and not running any more. A dead one's stack (and the TCB
// of a detached one) is freed, taking only leaf locks (memory); a migrating one is placed on its new
// CPU, with this CPU's lock dropped meanwhile (no two run-queue locks are taken out of order; the
// resumed task's state is already complete: it is cpu.current). Returns the real resume address.
extern "C" std::uint64_t sched_finish_handoff() {
    Cpu& cpu = this_cpu();
    const std::uint64_t resume = cpu.handoff_resume;
    if (Task* dead = cpu.dead) {
        cpu.dead = nullptr;
        platform::kernel_stack_free(dead->stack);
        dead->stack = mm::KernelStack{};
        if (dead->detached) delete dead;
        else __atomic_store_n(&dead->stopped, true, __ATOMIC_RELEASE);  // release() may free it now
    }
    if (Task* t = cpu.migrating) {
        cpu.migrating = nullptr;
        cpu.lock.unlock();
        place_task(t, TaskState::Ready);
        cpu.lock.lock();
    }
    return resume;
}

extern "C" [[noreturn]] void sched_exit_current(int code) { exit(code); }

lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts) {
    if (opts.priority > kMaxPriority) return lib::Error::InvalidArgument;
    if (opts.policy != PolicyKind::RoundRobin && opts.policy != PolicyKind::FixedPriority)
        return lib::Error::InvalidArgument;
    if (opts.kind != TaskKind::Kernel && opts.kind != TaskKind::User) return lib::Error::InvalidArgument;
    if (opts.affinity == 0) opts.affinity = current() && !current()->is_idle ? current()->sched.affinity : kAllCpus;
    if ((opts.affinity & online_cpus()) == 0) return lib::Error::InvalidArgument;
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
    t->sched.affinity = opts.affinity & kAllCpus;
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
    // Its CPU before anyone can see it: the first one it may run on (start() or below places it).
    set_task_cpu(t, static_cast<unsigned>(__builtin_ctz(t->sched.affinity & online_cpus())));
    s_all_tasks->push_back(t->all_link);
    // Made ready under the list lock: a kill finds it either Initializing (and not killable yet) or
    // ready, never half way.
    if (!opts.suspended) place_task(t, TaskState::Initializing);
    s_tasks_lock.unlock();
    arch::irq_restore(daif);
    maybe_preempt();
    return t;
}

void start(Task* t) {
    {
        arch::IrqGuard masked;
        KASSERT_MSG(t->state == TaskState::Initializing, "start: not a suspended new task");
        place_task(t, TaskState::Initializing);
    }
    maybe_preempt();
}

namespace {
[[noreturn]] void exit_task(int code, bool run_hook) {
    Task* self = current();
    KASSERT_MSG(!self->is_idle, "the idle task cannot exit");
    if (run_hook && s_exit_hook) {
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
    // sched_resume_after_handoff (context_switch.S), which calls sched_finish_handoff.
    KASSERT(cpu.dead == nullptr && cpu.migrating == nullptr);  // the last hand-off is finished
    cpu.dead = self;
    hand_off_to(cpu, next);
    switch_to(cpu, self, next);
    kernel::panic("a zombie task was scheduled again");
}
}  // namespace

void exit(int code) { exit_task(code, true); }

// IRQ exit on the killed task's own CPU (scheduler.cpp): not through the exit hook, as on one CPU.
void end_killed_kernel_task() { exit_task(-9, false); }

void release(Task* t) {
    KASSERT(t != nullptr);
    // A zombie may still be switching out on its CPU: its successor sets `stopped` once it has freed
    // the stack (acquire: nothing of the TCB is reused before that CPU is done with it).
    while (!__atomic_load_n(&t->stopped, __ATOMIC_ACQUIRE)) arch::cpu_relax();
    {
        arch::IrqSpinGuard g(s_tasks_lock);
        KASSERT_MSG(t->state == TaskState::Zombie && !t->detached, "release: not a non-detached zombie");
        KASSERT_MSG(!t->stack.valid(), "release: the task has not stopped running");
        s_all_tasks->remove(t->all_link);
        --s_task_count;
    }
    delete t;
}

void interrupt(Task* t) {
    KASSERT(t != nullptr && !t->is_idle);
    {
        arch::IrqGuard masked;
        interrupt_masked(t);
    }
    maybe_preempt();
}

// Plain store, as for the other hooks (scheduler.cpp).
ExitHook set_exit_hook(ExitHook hook) {
    arch::IrqGuard g;
    const ExitHook old = s_exit_hook;
    s_exit_hook = hook;
    return old;
}

// A kernel task not running anywhere is ended here; one running on another CPU ends at its next
// interrupt there (scheduler.cpp, end_killed_kernel_task), and kill waits for that: when it returns,
// the task is gone (or a zombie until release(), if not detached). User tasks are interrupted: their
// process layer ends them.
lib::Status kill(std::uint64_t id) {
    if (id == 0) return lib::Error::InvalidArgument;
    Task* victim = nullptr;  // a detached task to delete after the locks
    bool self = false, wait = false;
    {
        arch::IrqGuard masked;
        // Held throughout, so the task cannot be reclaimed under us.
        s_tasks_lock.lock();
        Task* t = find_task_locked(id);
        if (!t || t->state == TaskState::Zombie ||
            (t->state == TaskState::Initializing && t->kind == TaskKind::Kernel)) {
            s_tasks_lock.unlock();
            return lib::Error::NotFound;
        }
        if (t->kind == TaskKind::User) {
            interrupt_masked(t);  // its process has state to tear down: it ends itself
        } else if (t == current()) {
            self = true;
        } else {
            const unsigned c = lock_with_task_off_its_queue(t);
            Cpu& cpu = cpu_at(c);
            t->kill_pending = true;
            if (running_on(c, t) || (t->state == TaskState::Ready && !t->sched.queued)) {
                // Running on another CPU (or in transit to one: migrate_out): it ends there.
                wait = true;
                const bool kick = !need_resched(cpu);
                set_need_resched(cpu, true);
                cpu.lock.unlock();
                if (kick) kick_cpu(c);
            } else {
                KASSERT(t->state == TaskState::Ready || t->state == TaskState::Blocked);
                if (t->sched.queued) cpu.rq.dequeue(t->sched);  // Ready and not running: queued
                if (t->timer.armed) cancel_sleep_timer(cpu, t);
                t->state = TaskState::Zombie;
                t->exit_code = -9;
                cpu.lock.unlock();
                // Not running anywhere: nothing else touches its stack. Freed before anyone can see the
                // zombie, as for an exited task.
                platform::kernel_stack_free(t->stack);
                t->stack = mm::KernelStack{};
                __atomic_store_n(&t->stopped, true, __ATOMIC_RELEASE);
                if (t->detached) {
                    s_all_tasks->remove(t->all_link);
                    --s_task_count;
                    victim = t;
                }
            }
        }
        s_tasks_lock.unlock();
    }
    if (self) exit(-9);
    if (victim) delete victim;
    if (wait) {
        // Until it is gone or a zombie: it takes its next interrupt with preemption enabled.
        for (;;) {
            auto info = task_info(id);
            if (!info.ok() || info.value().state == TaskState::Zombie) break;
            yield();
        }
    }
    maybe_preempt();
    return {};
}

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
            if (first)
                for (unsigned c = 0; c < kMaxCpus; ++c)
                    if (online_cpus() & cpu_bit(c)) buf[n++] = info_of(cpu_at(c).idle);
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

lib::Result<TaskInfo> task_info(std::uint64_t id) {
    arch::IrqSpinGuard g(s_tasks_lock);
    if (Task* t = find_task_locked(id)) return info_of(t);
    return lib::Error::NotFound;
}

}  // namespace sched

namespace sched {

// The task with this id for cpus.cpp's set_affinity: found under the list lock (held by the caller).
Task* find_task_for_affinity(std::uint64_t id) { return find_task_locked(id); }
arch::SpinLock& task_list_lock() { return s_tasks_lock; }

}  // namespace sched
