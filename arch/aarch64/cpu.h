// Thin inline wrappers for AArch64 system registers, barriers and interrupt masking. Every barrier
// helper says what it orders; callers add a comment saying why they need it.
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu_context.h"

#define read_sysreg(reg)                                          \
    ({                                                            \
        std::uint64_t _v;                                         \
        asm volatile("mrs %0, " #reg : "=r"(_v));                 \
        _v;                                                       \
    })
#define write_sysreg(reg, v) asm volatile("msr " #reg ", %0" ::"r"(static_cast<std::uint64_t>(v)))

namespace arch {

// Completes all prior memory accesses and TLB/cache maintenance, system wide.
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
// Completes prior accesses in the inner-shareable domain (all CPUs): after TLBI ...IS.
inline void dsb_ish() { asm volatile("dsb ish" ::: "memory"); }
// Completes prior stores in the inner-shareable domain: descriptor writes before the walker sees them.
inline void dsb_ishst() { asm volatile("dsb ishst" ::: "memory"); }
// Orders prior accesses before later ones, inner shareable (no completion wait).
inline void dmb_ish() { asm volatile("dmb ish" ::: "memory"); }
// Later instructions are fetched and executed with every prior context change in effect.
inline void isb() { asm volatile("isb" ::: "memory"); }
inline void wfi() { asm volatile("wfi" ::: "memory"); }
inline void wfe() { asm volatile("wfe" ::: "memory"); }
inline void sev() { asm volatile("sev" ::: "memory"); }
inline void cpu_relax() { asm volatile("yield" ::: "memory"); }

// DAIF.I: IRQ mask. The state returned by irq_save() is restored by irq_restore().
inline std::uint64_t irq_save() {
    std::uint64_t daif = read_sysreg(daif);
    asm volatile("msr daifset, #2" ::: "memory");
    return daif;
}
inline void irq_restore(std::uint64_t daif) { asm volatile("msr daif, %0" ::"r"(daif) : "memory"); }
inline void irq_enable() { asm volatile("msr daifclr, #2" ::: "memory"); }
inline void irq_disable() { asm volatile("msr daifset, #2" ::: "memory"); }
inline bool irqs_enabled() { return (read_sysreg(daif) & (1u << 7)) == 0; }

inline unsigned current_el() { return static_cast<unsigned>((read_sysreg(CurrentEL) >> 2) & 3); }
inline std::uint64_t mpidr() { return read_sysreg(mpidr_el1); }
// The logical CPU number (0 = the boot CPU, then device-tree order), not MPIDR's affinity fields, which
// may be sparse (Aff1 clusters). TPIDR_EL1 points at the CPU's per-CPU block (the scheduler's
// sched::Cpu), whose 32-bit word at kPerCpuIndexOffset holds it. boot/head.S points it at a zeroed
// block (CPU 0) before the first C++ call in the upper half; secondary CPUs set it before theirs.
inline constexpr unsigned kPerCpuIndexOffset = PERCPU_INDEX;
inline unsigned cpu_index() {
    return *reinterpret_cast<const std::uint32_t*>(read_sysreg(tpidr_el1) + kPerCpuIndexOffset);
}

inline std::uint64_t frame_pointer() { return reinterpret_cast<std::uint64_t>(__builtin_frame_address(0)); }
inline std::uint64_t stack_pointer() {
    std::uint64_t sp;
    asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

}  // namespace arch
