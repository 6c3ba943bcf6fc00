// Several CPUs: bringing a secondary CPU into the scheduler, placing new and woken tasks (the
// placement policy's choice, sched/placement.h), pulling work to an idle or under-loaded CPU,
// affinity, and telling another CPU to look at its queue. The locking rules and the hand-over between
// CPUs are in scheduler_internal.h.
#include <new>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "lib/kassert.h"
#include "sched/placement.h"
#include "sched/platform.h"
#include "sched/scheduler.h"
#include "sched/scheduler_internal.h"

namespace sched {

// task_list.cpp: the list lock and a lookup under it.
arch::SpinLock& task_list_lock();
Task* find_task_for_affinity(std::uint64_t id);

namespace {

// Each online CPU's load without its lock (a racy read of words its owner changes under it).
CpuLoads load_snapshot() {
    CpuLoads l;
    l.online = online_mask();
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (!(l.online & cpu_bit(c))) continue;
        const Cpu& cpu = cpu_at(c);
        const std::size_t queued = cpu.rq.size();
        const Task* cur = __atomic_load_n(&cpu.current, __ATOMIC_RELAXED);
        l.load[c] = static_cast<unsigned>(queued) + (cur != cpu.idle ? 1u : 0u);
    }
    return l;
}

}  // namespace

unsigned choose_cpu(const Task* t) {
    const unsigned last = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
    if (single_cpu()) return last;
    const unsigned c = select_cpu(load_snapshot(), __atomic_load_n(&t->sched.affinity, __ATOMIC_RELAXED), last);
    return c == kNoCpu ? last : c;
}

void kick_cpu(unsigned cpu) {
    if (cpu != arch::cpu_index()) platform::send_resched_ipi(cpu);
}

void place_task_slow(Task* t, TaskState from_state) {
    for (;;) {
        const unsigned from = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
        const unsigned to = choose_cpu(t);
        lock_pair(from, to);
        if (__atomic_load_n(&t->cpu, __ATOMIC_RELAXED) != from) {  // moved meanwhile: look again
            unlock_pair(from, to);
            continue;
        }
        if (!in_state(t, from_state, from)) {
            unlock_pair(from, to);
            return;
        }
        if (!(t->sched.affinity & cpu_bit(to)) && to != from) {  // its affinity changed: choose again
            unlock_pair(from, to);
            continue;
        }
        const bool kick = make_ready_on(cpu_at(from), cpu_at(to), t);
        unlock_pair(from, to);
        if (kick) kick_cpu(to);
        return;
    }
}

void migrate_out(Cpu& cpu, Task* self) {
    KASSERT(cpu.dead == nullptr && cpu.migrating == nullptr);
    cpu.migrating = self;  // placed by the task switched to (sched_finish_handoff)
    Task* next = pick_next_task(cpu);
    hand_off_to(cpu, next);
    switch_to(cpu, self, next);
}

// Opportunistic: the source's lock is only tried. A pull never waits behind the source's own work,
// and idle CPUs (which try after every interrupt) never queue on a busy CPU's ticket lock: on a
// loaded host a waiter whose virtual CPU is descheduled holds up every ticket behind it.
bool pull_task(Cpu& cpu) {
    unsigned sources[kMaxCpus];
    const unsigned n = pull_sources(load_snapshot(), cpu.index, sources);
    for (unsigned i = 0; i < n; ++i) {
        Cpu& src = cpu_at(sources[i]);
        cpu.lock.lock();
        if (!src.lock.try_lock()) {
            cpu.lock.unlock();
            continue;
        }
        SchedEntity* e = src.rq.steal(cpu.index);
        if (e) set_task_cpu(task_of(e), cpu.index);  // with both locks held, as every move
        src.lock.unlock();
        if (e) {
            Task* t = task_of(e);
            ++cpu.migrations_in;
            cpu.rq.enqueue(t->sched);
            if (cpu.current->is_idle || cpu.rq.should_preempt(cpu.current->sched, t->sched))
                set_need_resched(cpu, true);
        }
        cpu.lock.unlock();
        if (e) return true;
    }
    return false;
}

// ---- Affinity.

lib::Status set_affinity(std::uint64_t id, CpuMask mask) {
    mask &= kAllCpus;
    if (id == 0 || (mask & online_cpus()) == 0) return lib::Error::InvalidArgument;
    for (;;) {
        bool self = false, again = false;
        {
            arch::IrqSpinGuard g(task_list_lock());  // t cannot be reclaimed while held
            Task* t = find_task_for_affinity(id);
            if (!t || t->state == TaskState::Zombie) return lib::Error::NotFound;
            const unsigned c = lock_task_cpu(t);
            Cpu& cpu = cpu_at(c);
            __atomic_store_n(&t->sched.affinity, mask, __ATOMIC_RELAXED);
            if ((mask & cpu_bit(c)) || t->state == TaskState::Blocked || t->state == TaskState::Initializing) {
                cpu.lock.unlock();  // where it is is allowed, or a wake-up places it
                return {};
            }
            if (t == current()) {
                self = true;
                cpu.lock.unlock();
            } else if (t->sched.queued) {
                cpu.rq.dequeue(t->sched);  // now Ready on no queue: in transit, as after migrate_out
                cpu.lock.unlock();
                place_task(t, TaskState::Ready);
                return {};
            } else {
                // Running on another CPU (or in transit): its next preemption there moves it.
                const bool kick = request_resched(cpu);
                cpu.lock.unlock();
                if (kick) kick_cpu(c);
                again = true;
            }
        }
        if (self) {
            arch::IrqGuard masked;
            Cpu& cpu = this_cpu();
            cpu.lock.lock();
            Task* me = cpu.current;
            if (!(me->sched.affinity & cpu_bit(cpu.index))) {
                ++me->voluntary_switches;
                migrate_out(cpu, me);
            }
            finish_switch();
        }
        if (again) yield();
        // Look again: done once it is on an allowed CPU (or blocked).
    }
}

lib::Result<CpuMask> get_affinity(std::uint64_t id) {
    if (id == 0) return lib::Error::InvalidArgument;
    arch::IrqSpinGuard g(task_list_lock());
    Task* t = find_task_for_affinity(id);
    if (!t || t->state == TaskState::Zombie) return lib::Error::NotFound;
    return __atomic_load_n(&t->sched.affinity, __ATOMIC_RELAXED);
}

// ---- Bringing a CPU up.

lib::Result<CpuBoot> prepare_cpu(unsigned index, std::uint64_t mpidr) {
    if (index == 0 || index >= kMaxCpus || (online_cpus() & cpu_bit(index))) return lib::Error::InvalidArgument;
    Task* idle = new Task;
    if (!idle) return lib::Error::NoMemory;
    auto stack = platform::kernel_stack_alloc();
    if (!stack.ok()) {
        delete idle;
        return lib::Error::NoMemory;
    }
    idle->stack = stack.value();
    idle->context.ttbr0 = empty_ttbr0();
    Cpu& cpu = construct_cpu(index, mpidr, idle);
    return CpuBoot{&cpu, idle->stack.top};
}

void run_secondary() {
    {
        arch::IrqGuard masked;
        enter_cpu(this_cpu());
    }
    run_idle();
}

}  // namespace sched
