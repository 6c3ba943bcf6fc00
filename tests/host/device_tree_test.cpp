// Device-tree reader tests: real QEMU virt blobs (tests/host/data, from tools/dump-dtbs.sh, QEMU 7.2)
// parsed to exact values; synthetic trees for bindings QEMU does not emit; malformed, truncated and
// randomly mutated blobs, which must fail cleanly (ASan/UBSan catch any out-of-bounds read).
// Time budget: about 2 s under sanitizers, mostly the truncation and mutation loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hal/device_tree.h"
#include "host/support.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes load_blob(const std::string& name) {
    std::ifstream in(std::string(HOST_TEST_DATA_DIR) + "/" + name, std::ios::binary | std::ios::ate);
    EXPECT_TRUE(in.good()) << "missing " << name << " (run tools/dump-dtbs.sh)";
    Bytes b(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return b;
}

std::uint32_t get_be32(const Bytes& b, std::size_t off) {
    return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) |
           (std::uint32_t{b[off + 2]} << 8) | b[off + 3];
}

void put_be32(Bytes& b, std::size_t off, std::uint32_t v) {
    b[off] = static_cast<std::uint8_t>(v >> 24);
    b[off + 1] = static_cast<std::uint8_t>(v >> 16);
    b[off + 2] = static_cast<std::uint8_t>(v >> 8);
    b[off + 3] = static_cast<std::uint8_t>(v);
}

constexpr std::size_t kOffStruct = 8, kOffStrings = 12, kSizeStrings = 32, kSizeStruct = 36;

// QEMU reports totalsize = 1 MiB (its whole FDT buffer) though the tree uses ~8 KiB. The packed
// copy ends with the strings block (QEMU lays out header, rsvmap, struct, strings) and says so in
// totalsize, so truncation and mutation loops work on the bytes that matter.
Bytes packed(const Bytes& qemu) {
    std::uint32_t end = get_be32(qemu, kOffStrings) + get_be32(qemu, kSizeStrings);
    EXPECT_GE(end, get_be32(qemu, kOffStruct) + get_be32(qemu, kSizeStruct));
    Bytes out(qemu.begin(), qemu.begin() + end);
    put_be32(out, 4, end);
    return out;
}

lib::Result<hal::PlatformInfo> parse(const Bytes& b) {
    return hal::parse_platform(b.data(), b.size());
}

// The error of a result that must have failed; a success is a test failure (reading error() of a
// success would compare garbage).
template <typename T>
lib::Error error_of(const lib::Result<T>& r) {
    if (r.ok()) {
        ADD_FAILURE() << "expected an error, got success";
        return lib::Error::Busy;  // never an expected error in these tests
    }
    return r.error();
}

std::string bootargs(const hal::PlatformInfo& info) {
    return std::string(info.bootargs, info.bootargs_len);
}

const char* const kAllBlobs[] = {
    "virt-gicv2-a53-128M.dtb",
    "virt-gicv3-a72-1G-el2.dtb",
    "virt-gicv3-smp4-2G.dtb",
    "virt-gicv2-smp2-512M-initrd.dtb",
};

// ---- Builds FDT blobs: a structure block of tokens, a deduplicated strings block, and a
// reservation block. Raw helpers emit deliberately broken tokens.
class FdtBuilder {
public:
    FdtBuilder& begin(const std::string& name) {
        word(hal::kFdtBeginNode);
        for (char c : name) m_struct.push_back(static_cast<std::uint8_t>(c));
        m_struct.push_back(0);
        pad();
        return *this;
    }
    FdtBuilder& end() {
        word(hal::kFdtEndNode);
        return *this;
    }
    FdtBuilder& prop(const std::string& name, const Bytes& value) {
        return raw_prop(string_offset(name), static_cast<std::uint32_t>(value.size()), value);
    }
    FdtBuilder& prop_cells(const std::string& name, const std::vector<std::uint32_t>& cells) {
        Bytes v(cells.size() * 4);
        for (std::size_t i = 0; i < cells.size(); i++) put_be32(v, i * 4, cells[i]);
        return prop(name, v);
    }
    // Each string NUL-terminated, as in a stringlist.
    FdtBuilder& prop_strings(const std::string& name, const std::vector<std::string>& strings) {
        Bytes v;
        for (const auto& s : strings) {
            v.insert(v.end(), s.begin(), s.end());
            v.push_back(0);
        }
        return prop(name, v);
    }
    FdtBuilder& prop_string(const std::string& name, const std::string& s) { return prop_strings(name, {s}); }
    FdtBuilder& raw_prop(std::uint32_t name_offset, std::uint32_t len, const Bytes& value) {
        word(hal::kFdtProp);
        word(len);
        word(name_offset);
        m_struct.insert(m_struct.end(), value.begin(), value.end());
        pad();
        return *this;
    }
    FdtBuilder& word(std::uint32_t v) {
        std::size_t at = m_struct.size();
        m_struct.resize(at + 4);
        put_be32(m_struct, at, v);
        return *this;
    }
    FdtBuilder& memreserve(std::uint64_t base, std::uint64_t size) {
        m_rsv.push_back({base, size});
        return *this;
    }
    FdtBuilder& raw_strings(const std::string& s) {
        m_strings.insert(m_strings.end(), s.begin(), s.end());
        return *this;
    }
    std::uint32_t string_offset(const std::string& name) {
        for (std::size_t i = 0; i + name.size() < m_strings.size() + 1; i++) {
            if (i + name.size() < m_strings.size() &&
                std::memcmp(m_strings.data() + i, name.data(), name.size()) == 0 &&
                m_strings[i + name.size()] == 0 && (i == 0 || m_strings[i - 1] == 0)) {
                return static_cast<std::uint32_t>(i);
            }
        }
        std::uint32_t off = static_cast<std::uint32_t>(m_strings.size());
        raw_strings(name);
        m_strings.push_back(0);
        return off;
    }

    // The finished blob; `with_end` false leaves out the END token.
    Bytes finish(bool with_end = true) const {
        Bytes st = m_struct;
        if (with_end) {
            st.resize(st.size() + 4);
            put_be32(st, st.size() - 4, hal::kFdtEnd);
        }
        const std::size_t off_rsv = 40;
        const std::size_t off_struct = off_rsv + (m_rsv.size() + 1) * 16;
        const std::size_t off_strings = off_struct + st.size();
        Bytes b(off_strings + m_strings.size());
        put_be32(b, 0, hal::kFdtMagic);
        put_be32(b, 4, static_cast<std::uint32_t>(b.size()));
        put_be32(b, 8, static_cast<std::uint32_t>(off_struct));
        put_be32(b, 12, static_cast<std::uint32_t>(off_strings));
        put_be32(b, 16, static_cast<std::uint32_t>(off_rsv));
        put_be32(b, 20, 17);
        put_be32(b, 24, 16);
        put_be32(b, 32, static_cast<std::uint32_t>(m_strings.size()));
        put_be32(b, 36, static_cast<std::uint32_t>(st.size()));
        for (std::size_t i = 0; i < m_rsv.size(); i++) {
            put_be32(b, off_rsv + i * 16, static_cast<std::uint32_t>(m_rsv[i].base >> 32));
            put_be32(b, off_rsv + i * 16 + 4, static_cast<std::uint32_t>(m_rsv[i].base));
            put_be32(b, off_rsv + i * 16 + 8, static_cast<std::uint32_t>(m_rsv[i].size >> 32));
            put_be32(b, off_rsv + i * 16 + 12, static_cast<std::uint32_t>(m_rsv[i].size));
        }
        std::copy(st.begin(), st.end(), b.begin() + static_cast<std::ptrdiff_t>(off_struct));
        std::copy(m_strings.begin(), m_strings.end(), b.begin() + static_cast<std::ptrdiff_t>(off_strings));
        return b;
    }

private:
    void pad() {
        while (m_struct.size() % 4 != 0) m_struct.push_back(0);
    }
    Bytes m_struct;
    Bytes m_strings;
    std::vector<hal::MemRange> m_rsv;
};

// A minimal virt-like tree with a GICv2 at phandle 1; `body` adds more nodes inside the root.
template <typename Body>
Bytes virt_like(Body body, std::uint32_t root_ac = 2, std::uint32_t root_sc = 2) {
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {root_ac}).prop_cells("#size-cells", {root_sc});
    b.prop_cells("interrupt-parent", {1});
    b.begin("intc@8000000")
        .prop_strings("compatible", {"arm,cortex-a15-gic"})
        .prop_cells("#interrupt-cells", {3})
        .prop_cells("phandle", {1});
    if (root_ac == 2 && root_sc == 2) {
        b.prop_cells("reg", {0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000});
    } else {
        b.prop_cells("reg", {0x8000000, 0x10000, 0x8010000, 0x10000});
    }
    b.end();
    body(b);
    b.end();
    return b.finish();
}

// ---- Real QEMU blobs -------------------------------------------------------------------------

void expect_common_virt(const hal::PlatformInfo& info) {
    EXPECT_EQ(info.dtb_size, 0x100000u);
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0].base, 0x40000000u);
    EXPECT_EQ(info.reserved_count, 0u);
    EXPECT_TRUE(info.uart.present);
    EXPECT_EQ(info.uart.base, 0x9000000u);
    EXPECT_EQ(info.uart.size, 0x1000u);
    EXPECT_EQ(info.uart.intid, 33u);
    EXPECT_EQ(info.stdout_base, 0x9000000u);
    EXPECT_EQ(info.gic.dist_base, 0x8000000u);
    EXPECT_EQ(info.gic.dist_size, 0x10000u);
    EXPECT_TRUE(info.timer.present);
    EXPECT_EQ(info.timer.secure_phys_intid, 29u);
    EXPECT_EQ(info.timer.phys_intid, 30u);
    EXPECT_EQ(info.timer.virt_intid, 27u);
    EXPECT_EQ(info.timer.hyp_intid, 26u);
    EXPECT_TRUE(info.psci.present);
}

TEST(DeviceTreeQemuTest, ParsesGicV2CortexA53With128M) {
    Bytes blob = load_blob("virt-gicv2-a53-128M.dtb");
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    expect_common_virt(info);
    EXPECT_EQ(info.memory[0].size, 128u << 20);
    EXPECT_EQ(info.gic.version, hal::GicVersion::V2);
    EXPECT_EQ(info.gic.cpu_base, 0x8010000u);
    EXPECT_EQ(info.gic.cpu_size, 0x10000u);
    EXPECT_EQ(info.gic.redist_base, 0u);
    EXPECT_EQ(info.psci.conduit, hal::PsciConduit::Hvc);
    ASSERT_EQ(info.cpu_count, 1u);
    EXPECT_EQ(info.cpu_mpidr[0], 0u);
    EXPECT_EQ(bootargs(info), "");
    EXPECT_FALSE(info.has_initrd);
}

TEST(DeviceTreeQemuTest, ParsesGicV3CortexA72With1GAtEl2) {
    Bytes blob = load_blob("virt-gicv3-a72-1G-el2.dtb");
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    expect_common_virt(info);
    EXPECT_EQ(info.memory[0].size, 1u << 30);
    EXPECT_EQ(info.gic.version, hal::GicVersion::V3);
    EXPECT_EQ(info.gic.redist_base, 0x80a0000u);
    EXPECT_EQ(info.gic.redist_size, 0xf60000u);
    EXPECT_EQ(info.gic.cpu_base, 0u);
    // With virtualization=on QEMU hands EL2 to the guest, so PSCI is firmware at EL3: smc.
    EXPECT_EQ(info.psci.conduit, hal::PsciConduit::Smc);
    EXPECT_EQ(info.cpu_count, 1u);
    EXPECT_FALSE(info.has_initrd);
}

TEST(DeviceTreeQemuTest, ParsesGicV3FourCpusWith2G) {
    Bytes blob = load_blob("virt-gicv3-smp4-2G.dtb");
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    expect_common_virt(info);
    EXPECT_EQ(info.memory[0].size, 2ull << 30);
    EXPECT_EQ(info.gic.version, hal::GicVersion::V3);
    EXPECT_EQ(info.gic.redist_base, 0x80a0000u);
    EXPECT_EQ(info.psci.conduit, hal::PsciConduit::Hvc);
    ASSERT_EQ(info.cpu_count, 4u);
    for (std::size_t i = 0; i < 4; i++) EXPECT_EQ(info.cpu_mpidr[i], i);
}

TEST(DeviceTreeQemuTest, ParsesBootargsAndInitrd) {
    Bytes blob = load_blob("virt-gicv2-smp2-512M-initrd.dtb");
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    expect_common_virt(info);
    EXPECT_EQ(info.memory[0].size, 512u << 20);
    EXPECT_EQ(info.gic.version, hal::GicVersion::V2);
    EXPECT_EQ(bootargs(info), "test=all hz=250");
    EXPECT_EQ(info.bootargs[info.bootargs_len], '\0');
    // bootargs points into the blob, which the kernel keeps reserved.
    EXPECT_GE(reinterpret_cast<const std::uint8_t*>(info.bootargs), blob.data());
    EXPECT_LT(reinterpret_cast<const std::uint8_t*>(info.bootargs), blob.data() + blob.size());
    ASSERT_TRUE(info.has_initrd);
    EXPECT_EQ(info.initrd_start, 0x48000000u);
    EXPECT_EQ(info.initrd_end, 0x48000040u);  // the 64-byte dummy initrd
    ASSERT_EQ(info.cpu_count, 2u);
    EXPECT_EQ(info.cpu_mpidr[1], 1u);
}

TEST(DeviceTreeQemuTest, TotalSizeIsQemusWholeBuffer) {
    Bytes blob = load_blob("virt-gicv2-a53-128M.dtb");
    auto size = hal::fdt_total_size(blob.data(), blob.size());
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(size.value(), 0x100000u);
    EXPECT_EQ(error_of(hal::fdt_total_size(blob.data(), 0xfffff)), lib::Error::Truncated);
}

TEST(DeviceTreeQemuTest, PackedCopyParsesTheSame) {
    for (const char* name : kAllBlobs) {
        SCOPED_TRACE(name);
        Bytes blob = load_blob(name);
        Bytes small = packed(blob);
        auto a = parse(blob);
        auto b = parse(small);
        ASSERT_TRUE(a.ok());
        ASSERT_TRUE(b.ok()) << lib::error_name(b.error());
        EXPECT_EQ(b.value().dtb_size, small.size());
        EXPECT_EQ(a.value().memory[0].size, b.value().memory[0].size);
        EXPECT_EQ(a.value().gic.version, b.value().gic.version);
        EXPECT_EQ(a.value().cpu_count, b.value().cpu_count);
        EXPECT_EQ(bootargs(a.value()), bootargs(b.value()));
    }
}

TEST(DeviceTreeQemuTest, ReadsBlobAtOddAddress) {
    // Bytewise loads: UBSan would flag a misaligned wide load here.
    Bytes blob = packed(load_blob("virt-gicv2-smp2-512M-initrd.dtb"));
    Bytes shifted(blob.size() + 1);
    std::copy(blob.begin(), blob.end(), shifted.begin() + 1);
    auto r = hal::parse_platform(shifted.data() + 1, blob.size());
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(bootargs(r.value()), "test=all hz=250");
    EXPECT_EQ(r.value().initrd_start, 0x48000000u);
}

// ---- DeviceTree navigation on a real blob ------------------------------------------------------

class DeviceTreeNavigationTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_blob = load_blob("virt-gicv2-smp2-512M-initrd.dtb");
        auto dt = hal::DeviceTree::create(m_blob.data(), m_blob.size());
        ASSERT_TRUE(dt.ok());
        m_dt = dt.value();
    }
    hal::DtNode node(const char* path) {
        auto n = m_dt->find(path);
        EXPECT_TRUE(n.ok()) << path;
        return n.value_or(m_dt->root());
    }
    Bytes m_blob;
    std::optional<hal::DeviceTree> m_dt;
};

TEST_F(DeviceTreeNavigationTest, FindsNodesByPath) {
    EXPECT_STREQ(m_dt->name(node("/cpus/cpu@1")), "cpu@1");
    EXPECT_STREQ(m_dt->name(node("/memory")), "memory@40000000");  // unit address optional
    EXPECT_STREQ(m_dt->name(node("/gpio-keys/poweroff")), "poweroff");
    EXPECT_STREQ(m_dt->name(node("/chosen/")), "chosen");
    EXPECT_EQ(node("/"), m_dt->root());
    EXPECT_STREQ(m_dt->name(m_dt->root()), "");
    EXPECT_EQ(error_of(m_dt->find("/cpus/cpu@7")), lib::Error::NotFound);
    EXPECT_EQ(error_of(m_dt->find("/cpu")), lib::Error::NotFound);  // not a prefix match
    EXPECT_EQ(error_of(m_dt->find("chosen")), lib::Error::InvalidArgument);
    EXPECT_EQ(m_dt->find("/chosen:opts", 7).value(), node("/chosen"));
}

TEST_F(DeviceTreeNavigationTest, IteratesChildrenInOrder) {
    std::vector<std::string> names;
    auto s = m_dt->for_each_child(node("/cpus"), [&](hal::DtNode n) -> lib::Status {
        names.push_back(m_dt->name(n));
        EXPECT_EQ(m_dt->parent(n).value(), node("/cpus"));
        return {};
    });
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(names, (std::vector<std::string>{"cpu-map", "cpu@0", "cpu@1"}));
    EXPECT_EQ(error_of(m_dt->first_child(node("/chosen"))), lib::Error::NotFound);
    EXPECT_EQ(error_of(m_dt->next_sibling(node("/cpus/cpu@1"))), lib::Error::NotFound);
    EXPECT_EQ(error_of(m_dt->parent(m_dt->root())), lib::Error::NotFound);
    EXPECT_EQ(m_dt->parent(node("/cpus")).value(), m_dt->root());
}

TEST_F(DeviceTreeNavigationTest, VisitsEveryNodeOnce) {
    std::size_t count = 0, virtio = 0;
    ASSERT_TRUE(m_dt->for_each_node([&](hal::DtNode n) {
                        count++;
                        if (std::string(m_dt->name(n)).rfind("virtio_mmio@", 0) == 0) virtio++;
                        return true;
                    })
                    .ok());
    EXPECT_EQ(virtio, 32u);
    // root, psci, memory, platform-bus, fw-cfg, 32 virtio, gpio-keys+poweroff, pl061, pcie, pl031,
    // pl011, pmu, intc+v2m, flash, cpus+cpu-map+socket0+cluster0+core0+core1+cpu@0+cpu@1, timer,
    // apb-pclk, chosen.
    EXPECT_EQ(count, 1u + 4 + 32 + 2 + 4 + 1 + 2 + 1 + 8 + 3);
}

TEST_F(DeviceTreeNavigationTest, ReadsPropertiesAndRegWithParentCells) {
    auto reg = m_dt->reg(node("/intc"), 1);
    ASSERT_TRUE(reg.ok());
    EXPECT_EQ(reg.value().base, 0x8010000u);
    EXPECT_EQ(m_dt->reg_count(node("/intc")).value(), 2u);
    EXPECT_EQ(error_of(m_dt->reg(node("/intc"), 2)), lib::Error::OutOfRange);
    // /cpus has #address-cells 1, #size-cells 0.
    EXPECT_EQ(m_dt->reg(node("/cpus/cpu@1"), 0).value().base, 1u);
    EXPECT_EQ(m_dt->reg(node("/cpus/cpu@1"), 0).value().size, 0u);
    EXPECT_EQ(m_dt->address_cells(node("/cpus")).value(), 1u);
    EXPECT_EQ(m_dt->size_cells(node("/psci")).value(), 1u);  // default
    // pcie's children would need 3 address cells.
    EXPECT_EQ(m_dt->address_cells(node("/pcie")).value(), 3u);

    auto compat = m_dt->property(node("/pl011"), "compatible");
    ASSERT_TRUE(compat.ok());
    EXPECT_TRUE(compat.value().has_string("arm,primecell"));
    EXPECT_FALSE(compat.value().has_string("arm,pl01"));
    EXPECT_TRUE(compat.value().has_string_prefix("arm,pl01"));
    EXPECT_STREQ(compat.value().string().value(), "arm,pl011");
    EXPECT_EQ(error_of(m_dt->property(node("/pl011"), "nope")), lib::Error::NotFound);
    EXPECT_EQ(m_dt->property(node("/apb-pclk"), "clock-frequency").value().cell(0).value(), 24000000u);
    EXPECT_EQ(error_of(m_dt->property(node("/apb-pclk"), "clock-frequency").value().cell(1)),
              lib::Error::OutOfRange);

    std::vector<std::string> props;
    auto p = m_dt->first_property(node("/psci"));
    while (p.ok()) {
        props.push_back(p.value().name);
        p = m_dt->next_property(p.value());
    }
    EXPECT_EQ(error_of(p), lib::Error::NotFound);
    EXPECT_EQ(props, (std::vector<std::string>{"migrate", "cpu_on", "cpu_off", "cpu_suspend", "method",
                                               "compatible"}));
}

TEST_F(DeviceTreeNavigationTest, FindsByCompatibleAndPhandle) {
    auto gic = m_dt->find_compatible("arm,cortex-a15-gic");
    ASSERT_TRUE(gic.ok());
    EXPECT_STREQ(m_dt->name(gic.value()), "intc@8000000");
    EXPECT_EQ(m_dt->find_by_phandle(0x8003).value(), gic.value());
    EXPECT_STREQ(m_dt->name(m_dt->find_by_phandle(0x8005).value()), "pl061@9030000");
    EXPECT_EQ(error_of(m_dt->find_by_phandle(0x1234)), lib::Error::NotFound);
    EXPECT_EQ(error_of(m_dt->find_by_phandle(0)), lib::Error::NotFound);
    EXPECT_EQ(error_of(m_dt->find_compatible("arm,gic-v3")), lib::Error::NotFound);
    EXPECT_EQ(m_dt->interrupt_intid(node("/pl061"), 0).value(), 32u + 7);
    EXPECT_EQ(m_dt->interrupt_intid(node("/pmu"), 0).value(), 16u + 7);
    EXPECT_EQ(error_of(m_dt->interrupt_intid(node("/pmu"), 1)), lib::Error::OutOfRange);
    EXPECT_EQ(m_dt->mem_reserve_count(), 0u);
}

// ---- Synthetic trees: bindings QEMU's virt does not exercise -----------------------------------

TEST(DeviceTreeSyntheticTest, CollectsAllMemoryNodesWithOneCellAddresses) {
    Bytes blob = virt_like(
        [](FdtBuilder& b) {
            b.begin("memory@40000000")
                .prop_string("device_type", "memory")
                .prop_cells("reg", {0x40000000, 0x10000000, 0x60000000, 0x1000})
                .end();
            b.begin("memory@80000000")
                .prop_string("device_type", "memory")
                .prop_cells("reg", {0x80000000, 0x2000})
                .end();
            b.begin("memory@90000000")  // disabled: ignored
                .prop_string("device_type", "memory")
                .prop_string("status", "disabled")
                .prop_cells("reg", {0x90000000, 0x2000})
                .end();
            b.begin("sram@a0000000").prop_cells("reg", {0xa0000000, 0x1000}).end();  // not memory
        },
        1, 1);
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    ASSERT_EQ(info.memory_count, 3u);
    EXPECT_EQ(info.memory[0].base, 0x40000000u);
    EXPECT_EQ(info.memory[0].size, 0x10000000u);
    EXPECT_EQ(info.memory[1].base, 0x60000000u);
    EXPECT_EQ(info.memory[2].base, 0x80000000u);
    EXPECT_EQ(info.memory[2].size, 0x2000u);
    EXPECT_EQ(info.gic.cpu_base, 0x8010000u);  // GIC reg read with 1/1 cells too
}

TEST(DeviceTreeSyntheticTest, DropsMemoryRangesPastTheLimit) {
    Bytes blob = virt_like([](FdtBuilder& b) {
        std::vector<std::uint32_t> reg;
        for (std::uint32_t i = 0; i < 10; i++) reg.insert(reg.end(), {i, 0, 0, 0x1000});
        b.begin("memory").prop_string("device_type", "memory").prop_cells("reg", reg).end();
    });
    auto r = parse(blob);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.value().memory_count, hal::kMaxMemRanges);
    EXPECT_EQ(r.value().memory[7].base, 7ull << 32);
}

TEST(DeviceTreeSyntheticTest, CollectsMemreserveAndReservedMemoryChildren) {
    FdtBuilder b;
    b.memreserve(0x48000000, 0x1000).memreserve(0x50000000, 0x2000);
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("reserved-memory")
        .prop_cells("#address-cells", {1})
        .prop_cells("#size-cells", {1})
        .prop("ranges", {});
    b.begin("secmon@4e000000").prop_cells("reg", {0x4e000000, 0x100000}).prop("no-map", {}).end();
    b.begin("dynamic").prop_cells("size", {0x400000}).end();  // no reg: nothing fixed
    b.begin("off@4f000000").prop_string("status", "disabled").prop_cells("reg", {0x4f000000, 0x1000}).end();
    b.begin("two@4f100000").prop_cells("reg", {0x4f100000, 0x1000, 0x4f200000, 0x3000}).end();
    b.end();
    b.end();
    auto r = parse(b.finish());
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    ASSERT_EQ(info.reserved_count, 5u);
    EXPECT_EQ(info.reserved[0].base, 0x48000000u);
    EXPECT_EQ(info.reserved[1].size, 0x2000u);
    EXPECT_EQ(info.reserved[2].base, 0x4e000000u);
    EXPECT_EQ(info.reserved[2].size, 0x100000u);
    EXPECT_EQ(info.reserved[3].base, 0x4f100000u);
    EXPECT_EQ(info.reserved[4].base, 0x4f200000u);
    EXPECT_EQ(info.reserved[4].size, 0x3000u);
    EXPECT_FALSE(info.uart.present);
    EXPECT_EQ(info.gic.version, hal::GicVersion::None);
    EXPECT_FALSE(info.timer.present);
    EXPECT_FALSE(info.psci.present);
    EXPECT_EQ(info.cpu_count, 0u);
}

TEST(DeviceTreeSyntheticTest, TooManyReservationsIsAnError) {
    FdtBuilder b;
    for (std::uint64_t i = 0; i <= hal::kMaxReserved; i++) b.memreserve(i << 20, 0x1000);
    b.begin("").end();
    EXPECT_EQ(error_of(parse(b.finish())), lib::Error::OutOfRange);
}

TEST(DeviceTreeSyntheticTest, ReadsSixtyFourBitInitrdAndBootargsWithoutNul) {
    Bytes blob = virt_like([](FdtBuilder& b) {
        b.begin("chosen")
            .prop_cells("linux,initrd-start", {0x1, 0x00000000})
            .prop_cells("linux,initrd-end", {0x1, 0x00400000})
            .prop("bootargs", {})  // empty property: no arguments
            .end();
    });
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_TRUE(r.value().has_initrd);
    EXPECT_EQ(r.value().initrd_start, 0x100000000ull);
    EXPECT_EQ(r.value().initrd_end, 0x100400000ull);
    EXPECT_EQ(bootargs(r.value()), "");
}

TEST(DeviceTreeSyntheticTest, RejectsInconsistentInitrdAndUnterminatedBootargs) {
    auto chosen = [](std::function<void(FdtBuilder&)> f) {
        return virt_like([&](FdtBuilder& b) {
            b.begin("chosen");
            f(b);
            b.end();
        });
    };
    auto error = [&](std::function<void(FdtBuilder&)> f) { return error_of(parse(chosen(f))); };
    EXPECT_EQ(error([](FdtBuilder& b) { b.prop_cells("linux,initrd-start", {0x1000}); }),
              lib::Error::Malformed);
    EXPECT_EQ(error([](FdtBuilder& b) {
                  b.prop_cells("linux,initrd-start", {0x2000}).prop_cells("linux,initrd-end", {0x1000});
              }),
              lib::Error::Malformed);
    EXPECT_EQ(error([](FdtBuilder& b) {
                  b.prop_cells("linux,initrd-start", {0, 0, 1}).prop_cells("linux,initrd-end", {0x1000});
              }),
              lib::Error::Malformed);
    EXPECT_EQ(error([](FdtBuilder& b) { b.prop("bootargs", {'a', 'b'}); }), lib::Error::Malformed);
}

// Two PL011s: stdout-path picks the second, by path with options and by alias.
Bytes two_uarts(const std::string& stdout_path) {
    return virt_like([&](FdtBuilder& b) {
        b.begin("pl011@9000000")
            .prop_strings("compatible", {"arm,pl011", "arm,primecell"})
            .prop_cells("reg", {0, 0x9000000, 0, 0x1000})
            .prop_cells("interrupts", {0, 1, 4})
            .end();
        b.begin("pl011@9040000")
            .prop_strings("compatible", {"arm,pl011", "arm,primecell"})
            .prop_cells("reg", {0, 0x9040000, 0, 0x1000})
            .prop_cells("interrupts", {0, 8, 4})
            .end();
        b.begin("aliases").prop_string("serial1", "/pl011@9040000").end();
        b.begin("chosen").prop_string("stdout-path", stdout_path).end();
    });
}

TEST(DeviceTreeSyntheticTest, UartFollowsStdoutPath) {
    for (const char* path : {"/pl011@9040000:115200n8", "serial1", "serial1:9600"}) {
        SCOPED_TRACE(path);
        auto r = parse(two_uarts(path));
        ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
        EXPECT_EQ(r.value().uart.base, 0x9040000u);
        EXPECT_EQ(r.value().uart.intid, 40u);
        EXPECT_EQ(r.value().stdout_base, 0x9040000u);
    }
    // An unresolvable stdout-path falls back to the first PL011.
    auto r = parse(two_uarts("serial7"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().uart.base, 0x9000000u);
    EXPECT_EQ(r.value().uart.intid, 33u);
    EXPECT_EQ(r.value().stdout_base, 0u);
}

TEST(DeviceTreeSyntheticTest, SkipsDisabledUartAndAllowsOneWithoutInterrupts) {
    Bytes blob = virt_like([](FdtBuilder& b) {
        b.begin("pl011@9000000")
            .prop_strings("compatible", {"arm,pl011"})
            .prop_string("status", "disabled")
            .prop_cells("reg", {0, 0x9000000, 0, 0x1000})
            .end();
        b.begin("pl011@9040000")
            .prop_strings("compatible", {"arm,pl011"})
            .prop_cells("reg", {0, 0x9040000, 0, 0x1000})
            .end();
    });
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_TRUE(r.value().uart.present);
    EXPECT_EQ(r.value().uart.base, 0x9040000u);
    EXPECT_EQ(r.value().uart.intid, 0u);
}

TEST(DeviceTreeSyntheticTest, DecodesGicV3TimerAndSmcPsci) {
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("soc")
        .prop_cells("#address-cells", {2})
        .prop_cells("#size-cells", {2})
        .prop_cells("interrupt-parent", {7});
    b.begin("gic@2f000000")
        .prop_strings("compatible", {"arm,gic-v3"})
        .prop_cells("#interrupt-cells", {3})
        .prop_cells("linux,phandle", {7})  // legacy spelling
        .prop_cells("reg", {0, 0x2f000000, 0, 0x10000, 0, 0x2f100000, 0, 0x200000});
    b.end();
    // interrupt-parent inherited from /soc; only three timer interrupts (no hyp).
    b.begin("timer")
        .prop_strings("compatible", {"arm,armv8-timer"})
        .prop_cells("interrupts", {1, 13, 8, 1, 14, 8, 1, 11, 8})
        .end();
    b.end();
    b.begin("psci").prop_strings("compatible", {"arm,psci-0.2"}).prop_string("method", "smc").end();
    b.begin("cpus").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {0});
    b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0, 0}).end();
    b.begin("cpu@100").prop_string("device_type", "cpu").prop_cells("reg", {0, 0x100}).end();
    b.begin("l2-cache").prop_string("device_type", "cache").end();
    b.end();
    b.end();
    auto r = parse(b.finish());
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    EXPECT_EQ(info.gic.version, hal::GicVersion::V3);
    EXPECT_EQ(info.gic.dist_base, 0x2f000000u);
    EXPECT_EQ(info.gic.redist_base, 0x2f100000u);
    EXPECT_EQ(info.gic.redist_size, 0x200000u);
    ASSERT_TRUE(info.timer.present);
    EXPECT_EQ(info.timer.secure_phys_intid, 29u);
    EXPECT_EQ(info.timer.phys_intid, 30u);
    EXPECT_EQ(info.timer.virt_intid, 27u);
    EXPECT_EQ(info.timer.hyp_intid, 0u);
    EXPECT_EQ(info.psci.conduit, hal::PsciConduit::Smc);
    ASSERT_EQ(info.cpu_count, 2u);
    EXPECT_EQ(info.cpu_mpidr[1], 0x100u);
}

TEST(DeviceTreeSyntheticTest, RejectsBadDeviceBindings) {
    auto one = [](std::function<void(FdtBuilder&)> f) { return error_of(parse(virt_like(f))); };
    // GIC-style interrupt number out of range, unknown specifier type.
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("timer")
                      .prop_strings("compatible", {"arm,armv8-timer"})
                      .prop_cells("interrupts", {1, 16, 0, 1, 14, 0, 1, 11, 0})
                      .end();
              }),
              lib::Error::Malformed);
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("u")
                      .prop_strings("compatible", {"arm,pl011"})
                      .prop_cells("reg", {0, 1, 0, 1})
                      .prop_cells("interrupts", {2, 1, 4})
                      .end();
              }),
              lib::Error::Unsupported);
    // reg not a whole number of entries; a PL011 without reg.
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("m").prop_string("device_type", "memory").prop_cells("reg", {0, 1, 0}).end();
              }),
              lib::Error::Malformed);
    EXPECT_EQ(one([](FdtBuilder& b) { b.begin("u").prop_strings("compatible", {"arm,pl011"}).end(); }),
              lib::Error::Malformed);
    // A memory range that wraps past 2^64.
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("m")
                      .prop_string("device_type", "memory")
                      .prop_cells("reg", {0xffffffff, 0xffff8000, 0, 0x10000})
                      .end();
              }),
              lib::Error::Malformed);
    // PSCI with an unknown conduit.
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("psci").prop_strings("compatible", {"arm,psci"}).prop_string("method", "svc").end();
              }),
              lib::Error::Malformed);
    // #address-cells of 3 (PCI-style) cannot be read into a 64-bit base.
    EXPECT_EQ(one([](FdtBuilder& b) {
                  b.begin("cpus").prop_cells("#address-cells", {3}).prop_cells("#size-cells", {0});
                  b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0, 0, 0}).end();
                  b.end();
              }),
              lib::Error::Unsupported);
}

// ---- Malformed headers and structure blocks ----------------------------------------------------

TEST(DeviceTreeMalformedTest, RejectsBadHeaders) {
    Bytes good = packed(load_blob("virt-gicv2-a53-128M.dtb"));
    ASSERT_TRUE(parse(good).ok());
    auto with = [&](std::size_t off, std::uint32_t v) {
        Bytes b = good;
        put_be32(b, off, v);
        return error_of(parse(b));
    };
    EXPECT_EQ(error_of(hal::parse_platform(nullptr, 100)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(hal::parse_platform(good.data(), 39)), lib::Error::Truncated);
    EXPECT_EQ(with(0, 0xedfe0dd0), lib::Error::Malformed);  // byte-swapped magic
    EXPECT_EQ(with(4, static_cast<std::uint32_t>(good.size() + 1)),
              lib::Error::Truncated);  // totalsize > buffer
    EXPECT_EQ(with(4, 39), lib::Error::Malformed);
    EXPECT_EQ(with(20, 16), lib::Error::Unsupported);  // version 16 has no size_dt_struct
    EXPECT_EQ(with(24, 18), lib::Error::Unsupported);
    EXPECT_EQ(with(kOffStruct, get_be32(good, kOffStruct) + 2), lib::Error::Malformed);  // unaligned
    EXPECT_EQ(with(kOffStruct, 0), lib::Error::Malformed);            // overlaps the header
    EXPECT_EQ(with(kSizeStruct, 0xfffffff0), lib::Error::Truncated);  // offset + size would wrap 32 bits
    EXPECT_EQ(with(kOffStrings, 0xffffffff), lib::Error::Truncated);
    EXPECT_EQ(with(kSizeStrings, get_be32(good, kSizeStrings) + 1), lib::Error::Truncated);
    EXPECT_EQ(with(16, 0x34), lib::Error::Malformed);  // rsvmap not 8-aligned
    // rsvmap placed so its terminator would lie past the end.
    EXPECT_EQ(with(16, static_cast<std::uint32_t>(good.size() & ~7u)), lib::Error::Truncated);
    EXPECT_EQ(with(kSizeStruct, 0), lib::Error::Truncated);  // no tokens at all
}

TEST(DeviceTreeMalformedTest, RejectsUnterminatedStrings) {
    // Property name offset into the middle of nowhere, and a strings block whose last name has no NUL.
    FdtBuilder a;
    a.begin("").raw_prop(1000, 0, {}).end();
    EXPECT_EQ(error_of(parse(a.finish())), lib::Error::Malformed);
    FdtBuilder b;
    b.raw_strings("compatible");  // no NUL: runs to the end of the strings block
    b.begin("").raw_prop(0, 0, {}).end();
    EXPECT_EQ(error_of(parse(b.finish())), lib::Error::Malformed);
    // A node name that runs off the end of the structure block.
    FdtBuilder c;
    c.word(hal::kFdtBeginNode).word(0x61616161);
    EXPECT_EQ(error_of(parse(c.finish(false))), lib::Error::Truncated);
}

TEST(DeviceTreeMalformedTest, LimitsNestingDepth) {
    auto nested = [](std::size_t depth) {
        FdtBuilder b;
        for (std::size_t i = 0; i < depth; i++) b.begin(i == 0 ? "" : "n");
        for (std::size_t i = 0; i < depth; i++) b.end();
        return b.finish();
    };
    EXPECT_TRUE(parse(nested(hal::kMaxTreeDepth)).ok());
    EXPECT_EQ(error_of(parse(nested(hal::kMaxTreeDepth + 1))), lib::Error::Malformed);
    EXPECT_EQ(error_of(parse(nested(100000))), lib::Error::Malformed);
}

TEST(DeviceTreeMalformedTest, RejectsPropertyRunningPastTheBlock) {
    FdtBuilder b;
    b.begin("");
    std::uint32_t name = b.string_offset("reg");
    b.raw_prop(name, 0x100, {0, 0, 0, 1});  // claims 256 bytes, block has far fewer
    b.end();
    EXPECT_EQ(error_of(parse(b.finish())), lib::Error::Truncated);
    FdtBuilder huge;
    huge.begin("").raw_prop(huge.string_offset("x"), 0xfffffffc, {}).end();  // would wrap 32 bits
    EXPECT_EQ(error_of(parse(huge.finish())), lib::Error::Truncated);
    // A PROP token whose len/nameoff words are cut off by the block end.
    FdtBuilder cut;
    cut.begin("").word(hal::kFdtProp).word(0);
    EXPECT_EQ(error_of(parse(cut.finish(false))), lib::Error::Truncated);
}

TEST(DeviceTreeMalformedTest, RejectsBadTokenSequences) {
    auto tokens = [](std::function<void(FdtBuilder&)> f, bool end = true) {
        FdtBuilder b;
        f(b);
        return error_of(parse(b.finish(end)));
    };
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").word(7).end(); }),
              lib::Error::Malformed);  // unknown token
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").end(); }, false), lib::Error::Truncated);  // no END
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").end().end(); }),
              lib::Error::Malformed);  // extra END_NODE
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").begin("a"); }),
              lib::Error::Malformed);  // END while open
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").end().begin("").end(); }),
              lib::Error::Malformed);                              // two roots
    EXPECT_EQ(tokens([](FdtBuilder&) {}), lib::Error::Malformed);  // no root at all
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.prop_cells("x", {1}).begin("").end(); }), lib::Error::Malformed);
    // A property after a child node.
    EXPECT_EQ(tokens([](FdtBuilder& b) { b.begin("").begin("a").end().prop_cells("x", {1}).end(); }),
              lib::Error::Malformed);
    // NOPs anywhere are fine.
    FdtBuilder nops;
    nops.word(hal::kFdtNop).begin("").word(hal::kFdtNop).prop_cells("#size-cells", {1}).word(hal::kFdtNop);
    nops.begin("a").end().word(hal::kFdtNop).end().word(hal::kFdtNop);
    Bytes blob = nops.finish();
    auto tree = hal::DeviceTree::create(blob.data(), blob.size());
    ASSERT_TRUE(tree.ok()) << lib::error_name(tree.error());
    EXPECT_EQ(tree.value().size_cells(tree.value().root()).value(), 1u);
    EXPECT_STREQ(tree.value().name(tree.value().first_child(tree.value().root()).value()), "a");
}

// ---- Truncation and mutation ---------------------------------------------------------------------

// Every prefix of each (packed) real blob, in an allocation of exactly that length, must fail:
// first with the header untouched (totalsize now past the buffer), then with the header rewritten
// to describe the shorter blob consistently, so the structure and strings walks meet the cut.
TEST(DeviceTreeTruncationTest, EveryPrefixOfRealBlobsFails) {
    for (const char* name : kAllBlobs) {
        SCOPED_TRACE(name);
        const Bytes full = packed(load_blob(name));
        const std::uint32_t off_struct = get_be32(full, kOffStruct);
        const std::uint32_t size_struct = get_be32(full, kSizeStruct);
        const std::uint32_t off_strings = get_be32(full, kOffStrings);
        ASSERT_TRUE(parse(full).ok());
        for (std::size_t len = 0; len < full.size(); len++) {
            Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
            auto r = hal::parse_platform(cut.data(), cut.size());
            ASSERT_FALSE(r.ok()) << "prefix " << len;
            // An empty vector's data() is null: InvalidArgument rather than Truncated.
            EXPECT_EQ(error_of(r), len == 0 ? lib::Error::InvalidArgument : lib::Error::Truncated)
                << "prefix " << len;
            if (len < 40) continue;
            put_be32(cut, 4, static_cast<std::uint32_t>(len));
            put_be32(cut, kSizeStruct,
                     len > off_struct ? std::min<std::uint32_t>(size_struct, len - off_struct) : 0);
            put_be32(cut, kSizeStrings,
                     len > off_strings ? static_cast<std::uint32_t>(len - off_strings) : 0);
            if (len <= off_strings) put_be32(cut, kOffStrings, static_cast<std::uint32_t>(len));
            if (len <= off_struct) put_be32(cut, kOffStruct, static_cast<std::uint32_t>(len & ~3u));
            auto s = hal::parse_platform(cut.data(), cut.size());
            ASSERT_FALSE(s.ok()) << "consistent prefix " << len;
        }
    }
}

// Whatever a mutated blob yields, parsing must not read out of bounds, and a success must describe
// memory inside the blob. The navigation API is exercised on every tree that validates.
TEST(DeviceTreeMutationTest, RandomByteMutationsNeverCrash) {
    constexpr std::uint32_t kSeed = 20240611;
    std::mt19937 rng(kSeed);
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    for (const char* name : kAllBlobs) {
        const Bytes full = packed(load_blob(name));
        for (int iter = 0; iter < 1000; iter++) {
            SCOPED_TRACE(testing::Message() << "seed " << kSeed << " blob " << name << " iteration " << iter);
            Bytes b = full;
            int flips = 1 + static_cast<int>(rng() % 8);
            for (int i = 0; i < flips; i++) {
                std::size_t at;
                switch (rng() % 5) {
                case 0:
                    at = rng() % 40;
                    break;  // the header
                case 1:
                    at = get_be32(full, kOffStrings) + rng() % get_be32(full, kSizeStrings);
                    break;
                default:
                    at = get_be32(full, kOffStruct) + rng() % get_be32(full, kSizeStruct);
                    break;
                }
                at %= b.size();
                switch (rng() % 4) {
                case 0:
                    b[at] = static_cast<std::uint8_t>(rng());
                    break;
                case 1:
                    b[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                    break;
                case 2:
                    b[at] = 0;
                    break;
                default:
                    b[at] = static_cast<std::uint8_t>(rng() % 10);
                    break;  // token-ish values
                }
            }
            auto r = parse(b);
            if (!r.ok()) {
                rejected++;
                continue;
            }
            accepted++;
            const auto& info = r.value();
            ASSERT_LE(info.dtb_size, b.size());
            ASSERT_LE(info.memory_count, hal::kMaxMemRanges);
            ASSERT_LE(info.reserved_count, hal::kMaxReserved);
            ASSERT_LE(info.cpu_count, hal::kMaxCpus);
            if (info.bootargs_len > 0) {
                const auto* p = reinterpret_cast<const std::uint8_t*>(info.bootargs);
                ASSERT_GE(p, b.data());
                ASSERT_LE(p + info.bootargs_len, b.data() + b.size());
            }
            auto dt = hal::DeviceTree::create(b.data(), b.size());
            ASSERT_TRUE(dt.ok());
            std::size_t props = 0;
            ASSERT_TRUE(dt.value()
                            .for_each_node([&](hal::DtNode n) {
                                for (auto p = dt.value().first_property(n); p.ok();
                                     p = dt.value().next_property(p.value()))
                                    props++;
                                (void)dt.value().reg(n, 0);
                                return true;
                            })
                            .ok());
            EXPECT_GT(props, 0u);
        }
    }
    // Both outcomes must be common, or the mutations are not exploring anything.
    EXPECT_GT(accepted, 500u);
    EXPECT_GT(rejected, 500u);
}

}  // namespace
