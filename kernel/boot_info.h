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
    BootOptions options;
};

extern BootInfo g_boot;

// Kernel-image virtual address <-> physical (the image is mapped at KIMAGE_BASE wherever it was loaded).
std::uint64_t kimage_virt_to_phys(std::uint64_t va);

}  // namespace kernel
