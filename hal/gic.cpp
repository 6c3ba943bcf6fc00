// GICv2 (IHI 0048B, section 4) and GICv3 (IHI 0069, sections 12.8-12.11) drivers. Every interrupt is a
// Group 1 (non-secure) IRQ on GICv3; on GICv2 (QEMU virt models it without the Security Extensions)
// Group 0 signalled as IRQ, which needs no AckCtl.
#include "hal/gic.h"

#include <new>

#include "arch/aarch64/cpu.h"
#include "hal/device_tree.h"

namespace hal {

namespace {

// Distributor registers common to v2 and v3.
constexpr std::uint64_t kGicdCtlr = 0x000;
constexpr std::uint64_t kGicdTyper = 0x004;
constexpr std::uint64_t kGicdIgroupr = 0x080;
constexpr std::uint64_t kGicdIsenabler = 0x100;
constexpr std::uint64_t kGicdIcenabler = 0x180;
constexpr std::uint64_t kGicdIcpendr = 0x280;
constexpr std::uint64_t kGicdIpriorityr = 0x400;
constexpr std::uint64_t kGicdItargetsr = 0x800;   // v2 only
constexpr std::uint64_t kGicdIcfgr = 0xc00;
constexpr std::uint64_t kGicdSgir = 0xf00;        // v2 only
constexpr std::uint64_t kGicdIrouter = 0x6000;    // v3 only, 64-bit per SPI

unsigned line_count(const MmioRegion& d) { return ((d.read32(kGicdTyper) & 0x1f) + 1) * 32; }

void set_priority_byte(const MmioRegion& r, std::uint64_t base, std::uint32_t intid, std::uint8_t p) {
    const std::uint64_t off = base + (intid & ~3u);
    const unsigned shift = (intid & 3) * 8;
    std::uint32_t v = r.read32(off);
    v = (v & ~(0xffu << shift)) | (std::uint32_t{p} << shift);
    r.write32(off, v);
}

void set_config_bits(const MmioRegion& r, std::uint32_t intid, bool edge) {
    const std::uint64_t off = kGicdIcfgr + (intid / 16) * 4;
    const unsigned shift = (intid % 16) * 2 + 1;
    std::uint32_t v = r.read32(off);
    v = edge ? (v | (1u << shift)) : (v & ~(1u << shift));
    r.write32(off, v);
}

// ---------------------------------------------------------------- GICv2
class GicV2 final : public Gic {
public:
    GicV2(std::uint64_t dist, std::uint64_t cpu) : m_dist(dist), m_cpu(cpu) {}

    void init_distributor() override {
        m_dist.write32(kGicdCtlr, 0);
        const unsigned lines = line_count(m_dist);
        const std::uint32_t target_byte = own_target();
        for (unsigned i = 32; i < lines; i += 32) {
            m_dist.write32(kGicdIcenabler + i / 8, 0xffffffff);
            m_dist.write32(kGicdIcpendr + i / 8, 0xffffffff);
            m_dist.write32(kGicdIgroupr + i / 8, 0);  // Group 0: delivered as IRQ (FIQEn = 0)
        }
        for (unsigned i = 32; i < lines; i += 4) {
            m_dist.write32(kGicdIpriorityr + i, 0xa0a0a0a0);
            m_dist.write32(kGicdItargetsr + i, target_byte * 0x01010101u);  // every SPI to the boot CPU
        }
        m_dist.write32(kGicdCtlr, 1);  // forward Group 0
    }
    void init_cpu() override {
        m_targets[arch::cpu_index()] = static_cast<std::uint8_t>(own_target());
        m_dist.write32(kGicdIgroupr, 0);  // banked: this CPU's SGIs and PPIs in Group 0
        m_cpu.write32(kGiccPmr, 0xff);     // every priority passes the mask
        m_cpu.write32(kGiccBpr, 0);        // no preemption grouping subtleties
        m_cpu.write32(kGiccCtlr, 1);       // signal Group 0 as IRQ
    }
    void enable(std::uint32_t id) override { m_dist.write32(kGicdIsenabler + (id / 32) * 4, 1u << (id % 32)); }
    void disable(std::uint32_t id) override { m_dist.write32(kGicdIcenabler + (id / 32) * 4, 1u << (id % 32)); }
    bool is_enabled(std::uint32_t id) override {
        return (m_dist.read32(kGicdIsenabler + (id / 32) * 4) >> (id % 32)) & 1;
    }
    void set_priority(std::uint32_t id, std::uint8_t p) override { set_priority_byte(m_dist, kGicdIpriorityr, id, p); }
    void set_edge_triggered(std::uint32_t id, bool edge) override { if (id >= 32) set_config_bits(m_dist, id, edge); }
    std::uint32_t acknowledge() override { return m_cpu.read32(kGiccIar) & 0x3ff; }
    void end_of_interrupt(std::uint32_t id) override { m_cpu.write32(kGiccEoir, id); }
    void send_sgi(std::uint32_t id, unsigned cpu) override {
        arch::dsb_ishst();  // data the target will read is visible before the SGI is
        m_dist.write32(kGicdSgir, (std::uint32_t{m_targets[cpu]} << 16) | (id & 0xf));
    }
    unsigned version() const override { return 2; }

private:
    // GICD_ITARGETSR0-7 are banked and read-only: each byte reads as the calling CPU's own interface
    // bit (IHI 0048B 4.3.12), which is what SGIR's target list and the SPI targets use. Not MPIDR:
    // the GIC numbers its (at most 8) interfaces its own way.
    // A uniprocessor GIC (QEMU with one CPU) has them RAZ: its one interface is bit 0.
    std::uint32_t own_target() {
        const std::uint32_t t = m_dist.read32(kGicdItargetsr) & 0xff;
        return t != 0 ? t : 1;
    }
    std::uint8_t m_targets[kMaxCpus] = {};
    static constexpr std::uint64_t kGiccCtlr = 0x00;
    static constexpr std::uint64_t kGiccPmr = 0x04;
    static constexpr std::uint64_t kGiccBpr = 0x08;
    static constexpr std::uint64_t kGiccIar = 0x0c;
    static constexpr std::uint64_t kGiccEoir = 0x10;
    MmioRegion m_dist, m_cpu;
};

// ---------------------------------------------------------------- GICv3
class GicV3 final : public Gic {
public:
    GicV3(std::uint64_t dist, std::uint64_t redist) : m_dist(dist), m_redist_region(redist) {}

    void init_distributor() override {
        m_dist.write32(kGicdCtlr, 0);
        wait_rwp();
        const unsigned lines = line_count(m_dist);
        const std::uint64_t aff = affinity_route(arch::mpidr());
        for (unsigned i = 32; i < lines; i += 32) {
            m_dist.write32(kGicdIcenabler + i / 8, 0xffffffff);
            m_dist.write32(kGicdIcpendr + i / 8, 0xffffffff);
            m_dist.write32(kGicdIgroupr + i / 8, 0xffffffff);  // Group 1 (non-secure)
        }
        for (unsigned i = 32; i < lines; i += 4) m_dist.write32(kGicdIpriorityr + i, 0xa0a0a0a0);
        for (unsigned i = 32; i < lines; ++i) m_dist.write64(kGicdIrouter + i * 8, aff);
        wait_rwp();
        // ARE (affinity routing) | EnableGrp1 | EnableGrp0. QEMU's GIC without EL3 has DS = 1: one
        // security state, where these are bits 4, 1 and 0.
        m_dist.write32(kGicdCtlr, (1u << 4) | (1u << 1) | (1u << 0));
        wait_rwp();
    }

    void init_cpu() override {
        const unsigned cpu = arch::cpu_index();
        const MmioRegion rd = find_my_redistributor();
        m_sgi[cpu] = MmioRegion(rd.base() + kSgiFrame);
        m_sgi1r[cpu] = sgi1r_target(arch::mpidr());
        const MmioRegion& sgi = m_sgi[cpu];
        // Wake the redistributor: clear ProcessorSleep, wait until ChildrenAsleep reads 0.
        std::uint32_t waker = rd.read32(kGicrWaker);
        rd.write32(kGicrWaker, waker & ~(1u << 1));
        while (rd.read32(kGicrWaker) & (1u << 2)) arch::cpu_relax();
        sgi.write32(kGicrIgroupr0, 0xffffffff);   // SGIs and PPIs in Group 1
        sgi.write32(kGicrIcenabler0, 0xffffffff);
        for (unsigned i = 0; i < 32; i += 4) sgi.write32(kGicrIpriorityr + i, 0xa0a0a0a0);
        // System-register interface on, then accept every priority and enable Group 1.
        std::uint64_t sre = read_sysreg(icc_sre_el1);
        write_sysreg(icc_sre_el1, sre | 1);
        arch::isb();  // SRE takes effect before the other ICC registers are touched
        write_sysreg(icc_pmr_el1, 0xff);
        write_sysreg(icc_bpr1_el1, 0);
        write_sysreg(icc_ctlr_el1, 0);   // EOImode 0: EOIR both drops priority and deactivates
        write_sysreg(icc_igrpen1_el1, 1);
        arch::isb();
    }

    void enable(std::uint32_t id) override {
        if (id < 32) sgi_frame().write32(kGicrIsenabler0, 1u << id);
        else m_dist.write32(kGicdIsenabler + (id / 32) * 4, 1u << (id % 32));
    }
    void disable(std::uint32_t id) override {
        if (id < 32) sgi_frame().write32(kGicrIcenabler0, 1u << id);
        else m_dist.write32(kGicdIcenabler + (id / 32) * 4, 1u << (id % 32));
    }
    bool is_enabled(std::uint32_t id) override {
        const std::uint32_t v = id < 32 ? sgi_frame().read32(kGicrIsenabler0) : m_dist.read32(kGicdIsenabler + (id / 32) * 4);
        return (v >> (id % 32)) & 1;
    }
    void set_priority(std::uint32_t id, std::uint8_t p) override {
        if (id < 32) set_priority_byte(sgi_frame(), kGicrIpriorityr, id, p);
        else set_priority_byte(m_dist, kGicdIpriorityr, id, p);
    }
    void set_edge_triggered(std::uint32_t id, bool edge) override { if (id >= 32) set_config_bits(m_dist, id, edge); }
    std::uint32_t acknowledge() override {
        const std::uint64_t id = read_sysreg(icc_iar1_el1);
        return static_cast<std::uint32_t>(id & 0xffffff);
    }
    void end_of_interrupt(std::uint32_t id) override { write_sysreg(icc_eoir1_el1, id); }
    void send_sgi(std::uint32_t id, unsigned cpu) override {
        const std::uint64_t v = m_sgi1r[cpu] | (std::uint64_t{id & 0xf} << 24);
        arch::dsb_ishst();  // data the target will read is visible before the SGI is
        write_sysreg(icc_sgi1r_el1, v);
        arch::isb();
    }
    unsigned version() const override { return 3; }

private:
    static constexpr std::uint64_t kGicrTyper = 0x08;
    static constexpr std::uint64_t kGicrWaker = 0x14;
    static constexpr std::uint64_t kSgiFrame = 0x10000;       // SGI_base = RD_base + 64 KiB
    static constexpr std::uint64_t kRedistStride = 0x20000;   // two 64 KiB frames per CPU
    static constexpr std::uint64_t kGicrIgroupr0 = 0x080;
    static constexpr std::uint64_t kGicrIsenabler0 = 0x100;
    static constexpr std::uint64_t kGicrIcenabler0 = 0x180;
    static constexpr std::uint64_t kGicrIpriorityr = 0x400;

    // ICC_SGI1R_EL1 naming one CPU: Aff3 [55:48], Aff2 [39:32], Aff1 [23:16], TargetList [15:0] (one
    // bit per Aff0 value 0-15 within the Aff3.Aff2.Aff1 cluster); INTID [27:24] is added per SGI.
    static std::uint64_t sgi1r_target(std::uint64_t mpidr) {
        return (((mpidr >> 32) & 0xff) << 48) | (((mpidr >> 16) & 0xff) << 32) | (((mpidr >> 8) & 0xff) << 16) |
               (std::uint64_t{1} << (mpidr & 0xf));
    }
    // The calling CPU's SGI/PPI frame (set by its init_cpu).
    const MmioRegion& sgi_frame() const { return m_sgi[arch::cpu_index()]; }

    static std::uint64_t affinity_route(std::uint64_t mpidr) {
        return (mpidr & 0xffffff) | (((mpidr >> 32) & 0xff) << 32);
    }
    void wait_rwp() { while (m_dist.read32(kGicdCtlr) & (1u << 31)) arch::cpu_relax(); }

    // GICR_TYPER[63:32] holds the affinity of the CPU a redistributor serves; bit 4 marks the last.
    MmioRegion find_my_redistributor() {
        const std::uint64_t mpidr = arch::mpidr();
        const std::uint32_t want = static_cast<std::uint32_t>((mpidr & 0xffffff) | (((mpidr >> 32) & 0xff) << 24));
        for (std::uint64_t off = 0;; off += kRedistStride) {
            MmioRegion rd(m_redist_region.base() + off);
            const std::uint64_t typer = rd.read64(kGicrTyper);
            if (static_cast<std::uint32_t>(typer >> 32) == want) return rd;
            if (typer & (1u << 4)) break;
        }
        return m_redist_region;  // not found: fall back to the first frame (single-CPU QEMU)
    }

    MmioRegion m_dist, m_redist_region;
    MmioRegion m_sgi[kMaxCpus];        // each CPU's SGI/PPI frame, by logical number
    std::uint64_t m_sgi1r[kMaxCpus] = {};
};

alignas(GicV2) unsigned char s_gic_storage[sizeof(GicV2) > sizeof(GicV3) ? sizeof(GicV2) : sizeof(GicV3)];

}  // namespace

Gic* gic_create(unsigned version, std::uint64_t dist, std::uint64_t cpu_or_redist) {
    // One controller per boot, placed in static storage: no heap exists yet when this runs.
    if (version == 2) return new (s_gic_storage) GicV2(dist, cpu_or_redist);
    if (version == 3) return new (s_gic_storage) GicV3(dist, cpu_or_redist);
    return nullptr;
}

}  // namespace hal
