// The generic timer (ARM ARM D11): the EL1 virtual timer drives a periodic tick and one-shot
// deadlines from one comparator; the virtual counter gives monotonic uptime. EL0 may read CNTVCT_EL0.
#pragma once

#include <cstdint>

namespace hal::timer {

using Callback = void (*)();

void init(std::uint32_t hz);             // boot CPU: reads CNTFRQ; the tick starts with start_tick()
void init_cpu();                         // a secondary CPU: its comparator off (init does the boot CPU's)
// The calling CPU's tick (each CPU has its own comparator and state; the period is common).
void start_tick();
void set_hz(std::uint32_t hz);          // changes the tick period from the next tick on
void stop_tick();
std::uint32_t hz();
std::uint64_t frequency();               // counter Hz
std::uint64_t counter();                 // CNTVCT_EL0
std::uint64_t uptime_ns();               // since the counter started (reset)
std::uint64_t ns_to_counts(std::uint64_t ns);
std::uint64_t counts_to_ns(std::uint64_t counts);
std::uint64_t ticks();                   // periodic ticks the boot CPU handled so far (monotonic)
std::uint64_t ticks_on(unsigned cpu);    // ... that logical CPU handled

// Called from the tick (IRQ context, IRQs masked) once per period.
void set_tick_hook(Callback cb);
// One-shot, on the calling CPU: cb runs from its timer IRQ at or after deadline_ns (uptime). One
// outstanding deadline per CPU; a new one replaces the old. The scheduler's sleep queue multiplexes its sleepers onto it.
void set_deadline(std::uint64_t deadline_ns, Callback cb);
void cancel_deadline();

// The timer IRQ handler (the kernel's IRQ dispatcher calls it for the timer INTID).
void handle_irq();

}  // namespace hal::timer
