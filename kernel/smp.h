// Secondary CPUs: started through PSCI CPU_ON at boot, and the inter-processor interrupts the kernel
// sends between them (reschedule, call a function, stop for a panic).
#pragma once

#include <cstdint>

namespace kernel::smp {

// SGIs the kernel uses (the tests use others, from 7 up).
inline constexpr std::uint32_t kSgiReschedule = 0;
inline constexpr std::uint32_t kSgiCall = 1;

// Boot CPU, once the scheduler, memory and GIC are up: starts every other CPU of the device tree (at
// most maxcpus in all, 0 = all) and waits for each to check in; reports who came up and who did not.
void start_secondaries(unsigned maxcpus);
unsigned online_count();

// Runs fn(arg) on every other online CPU from its IPI handler (IRQ context, IRQs masked), and waits
// until all have run it, or until `patience_ns` has passed for one that never takes the interrupt
// (its IRQs masked for good): returns how many ran it. Not from IRQ context.
unsigned call_on_others(void (*fn)(void*), void* arg, std::uint64_t patience_ns);

// The panic path: stops every other CPU where it is (each parks with IRQs masked after recording
// what it ran) and prints one line per CPU. Lock-free; waits a bounded time for each.
void stop_others_for_panic();
// The panic path on a CPU that panicked while another was already reporting: records what it ran
// (the report's line for it says it panicked too) and parks for good, IRQs masked.
[[noreturn]] void park_after_losing_panic();

// Sends the reschedule SGI (the scheduler's platform interface).
void send_reschedule(unsigned cpu);

}  // namespace kernel::smp
