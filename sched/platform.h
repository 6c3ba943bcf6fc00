// What the scheduler needs from the machine and the rest of the kernel, declared here so that sched/
// includes nothing above it (tools/check_layers.py): time, the one-shot deadline its sleep queue
// runs on, kernel stacks, the empty user table, and the three places that call back into it. The
// kernel defines each one (kernel/sched_platform.cpp) as a direct call, resolved at link time: none
// is on the switch or tick path, which read the counter themselves.
#pragma once

#include <cstdint>

#include "lib/result.h"
#include "mm/kernel_stack.h"

namespace arch {
struct TrapFrame;
}

namespace sched::platform {

// Uptime and the counter (CNTVCT_EL0, which the scheduler reads directly) in nanoseconds.
std::uint64_t uptime_ns();
std::uint64_t ns_to_counts(std::uint64_t ns);
std::uint64_t counts_to_ns(std::uint64_t counts);

// One outstanding one-shot deadline (uptime ns): cb runs from the timer IRQ at or after it, IRQs
// masked. A new one replaces the old.
using Callback = void (*)();
void set_deadline(std::uint64_t deadline_ns, Callback cb);
void cancel_deadline();

// A kernel stack with a guard page below it, and its release once the task has stopped running on
// it. Free takes only leaf locks (memory): callable with the run-queue lock held.
lib::Result<mm::KernelStack> kernel_stack_alloc();
void kernel_stack_free(const mm::KernelStack& s);

// The physical address of an all-invalid root table: the TTBR0 of tasks without user space.
std::uint64_t empty_user_root();

// A reschedule IPI to logical CPU `cpu` (its interrupt exit then looks at need_resched, or its idle
// loop at its queue). IRQs masked or not; never to the calling CPU.
void send_resched_ipi(unsigned cpu);

// Registered once by sched::init(): the periodic tick (IRQ context, IRQs masked), the end of every
// interrupt (before it returns, IRQs masked), and the panic report's "running task" line.
void set_tick_hook(Callback tick);
void set_irq_exit_hook(void (*hook)(arch::TrapFrame& frame, bool from_user));
void set_current_task_describer(void (*describe)(char* buf, unsigned size));

}  // namespace sched::platform
