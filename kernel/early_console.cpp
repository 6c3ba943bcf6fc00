// The early console (Linux's earlycon): the first C++ the boot CPU runs, called by boot/head.S with
// the MMU on and the exception vectors installed, before kmain. It reads the device tree, maps the
// console's UART where the kernel's own tables will map it too, and brings the console up, so that a
// fault from kmain's first instruction on prints the full panic report. It must not fault itself: the
// device-tree reader never trusts an offset, and nothing here allocates.
#include <cstdint>

#include "hal/device_tree.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "mm/layout.h"

extern "C" bool early_map_mmio_page(std::uint64_t pa, std::uint64_t kernel_pa);  // kernel/early_init.cpp
extern "C" void (*__init_array_start[])(), (*__init_array_end[])();

namespace kernel {

namespace {
// QEMU virt's values, used only when the device tree cannot be read.
void use_virt_defaults(hal::PlatformInfo& p) {
    p = hal::PlatformInfo{};
    p.memory[0] = {0x40000000, 128 * 1024 * 1024};
    p.memory_count = 1;
    p.bootargs = "";
    p.uart = {0x09000000, 0x1000, 33, true};
    p.gic.version = hal::GicVersion::V2;
    p.gic.dist_base = 0x08000000;
    p.gic.cpu_base = 0x08010000;
    p.timer = {29, 30, 27, 26, true};
    p.psci = {hal::PsciConduit::Hvc, true};
    p.cpu_count = 1;
}
}  // namespace

}  // namespace kernel

using namespace kernel;

// dtb_pa, kimage_pa, entry_el: what head.S passes to kmain as well. Fills g_boot's platform, boot
// addresses and command-line options for kmain.
extern "C" void early_console_init(std::uint64_t dtb_pa, std::uint64_t kimage_pa, std::uint64_t entry_el) {
    // Global constructors first, once: run any later, they would reset what is set up below (g_boot,
    // the console). They only initialise memory.
    for (auto** ctor = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
    g_boot.dtb_pa = dtb_pa;
    g_boot.kimage_pa = kimage_pa;
    g_boot.entry_el = static_cast<unsigned>(entry_el);

    // The device tree is reachable through the boot linear map (head.S mapped its GiB, if it has one).
    hal::PlatformInfo& p = g_boot.platform;
    g_boot.dtb_ok = false;
    if (dtb_pa != 0) {
        auto dt = hal::parse_platform(reinterpret_cast<const void*>(mm::phys_to_linear(dtb_pa)), 2 * 1024 * 1024);
        g_boot.dtb_ok = dt.ok();
        if (dt.ok()) p = dt.value();
    }
    if (!g_boot.dtb_ok) use_virt_defaults(p);
    if (!p.uart.present) p.uart = {0x09000000, 0x1000, 33, true};

    // A UART beyond the device region stays silent (console::write checks ready()); none exists on virt.
    if (early_map_mmio_page(p.uart.base, kimage_pa)) console::init(memory::mmio_virt(p.uart.base), p.uart.intid);

    // Tests and benchmarks need a panic to leave QEMU with a failing status from here on, not to halt
    // until the run's timeout.
    split_command_line(p.bootargs, p.bootargs_len, g_boot.words);
    g_boot.options = parse_boot_options(g_boot.words, nullptr, nullptr);
    set_exit_on_panic(!g_boot.options.test.empty() || !g_boot.options.bench.empty());
}
