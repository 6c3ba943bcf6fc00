// What a secondary CPU needs to reach C++ (boot/head.S, secondary_entry): one record per CPU, filled
// by the boot CPU (kernel/smp.cpp) and cleaned to memory, since the secondary reads it with its MMU
// and caches off. Offsets are shared with the assembly; the struct checks them.
#pragma once

#define SB_MAIR 0
#define SB_TCR 8
#define SB_TTBR0 16     // the boot identity map (physical): live while the MMU turns on
#define SB_TTBR1 24     // the kernel's page table (physical)
#define SB_SP 32        // the CPU's first stack (its idle task's), upper-half address
#define SB_PERCPU 40    // its per-CPU block, for TPIDR_EL1 (arch::cpu_index, sched::current)
#define SB_ENTRY 48     // the C++ function to call with x0 = SB_PERCPU's value; never returns
#define SB_SIZE 56

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace boot {
struct SecondaryBoot {
    std::uint64_t mair, tcr, ttbr0, ttbr1, sp, percpu, entry;
};
static_assert(offsetof(SecondaryBoot, mair) == SB_MAIR && offsetof(SecondaryBoot, tcr) == SB_TCR);
static_assert(offsetof(SecondaryBoot, ttbr0) == SB_TTBR0 && offsetof(SecondaryBoot, ttbr1) == SB_TTBR1);
static_assert(offsetof(SecondaryBoot, sp) == SB_SP && offsetof(SecondaryBoot, percpu) == SB_PERCPU);
static_assert(offsetof(SecondaryBoot, entry) == SB_ENTRY && sizeof(SecondaryBoot) == SB_SIZE);
}  // namespace boot

// PSCI CPU_ON's entry point (physical address of this symbol): x0 = the record's physical address.
extern "C" char secondary_entry[];
// The boot identity map's root (boot/head.S and kernel/early_init.cpp): its physical address is SB_TTBR0.
extern std::uint64_t boot_l0_low[512];
#endif
