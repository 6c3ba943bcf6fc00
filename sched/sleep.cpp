// Sleeping: tasks blocked until a deadline (sleep_until, or a wait with a timeout) wait in one timer
// queue, which multiplexes them onto the platform's one-shot deadline; the deadline's IRQ makes the
// expired ones ready.
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "lib/kassert.h"
#include "sched/platform.h"
#include "sched/scheduler.h"
#include "sched/scheduler_internal.h"
#include "sched/timer_queue.h"

namespace sched {

namespace {

// Sleepers, by deadline in counter units. Guarded by the boot CPU's run-queue lock (one timer queue
// for the machine, driven by the boot CPU's timer, until SMP splits it per CPU).
constinit TimerQueue s_timers;

// Program the one-shot timer for the earliest sleeper. Run-queue lock held. Out of line: callers on
// the wake path stay free of its stack-protected local.
[[gnu::noinline]] void arm_sleep_timer();

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

}  // namespace

// A task woken with a sleep timer armed (a timed wait) cancels it. Lock held.
[[gnu::noinline]] void cancel_sleep_timer(Task* t) {
    s_timers.remove(t->timer);
    arm_sleep_timer();
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

}  // namespace sched
