// The page-table engine's TLB maintenance (mm::TlbMaintainer) on the hardware: the DSB/TLBI/ISB
// sequences of arch/aarch64/tlb.h. Here, where the portable interface and the instructions meet, so
// that neither mm/ (portable) nor arch/ (below mm) has to know the other.
#pragma once

#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/tlb.h"
#include "mm/page_table.h"

namespace kernel {

class HardwareTlb final : public mm::TlbMaintainer {
public:
    void before_update() override { arch::dsb_ishst(); }  // new descriptors reach the walker's view
    void invalidate_page(mm::VirtAddr va, std::uint16_t asid, bool last_level) override {
        arch::tlb_flush_page(va, asid, last_level);
    }
    void invalidate_asid(std::uint16_t asid) override { arch::tlb_flush_asid(asid); }
    void invalidate_all() override { arch::tlb_flush_all(); }
};

}  // namespace kernel
