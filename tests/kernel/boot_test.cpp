// Kernel suite `boot`: the foundation (timer, interrupts, exceptions, W^X, symbols, probes) on real
// hardware models. Each test is well under a second of QEMU time.
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/spinlock.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/boot_info.h"
#include "kernel/extable.h"
#include "kernel/irq.h"
#include "kernel/bench.h"
#include "kernel/ktest.h"
#include "kernel/memory.h"
#include "kernel/symbols.h"
#include "lib/format.h"
#include "lib/kassert.h"
#include "lib/string.h"
#include "mm/layout.h"

extern "C" void kmain(std::uint64_t, std::uint64_t, std::uint64_t);
extern "C" char _kernel_start[], _etext[], _erodata[], _kernel_end[];

namespace {
const int kRodataValue = 42;
int s_data_value = 7;

// Waits until pred() holds, with IRQs on; false if it never does (the test then fails instead of
// hanging).
template <typename F>
bool wait_until(F&& pred) {
    const std::uint64_t give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
    while (!pred()) {
        if (hal::timer::uptime_ns() > give_up) return false;
        arch::wfi();
    }
    return true;
}
bool wait_ticks(std::uint64_t n) {
    const std::uint64_t target = hal::timer::ticks() + n;
    return wait_until([target] { return hal::timer::ticks() >= target; });
}
}  // namespace

KTEST(boot, timer_ticks_arrive_through_the_gic) {
    KT_ASSERT(arch::irqs_enabled());
    const std::uint32_t intid = kernel::g_boot.platform.timer.virt_intid;
    const std::uint64_t ticks = hal::timer::ticks();
    const std::uint64_t irqs = kernel::irq::count(intid);
    // Waits for both counts: when QEMU delivers a tick late (a busy host) one interrupt counts every
    // period it missed, so the tick count may run ahead of the interrupt count.
    KT_EXPECT(wait_until([&] {
        return kernel::irq::count(intid) >= irqs + 3 && hal::timer::ticks() >= ticks + 3;
    }));
}

KTEST(boot, uptime_is_monotonic_and_follows_the_tick) {
    std::uint64_t last = hal::timer::uptime_ns();
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t now = hal::timer::uptime_ns();
        KT_ASSERT(now >= last);
        last = now;
    }
    const std::uint64_t t0 = hal::timer::uptime_ns();
    KT_ASSERT(wait_ticks(2));
    const std::uint64_t period = 1'000'000'000ull / hal::timer::hz();
    // Two tick edges are at least one period apart. Only under -icount: in real time QEMU may raise a
    // tick whose deadline passed before t0 only after it (a loaded host), so the edges seen from here
    // can be closer than the deadlines were.
    if (kernel::bench::counter_is_exact()) KT_EXPECT(hal::timer::uptime_ns() - t0 >= period);
}

namespace {
volatile bool s_deadline_fired = false;
void on_deadline() { s_deadline_fired = true; }
}  // namespace

KTEST(boot, one_shot_deadline_fires_no_earlier_than_asked) {
    s_deadline_fired = false;
    const std::uint64_t deadline = hal::timer::uptime_ns() + 3'000'000;  // 3 ms
    hal::timer::set_deadline(deadline, on_deadline);
    const std::uint64_t give_up = deadline + kernel::ktest::kHangGuardNs;
    while (!s_deadline_fired && hal::timer::uptime_ns() < give_up) arch::wfi();
    KT_EXPECT(s_deadline_fired);
    KT_EXPECT(hal::timer::uptime_ns() >= deadline);
}

namespace {
volatile std::uint32_t s_sgi_seen = 0;
void on_sgi(std::uint32_t intid) { s_sgi_seen = intid; }
}  // namespace

KTEST(boot, software_generated_interrupt_reaches_this_cpu) {
    constexpr std::uint32_t kSgi = 7;
    kernel::irq::register_handler(kSgi, on_sgi);
    s_sgi_seen = 0;
    kernel::irq::gic()->send_sgi(kSgi, arch::cpu_index());
    for (int i = 0; i < 100000 && s_sgi_seen == 0; ++i) arch::cpu_relax();
    KT_EXPECT_EQ(s_sgi_seen, kSgi);
    kernel::irq::unregister_handler(kSgi);
}

KTEST(boot, svc_at_el1_returns_to_the_next_instruction) {
    std::uint64_t x = 0;
    asm volatile("mov %0, #1\n svc #0\n add %0, %0, #1" : "+r"(x));
    KT_EXPECT_EQ(x, 2);
}

KTEST(boot, probe_survives_unmapped_and_readonly_addresses) {
    std::uint64_t v = 0;
    KT_EXPECT(!probe_read_u64(0, v));                              // null: unmapped
    KT_EXPECT(!probe_read_u64(0xffff'7fff'ffff'0000ull, v));       // unmapped upper half
    KT_EXPECT(!probe_read_u64(0x0000'8000'0000'0000ull, v));       // non-canonical
    KT_EXPECT(probe_read_u64(reinterpret_cast<std::uint64_t>(&s_data_value) & ~7ull, v));
}

KTEST(boot, kernel_image_is_write_xor_execute) {
    // Text and rodata are read-only: a write through the probe takes a permission fault.
    KT_EXPECT(!probe_write_u64(reinterpret_cast<std::uint64_t>(&kmain) & ~7ull, 0));
    KT_EXPECT(!probe_write_u64(reinterpret_cast<std::uint64_t>(&kRodataValue) & ~7ull, 0));
    KT_EXPECT_EQ(kRodataValue, 42);
    // Data is writable.
    std::uint64_t addr = reinterpret_cast<std::uint64_t>(&s_data_value) & ~7ull, old = 0;
    KT_ASSERT(probe_read_u64(addr, old));
    KT_EXPECT(probe_write_u64(addr, old));
    // Layout: text, then rodata, then data, each page aligned.
    KT_EXPECT(reinterpret_cast<std::uint64_t>(_etext) % 4096 == 0);
    KT_EXPECT(reinterpret_cast<std::uint64_t>(_erodata) % 4096 == 0);
    KT_EXPECT(reinterpret_cast<std::uint64_t>(&s_data_value) >= reinterpret_cast<std::uint64_t>(_erodata));
    // SCTLR_EL1.WXN is on: writable memory is never executable, whatever a descriptor says.
    KT_EXPECT(read_sysreg(sctlr_el1) & (1u << 19));
}

KTEST(boot, symbols_resolve_kernel_functions) {
    const std::uint64_t addr = reinterpret_cast<std::uint64_t>(&kmain);
    KT_EXPECT_EQ(kernel::symbol_address("kmain"), addr);
    kernel::Symbol s;
    KT_ASSERT(kernel::symbolize(addr + 8, s));
    KT_EXPECT(lib::string_compare(s.name, "kmain") == 0);
    KT_EXPECT_EQ(s.offset, 8);
    KT_EXPECT(!kernel::symbolize(0x1234, s));
}

KTEST(boot, runs_at_el1_in_the_upper_half) {
    KT_EXPECT_EQ(arch::current_el(), 1);
    KT_EXPECT(reinterpret_cast<std::uint64_t>(&kmain) >= mm::kKernelImageBase);
    KT_EXPECT(arch::stack_pointer() >= mm::kLinearBase);
    KT_EXPECT(kernel::g_boot.entry_el == 1 || kernel::g_boot.entry_el == 2);
    KT_EXPECT(kernel::g_boot.dtb_ok);
}

KTEST(boot, device_tree_matches_the_hardware) {
    const auto& p = kernel::g_boot.platform;
    KT_EXPECT(p.memory_count >= 1);
    KT_EXPECT_EQ(kernel::irq::gic()->version(), p.gic.version == hal::GicVersion::V3 ? 3u : 2u);
    // The GIC version in the device tree agrees with what the CPU reports (ID_AA64PFR0_EL1.GIC says
    // whether the GICv3 system-register interface exists).
    if (p.gic.version == hal::GicVersion::V3) KT_EXPECT(((read_sysreg(id_aa64pfr0_el1) >> 24) & 0xf) != 0);
    KT_EXPECT(p.uart.present);
    KT_EXPECT(p.timer.present);
    KT_EXPECT(hal::timer::frequency() == read_sysreg(cntfrq_el0));
}

// The loader (QEMU's own for -kernel, or U-Boot's booti) entered as the arm64 boot protocol says.
KTEST(boot, loader_followed_the_arm64_boot_protocol) {
    const kernel::BootEntryState& e = kernel::boot_entry_state;
    KT_EXPECT_EQ(e.x1, 0);
    KT_EXPECT_EQ(e.x2, 0);
    KT_EXPECT_EQ(e.x3, 0);
    KT_EXPECT_EQ(e.sctlr & 1, 0);  // MMU off
    KT_EXPECT_EQ(e.daif & kernel::kDaifMaskedByLoader, kernel::kDaifMaskedByLoader);
    KT_EXPECT(kernel::g_boot.kimage_pa % (2u << 20) == 0);  // the Image header asks for 2 MiB alignment
}

// The boot loader's reservations hold: no frame the allocator hands out overlaps the kernel image,
// the device tree, the initramfs, a /memreserve/ entry or a /reserved-memory region (U-Boot's booti
// moves the tree and the initramfs to the top of RAM and reserves the latter). Takes every free
// frame once, largest blocks first, then gives them all back.
KTEST(boot, reserved_memory_is_never_handed_out) {
    const kernel::BootInfo& b = kernel::g_boot;
    const hal::PlatformInfo& p = b.platform;
    hal::MemRange kept[hal::kMaxReserved + 3];
    std::size_t n = 0;
    kept[n++] = {b.kimage_pa, static_cast<std::uint64_t>(_kernel_end - _kernel_start)};
    if (b.dtb_ok) kept[n++] = {b.dtb_pa, p.dtb_size};
    if (p.has_initrd) kept[n++] = {p.initrd_start, p.initrd_end - p.initrd_start};
    for (std::size_t i = 0; i < p.reserved_count; ++i) kept[n++] = p.reserved[i];

    const std::size_t free_before = kernel::memory::stats().free_frames;
    std::uint64_t blocks = 0;   // physical address of the last block taken; each holds the previous
    std::size_t frames = 0, overlaps = 0;
    std::uint64_t first_overlap = 0;
    {
        arch::IrqGuard irq;  // nothing else may run (and find no memory) while all of it is taken
        for (int order = 10; order >= 0; --order) {
            for (;;) {
                auto r = kernel::memory::alloc_frames(static_cast<unsigned>(order));
                if (!r.ok()) break;
                const std::uint64_t pa = r.value(), size = std::uint64_t{4096} << order;
                for (std::size_t i = 0; i < n; ++i) {
                    if (kept[i].size != 0 && pa < kept[i].base + kept[i].size && kept[i].base < pa + size) {
                        if (overlaps++ == 0) first_overlap = pa;
                    }
                }
                auto* w = static_cast<std::uint64_t*>(kernel::memory::phys_to_virt(pa));
                w[0] = blocks;
                w[1] = static_cast<std::uint64_t>(order);
                blocks = pa;
                frames += std::size_t{1} << order;
            }
        }
        while (blocks != 0) {
            const auto* w = static_cast<const std::uint64_t*>(kernel::memory::phys_to_virt(blocks));
            const std::uint64_t next = w[0];
            kernel::memory::free_frames(blocks, static_cast<unsigned>(w[1]));
            blocks = next;
        }
    }
    KT_EXPECT_EQ(first_overlap, 0);
    KT_EXPECT_EQ(overlaps, 0);
    KT_EXPECT(frames > 0 && frames <= free_before);
    KT_EXPECT_EQ(kernel::memory::stats().free_frames, free_before);
}

KTEST(boot, kprintf_formats_like_printf) {
    char buf[64];
    lib::snformat(buf, sizeof buf, "[%5d|%-4s|%#x|%08llx]", -42, "ab", 255u, 0xdeadbeefull);
    KT_EXPECT(lib::string_compare(buf, "[  -42|ab  |0xff|deadbeef]") == 0);
}
