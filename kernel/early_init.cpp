// The boot tables, filled by the boot CPU with the MMU off (called from boot/head.S). Runs at the
// physical load address: only PC-relative addressing, no stack protector, strict alignment, no calls
// out of this file. kmain later replaces these tables with ones built by the page-table engine.
// early_map_mmio_page() alone runs later, with the MMU on, for the early console.
#include <cstdint>

#include "arch/aarch64/pte.h"
#include "mm/layout.h"

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kEntries = 512;
constexpr std::uint64_t kKimageL3Tables = 4;  // 8 MiB of image (linker.ld asserts the limit)

// Descriptor values from the shared encoding (arch/aarch64/pte.h), evaluated at compile time: no
// call into that header's functions happens here at run time.
constexpr std::uint64_t kValid = arch::kPteValid;
constexpr std::uint64_t kTable = arch::kPteTypeTable;  // also "page" at L3
constexpr std::uint64_t kNormalRw = kValid | arch::pte_leaf_attr_bits({.write = true, .global = true});
constexpr std::uint64_t kNormalRx = kValid | arch::pte_leaf_attr_bits({.execute = true, .global = true});
constexpr std::uint64_t kNormalRo = kValid | arch::pte_leaf_attr_bits({.global = true});
constexpr std::uint64_t kDeviceRw = kValid | arch::pte_leaf_attr_bits({.write = true, .device = true, .global = true});
static_assert(kNormalRw == 0x0060'0000'0000'0705ull && kNormalRx == 0x0040'0000'0000'0785ull);

using Table = std::uint64_t[kEntries];

}  // namespace

// Page-aligned, zeroed by head.S before use. Physical addresses are taken PC-relative.
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l0_low;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l1_low;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l0_high;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l1_linear;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l1_kimage;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l2_kimage;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l3_kimage[kKimageL3Tables];
// One page of the device region, for the early console's UART (early_map_mmio_page).
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l1_mmio;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l2_mmio;
[[gnu::section(".bss.boot_tables"), gnu::aligned(4096)]] Table boot_l3_mmio;

extern "C" char _kernel_start[], _etext[], _erodata[], _kernel_end[];

namespace {

inline std::uint64_t pa_of(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

// Which permission class a kernel-image page belongs to (linker.ld page-aligns the boundaries).
std::uint64_t kimage_page_attrs(std::uint64_t pa) {
    if (pa < pa_of(_etext)) return kNormalRx;
    if (pa < pa_of(_erodata)) return kNormalRo;
    return kNormalRw;
}

}  // namespace

// kernel_pa: where the image was loaded (2 MiB-aligned); dtb_pa: the device tree from x0.
extern "C" void early_map_kernel(std::uint64_t kernel_pa, std::uint64_t dtb_pa) {
    // Identity map (TTBR0), only for the instructions that switch the MMU on: the kernel's 1 GiB,
    // read-only and executable. Nothing else is mapped low, so a null pointer faults from the start;
    // the early console reaches its UART through the device region (early_map_mmio_page).
    boot_l0_low[(kernel_pa >> 39) & 511] = pa_of(boot_l1_low) | kValid | kTable;
    boot_l1_low[(kernel_pa >> 30) & 511] = (kernel_pa & ~((1ull << 30) - 1)) | kNormalRx;

    // Linear map (TTBR1): the GiBs holding the kernel and the device tree, until kmain maps all RAM.
    boot_l0_high[0] = pa_of(boot_l1_linear) | kValid | kTable;
    boot_l1_linear[(kernel_pa >> 30) & 511] = (kernel_pa & ~((1ull << 30) - 1)) | kNormalRw;
    if (dtb_pa != 0 && (dtb_pa >> 39) == 0)
        boot_l1_linear[(dtb_pa >> 30) & 511] = (dtb_pa & ~((1ull << 30) - 1)) | kNormalRw;

    // Kernel image (TTBR1, KIMAGE_BASE): 4 KiB pages so text, rodata and data get their own rights.
    constexpr std::uint64_t va = KIMAGE_BASE;
    boot_l0_high[(va >> 39) & 511] = pa_of(boot_l1_kimage) | kValid | kTable;
    boot_l1_kimage[(va >> 30) & 511] = pa_of(boot_l2_kimage) | kValid | kTable;
    for (std::uint64_t i = 0; i < kKimageL3Tables; ++i)
        boot_l2_kimage[((va >> 21) & 511) + i] = pa_of(boot_l3_kimage[i]) | kValid | kTable;
    const std::uint64_t size = pa_of(_kernel_end) - pa_of(_kernel_start);
    for (std::uint64_t off = 0; off < size; off += kPage) {
        const std::uint64_t pa = kernel_pa + off;
        boot_l3_kimage[off / (kEntries * kPage)][(off / kPage) % kEntries] =
            pa | kValid | kTable | kimage_page_attrs(pa);
    }
}

// Maps the device page holding pa at MMIO_BASE + pa, the address memory::init gives it in the
// kernel's own tables (memory::mmio_virt), so the mapping stays valid, unchanged, across the switch
// to those tables: what uses it never sees a window without it. Called once, after the MMU is on and
// before kmain, by the early console (kernel/early_console.cpp); kernel_pa is the image's load address,
// from which the tables' physical addresses follow. False when pa lies beyond the device region.
extern "C" bool early_map_mmio_page(std::uint64_t pa, std::uint64_t kernel_pa) {
    if (pa >= (std::uint64_t{1} << 44)) return false;  // MMIO_BASE + 16 TiB ends the region
    const auto table_pa = [kernel_pa](const Table& t) { return pa_of(t) - KIMAGE_BASE + kernel_pa; };
    const std::uint64_t va = MMIO_BASE + (pa & ~(kPage - 1));
    boot_l0_high[(va >> 39) & 511] = table_pa(boot_l1_mmio) | kValid | kTable;
    boot_l1_mmio[(va >> 30) & 511] = table_pa(boot_l2_mmio) | kValid | kTable;
    boot_l2_mmio[(va >> 21) & 511] = table_pa(boot_l3_mmio) | kValid | kTable;
    boot_l3_mmio[(va >> 12) & 511] = (pa & ~(kPage - 1)) | kDeviceRw | kTable;
    // The entries were invalid, so no TLB holds them: making the stores visible to the walker suffices.
    asm volatile("dsb ishst\n isb" ::: "memory");
    return true;
}
