// parse_platform(): the boot-time summary of the device tree (memory, reservations, /chosen, UART,
// GIC, timer, PSCI, CPUs), built on the validated DeviceTree view. Policy lives here: what is
// required, what may be absent, what is dropped when the fixed-size tables are full.
#include "hal/device_tree.h"
#include "lib/kassert.h"
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

bool is_string(const lib::Result<DtProperty>& p, const char* value) {
    if (!p.ok()) return false;
    lib::Result<const char*> s = p.value().string();
    return s.ok() && equal(s.value(), value);
}

bool has_device_type(const DeviceTree& dt, DtNode node, const char* type) {
    return is_string(dt.property(node, "device_type"), type);
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

// ---- The single pass ---------------------------------------------------------------------------
// Each per-role lookup (find by path, by compatible, by phandle, up the ancestors for
// interrupt-parent) costs a walk of the whole tree, and a QEMU virt tree has ~50 nodes and ~250
// properties, so parse_platform() walks it once, reads each node's properties once, and records
// for every role the node the lookup would have found: the first in tree order.

// The properties the pass dispatches on; like DeviceTree::property(), the first of a name wins.
struct NodeProps {
    lib::Result<DtProperty> compatible = lib::Error::NotFound;
    lib::Result<DtProperty> device_type = lib::Error::NotFound;
    lib::Result<DtProperty> status = lib::Error::NotFound;
    lib::Result<DtProperty> phandle = lib::Error::NotFound;
    lib::Result<DtProperty> linux_phandle = lib::Error::NotFound;
    lib::Result<DtProperty> interrupt_parent = lib::Error::NotFound;
};

lib::Result<DtProperty>* slot_for(NodeProps& props, const char* name) {
    lib::Result<DtProperty>* slot = nullptr;
    const char* want = nullptr;
    switch (name[0]) {  // one character rules out most names before a comparison
    case 'c': slot = &props.compatible, want = "compatible"; break;
    case 'd': slot = &props.device_type, want = "device_type"; break;
    case 's': slot = &props.status, want = "status"; break;
    case 'p': slot = &props.phandle, want = "phandle"; break;
    case 'l': slot = &props.linux_phandle, want = "linux,phandle"; break;
    case 'i': slot = &props.interrupt_parent, want = "interrupt-parent"; break;
    default: return nullptr;
    }
    return !slot->ok() && equal(name, want) ? slot : nullptr;
}

lib::Result<NodeProps> read_props(const DeviceTree& dt, DtNode node) {
    NodeProps props;
    lib::Result<DtProperty> p = dt.first_property(node);
    for (; p.ok(); p = dt.next_property(p.value())) {
        if (lib::Result<DtProperty>* slot = slot_for(props, p.value().name)) *slot = p;
    }
    if (p.error() != lib::Error::NotFound) return p.error();
    return props;
}

// The first node declaring each phandle, as DeviceTree::find_by_phandle() finds it. Past
// kCapacity distinct phandles (QEMU virt uses 6) lookups of unrecorded ones fall back to that walk.
class PhandleTable {
public:
    void add(std::uint32_t phandle, DtNode node) {
        for (std::size_t i = 0; i < m_count; i++) {
            if (m_phandle[i] == phandle) return;  // an earlier node declared it
        }
        if (m_count == kCapacity) {
            m_overflowed = true;
            return;
        }
        m_phandle[m_count] = phandle;
        m_node[m_count++] = node;
    }

    lib::Result<DtNode> find(const DeviceTree& dt, std::uint32_t phandle) const {
        // 0 and ~0 are never valid phandles (spec 2.3.3).
        if (phandle == 0 || phandle == 0xffffffffu) return lib::Error::NotFound;
        for (std::size_t i = 0; i < m_count; i++) {
            if (m_phandle[i] == phandle) return m_node[i];
        }
        return m_overflowed ? dt.find_by_phandle(phandle) : lib::Error::NotFound;
    }

private:
    static constexpr std::size_t kCapacity = 16;
    std::uint32_t m_phandle[kCapacity] = {};
    DtNode m_node[kCapacity] = {};
    std::size_t m_count = 0;
    bool m_overflowed = false;
};

// A node's nearest interrupt-parent property (its own or an ancestor's): NotFound if none.
using InterruptParentProp = lib::Result<DtProperty>;

// What the pass records for the steps after it.
struct Scan {
    // Children of the root, matched by name as DeviceTree::find("/name") matches.
    lib::Result<DtNode> reserved_memory = lib::Error::NotFound;
    lib::Result<DtNode> chosen = lib::Error::NotFound;
    lib::Result<DtNode> aliases = lib::Error::NotFound;
    lib::Result<DtNode> cpus = lib::Error::NotFound;

    lib::Result<DtNode> uart = lib::Error::NotFound;  // the first enabled "arm,pl011"
    InterruptParentProp uart_interrupt_parent = lib::Error::NotFound;
    lib::Result<DtNode> gic = lib::Error::NotFound;
    GicVersion gic_version = GicVersion::None;
    lib::Result<DtNode> timer = lib::Error::NotFound;
    InterruptParentProp timer_interrupt_parent = lib::Error::NotFound;
    lib::Result<DtNode> psci = lib::Error::NotFound;
    PhandleTable phandles;
};

// The interrupt controller an interrupt-parent property names, with the errors of
// DeviceTree::interrupt_parent().
lib::Result<DtNode> controller_of(const DeviceTree& dt, const Scan& scan, const InterruptParentProp& prop) {
    DtProperty p = TRY(prop);
    if (p.size != 4) return lib::Error::Malformed;
    lib::Result<DtNode> controller = scan.phandles.find(dt, TRY(p.cell(0)));
    if (!controller.ok() && controller.error() == lib::Error::NotFound) {
        return lib::Error::Malformed;  // a dangling phandle, not "no interrupt"
    }
    return controller;
}

void record_root_child(const DeviceTree& dt, DtNode node, Scan& scan) {
    const char* name = dt.name(node);
    struct {
        const char* name;
        std::size_t len;
        lib::Result<DtNode>* slot;
    } const roles[] = {
        {"reserved-memory", 15, &scan.reserved_memory},
        {"chosen", 6, &scan.chosen},
        {"aliases", 7, &scan.aliases},
        {"cpus", 4, &scan.cpus},
    };
    for (const auto& role : roles) {
        if (!role.slot->ok() && DeviceTree::name_matches(name, role.name, role.len)) *role.slot = node;
    }
}

lib::Status add_memory(const DeviceTree& dt, PlatformInfo& info, DtNode node) {
    std::size_t count = TRY(required(dt.reg_count(node)));
    for (std::size_t i = 0; i < count; i++) {
        MemRange r = TRY(dt.reg(node, i));
        TRY_STATUS(check_range(r));
        if (r.size != 0 && info.memory_count < kMaxMemRanges) info.memory[info.memory_count++] = r;
    }
    return {};
}

void record_compatible(DtNode node, const NodeProps& props, const InterruptParentProp& interrupt_parent,
                       Scan& scan) {
    const DtProperty& c = props.compatible.value();
    if (!scan.uart.ok() && c.has_string("arm,pl011") && status_enabled(props.status)) {
        scan.uart = node;
        scan.uart_interrupt_parent = interrupt_parent;
    }
    if (!scan.gic.ok()) {
        if (c.has_string("arm,gic-v3")) {
            scan.gic_version = GicVersion::V3;
        } else if (c.has_string("arm,cortex-a15-gic") || c.has_string("arm,gic-400") ||
                   c.has_string("arm,cortex-a9-gic")) {
            scan.gic_version = GicVersion::V2;
        }
        if (scan.gic_version != GicVersion::None) scan.gic = node;
    }
    if (!scan.timer.ok() && c.has_string("arm,armv8-timer")) {
        scan.timer = node;
        scan.timer_interrupt_parent = interrupt_parent;
    }
    if (!scan.psci.ok() && c.has_string_prefix("arm,psci")) scan.psci = node;
}

// The pass. Memory nodes are handled as they come: they are the first step, so failing on the
// first bad one reports what a separate memory step would have.
lib::Status scan_tree(const DeviceTree& dt, PlatformInfo& info, Scan& scan) {
    // The open path from the root to the node being visited, each entry with its nearest
    // interrupt-parent. create() bounded the depth by kMaxTreeDepth.
    struct Open {
        std::uint32_t offset = 0;
        InterruptParentProp interrupt_parent = lib::Error::NotFound;
    };
    Open open[kMaxTreeDepth];
    std::size_t depth = 0;
    const std::uint32_t root = dt.root().offset;

    auto visit = [&](DtNode node) -> lib::Status {
        while (depth > 0 && open[depth - 1].offset != node.parent) depth--;  // closed subtrees
        KASSERT(depth < kMaxTreeDepth);
        NodeProps props = TRY(read_props(dt, node));
        InterruptParentProp interrupt_parent = props.interrupt_parent;
        if (!interrupt_parent.ok() && depth > 0) interrupt_parent = open[depth - 1].interrupt_parent;
        open[depth++] = Open{node.offset, interrupt_parent};

        if (node.parent == root) {
            record_root_child(dt, node, scan);
            if (is_string(props.device_type, "memory") && status_enabled(props.status)) {
                TRY_STATUS(add_memory(dt, info, node));
            }
        }
        lib::Result<std::uint32_t> phandle = declared_phandle(props.phandle, props.linux_phandle);
        if (phandle.ok()) scan.phandles.add(phandle.value(), node);
        if (props.compatible.ok()) record_compatible(node, props, interrupt_parent, scan);
        return {};
    };

    lib::Status result{};
    TRY_STATUS(dt.for_each_node([&](DtNode node) {
        result = visit(node);
        return result.ok();
    }));
    return result;
}

// ---- The steps, in the order their errors take precedence ----------------------------------------

lib::Status parse_reserved(const DeviceTree& dt, PlatformInfo& info, const Scan& scan) {
    for (std::size_t i = 0; i < dt.mem_reserve_count(); i++) {
        TRY_STATUS(add_reserved(info, TRY(dt.mem_reserve(i))));
    }
    if (!scan.reserved_memory.ok()) return {};
    return dt.for_each_child(scan.reserved_memory.value(), [&](DtNode node) -> lib::Status {
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
lib::Result<DtNode> resolve_stdout(const DeviceTree& dt, const Scan& scan, DtNode chosen) {
    DtProperty prop = TRY(dt.property(chosen, "stdout-path"));
    const char* path = TRY(prop.string());
    std::size_t len = 0;
    while (path[len] != '\0' && path[len] != ':') len++;
    if (len > 0 && path[0] == '/') return dt.find(path, len);
    DtNode aliases = TRY(scan.aliases);
    DtProperty alias = TRY(dt.property(aliases, path, len));
    return dt.find(TRY(alias.string()));
}

lib::Status parse_chosen(const DeviceTree& dt, PlatformInfo& info, const Scan& scan,
                         lib::Result<DtNode>& stdout_node) {
    stdout_node = lib::Error::NotFound;
    if (!scan.chosen.ok()) return {};
    DtNode chosen = scan.chosen.value();

    lib::Result<DtProperty> bootargs = dt.property(chosen, "bootargs");
    if (bootargs.ok() && bootargs.value().size > 0) {
        info.bootargs = TRY(bootargs.value().string());
        info.bootargs_len = lib::string_length(info.bootargs);
    }

    lib::Result<DtProperty> start = dt.property(chosen, "linux,initrd-start");
    lib::Result<DtProperty> end = dt.property(chosen, "linux,initrd-end");
    if (start.ok() != end.ok()) return lib::Error::Malformed;  // half an initrd
    if (start.ok()) {
        info.initrd_start = TRY(start.value().u32_or_u64());
        info.initrd_end = TRY(end.value().u32_or_u64());
        if (info.initrd_end < info.initrd_start) return lib::Error::Malformed;
        info.has_initrd = true;
    }

    // An unresolvable stdout-path is not fatal: the kernel falls back to the first PL011.
    stdout_node = resolve_stdout(dt, scan, chosen);
    if (stdout_node.ok()) {
        lib::Result<MemRange> r = dt.reg(stdout_node.value(), 0);
        if (r.ok()) info.stdout_base = r.value().base;
    }
    return {};
}

lib::Status parse_uart(const DeviceTree& dt, PlatformInfo& info, const Scan& scan,
                       lib::Result<DtNode> stdout_node) {
    lib::Result<DtNode> uart = scan.uart;
    lib::Result<DtNode> controller = lib::Error::NotFound;
    if (stdout_node.ok() && is_compatible(dt, stdout_node.value(), "arm,pl011") &&
        dt.is_enabled(stdout_node.value())) {
        uart = stdout_node;
    }
    if (!uart.ok()) return {};
    if (scan.uart.ok() && uart.value() == scan.uart.value()) {
        controller = controller_of(dt, scan, scan.uart_interrupt_parent);
    } else {
        controller = dt.interrupt_parent(uart.value());  // a later PL011: its own walks
    }
    MemRange r = TRY(required(dt.reg(uart.value(), 0)));
    info.uart.base = r.base;
    info.uart.size = r.size;
    // A PL011 without interrupts still works polled; intid 0 says "none".
    lib::Result<std::uint32_t> intid =
        controller.ok() ? dt.interrupt_intid(uart.value(), controller.value(), 0) : controller.error();
    if (intid.ok()) {
        info.uart.intid = intid.value();
    } else if (intid.error() != lib::Error::NotFound) {
        return intid.error();
    }
    info.uart.present = true;
    return {};
}

lib::Status parse_gic(const DeviceTree& dt, PlatformInfo& info, const Scan& scan) {
    if (!scan.gic.ok()) return {};
    DtNode gic = scan.gic.value();
    MemRange dist = TRY(required(dt.reg(gic, 0)));
    lib::Result<MemRange> second = dt.reg(gic, 1);
    if (!second.ok()) {
        // Both bindings require the second region (CPU interface / redistributors).
        return second.error() == lib::Error::OutOfRange ? lib::Error::Malformed : second.error();
    }
    info.gic.version = scan.gic_version;
    info.gic.dist_base = dist.base;
    info.gic.dist_size = dist.size;
    if (scan.gic_version == GicVersion::V2) {
        info.gic.cpu_base = second.value().base;
        info.gic.cpu_size = second.value().size;
    } else {
        info.gic.redist_base = second.value().base;
        info.gic.redist_size = second.value().size;
    }
    return {};
}

lib::Status parse_timer(const DeviceTree& dt, PlatformInfo& info, const Scan& scan) {
    if (!scan.timer.ok()) return {};
    DtNode t = scan.timer.value();
    DtNode controller = TRY(required(controller_of(dt, scan, scan.timer_interrupt_parent)));
    info.timer.secure_phys_intid = TRY(required(dt.interrupt_intid(t, controller, 0)));
    info.timer.phys_intid = TRY(required(dt.interrupt_intid(t, controller, 1)));
    info.timer.virt_intid = TRY(required(dt.interrupt_intid(t, controller, 2)));
    lib::Result<std::uint32_t> hyp = dt.interrupt_intid(t, controller, 3);
    if (hyp.ok()) {
        info.timer.hyp_intid = hyp.value();
    } else if (hyp.error() != lib::Error::OutOfRange) {
        return hyp.error();
    }
    info.timer.present = true;
    return {};
}

lib::Status parse_psci(const DeviceTree& dt, PlatformInfo& info, const Scan& scan) {
    if (!scan.psci.ok()) return {};
    DtProperty method = TRY(required(dt.property(scan.psci.value(), "method")));
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

lib::Status parse_cpus(const DeviceTree& dt, PlatformInfo& info, const Scan& scan) {
    if (!scan.cpus.ok()) return {};
    return dt.for_each_child(scan.cpus.value(), [&](DtNode node) -> lib::Status {
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
    Scan scan;
    TRY_STATUS(scan_tree(dt, info, scan));  // fills info.memory
    TRY_STATUS(parse_reserved(dt, info, scan));
    lib::Result<DtNode> stdout_node = lib::Error::NotFound;
    TRY_STATUS(parse_chosen(dt, info, scan, stdout_node));
    TRY_STATUS(parse_uart(dt, info, scan, stdout_node));
    TRY_STATUS(parse_gic(dt, info, scan));
    TRY_STATUS(parse_timer(dt, info, scan));
    TRY_STATUS(parse_psci(dt, info, scan));
    TRY_STATUS(parse_cpus(dt, info, scan));
    return info;
}

}  // namespace hal
