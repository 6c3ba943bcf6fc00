// What the boot path learned, for every later part: the device tree's platform description, where
// the image was loaded, the entry exception level and the parsed command line.
#pragma once

#include <cstdint>

#include "hal/device_tree.h"
#include "kernel/cmdline.h"

namespace kernel {

struct BootInfo {
    hal::PlatformInfo platform;
    bool dtb_ok;                 // false: QEMU virt defaults are in use
    std::uint64_t dtb_pa;
    std::uint64_t kimage_pa;     // physical load address of the kernel image
    unsigned entry_el;           // 1 or 2
    CmdlineWords words;          // the command line split into words (options views point here)
    BootOptions options;
};

extern BootInfo g_boot;

// What the loader handed over, recorded by boot/head.S before it changes anything. The arm64 boot
// protocol (Linux Documentation/arch/arm64/booting.rst, which QEMU and U-Boot's booti follow) asks
// for x1-x3 = 0, the MMU off at the entry EL and every exception masked in PSTATE.DAIF.
struct BootEntryState {
    std::uint64_t x1, x2, x3;
    std::uint64_t daif;   // PSTATE.DAIF at entry (bits 9-6: D, A, I, F)
    std::uint64_t sctlr;  // SCTLR_EL2 or SCTLR_EL1, the one of the entry EL (bit 0: MMU on)
};
extern "C" const BootEntryState boot_entry_state;
// The DAIF bits a loader must leave set. booting.rst asks for all four, but U-Boot's booti (2023.01,
// entering at EL1 or EL2) branches to the kernel with SError unmasked (DAIF 0x2c0); head.S masks it
// a few instructions later, so A is tolerated.
inline constexpr std::uint64_t kDaifMaskedByLoader = (1u << 9) | (1u << 7) | (1u << 6);  // D, I, F

// Kernel-image virtual address <-> physical (the image is mapped at KIMAGE_BASE wherever it was loaded).
std::uint64_t kimage_virt_to_phys(std::uint64_t va);

}  // namespace kernel
