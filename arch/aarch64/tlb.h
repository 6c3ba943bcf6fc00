// TLB maintenance with the barriers the architecture requires (ARM ARM D8.13 / "Ordering and
// completion of TLB maintenance instructions"). Inner-shareable forms throughout: the same code stays
// correct when other CPUs run. The page-table engine reaches these through its mm::TlbMaintainer
// interface (kernel/hardware_tlb.h).
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu.h"

namespace arch {

// TLBI operand for by-VA forms: VA[55:12] in bits [43:0], ASID in bits [63:48] (shift by 12 whatever
// the granule).
constexpr std::uint64_t tlbi_va_operand(std::uint64_t va, std::uint16_t asid) {
    return ((va >> 12) & ((std::uint64_t{1} << 44) - 1)) | (std::uint64_t{asid} << 48);
}
static_assert(tlbi_va_operand(0xffff'0000'4020'1000ull, 5) == 0x0005'0ff0'0004'0201ull);

inline void tlb_flush_all() {
    dsb_ishst();  // descriptor writes are visible to the walkers before the invalidation
    asm volatile("tlbi vmalle1is" ::: "memory");
    dsb_ish();    // the invalidation has completed on every CPU
    isb();        // and this CPU's later instructions are fetched with it in effect
}

inline void tlb_flush_asid(std::uint16_t asid) {
    dsb_ishst();  // descriptor writes are visible before the invalidation
    asm volatile("tlbi aside1is, %0" ::"r"(std::uint64_t{asid} << 48) : "memory");
    dsb_ish();    // completed everywhere
    isb();
}

// One page's entries: in the user half those tagged with asid, in the kernel half (global entries,
// which match any ASID) every one; last_level: only the leaf entry, not cached table walks.
inline void tlb_flush_page(std::uint64_t va, std::uint16_t asid, bool last_level) {
    dsb_ishst();  // the cleared/changed descriptor is visible before the TLB entry goes
    const std::uint64_t op = tlbi_va_operand(va, asid);
    if (va >> 63) {
        // Kernel half: global entries match any ASID: the "all ASIDs" forms.
        if (last_level) asm volatile("tlbi vaale1is, %0" ::"r"(op) : "memory");
        else asm volatile("tlbi vaae1is, %0" ::"r"(op) : "memory");
    } else {
        if (last_level) asm volatile("tlbi vale1is, %0" ::"r"(op) : "memory");
        else asm volatile("tlbi vae1is, %0" ::"r"(op) : "memory");
    }
    dsb_ish();  // the invalidation completed on every CPU before we reuse the frame or entry
    isb();      // later instruction fetches see the new translation
}

}  // namespace arch
