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

lib::Result<Task*> spawn(const char* name, TaskEntry entry, void* arg, SpawnOptions opts) {
    if (opts.priority > kMaxPriority) return lib::Error::InvalidArgument;
    if (opts.policy != PolicyKind::RoundRobin && opts.policy != PolicyKind::FixedPriority)
        return lib::Error::InvalidArgument;
    if (opts.kind != TaskKind::Kernel && opts.kind != TaskKind::User) return lib::Error::InvalidArgument;
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
    s_all_tasks->push_back(t->all_link);
    s_tasks_lock.unlock();
    cpu.lock.lock();
    make_ready_locked(cpu, t);
    cpu.lock.unlock();
    arch::irq_restore(daif);
    maybe_preempt();
    return t;
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

void interrupt(Task* t) {
    KASSERT(t != nullptr && !t->is_idle);
    {
        const std::uint64_t daif = arch::irq_save();
        interrupt_masked(this_cpu(), t);
        arch::irq_restore(daif);
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

lib::Status kill(std::uint64_t id) {
    if (id == 0) return lib::Error::InvalidArgument;
    Task* victim = nullptr;  // a detached task to delete after the locks
    bool self = false;
    {
        const std::uint64_t daif = arch::irq_save();
        Cpu& cpu = this_cpu();
        // Held throughout, so the task cannot be reclaimed under us.
        s_tasks_lock.lock();
        Task* t = find_task_locked(id);
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
            if (t->timer.armed) cancel_sleep_timer(t);
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

lib::Result<TaskInfo> task_info(std::uint64_t id) {
    arch::IrqSpinGuard g(s_tasks_lock);
    if (Task* t = find_task_locked(id)) return info_of(t);
    return lib::Error::NotFound;
}

}  // namespace sched

namespace sched {

lib::Status set_affinity(std::uint64_t id, CpuMask mask) {
    if (id == 0 || (mask & online_cpus()) == 0) return lib::Error::InvalidArgument;
    arch::IrqSpinGuard g(s_tasks_lock);
    Task* t = find_task_locked(id);
    if (!t || t->state == TaskState::Zombie) return lib::Error::NotFound;
    Cpu& cpu = cpu_at(t->cpu);
    arch::SpinGuardIrqsOff rq(cpu.lock);
    t->sched.affinity = mask & kAllCpus;
    return {};
}

lib::Result<CpuMask> get_affinity(std::uint64_t id) {
    if (id == 0) return lib::Error::InvalidArgument;
    arch::IrqSpinGuard g(s_tasks_lock);
    Task* t = find_task_locked(id);
    if (!t || t->state == TaskState::Zombie) return lib::Error::NotFound;
    return t->sched.affinity;
}

}  // namespace sched
