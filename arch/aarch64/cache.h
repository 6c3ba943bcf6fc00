// Bulk page work. Zeroing with DC ZVA (ARM ARM C5.3.13): one instruction clears a whole block (64
// bytes on the cores QEMU models), which keeps boot cost independent of RAM size and page-table
// frames cheap. Page copies for copy-on-write.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/cpu.h"

namespace arch {

// Bytes DC ZVA clears, or 0 when it is prohibited (DCZID_EL0.DZP).
inline std::size_t dc_zva_block_size() {
    const std::uint64_t dczid = read_sysreg(dczid_el0);
    if (dczid & (1u << 4)) return 0;
    return std::size_t{4} << (dczid & 0xf);
}

// Zeroes [p, p + n). p and n must be multiples of 64 (pages always are); Normal memory only.
inline void zero_memory(void* p, std::size_t n) {
    static std::size_t block = dc_zva_block_size();  // constant per boot; -fno-threadsafe-statics
    auto a = reinterpret_cast<std::uint64_t>(p);
    const std::uint64_t end = a + n;
    if (block != 0 && (a & (block - 1)) == 0 && (n & (block - 1)) == 0) {
        // Four blocks per iteration: boot zeroes allocator metadata proportional to RAM this way.
        for (; a + 4 * block <= end; a += 4 * block)
            asm volatile("dc zva, %0\n add %0, %0, %1\n dc zva, %0\n add %0, %0, %1\n"
                         "dc zva, %0\n add %0, %0, %1\n dc zva, %0\n sub %0, %0, %1, lsl #1\n"
                         "sub %0, %0, %1"
                         : "+r"(a)
                         : "r"(block)
                         : "memory");
        for (; a < end; a += block) asm volatile("dc zva, %0" ::"r"(a) : "memory");
        return;
    }
    for (; a < end; a += 16) asm volatile("stp xzr, xzr, [%0]" ::"r"(a) : "memory");
}

// Copies one 4 KiB page (both 4 KiB-aligned, Normal memory): 128 bytes per iteration in pairs of
// registers, about 600 instructions where a word loop takes over 1,000 (copy-on-write faults).
inline void copy_page(void* dst, const void* src) {
    auto d = reinterpret_cast<std::uint64_t>(dst);
    auto s = reinterpret_cast<std::uint64_t>(src);
    const std::uint64_t end = s + 4096;
    asm volatile(
        "1: ldp x2, x3, [%1]\n ldp x4, x5, [%1, #16]\n ldp x6, x7, [%1, #32]\n ldp x8, x9, [%1, #48]\n"
        "   stp x2, x3, [%0]\n stp x4, x5, [%0, #16]\n stp x6, x7, [%0, #32]\n stp x8, x9, [%0, #48]\n"
        "   ldp x2, x3, [%1, #64]\n ldp x4, x5, [%1, #80]\n ldp x6, x7, [%1, #96]\n ldp x8, x9, [%1, #112]\n"
        "   stp x2, x3, [%0, #64]\n stp x4, x5, [%0, #80]\n stp x6, x7, [%0, #96]\n stp x8, x9, [%0, #112]\n"
        "   add %1, %1, #128\n add %0, %0, #128\n cmp %1, %2\n b.ne 1b"
        : "+r"(d), "+r"(s)
        : "r"(end)
        : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "memory");
}

// Writes [p, p + n) back to memory (DC CVAC to the point of coherency), for an observer that reads it
// with its caches off: a CPU starting with its MMU off (kernel/smp.cpp). Completes before returning.
inline void clean_dcache_range(const void* p, std::size_t n) {
    const std::uint64_t line = std::uint64_t{4} << ((read_sysreg(ctr_el0) >> 16) & 0xf);  // CTR_EL0.DminLine
    const auto start = reinterpret_cast<std::uint64_t>(p) & ~(line - 1);
    const std::uint64_t end = reinterpret_cast<std::uint64_t>(p) + n;
    for (std::uint64_t a = start; a < end; a += line) asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    asm volatile("dsb sy" ::: "memory");
}

}  // namespace arch
