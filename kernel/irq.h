// Interrupt routing: handlers registered per INTID, dispatched from the IRQ vector through the GIC.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "hal/gic.h"

namespace kernel::irq {

using Handler = void (*)(std::uint32_t intid);

void init(hal::Gic* gic);
hal::Gic* gic();
// Registers and enables the interrupt at the default priority. One handler per INTID. An SGI or PPI
// (below 32) is banked per CPU: enabled here on the calling CPU, and on each CPU that comes up later
// (init_cpu); one registered after the secondary CPUs started is enabled on the calling CPU only.
void register_handler(std::uint32_t intid, Handler h);
// A secondary CPU coming up: its GIC interface, then every registered SGI and PPI enabled on it.
void init_cpu();
void unregister_handler(std::uint32_t intid);
std::uint64_t count(std::uint32_t intid);
std::uint64_t spurious_count();

// Called from the IRQ vector with IRQs masked.
void dispatch(arch::TrapFrame& frame, bool from_user);
// Runs after the handler, before returning from the interrupt (the scheduler preempts here).
void set_exit_hook(void (*hook)(arch::TrapFrame& frame, bool from_user));

}  // namespace kernel::irq
