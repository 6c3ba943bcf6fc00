// Sleeping: tasks blocked until a deadline (sleep_until) wait in the timer queue of the CPU they
// slept on (Cpu::timers, under its run-queue lock), which multiplexes them onto that CPU's one-shot
// deadline; the deadline's IRQ makes the expired ones ready there (an idle CPU pulls them from there
// if that CPU is busy), or on a CPU they allow if their affinity changed meanwhile. A sleeper woken
// early from another CPU (a kill) leaves the queue at once; its CPU's comparator then fires once for
// nothing and is set again.
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "lib/kassert.h"
#include "sched/platform.h"
#include "sched/scheduler.h"
#include "sched/scheduler_internal.h"
#include "sched/timer_queue.h"

namespace sched {

namespace {

// Program this CPU's one-shot timer for its earliest sleeper. Its run-queue lock held. Out of line:
// callers on the wake path stay free of its stack-protected local.
[[gnu::noinline]] void arm_sleep_timer(Cpu& cpu);

void on_sleep_deadline() {
    Cpu& cpu = this_cpu();
    cpu.lock.lock();  // IRQ context: IRQs are already masked
    const std::uint64_t now = read_sysreg(cntvct_el0);
    while (TimerEntry* e = cpu.timers.pop_expired(now)) {
        Task* t = timer_entry_owner<Task, &Task::timer>(e);
        if (t->state != TaskState::Blocked) continue;
        t->timed_out = true;
        if (__builtin_expect(t->sched.affinity & cpu.bit, 1)) {
            (void)make_ready_here(cpu, t);  // this CPU: nothing to tell
            continue;
        }
        // Its affinity no longer allows this CPU (set while it slept): in transit, as a migrating
        // task is (Ready, on no queue: a kill waits for it, a wake-up leaves it), and placed on a CPU
        // it allows with our lock dropped, since a second run-queue lock may not be taken in here.
        t->state = TaskState::Ready;
        cpu.lock.unlock();
        place_task(t, TaskState::Ready);
        cpu.lock.lock();
    }
    arm_sleep_timer(cpu);
    cpu.lock.unlock();
}

void arm_sleep_timer(Cpu& cpu) {
    std::uint64_t earliest;
    if (cpu.timers.earliest(earliest))
        platform::set_deadline(platform::counts_to_ns(earliest), on_sleep_deadline);
    else platform::cancel_deadline();
}

}  // namespace

void cancel_sleep_timer(Cpu& cpu, Task* t) {
    cpu.timers.remove(t->timer);
    if (&cpu == cpu_pointer()) arm_sleep_timer(cpu);
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
        // A kill from another CPU since the check above found us running and woke no one: it sets
        // kill_pending under this lock, so it is seen here (a killed task's sleeps all end at once).
        if (__builtin_expect(self->kill_pending, 0)) {
            cpu.lock.unlock();
            arch::irq_restore(daif);
            return;
        }
        self->timed_out = false;
        cpu.timers.insert(self->timer, deadline);
        arm_sleep_timer(cpu);
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

}  // namespace sched
