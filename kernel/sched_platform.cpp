// The scheduler's platform interface (sched/platform.h), defined by the kernel on its timer, memory,
// kernel stacks, IRQ routing and panic report.
#include "sched/platform.h"

#include "hal/timer.h"
#include "kernel/irq.h"
#include "kernel/kernel_stack.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/smp.h"

namespace sched::platform {

std::uint64_t uptime_ns() { return hal::timer::uptime_ns(); }
std::uint64_t ns_to_counts(std::uint64_t ns) { return hal::timer::ns_to_counts(ns); }
std::uint64_t counts_to_ns(std::uint64_t counts) { return hal::timer::counts_to_ns(counts); }

void set_deadline(std::uint64_t deadline_ns, Callback cb) { hal::timer::set_deadline(deadline_ns, cb); }
void cancel_deadline() { hal::timer::cancel_deadline(); }

// No canary: this frame holds no buffer (the result goes to the caller's slot, through x8), and
// the check would cost every spawn a dozen instructions.
[[gnu::no_stack_protector]] lib::Result<mm::KernelStack> kernel_stack_alloc() {
    return kernel::kernel_stack_alloc();
}
void kernel_stack_free(const mm::KernelStack& s) { kernel::kernel_stack_free(s); }

std::uint64_t empty_user_root() { return kernel::memory::empty_user_root(); }

void send_resched_ipi(unsigned cpu) { kernel::smp::send_reschedule(cpu); }

void set_tick_hook(Callback tick) { hal::timer::set_tick_hook(tick); }
void set_irq_exit_hook(void (*hook)(arch::TrapFrame&, bool)) { kernel::irq::set_exit_hook(hook); }
void set_current_task_describer(void (*describe)(char*, unsigned)) {
    kernel::set_current_task_describer(describe);
}

}  // namespace sched::platform
