// parse_platform(): the boot-time summary of the device tree (memory, reservations, /chosen, UART,
// GIC, timer, PSCI, CPUs), built on the validated DeviceTree view. Policy lives here: what is
// required, what may be absent, what is dropped when the fixed-size tables are full.
#include "hal/device_tree.h"
#include "lib/string.h"

namespace hal {
namespace {

// Maps NotFound to Malformed: for a property the binding requires, absence is a broken tree, not
// a lookup miss the caller of parse_platform() should see.
template <typename T>
lib::Result<T> required(lib::Result<T> r) {
    if (!r.ok() && r.error() == lib::Error::NotFound) return lib::Error::Malformed;
    return r;
}

bool equal(const char* a, const char* b) { return lib::string_compare(a, b) == 0; }

bool has_device_type(const DeviceTree& dt, DtNode node, const char* type) {
    lib::Result<DtProperty> p = dt.property(node, "device_type");
    if (!p.ok()) return false;
    lib::Result<const char*> s = p.value().string();
    return s.ok() && equal(s.value(), type);
}

bool is_compatible(const DeviceTree& dt, DtNode node, const char* compat) {
    lib::Result<DtProperty> p = dt.property(node, "compatible");
    return p.ok() && p.value().has_string(compat);
}

lib::Status check_range(const MemRange& r) {
    if (r.size != 0 && r.base + (r.size - 1) < r.base) return lib::Error::Malformed;  // wraps
    return {};
}

lib::Status add_reserved(PlatformInfo& info, const MemRange& r) {
    if (r.size == 0) return {};
    TRY_STATUS(check_range(r));
    if (info.reserved_count == kMaxReserved) return lib::Error::OutOfRange;
    info.reserved[info.reserved_count++] = r;
    return {};
}

lib::Status parse_memory(const DeviceTree& dt, PlatformInfo& info) {
    return dt.for_each_child(dt.root(), [&](DtNode node) -> lib::Status {
        if (!has_device_type(dt, node, "memory") || !dt.is_enabled(node)) return {};
        std::size_t count = TRY(required(dt.reg_count(node)));
        for (std::size_t i = 0; i < count; i++) {
            MemRange r = TRY(dt.reg(node, i));
            TRY_STATUS(check_range(r));
            if (r.size != 0 && info.memory_count < kMaxMemRanges) info.memory[info.memory_count++] = r;
        }
        return {};
    });
}

lib::Status parse_reserved(const DeviceTree& dt, PlatformInfo& info) {
    for (std::size_t i = 0; i < dt.mem_reserve_count(); i++) {
        TRY_STATUS(add_reserved(info, TRY(dt.mem_reserve(i))));
    }
    lib::Result<DtNode> rm = dt.find("/reserved-memory");
    if (!rm.ok()) return rm.error() == lib::Error::NotFound ? lib::Status{} : rm.error();
    return dt.for_each_child(rm.value(), [&](DtNode node) -> lib::Status {
        if (!dt.is_enabled(node)) return {};
        lib::Result<std::size_t> count = dt.reg_count(node);
        // Without reg the region is allocated dynamically by whoever wants it: nothing fixed.
        if (!count.ok() && count.error() == lib::Error::NotFound) return {};
        std::size_t n = TRY(count);
        for (std::size_t i = 0; i < n; i++) {
            TRY_STATUS(add_reserved(info, TRY(dt.reg(node, i))));
        }
        return {};
    });
}

// stdout-path is "/path[:options]" or "alias[:options]" (spec 3.6).
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

lib::Status parse_chosen(const DeviceTree& dt, PlatformInfo& info, lib::Result<DtNode>& stdout_node) {
    stdout_node = lib::Error::NotFound;
    lib::Result<DtNode> chosen = dt.find("/chosen");
    if (!chosen.ok()) return chosen.error() == lib::Error::NotFound ? lib::Status{} : chosen.error();

    lib::Result<DtProperty> bootargs = dt.property(chosen.value(), "bootargs");
    if (bootargs.ok() && bootargs.value().size > 0) {
        info.bootargs = TRY(bootargs.value().string());
        info.bootargs_len = lib::string_length(info.bootargs);
    }

    lib::Result<DtProperty> start = dt.property(chosen.value(), "linux,initrd-start");
    lib::Result<DtProperty> end = dt.property(chosen.value(), "linux,initrd-end");
    if (start.ok() != end.ok()) return lib::Error::Malformed;  // half an initrd
    if (start.ok()) {
        info.initrd_start = TRY(start.value().u32_or_u64());
        info.initrd_end = TRY(end.value().u32_or_u64());
        if (info.initrd_end < info.initrd_start) return lib::Error::Malformed;
        info.has_initrd = true;
    }

    // An unresolvable stdout-path is not fatal: the kernel falls back to the first PL011.
    stdout_node = resolve_stdout(dt, chosen.value());
    if (stdout_node.ok()) {
        lib::Result<MemRange> r = dt.reg(stdout_node.value(), 0);
        if (r.ok()) info.stdout_base = r.value().base;
    }
    return {};
}

lib::Status parse_uart(const DeviceTree& dt, PlatformInfo& info, lib::Result<DtNode> stdout_node) {
    lib::Result<DtNode> uart = lib::Error::NotFound;
    if (stdout_node.ok() && is_compatible(dt, stdout_node.value(), "arm,pl011") &&
        dt.is_enabled(stdout_node.value())) {
        uart = stdout_node;
    } else {
        TRY_STATUS(dt.for_each_node([&](DtNode n) {
            if (!is_compatible(dt, n, "arm,pl011") || !dt.is_enabled(n)) return true;
            uart = n;
            return false;
        }));
    }
    if (!uart.ok()) return {};
    MemRange r = TRY(required(dt.reg(uart.value(), 0)));
    info.uart.base = r.base;
    info.uart.size = r.size;
    // A PL011 without interrupts still works polled; intid 0 says "none".
    lib::Result<std::uint32_t> intid = dt.interrupt_intid(uart.value(), 0);
    if (intid.ok()) {
        info.uart.intid = intid.value();
    } else if (intid.error() != lib::Error::NotFound) {
        return intid.error();
    }
    info.uart.present = true;
    return {};
}

lib::Status parse_gic(const DeviceTree& dt, PlatformInfo& info) {
    GicVersion version = GicVersion::None;
    lib::Result<DtNode> gic = lib::Error::NotFound;
    TRY_STATUS(dt.for_each_node([&](DtNode n) {
        if (is_compatible(dt, n, "arm,gic-v3")) {
            version = GicVersion::V3;
        } else if (is_compatible(dt, n, "arm,cortex-a15-gic") || is_compatible(dt, n, "arm,gic-400") ||
                   is_compatible(dt, n, "arm,cortex-a9-gic")) {
            version = GicVersion::V2;
        } else {
            return true;
        }
        gic = n;
        return false;
    }));
    if (!gic.ok()) return {};
    MemRange dist = TRY(required(dt.reg(gic.value(), 0)));
    lib::Result<MemRange> second = dt.reg(gic.value(), 1);
    if (!second.ok()) {
        // Both bindings require the second region (CPU interface / redistributors).
        return second.error() == lib::Error::OutOfRange ? lib::Error::Malformed : second.error();
    }
    info.gic.version = version;
    info.gic.dist_base = dist.base;
    info.gic.dist_size = dist.size;
    if (version == GicVersion::V2) {
        info.gic.cpu_base = second.value().base;
        info.gic.cpu_size = second.value().size;
    } else {
        info.gic.redist_base = second.value().base;
        info.gic.redist_size = second.value().size;
    }
    return {};
}

lib::Status parse_timer(const DeviceTree& dt, PlatformInfo& info) {
    lib::Result<DtNode> timer = dt.find_compatible("arm,armv8-timer");
    if (!timer.ok()) return timer.error() == lib::Error::NotFound ? lib::Status{} : timer.error();
    DtNode t = timer.value();
    info.timer.secure_phys_intid = TRY(required(dt.interrupt_intid(t, 0)));
    info.timer.phys_intid = TRY(required(dt.interrupt_intid(t, 1)));
    info.timer.virt_intid = TRY(required(dt.interrupt_intid(t, 2)));
    lib::Result<std::uint32_t> hyp = dt.interrupt_intid(t, 3);
    if (hyp.ok()) {
        info.timer.hyp_intid = hyp.value();
    } else if (hyp.error() != lib::Error::OutOfRange) {
        return hyp.error();
    }
    info.timer.present = true;
    return {};
}

lib::Status parse_psci(const DeviceTree& dt, PlatformInfo& info) {
    lib::Result<DtNode> psci = lib::Error::NotFound;
    TRY_STATUS(dt.for_each_node([&](DtNode n) {
        lib::Result<DtProperty> c = dt.property(n, "compatible");
        if (!c.ok() || !c.value().has_string_prefix("arm,psci")) return true;
        psci = n;
        return false;
    }));
    if (!psci.ok()) return {};
    DtProperty method = TRY(required(dt.property(psci.value(), "method")));
    const char* m = TRY(method.string());
    if (equal(m, "hvc")) {
        info.psci.conduit = PsciConduit::Hvc;
    } else if (equal(m, "smc")) {
        info.psci.conduit = PsciConduit::Smc;
    } else {
        return lib::Error::Malformed;
    }
    info.psci.present = true;
    return {};
}

lib::Status parse_cpus(const DeviceTree& dt, PlatformInfo& info) {
    lib::Result<DtNode> cpus = dt.find("/cpus");
    if (!cpus.ok()) return cpus.error() == lib::Error::NotFound ? lib::Status{} : cpus.error();
    return dt.for_each_child(cpus.value(), [&](DtNode node) -> lib::Status {
        if (!has_device_type(dt, node, "cpu")) return {};
        MemRange r = TRY(required(dt.reg(node, 0)));
        if (info.cpu_count < kMaxCpus) info.cpu_mpidr[info.cpu_count++] = r.base;
        return {};
    });
}

}  // namespace

lib::Result<PlatformInfo> parse_platform(const void* blob, std::size_t max_size) {
    DeviceTree dt = TRY(DeviceTree::create(blob, max_size));
    PlatformInfo info{};
    info.dtb_size = dt.total_size();
    info.bootargs = "";
    TRY_STATUS(parse_memory(dt, info));
    TRY_STATUS(parse_reserved(dt, info));
    lib::Result<DtNode> stdout_node = lib::Error::NotFound;
    TRY_STATUS(parse_chosen(dt, info, stdout_node));
    TRY_STATUS(parse_uart(dt, info, stdout_node));
    TRY_STATUS(parse_gic(dt, info));
    TRY_STATUS(parse_timer(dt, info));
    TRY_STATUS(parse_psci(dt, info));
    TRY_STATUS(parse_cpus(dt, info));
    return info;
}

}  // namespace hal
