// The PMU cycle counter (ARM ARM D11, PMCCNTR_EL0). Under QEMU -icount shift=0 it counts guest
// instructions exactly, which is what `make bench` measures.
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu.h"

namespace arch::pmu {

inline void enable_cycle_counter() {
    write_sysreg(pmccfiltr_el0, 0);             // count at EL0 and EL1
    write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | 1u);  // PMCR_EL0.E: counters on
    write_sysreg(pmcntenset_el0, 1ull << 31);   // the cycle counter (C bit)
    isb();
}

inline std::uint64_t cycles() {
    isb();  // the read is not reordered with the measured instructions
    return read_sysreg(pmccntr_el0);
}

}  // namespace arch::pmu
