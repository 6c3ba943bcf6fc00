// The interrupt controller interface, with GICv2 and GICv3 implementations chosen from the device
// tree. INTIDs: 0-15 SGIs, 16-31 PPIs (per CPU), 32-1019 SPIs, 1020-1023 special (1023 = spurious).
#pragma once

#include <cstdint>

#include "hal/mmio.h"

namespace hal {

inline constexpr std::uint32_t kSpuriousIntid = 1023;
inline constexpr std::uint8_t kDefaultPriority = 0xa0;

class Gic {
public:
    virtual void init_distributor() = 0;
    // The calling CPU's interface (and GICv3 redistributor), as logical CPU arch::cpu_index(): each
    // CPU calls it once, before it takes interrupts; it also records how send_sgi reaches the CPU.
    // SGIs and PPIs (INTIDs below 32) are banked: enable and set_priority on them act on the calling
    // CPU only.
    virtual void init_cpu() = 0;
    virtual void enable(std::uint32_t intid) = 0;
    virtual void disable(std::uint32_t intid) = 0;
    // Whether the enable bit reads back set: it does not when the GIC keeps the interrupt in a group
    // this (non-secure) kernel may not control, e.g. Group 0 left secure by firmware at EL3.
    virtual bool is_enabled(std::uint32_t intid) = 0;
    virtual void set_priority(std::uint32_t intid, std::uint8_t prio) = 0;  // lower is more urgent
    virtual void set_edge_triggered(std::uint32_t intid, bool edge) = 0;    // SPIs only
    virtual std::uint32_t acknowledge() = 0;        // returns kSpuriousIntid when nothing pends
    virtual void end_of_interrupt(std::uint32_t intid) = 0;  // never for the spurious ID
    // Raises SGI intid (0-15) on logical CPU `cpu`, which has run init_cpu. Stores before the call
    // are visible to the target's handler.
    virtual void send_sgi(std::uint32_t intid, unsigned cpu) = 0;
    virtual unsigned version() const = 0;

protected:
    ~Gic() = default;
};

// Returns the controller for the given version, or nullptr if the version is not supported.
// dist: distributor MMIO; cpu_or_redist: GICv2 CPU interface or GICv3 redistributor region.
Gic* gic_create(unsigned version, std::uint64_t dist, std::uint64_t cpu_or_redist);

}  // namespace hal
