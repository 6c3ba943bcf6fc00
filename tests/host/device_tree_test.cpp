// Device-tree reader tests: real QEMU virt blobs (tests/host/data, from tools/dump-dtbs.sh, QEMU 7.2)
// parsed to exact values; synthetic trees for bindings QEMU does not emit; malformed, truncated and
// randomly mutated blobs, which must fail cleanly (ASan/UBSan catch any out-of-bounds read).
// Time budget: about 2.5 s under sanitizers, mostly the truncation and mutation loops (the mutation
// loops also run the slow reference model of parse_platform() on every blob).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

// ---- Reference model: parse_platform() as plain lookups ----------------------------------------
// parse_platform() gathers everything in one pass over the tree; this is the same policy written
// the obvious way, one DeviceTree lookup (and walk) per question, as it was before that pass. The
// two must agree on every blob, success or error.
namespace reference {

using hal::DeviceTree;
using hal::DtNode;
using hal::DtProperty;
using hal::PlatformInfo;

template <typename T>
lib::Result<T> required(lib::Result<T> r) {
    if (!r.ok() && r.error() == lib::Error::NotFound) return lib::Error::Malformed;
    return r;
}

bool has_device_type(const DeviceTree& dt, DtNode node, const char* type) {
    lib::Result<DtProperty> p = dt.property(node, "device_type");
    return p.ok() && p.value().string().ok() && std::strcmp(p.value().string().value(), type) == 0;
}

bool is_compatible(const DeviceTree& dt, DtNode node, const char* compat) {
    lib::Result<DtProperty> p = dt.property(node, "compatible");
    return p.ok() && p.value().has_string(compat);
}

lib::Status check_range(const hal::MemRange& r) {
    if (r.size != 0 && r.base + (r.size - 1) < r.base) return lib::Error::Malformed;
    return {};
}

lib::Status add_reserved(PlatformInfo& info, const hal::MemRange& r) {
    if (r.size == 0) return {};
    TRY_STATUS(check_range(r));
    if (info.reserved_count == hal::kMaxReserved) return lib::Error::OutOfRange;
    info.reserved[info.reserved_count++] = r;
    return {};
}

// The first node in tree order for which pred holds; NotFound if none.
lib::Result<DtNode> find_first(const DeviceTree& dt, std::function<bool(DtNode)> pred) {
    lib::Result<DtNode> found = lib::Error::NotFound;
    TRY_STATUS(dt.for_each_node([&](DtNode n) {
        if (!pred(n)) return true;
        found = n;
        return false;
    }));
    return found;
}

lib::Result<DtNode> resolve_stdout(const DeviceTree& dt, DtNode chosen) {
    DtProperty prop = TRY(dt.property(chosen, "stdout-path"));
    const char* path = TRY(prop.string());
    std::size_t len = 0;
    while (path[len] != '\0' && path[len] != ':') len++;
    if (len > 0 && path[0] == '/') return dt.find(path, len);
    DtNode aliases = TRY(dt.find("/aliases"));
    DtProperty alias = TRY(dt.property(aliases, path, len));
    return dt.find(TRY(alias.string()));
}

lib::Result<PlatformInfo> parse_platform(const void* blob, std::size_t max_size) {
    DeviceTree dt = TRY(DeviceTree::create(blob, max_size));
    PlatformInfo info{};
    info.dtb_size = dt.total_size();
    info.bootargs = "";

    TRY_STATUS(dt.for_each_child(dt.root(), [&](DtNode node) -> lib::Status {
        if (!has_device_type(dt, node, "memory") || !dt.is_enabled(node)) return {};
        std::size_t count = TRY(required(dt.reg_count(node)));
        for (std::size_t i = 0; i < count; i++) {
            hal::MemRange r = TRY(dt.reg(node, i));
            TRY_STATUS(check_range(r));
            if (r.size != 0 && info.memory_count < hal::kMaxMemRanges) info.memory[info.memory_count++] = r;
        }
        return {};
    }));

    for (std::size_t i = 0; i < dt.mem_reserve_count(); i++) TRY_STATUS(add_reserved(info, TRY(dt.mem_reserve(i))));
    lib::Result<DtNode> rm = dt.find("/reserved-memory");
    if (!rm.ok() && rm.error() != lib::Error::NotFound) return rm.error();
    if (rm.ok()) {
        TRY_STATUS(dt.for_each_child(rm.value(), [&](DtNode node) -> lib::Status {
            if (!dt.is_enabled(node)) return {};
            lib::Result<std::size_t> count = dt.reg_count(node);
            if (!count.ok() && count.error() == lib::Error::NotFound) return {};
            std::size_t n = TRY(count);
            for (std::size_t i = 0; i < n; i++) TRY_STATUS(add_reserved(info, TRY(dt.reg(node, i))));
            return {};
        }));
    }

    lib::Result<DtNode> stdout_node = lib::Error::NotFound;
    lib::Result<DtNode> chosen = dt.find("/chosen");
    if (!chosen.ok() && chosen.error() != lib::Error::NotFound) return chosen.error();
    if (chosen.ok()) {
        lib::Result<DtProperty> bootargs = dt.property(chosen.value(), "bootargs");
        if (bootargs.ok() && bootargs.value().size > 0) {
            info.bootargs = TRY(bootargs.value().string());
            info.bootargs_len = std::strlen(info.bootargs);
        }
        lib::Result<DtProperty> start = dt.property(chosen.value(), "linux,initrd-start");
        lib::Result<DtProperty> end = dt.property(chosen.value(), "linux,initrd-end");
        if (start.ok() != end.ok()) return lib::Error::Malformed;
        if (start.ok()) {
            info.initrd_start = TRY(start.value().u32_or_u64());
            info.initrd_end = TRY(end.value().u32_or_u64());
            if (info.initrd_end < info.initrd_start) return lib::Error::Malformed;
            info.has_initrd = true;
        }
        stdout_node = resolve_stdout(dt, chosen.value());
        if (stdout_node.ok()) {
            lib::Result<hal::MemRange> r = dt.reg(stdout_node.value(), 0);
            if (r.ok()) info.stdout_base = r.value().base;
        }
    }

    lib::Result<DtNode> uart = lib::Error::NotFound;
    if (stdout_node.ok() && is_compatible(dt, stdout_node.value(), "arm,pl011") && dt.is_enabled(stdout_node.value())) {
        uart = stdout_node;
    } else {
        uart = find_first(dt, [&](DtNode n) { return is_compatible(dt, n, "arm,pl011") && dt.is_enabled(n); });
        if (!uart.ok() && uart.error() != lib::Error::NotFound) return uart.error();
    }
    if (uart.ok()) {
        hal::MemRange r = TRY(required(dt.reg(uart.value(), 0)));
        info.uart.base = r.base;
        info.uart.size = r.size;
        lib::Result<std::uint32_t> intid = dt.interrupt_intid(uart.value(), 0);
        if (intid.ok()) {
            info.uart.intid = intid.value();
        } else if (intid.error() != lib::Error::NotFound) {
            return intid.error();
        }
        info.uart.present = true;
    }

    hal::GicVersion version = hal::GicVersion::None;
    lib::Result<DtNode> gic = find_first(dt, [&](DtNode n) {
        if (is_compatible(dt, n, "arm,gic-v3")) {
            version = hal::GicVersion::V3;
        } else if (is_compatible(dt, n, "arm,cortex-a15-gic") || is_compatible(dt, n, "arm,gic-400") ||
                   is_compatible(dt, n, "arm,cortex-a9-gic")) {
            version = hal::GicVersion::V2;
        } else {
            return false;
        }
        return true;
    });
    if (!gic.ok() && gic.error() != lib::Error::NotFound) return gic.error();
    if (gic.ok()) {
        hal::MemRange dist = TRY(required(dt.reg(gic.value(), 0)));
        lib::Result<hal::MemRange> second = dt.reg(gic.value(), 1);
        if (!second.ok()) return second.error() == lib::Error::OutOfRange ? lib::Error::Malformed : second.error();
        info.gic.version = version;
        info.gic.dist_base = dist.base;
        info.gic.dist_size = dist.size;
        if (version == hal::GicVersion::V2) {
            info.gic.cpu_base = second.value().base;
            info.gic.cpu_size = second.value().size;
        } else {
            info.gic.redist_base = second.value().base;
            info.gic.redist_size = second.value().size;
        }
    }

    lib::Result<DtNode> timer = dt.find_compatible("arm,armv8-timer");
    if (!timer.ok() && timer.error() != lib::Error::NotFound) return timer.error();
    if (timer.ok()) {
        info.timer.secure_phys_intid = TRY(required(dt.interrupt_intid(timer.value(), 0)));
        info.timer.phys_intid = TRY(required(dt.interrupt_intid(timer.value(), 1)));
        info.timer.virt_intid = TRY(required(dt.interrupt_intid(timer.value(), 2)));
        lib::Result<std::uint32_t> hyp = dt.interrupt_intid(timer.value(), 3);
        if (hyp.ok()) {
            info.timer.hyp_intid = hyp.value();
        } else if (hyp.error() != lib::Error::OutOfRange) {
            return hyp.error();
        }
        info.timer.present = true;
    }

    lib::Result<DtNode> psci = find_first(dt, [&](DtNode n) {
        lib::Result<DtProperty> c = dt.property(n, "compatible");
        return c.ok() && c.value().has_string_prefix("arm,psci");
    });
    if (!psci.ok() && psci.error() != lib::Error::NotFound) return psci.error();
    if (psci.ok()) {
        DtProperty method = TRY(required(dt.property(psci.value(), "method")));
        const char* m = TRY(method.string());
        if (std::strcmp(m, "hvc") == 0) {
            info.psci.conduit = hal::PsciConduit::Hvc;
        } else if (std::strcmp(m, "smc") == 0) {
            info.psci.conduit = hal::PsciConduit::Smc;
        } else {
            return lib::Error::Malformed;
        }
        info.psci.present = true;
    }

    lib::Result<DtNode> rtc = find_first(dt, [&](DtNode n) { return is_compatible(dt, n, "arm,pl031") && dt.is_enabled(n); });
    if (!rtc.ok() && rtc.error() != lib::Error::NotFound) return rtc.error();
    if (rtc.ok()) {
        hal::MemRange r = TRY(required(dt.reg(rtc.value(), 0)));
        info.rtc.base = r.base;
        info.rtc.size = r.size;
        info.rtc.present = true;
    }

    lib::Result<DtNode> cpus = dt.find("/cpus");
    if (!cpus.ok() && cpus.error() != lib::Error::NotFound) return cpus.error();
    if (cpus.ok()) {
        TRY_STATUS(dt.for_each_child(cpus.value(), [&](DtNode node) -> lib::Status {
            if (!has_device_type(dt, node, "cpu")) return {};
            hal::MemRange r = TRY(required(dt.reg(node, 0)));
            if (info.cpu_count < hal::kMaxCpus) info.cpu_mpidr[info.cpu_count++] = r.base;
            return {};
        }));
    }
    return info;
}

}  // namespace reference

// Every field of a parse result (or its error), for comparing two results with a readable diff.
std::string describe(const lib::Result<hal::PlatformInfo>& r) {
    if (!r.ok()) return std::string("error ") + lib::error_name(r.error());
    const hal::PlatformInfo& i = r.value();
    std::string s;
    auto add = [&s](const char* label, std::uint64_t v) {
        char buf[48];
        std::snprintf(buf, sizeof buf, " %s=%llx", label, static_cast<unsigned long long>(v));
        s += buf;
    };
    add("dtb", i.dtb_size);
    for (std::size_t k = 0; k < i.memory_count; k++) add("mem", i.memory[k].base), add("+", i.memory[k].size);
    for (std::size_t k = 0; k < i.reserved_count; k++) add("rsv", i.reserved[k].base), add("+", i.reserved[k].size);
    if (i.bootargs_len > 0) add("bootargs@", reinterpret_cast<std::uintptr_t>(i.bootargs));
    add("bootargs_len", i.bootargs_len);
    add("initrd", i.has_initrd), add("start", i.initrd_start), add("end", i.initrd_end);
    add("stdout", i.stdout_base);
    add("uart", i.uart.present), add("base", i.uart.base), add("size", i.uart.size), add("intid", i.uart.intid);
    add("gic", static_cast<unsigned>(i.gic.version)), add("dist", i.gic.dist_base), add("+", i.gic.dist_size);
    add("cpu", i.gic.cpu_base), add("+", i.gic.cpu_size), add("redist", i.gic.redist_base), add("+", i.gic.redist_size);
    add("timer", i.timer.present), add("s", i.timer.secure_phys_intid), add("p", i.timer.phys_intid);
    add("v", i.timer.virt_intid), add("h", i.timer.hyp_intid);
    add("psci", i.psci.present), add("conduit", static_cast<unsigned>(i.psci.conduit));
    add("rtc", i.rtc.present), add("base", i.rtc.base), add("+", i.rtc.size);
    for (std::size_t k = 0; k < i.cpu_count; k++) add("mpidr", i.cpu_mpidr[k]);
    return s;
}

void expect_matches_reference(const Bytes& b) {
    EXPECT_EQ(describe(parse(b)), describe(reference::parse_platform(b.data(), b.size())));
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
    EXPECT_TRUE(info.rtc.present);  // QEMU virt's PL031
    EXPECT_EQ(info.rtc.base, 0x9010000u);
    EXPECT_EQ(info.rtc.size, 0x1000u);
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
    // The pieces interrupt_intid() is made of: the parent inherited from the root, then the
    // specifiers read against it.
    EXPECT_EQ(m_dt->interrupt_parent(node("/pl061")).value(), gic.value());
    EXPECT_EQ(m_dt->interrupt_parent(node("/cpus/cpu@0")).value(), gic.value());
    auto timer_ints = m_dt->interrupts(node("/timer"), gic.value());
    ASSERT_TRUE(timer_ints.ok());
    EXPECT_EQ(timer_ints.value().count, 4u);
    EXPECT_EQ(timer_ints.value().intid(2).value(), 27u);
    EXPECT_EQ(error_of(timer_ints.value().intid(4)), lib::Error::OutOfRange);
    // Against a node without #interrupt-cells 3 (here the timer itself), nothing decodes.
    EXPECT_EQ(error_of(m_dt->interrupts(node("/timer"), node("/timer"))), lib::Error::Unsupported);
}

// create()'s visitor sees the same tree the navigation API walks: per node, its properties in
// order and then the node itself, nodes in pre-order.
TEST_F(DeviceTreeNavigationTest, VisitorSeesPropertiesThenEachNodeInTreeOrder) {
    std::vector<std::string> expected;
    ASSERT_TRUE(m_dt->for_each_node([&](hal::DtNode n) {
                        for (auto p = m_dt->first_property(n); p.ok(); p = m_dt->next_property(p.value())) {
                            expected.push_back(std::to_string(n.offset) + " prop " + p.value().name + " " +
                                               std::to_string(p.value().size));
                        }
                        expected.push_back(std::to_string(n.offset) + " node " + m_dt->name(n) + " parent " +
                                           std::to_string(n.parent));
                        return true;
                    })
                    .ok());
    std::vector<std::string> seen;
    hal::DtVisitor visitor{
        &seen,
        [](void* context, hal::DtNode n, const hal::DtProperty& p) {
            static_cast<std::vector<std::string>*>(context)->push_back(std::to_string(n.offset) + " prop " + p.name +
                                                                       " " + std::to_string(p.size));
        },
        [](void* context, hal::DtNode n, const char* name) {
            static_cast<std::vector<std::string>*>(context)->push_back(std::to_string(n.offset) + " node " + name +
                                                                       " parent " + std::to_string(n.parent));
        },
    };
    auto dt = hal::DeviceTree::create(m_blob.data(), m_blob.size(), &visitor);
    ASSERT_TRUE(dt.ok());
    EXPECT_EQ(seen, expected);
    EXPECT_GT(seen.size(), 250u);  // ~50 nodes, ~230 properties
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
    // A count property must be exactly one cell.
    FdtBuilder cells;
    cells.begin("").prop_cells("#address-cells", {1, 1}).prop_cells("#size-cells", {1});
    cells.begin("memory").prop_string("device_type", "memory").prop_cells("reg", {0, 0x1000}).end();
    cells.end();
    Bytes blob = cells.finish();
    EXPECT_EQ(error_of(parse(blob)), lib::Error::Malformed);
    expect_matches_reference(blob);
}

// ---- parse_platform()'s single pass: the answers the lookups would give ----------------------------

TEST(DeviceTreeReferenceTest, RealBlobsMatchTheReferenceModel) {
    for (const char* name : kAllBlobs) {
        SCOPED_TRACE(name);
        Bytes blob = load_blob(name);
        expect_matches_reference(blob);
        expect_matches_reference(packed(blob));
    }
}

TEST(DeviceTreeSyntheticTest, FirstNodeOfEachRoleWins) {
    Bytes blob = virt_like([](FdtBuilder& b) {
        // Later GICs (another v2, a v3) lose to the one virt_like() put first.
        b.begin("gic3").prop_strings("compatible", {"arm,gic-v3"}).prop_cells("reg", {0, 1, 0, 1, 0, 2, 0, 2}).end();
        b.begin("t1").prop_strings("compatible", {"arm,armv7-timer", "arm,armv8-timer"})
            .prop_cells("interrupts", {1, 13, 4, 1, 14, 4, 1, 11, 4})
            .end();
        b.begin("t2").prop_strings("compatible", {"arm,armv8-timer"}).prop_cells("interrupts", {1, 1, 4}).end();
        b.begin("psci-a").prop_strings("compatible", {"arm,psci-1.0", "arm,psci"}).prop_string("method", "smc").end();
        b.begin("psci-b").prop_strings("compatible", {"arm,psci"}).prop_string("method", "bad").end();
        b.begin("u-off").prop_strings("compatible", {"arm,pl011"}).prop_string("status", "disabled").end();
        b.begin("u-on@9040000")
            .prop_strings("compatible", {"arm,pl011", "arm,primecell"})
            .prop_string("status", "okay")
            .prop_cells("reg", {0, 0x9040000, 0, 0x1000})
            .prop_cells("interrupts", {0, 2, 4})
            .end();
        b.begin("u-late").prop_strings("compatible", {"arm,pl011"}).end();  // no reg: would be an error
        // Only enabled root children with device_type "memory" are memory.
        b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
        b.begin("memory@0").prop_string("device_type", "memory").prop_cells("reg", {0, 0, 0, 0x1000}).end();
        b.end();
        b.begin("memory@80000000").prop_string("device_type", "memory").prop_cells("reg", {0, 0x80000000, 0, 0x4000}).end();
    });
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const auto& info = r.value();
    EXPECT_EQ(info.gic.version, hal::GicVersion::V2);
    EXPECT_EQ(info.gic.dist_base, 0x8000000u);
    EXPECT_EQ(info.timer.phys_intid, 30u);
    EXPECT_EQ(info.psci.conduit, hal::PsciConduit::Smc);
    EXPECT_EQ(info.uart.base, 0x9040000u);
    EXPECT_EQ(info.uart.intid, 34u);
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0].base, 0x80000000u);
    expect_matches_reference(blob);
}

// A tree whose root has no interrupt-parent, two controllers, and `body` for the devices.
template <typename Body>
Bytes two_controllers(Body body) {
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
    b.begin("gic").prop_strings("compatible", {"arm,gic-400"}).prop_cells("#interrupt-cells", {3})
        .prop_cells("phandle", {1}).prop_cells("reg", {0x8000000, 0x1000, 0x8010000, 0x1000}).end();
    b.begin("other").prop_cells("#interrupt-cells", {2}).prop_cells("phandle", {2}).end();
    body(b);
    b.end();
    return b.finish();
}

TEST(DeviceTreeSyntheticTest, ResolvesInterruptParentsAsTheLookupsDo) {
    auto uart = [](std::function<void(FdtBuilder&)> extra) {
        return two_controllers([&](FdtBuilder& b) {
            b.begin("bus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
            b.prop_cells("interrupt-parent", {1});
            b.begin("uart").prop_strings("compatible", {"arm,pl011"}).prop_cells("reg", {0x9000000, 0x1000})
                .prop_cells("interrupts", {0, 5, 4});
            extra(b);
            b.end();
            b.end();
        });
    };
    auto timer = [](std::function<void(FdtBuilder&)> extra) {
        return two_controllers([&](FdtBuilder& b) {
            b.begin("timer").prop_strings("compatible", {"arm,armv8-timer"}).prop_cells("interrupts", {1, 13, 4, 1, 14, 4, 1, 11, 4});
            extra(b);
            b.end();
        });
    };
    struct Case {
        const char* what;
        Bytes blob;
        std::optional<lib::Error> error;
    };
    const Case cases[] = {
        {"inherited from the bus", uart([](FdtBuilder&) {}), std::nullopt},
        {"own interrupt-parent wins", uart([](FdtBuilder& b) { b.prop_cells("interrupt-parent", {2}); }),
         lib::Error::Unsupported},
        {"two-cell interrupt-parent", uart([](FdtBuilder& b) { b.prop_cells("interrupt-parent", {1, 1}); }),
         lib::Error::Malformed},
        {"dangling interrupt-parent", uart([](FdtBuilder& b) { b.prop_cells("interrupt-parent", {9}); }),
         lib::Error::Malformed},
        {"phandle 0 is never valid", uart([](FdtBuilder& b) {
             b.prop_cells("interrupt-parent", {0});
             b.begin("zero").prop_cells("#interrupt-cells", {3}).prop_cells("phandle", {0}).end();
         }),
         lib::Error::Malformed},
        {"timer without interrupt parent", timer([](FdtBuilder&) {}), lib::Error::Malformed},
        {"timer with one", timer([](FdtBuilder& b) { b.prop_cells("interrupt-parent", {1}); }), std::nullopt},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        auto r = parse(c.blob);
        if (c.error) {
            EXPECT_EQ(error_of(r), *c.error);
        } else {
            EXPECT_TRUE(r.ok()) << lib::error_name(r.error());
        }
        expect_matches_reference(c.blob);
    }
    // A PL011 with no interrupt parent anywhere works polled.
    Bytes polled = two_controllers([](FdtBuilder& b) {
        b.begin("uart").prop_strings("compatible", {"arm,pl011"}).prop_cells("reg", {0x9000000, 0x1000})
            .prop_cells("interrupts", {0, 5, 4}).end();
    });
    auto r = parse(polled);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.value().uart.present);
    EXPECT_EQ(r.value().uart.intid, 0u);
    expect_matches_reference(polled);
}

TEST(DeviceTreeSyntheticTest, FirstDeclarationOfAPhandleWins) {
    auto tree = [](std::function<void(FdtBuilder&)> declare) {
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1}).prop_cells("interrupt-parent", {5});
        declare(b);
        b.begin("timer").prop_strings("compatible", {"arm,armv8-timer"}).prop_cells("interrupts", {1, 13, 4, 1, 14, 4, 1, 11, 4}).end();
        b.end();
        return b.finish();
    };
    // The first node with phandle 5 is a GIC; a later one (2 cells) must not shadow it.
    Bytes first_good = tree([](FdtBuilder& b) {
        b.begin("a").prop_cells("#interrupt-cells", {3}).prop_cells("phandle", {5}).end();
        b.begin("b").prop_cells("#interrupt-cells", {2}).prop_cells("phandle", {5}).end();
    });
    EXPECT_EQ(parse(first_good).value().timer.virt_intid, 27u);
    Bytes first_bad = tree([](FdtBuilder& b) {
        b.begin("b").prop_cells("#interrupt-cells", {2}).prop_cells("linux,phandle", {5}).end();
        b.begin("a").prop_cells("#interrupt-cells", {3}).prop_cells("phandle", {5}).end();
    });
    EXPECT_EQ(error_of(parse(first_bad)), lib::Error::Unsupported);
    // linux,phandle counts only where phandle is absent; a malformed phandle hides it.
    Bytes hidden = tree([](FdtBuilder& b) {
        b.begin("a").prop_cells("#interrupt-cells", {3}).prop_cells("phandle", {5, 5}).prop_cells("linux,phandle", {5}).end();
    });
    EXPECT_EQ(error_of(parse(hidden)), lib::Error::Malformed);  // dangling
    for (const Bytes* blob : {&first_good, &first_bad, &hidden}) expect_matches_reference(*blob);
}

TEST(DeviceTreeSyntheticTest, ResolvesPhandlesBeyondTheTable) {
    // More distinct phandles than parse_platform() records, the GIC's declared last.
    auto tree = [](std::uint32_t uart_parent) {
        return virt_like([&](FdtBuilder& b) {
            for (std::uint32_t i = 0; i < 40; i++) {
                b.begin("clk" + std::to_string(i)).prop_cells("phandle", {100 + i}).prop_cells("#interrupt-cells", {2}).end();
            }
            b.begin("intc2").prop_strings("compatible", {"arm,gic-400"}).prop_cells("#interrupt-cells", {3})
                .prop_cells("phandle", {200}).end();
            b.begin("timer").prop_strings("compatible", {"arm,armv8-timer"}).prop_cells("interrupt-parent", {200})
                .prop_cells("interrupts", {1, 13, 4, 1, 14, 4, 1, 11, 4}).end();
            b.begin("uart").prop_strings("compatible", {"arm,pl011"}).prop_cells("reg", {0, 0x9000000, 0, 0x1000})
                .prop_cells("interrupt-parent", {uart_parent}).prop_cells("interrupts", {0, 1, 4}).end();
        });
    };
    Bytes to_clock = tree(139);  // the last clock: 2 interrupt cells
    EXPECT_EQ(error_of(parse(to_clock)), lib::Error::Unsupported);
    expect_matches_reference(to_clock);
    Bytes to_gic = tree(200);
    auto r = parse(to_gic);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().timer.virt_intid, 27u);
    EXPECT_EQ(r.value().uart.intid, 33u);
    expect_matches_reference(to_gic);
    Bytes dangling = tree(99);
    EXPECT_EQ(error_of(parse(dangling)), lib::Error::Malformed);
    expect_matches_reference(dangling);
}

TEST(DeviceTreeSyntheticTest, CpusAreChildrenOfTheFirstRootCpusNode) {
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
    b.begin("soc");
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});  // not at the root
    b.begin("cpu@9").prop_string("device_type", "cpu").prop_cells("reg", {9}).end();
    b.end();
    b.end();
    b.begin("cpus@0").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
    b.begin("cpu-map").begin("cluster0").begin("core0").prop_string("device_type", "cpu").end().end().end();
    b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0}).end();
    b.begin("cache").prop_string("device_type", "cache").end();
    b.begin("cpu@101").prop_string("device_type", "cpu").prop_cells("reg", {0x101}).end();
    b.end();
    b.begin("cpus").begin("cpu@7").prop_string("device_type", "cpu").end().end();  // a later match: ignored
    b.end();
    Bytes blob = b.finish();
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    ASSERT_EQ(r.value().cpu_count, 2u);
    EXPECT_EQ(r.value().cpu_mpidr[0], 0u);
    EXPECT_EQ(r.value().cpu_mpidr[1], 0x101u);
    expect_matches_reference(blob);
}

// The scan meets a bad memory node and a bad CPU early, but each error ranks as its step does:
// memory's before every other step's, the CPUs' after every other step's.
TEST(DeviceTreeSyntheticTest, ScanErrorsKeepTheirStepsPrecedence) {
    // In tree order: a CPU without reg (Malformed, last step), then memory with or without reg
    // (Malformed, first step); one reservation too many (OutOfRange, second step).
    auto tree = [](bool bad_memory) {
        FdtBuilder b;
        for (std::uint64_t i = 0; i <= hal::kMaxReserved; i++) b.memreserve(i << 20, 0x1000);
        b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
        b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
        b.begin("cpu@0").prop_string("device_type", "cpu").end();
        b.end();
        b.begin("memory@40000000").prop_string("device_type", "memory");
        if (!bad_memory) b.prop_cells("reg", {0x40000000, 0x1000});
        b.end();
        b.end();
        return b.finish();
    };
    EXPECT_EQ(error_of(parse(tree(true))), lib::Error::Malformed);
    EXPECT_EQ(error_of(parse(tree(false))), lib::Error::OutOfRange);
    for (bool bad_memory : {false, true}) expect_matches_reference(tree(bad_memory));

    // A CPU whose reg cannot be read (Unsupported) ranks after PSCI, the step before (Malformed).
    auto late = [](bool bad_psci) {
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
        b.begin("cpus").prop_cells("#address-cells", {3}).prop_cells("#size-cells", {0});
        b.begin("cpu@0").prop_string("device_type", "cpu").prop_cells("reg", {0, 0, 0}).end();
        b.end();
        b.begin("psci").prop_strings("compatible", {"arm,psci"}).prop_string("method", bad_psci ? "svc" : "hvc").end();
        b.end();
        return b.finish();
    };
    EXPECT_EQ(error_of(parse(late(true))), lib::Error::Malformed);
    EXPECT_EQ(error_of(parse(late(false))), lib::Error::Unsupported);
    for (bool bad_psci : {false, true}) expect_matches_reference(late(bad_psci));
}

TEST(DeviceTreeSyntheticTest, RecognisesEachGicBinding) {
    const std::pair<const char*, hal::GicVersion> bindings[] = {
        {"arm,cortex-a15-gic", hal::GicVersion::V2},
        {"arm,gic-400", hal::GicVersion::V2},
        {"arm,cortex-a9-gic", hal::GicVersion::V2},
        {"arm,gic-v3", hal::GicVersion::V3},
        {"arm,gic-v3-its", hal::GicVersion::None},  // not a distributor binding
    };
    for (const auto& [compat, version] : bindings) {
        SCOPED_TRACE(compat);
        FdtBuilder b;
        b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
        b.begin("intc").prop_strings("compatible", {"vendor,thing", compat})
            .prop_cells("reg", {0x8000000, 0x1000, 0x8010000, 0x2000}).end();
        b.end();
        Bytes blob = b.finish();
        auto r = parse(blob);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.value().gic.version, version);
        expect_matches_reference(blob);
    }
}

TEST(DeviceTreeSyntheticTest, FindsRootChildrenPastTheIndex) {
    // Far more root children than the index holds; the ones parse_platform() needs come last.
    FdtBuilder b;
    b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
    b.begin("odd@1@2").end();
    for (int i = 0; i < 100; i++) b.begin("n" + std::to_string(i)).begin("c").end().end();
    b.begin("pl011@9000000").prop_strings("compatible", {"arm,pl011"}).prop_cells("reg", {0x9000000, 0x1000}).end();
    b.begin("pl011@9040000").prop_strings("compatible", {"arm,pl011"}).prop_cells("reg", {0x9040000, 0x1000}).end();
    b.begin("reserved-memory").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
    b.begin("fw@4e000000").prop_cells("reg", {0x4e000000, 0x1000}).end();
    b.end();
    b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
    b.begin("cpu@3").prop_string("device_type", "cpu").prop_cells("reg", {3}).end();
    b.end();
    b.begin("chosen").prop_string("stdout-path", "/pl011@9040000").end();
    b.end();
    Bytes blob = b.finish();
    auto dt = hal::DeviceTree::create(blob.data(), blob.size());
    ASSERT_TRUE(dt.ok());
    for (const char* path : {"/n0", "/n63", "/n64", "/n99/c", "/chosen", "/pl011"}) {
        SCOPED_TRACE(path);
        auto n = dt.value().find(path);
        ASSERT_TRUE(n.ok());
        std::string last = std::strrchr(path, '/') + 1;
        EXPECT_EQ(std::string(dt.value().name(n.value())).substr(0, last.size()), last);
    }
    EXPECT_EQ(dt.value().find("/pl011").value(), dt.value().find("/pl011@9000000").value());
    EXPECT_EQ(dt.value().parent(dt.value().find("/n99/c").value()).value(), dt.value().find("/n99").value());
    EXPECT_EQ(error_of(dt.value().find("/n100")), lib::Error::NotFound);
    // A component with a unit address matches only the whole name.
    EXPECT_EQ(error_of(dt.value().find("/pl011@9")), lib::Error::NotFound);
    EXPECT_EQ(error_of(dt.value().find("/odd@1")), lib::Error::NotFound);
    EXPECT_TRUE(dt.value().find("/odd").ok());
    EXPECT_EQ(error_of(dt.value().find("/n9/d")), lib::Error::NotFound);
    auto r = parse(blob);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().uart.base, 0x9040000u);
    EXPECT_EQ(r.value().stdout_base, 0x9040000u);
    EXPECT_EQ(r.value().reserved_count, 1u);
    ASSERT_EQ(r.value().cpu_count, 1u);
    EXPECT_EQ(r.value().cpu_mpidr[0], 3u);
    expect_matches_reference(blob);
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

TEST(DeviceTreeMalformedTest, NamesMustEndBeforeTheStringsBlockDoes) {
    // "reg\0abc": a name may start anywhere up to the last NUL (even on it: the empty name), not in
    // the unterminated tail after it.
    auto with_name_at = [](std::uint32_t offset) -> lib::Result<std::uint32_t> {
        FdtBuilder b;
        b.raw_strings(std::string("reg\0abc", 7));
        b.begin("").raw_prop(offset, 0, {}).end();
        Bytes blob = b.finish();
        return TRY(hal::DeviceTree::create(blob.data(), blob.size())).total_size();
    };
    EXPECT_TRUE(with_name_at(0).ok());
    EXPECT_TRUE(with_name_at(3).ok());
    for (std::uint32_t offset : {4u, 6u, 7u, 1000u}) {
        SCOPED_TRACE(offset);
        EXPECT_EQ(error_of(with_name_at(offset)), lib::Error::Malformed);
    }
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
            ASSERT_EQ(describe(r), describe(reference::parse_platform(b.data(), b.size())));
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

// Byte flips mostly break the structure; these edits keep it valid and change meaning instead:
// properties renamed to other names the tree uses (a reg becomes a phandle, a compatible becomes a
// status...), cells rewritten to small numbers or the tree's own phandles, values shortened. Every
// outcome must be what the plain lookups (the reference model) give.
TEST(DeviceTreeMutationTest, PropertyEditsMatchTheReferenceModel) {
    constexpr std::uint32_t kSeed = 20250302;
    std::mt19937 rng(kSeed);
    std::size_t accepted = 0;
    for (const char* name : kAllBlobs) {
        const Bytes full = packed(load_blob(name));
        // Each PROP token's offset in the blob, and the name offsets in use.
        std::vector<std::size_t> props;
        std::vector<std::uint32_t> names;
        const std::size_t st = get_be32(full, kOffStruct);
        for (std::size_t off = 0; off + 4 <= get_be32(full, kSizeStruct);) {
            std::uint32_t token = get_be32(full, st + off);
            if (token == hal::kFdtBeginNode) {
                off += 4;
                while (full[st + off] != 0) off++;
                off = (off + 4) & ~std::size_t{3};
            } else if (token == hal::kFdtProp) {
                props.push_back(st + off);
                names.push_back(get_be32(full, st + off + 8));
                off += 12 + ((get_be32(full, st + off + 4) + 3) & ~3u);
            } else {
                off += 4;
            }
        }
        ASSERT_GT(props.size(), 200u);
        for (int iter = 0; iter < 250; iter++) {
            SCOPED_TRACE(testing::Message() << "seed " << kSeed << " blob " << name << " iteration " << iter);
            Bytes b = full;
            for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; edits--) {
                std::size_t p = props[rng() % props.size()];
                std::uint32_t len = get_be32(b, p + 4);
                switch (rng() % 4) {
                case 0:
                case 1:
                    put_be32(b, p + 8, names[rng() % names.size()]);
                    break;
                case 2:
                    if (len >= 4) {
                        std::uint32_t v = rng() % 3 == 0 ? 0x8000 + rng() % 8 : rng() % 5;
                        put_be32(b, p + 12 + 4 * (rng() % (len / 4)), v);
                    }
                    break;
                default:
                    if (len >= 4) put_be32(b, p + 4, len - 4 * (1 + rng() % (len / 4)));
                    break;
                }
            }
            auto r = parse(b);
            ASSERT_EQ(describe(r), describe(reference::parse_platform(b.data(), b.size())));
            if (r.ok()) accepted++;
        }
    }
    EXPECT_GT(accepted, 100u);  // the edits must leave many trees that parse
}

}  // namespace
