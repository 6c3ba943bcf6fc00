// Bulk zeroing with DC ZVA (ARM ARM C5.3.13): one instruction clears a whole block (64 bytes on the
// cores QEMU models), which keeps boot cost independent of RAM size and page-table frames cheap.
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

}  // namespace arch
