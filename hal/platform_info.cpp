// parse_platform(): the boot-time summary of the device tree (memory, reservations, /chosen, UART,
// GIC, timer, PSCI, CPUs), built on the validated DeviceTree view. Policy lives here: what is
// required, what may be absent, what is dropped when the fixed-size tables are full.
#include <bit>

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

lib::Result<MemRange> reg_entry(const lib::Result<DtReg>& reg, std::size_t index) {
    return TRY(reg).entry(index);
}

lib::Status check_range(const MemRange& r) {
    if (r.size != 0 && r.base + (r.size - 1) < r.base) return lib::Error::Malformed;  // wraps
    return {};
}

lib::Status add_memory(PlatformInfo& info, const lib::Result<DtReg>& reg) {
    DtReg r = TRY(required(reg));
    for (std::size_t i = 0; i < r.count; i++) {
        MemRange range = TRY(r.entry(i));
        TRY_STATUS(check_range(range));
        if (range.size != 0 && info.memory_count < kMaxMemRanges) info.memory[info.memory_count++] = range;
    }
    return {};
}

lib::Status add_reserved(PlatformInfo& info, const MemRange& r) {
    if (r.size == 0) return {};
    TRY_STATUS(check_range(r));
    if (info.reserved_count == kMaxReserved) return lib::Error::OutOfRange;
    info.reserved[info.reserved_count++] = r;
    return {};
}

lib::Status add_cpu(PlatformInfo& info, const lib::Result<DtReg>& reg) {
    MemRange r = TRY(required(reg_entry(reg, 0)));
    if (info.cpu_count < kMaxCpus) info.cpu_mpidr[info.cpu_count++] = r.base;
    return {};
}

// ---- The scan ------------------------------------------------------------------------------------
// Looked up one by one (by compatible, by phandle, up the ancestors for interrupt-parent, through
// each candidate's properties), the roles below cost a walk of the tree each; a QEMU virt tree
// has ~50 nodes and ~250 properties. Instead the scan rides on create()'s validating pass
// (DtVisitor), sees each property once, and records for every role what the lookup would have
// found (the first match in tree order), already decoded.

// The properties the scan reads; like DeviceTree::property(), the first of a name counts.
enum PropSlot : std::uint8_t {
    kCompatible,
    kDeviceType,
    kStatus,
    kReg,
    kAddressCells,
    kSizeCells,
    kInterruptCells,
    kPhandle,
    kLinuxPhandle,
    kInterruptParent,
    kInterrupts,
    kSlotCount,
    kNoSlot = kSlotCount,
};

PropSlot classify(const char* name) {
    auto is = [name](const char* want, PropSlot slot) { return equal(name, want) ? slot : kNoSlot; };
    switch (name[0]) {  // one character rules out most names before any comparison
    case 'c': return is("compatible", kCompatible);
    case 'd': return is("device_type", kDeviceType);
    case 's': return is("status", kStatus);
    case 'r': return is("reg", kReg);
    case 'p': return is("phandle", kPhandle);
    case 'l': return is("linux,phandle", kLinuxPhandle);
    case 'i': {
        PropSlot slot = is("interrupts", kInterrupts);
        return slot != kNoSlot ? slot : is("interrupt-parent", kInterruptParent);
    }
    case '#':
        switch (name[1]) {
        case 'a': return is("#address-cells", kAddressCells);
        case 's': return is("#size-cells", kSizeCells);
        case 'i': return is("#interrupt-cells", kInterruptCells);
        default: return kNoSlot;
        }
    default: return kNoSlot;
    }
}

// One node's properties by slot, NotFound where absent.
class NodeProps {
public:
    const lib::Result<DtProperty>& operator[](PropSlot s) const { return m_slot[s]; }

    void offer(PropSlot s, const DtProperty& prop) {
        if (s == kNoSlot || m_slot[s].ok()) return;
        m_slot[s] = prop;
        m_filled |= 1u << s;
    }
    // Back to all NotFound, touching only the slots that were filled.
    void clear() {
        for (; m_filled != 0; m_filled &= m_filled - 1) m_slot[std::countr_zero(m_filled)] = lib::Error::NotFound;
    }

private:
    lib::Result<DtProperty> m_slot[kSlotCount] = {
        lib::Error::NotFound, lib::Error::NotFound, lib::Error::NotFound, lib::Error::NotFound,
        lib::Error::NotFound, lib::Error::NotFound, lib::Error::NotFound, lib::Error::NotFound,
        lib::Error::NotFound, lib::Error::NotFound, lib::Error::NotFound,
    };
    std::uint32_t m_filled = 0;  // bit s: m_slot[s] holds a property
};
static_assert(kSlotCount == 11, "NodeProps initialises one NotFound per slot");

// Property names repeat from node to node and QEMU's strings block holds each once, so caching the
// slot of each name pointer (direct-mapped; a collision only costs a re-classify) compares each
// distinct name about once instead of at every property.
class NameCache {
public:
    PropSlot slot(const char* name) {
        auto key = reinterpret_cast<std::uintptr_t>(name);
        Entry& e = m_entries[(key ^ (key >> 5)) % kEntries];
        if (e.name != name) e = Entry{name, classify(name)};
        return e.slot;
    }

private:
    struct Entry {
        const char* name = nullptr;
        PropSlot slot = kNoSlot;
    };
    static constexpr std::size_t kEntries = 32;
    Entry m_entries[kEntries];
};

// The roles a compatible string names, a bit each; only "arm,..." strings name any.
constexpr unsigned kRoleUart = 1, kRoleGicV3 = 2, kRoleGicV2 = 4, kRoleTimer = 8, kRolePsci = 16, kRoleRtc = 32;

unsigned roles_of(const char* compatible) {
    if (compatible[0] != 'a' || !lib::starts_with(compatible, "arm,")) return 0;
    // The character after "arm," picks the one or two strings worth comparing.
    switch (compatible[4]) {
    case 'p':
        if (equal(compatible, "arm,pl011")) return kRoleUart;
        if (equal(compatible, "arm,pl031")) return kRoleRtc;
        return lib::starts_with(compatible, "arm,psci") ? kRolePsci : 0;
    case 'g':
        if (equal(compatible, "arm,gic-v3")) return kRoleGicV3;
        return equal(compatible, "arm,gic-400") ? kRoleGicV2 : 0;
    case 'c':
        return equal(compatible, "arm,cortex-a15-gic") || equal(compatible, "arm,cortex-a9-gic") ? kRoleGicV2 : 0;
    case 'a':
        return equal(compatible, "arm,armv8-timer") ? kRoleTimer : 0;
    default:
        return 0;
    }
}

// A node the scan chose for a role, with what the steps need from it decoded as DeviceTree would.
struct Device {
    DtNode node;
    lib::Result<DtReg> reg;                         // DeviceTree::reg(node)
    lib::Result<std::uint32_t> interrupt_parent;    // phandle of the nearest interrupt-parent
    lib::Result<DtProperty> interrupts;
};

// The first node declaring each phandle, as DeviceTree::find_by_phandle() finds it, with its
// #interrupt-cells. QEMU virt declares 6; past kCapacity, unrecorded ones are looked up by a walk.
class PhandleTable {
public:
    struct Entry {
        std::uint32_t phandle = 0;
        DtNode node{};
        lib::Result<std::uint32_t> interrupt_cells = lib::Error::NotFound;  // cell_count(#interrupt-cells, 0)
    };

    void add(const Entry& entry) {
        for (std::size_t i = 0; i < m_count; i++) {
            if (m_entries[i].phandle == entry.phandle) return;  // an earlier node declared it
        }
        if (m_count == kCapacity) {
            m_overflowed = true;
            return;
        }
        m_entries[m_count++] = entry;
    }

    // nullptr if not recorded.
    const Entry* find(std::uint32_t phandle) const {
        for (std::size_t i = 0; i < m_count; i++) {
            if (m_entries[i].phandle == phandle) return &m_entries[i];
        }
        return nullptr;
    }
    bool overflowed() const { return m_overflowed; }

private:
    static constexpr std::size_t kCapacity = 16;
    Entry m_entries[kCapacity];
    std::size_t m_count = 0;
    bool m_overflowed = false;
};

// The DtVisitor behind parse_platform(). Memory and CPU nodes are decoded as they come, keeping
// the first error of each for its step (memory's is reported first, CPUs' last, as the steps run).
class PlatformScan {
public:
    explicit PlatformScan(PlatformInfo& info) : m_info(info) {}

    DtVisitor visitor() { return DtVisitor{this, &PlatformScan::on_property, &PlatformScan::on_node}; }

    lib::Status memory_status() const { return m_memory_status; }
    lib::Status cpus_status() const { return m_cpus_status; }

    const lib::Result<Device>& uart() const { return m_uart; }  // the first enabled "arm,pl011"
    const lib::Result<Device>& gic() const { return m_gic; }
    GicVersion gic_version() const { return m_gic_version; }
    const lib::Result<Device>& timer() const { return m_timer; }  // the first "arm,armv8-timer"
    const lib::Result<DtNode>& psci() const { return m_psci; }    // the first "arm,psci*"
    const lib::Result<Device>& rtc() const { return m_rtc; }      // the first enabled "arm,pl031"

    // DeviceTree::interrupts() against the device's interrupt parent (DeviceTree::interrupt_parent()).
    lib::Result<DtInterrupts> interrupts(const DeviceTree& dt, const Device& device) const {
        std::uint32_t phandle = TRY(device.interrupt_parent);  // NotFound: no interrupt parent
        // 0 and ~0 are never valid phandles (spec 2.3.3): like any unknown one, dangling.
        if (phandle == 0 || phandle == 0xffffffffu) return lib::Error::Malformed;
        if (const PhandleTable::Entry* e = m_phandles.find(phandle)) {
            return DtInterrupts::decode(e->interrupt_cells, device.interrupts);
        }
        if (!m_phandles.overflowed()) return lib::Error::Malformed;
        lib::Result<DtNode> controller = dt.find_by_phandle(phandle);
        if (!controller.ok()) return controller.error() == lib::Error::NotFound ? lib::Error::Malformed : controller.error();
        return dt.interrupts(device.node, controller.value());
    }

private:
    static void on_property(void* context, DtNode, const DtProperty& prop) {
        auto* self = static_cast<PlatformScan*>(context);
        self->m_props.offer(self->m_names.slot(prop.name), prop);
    }

    static void on_node(void* context, DtNode node, const char* name) {
        auto* self = static_cast<PlatformScan*>(context);
        self->visit(node, name, self->m_props);
        self->m_props.clear();
    }

    void visit(DtNode node, const char* name, const NodeProps& props) {
        while (m_depth > 0 && m_open[m_depth - 1].offset != node.parent) m_depth--;  // closed subtrees
        KASSERT(m_depth < kMaxTreeDepth);  // create() rejects deeper trees before reporting them
        const Open* parent = m_depth > 0 ? &m_open[m_depth - 1] : nullptr;

        Open& open = m_open[m_depth++];
        open.offset = node.offset;
        open.address_cells = cell_count(props[kAddressCells], kDefaultAddressCells);
        open.size_cells = cell_count(props[kSizeCells], kDefaultSizeCells);
        open.interrupt_parent = interrupt_parent_phandle(props[kInterruptParent]);
        if (!open.interrupt_parent.ok() && open.interrupt_parent.error() == lib::Error::NotFound && parent) {
            open.interrupt_parent = parent->interrupt_parent;  // inherited
        }
        // DeviceTree::reg(node), for the few nodes that need it.
        auto reg = [&]() -> lib::Result<DtReg> {
            if (parent == nullptr) return lib::Error::InvalidArgument;  // the root has no reg
            return DtReg::decode(parent->address_cells, parent->size_cells, props[kReg]);
        };

        if (parent != nullptr && parent->offset == m_root_offset) {
            if (m_memory_status.ok() && is_string(props[kDeviceType], "memory") && status_enabled(props[kStatus])) {
                m_memory_status = add_memory(m_info, reg());
            }
            if (m_cpus_offset == DtNode::kNoParent && DeviceTree::name_matches(name, "cpus", 4)) {
                m_cpus_offset = node.offset;  // as find("/cpus") picks it
            }
        } else if (parent == nullptr) {
            m_root_offset = node.offset;
        } else if (parent->offset == m_cpus_offset && m_cpus_status.ok() && is_string(props[kDeviceType], "cpu")) {
            m_cpus_status = add_cpu(m_info, reg());
        }

        lib::Result<std::uint32_t> phandle = declared_phandle(props[kPhandle], props[kLinuxPhandle]);
        if (phandle.ok()) {
            m_phandles.add({phandle.value(), node, cell_count(props[kInterruptCells], 0)});
        }
        if (!props[kCompatible].ok()) return;
        unsigned roles = 0;
        std::size_t pos = 0;
        while (const char* compatible = props[kCompatible].value().next_string(pos)) roles |= roles_of(compatible);
        if (roles == 0) return;
        const Device device{node, reg(), open.interrupt_parent, props[kInterrupts]};
        if (!m_uart.ok() && (roles & kRoleUart) != 0 && status_enabled(props[kStatus])) m_uart = device;
        if (!m_gic.ok() && (roles & (kRoleGicV3 | kRoleGicV2)) != 0) {
            m_gic_version = (roles & kRoleGicV3) != 0 ? GicVersion::V3 : GicVersion::V2;  // v3 wins
            m_gic = device;
        }
        if (!m_timer.ok() && (roles & kRoleTimer) != 0) m_timer = device;
        if (!m_psci.ok() && (roles & kRolePsci) != 0) m_psci = node;
        if (!m_rtc.ok() && (roles & kRoleRtc) != 0 && status_enabled(props[kStatus])) m_rtc = device;
    }

    PlatformInfo& m_info;
    lib::Status m_memory_status{};
    lib::Status m_cpus_status{};
    NodeProps m_props;  // of the node whose properties are being delivered
    NameCache m_names;

    // The open path from the root to the node being visited, with what children inherit.
    struct Open {
        std::uint32_t offset = 0;
        lib::Result<std::uint32_t> address_cells = kDefaultAddressCells;  // for its children's reg
        lib::Result<std::uint32_t> size_cells = kDefaultSizeCells;
        lib::Result<std::uint32_t> interrupt_parent = lib::Error::NotFound;
    };
    Open m_open[kMaxTreeDepth];
    std::size_t m_depth = 0;
    std::uint32_t m_root_offset = DtNode::kNoParent;
    std::uint32_t m_cpus_offset = DtNode::kNoParent;

    PhandleTable m_phandles;
    lib::Result<Device> m_uart = lib::Error::NotFound;
    lib::Result<Device> m_gic = lib::Error::NotFound;
    GicVersion m_gic_version = GicVersion::None;
    lib::Result<Device> m_timer = lib::Error::NotFound;
    lib::Result<DtNode> m_psci = lib::Error::NotFound;
    lib::Result<Device> m_rtc = lib::Error::NotFound;
};

// ---- The steps, in the order their errors take precedence ----------------------------------------

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

// The stdout node, or NotFound when there is none or it cannot be resolved.
lib::Status parse_chosen(const DeviceTree& dt, const PlatformScan& scan, PlatformInfo& info,
                         lib::Result<DtNode>& stdout_node) {
    stdout_node = lib::Error::NotFound;
    lib::Result<DtNode> found = dt.find("/chosen");
    if (!found.ok()) return found.error() == lib::Error::NotFound ? lib::Status{} : found.error();
    DtNode chosen = found.value();

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
    stdout_node = resolve_stdout(dt, chosen);
    if (stdout_node.ok()) {
        const lib::Result<Device>& uart = scan.uart();
        bool is_uart = uart.ok() && uart.value().node == stdout_node.value();
        lib::Result<MemRange> r = is_uart ? reg_entry(uart.value().reg, 0) : dt.reg(stdout_node.value(), 0);
        if (r.ok()) info.stdout_base = r.value().base;
    }
    return {};
}

// The stdout node if it is an enabled PL011, else the scan's first enabled PL011.
lib::Status parse_uart(const DeviceTree& dt, const PlatformScan& scan, PlatformInfo& info,
                       const lib::Result<DtNode>& stdout_node) {
    const lib::Result<Device>& first = scan.uart();
    lib::Result<DtReg> reg = lib::Error::NotFound;
    lib::Result<DtInterrupts> interrupts = lib::Error::NotFound;
    bool stdout_is_first = stdout_node.ok() && first.ok() && first.value().node == stdout_node.value();
    lib::Result<DtProperty> compatible =
        stdout_node.ok() && !stdout_is_first ? dt.property(stdout_node.value(), "compatible") : lib::Error::NotFound;
    if (compatible.ok() && compatible.value().has_string("arm,pl011") && dt.is_enabled(stdout_node.value())) {
        // A later PL011 than the scan recorded: look up its details.
        DtNode node = stdout_node.value();
        reg = dt.reg(node);
        lib::Result<DtNode> controller = dt.interrupt_parent(node);
        interrupts = controller.ok() ? dt.interrupts(node, controller.value()) : controller.error();
    } else if (first.ok()) {
        reg = first.value().reg;
        interrupts = scan.interrupts(dt, first.value());
    } else {
        return {};
    }
    MemRange r = TRY(required(reg_entry(reg, 0)));
    info.uart.base = r.base;
    info.uart.size = r.size;
    // A PL011 without interrupts (or interrupt parent) still works polled; intid 0 says "none".
    lib::Result<std::uint32_t> intid = interrupts.ok() ? interrupts.value().intid(0) : interrupts.error();
    if (intid.ok()) {
        info.uart.intid = intid.value();
    } else if (intid.error() != lib::Error::NotFound) {
        return intid.error();
    }
    info.uart.present = true;
    return {};
}

lib::Status parse_gic(const PlatformScan& scan, PlatformInfo& info) {
    if (!scan.gic().ok()) return {};
    const lib::Result<DtReg>& reg = scan.gic().value().reg;
    MemRange dist = TRY(required(reg_entry(reg, 0)));
    lib::Result<MemRange> second = reg_entry(reg, 1);
    if (!second.ok()) {
        // Both bindings require the second region (CPU interface / redistributors).
        return second.error() == lib::Error::OutOfRange ? lib::Error::Malformed : second.error();
    }
    info.gic.version = scan.gic_version();
    info.gic.dist_base = dist.base;
    info.gic.dist_size = dist.size;
    if (scan.gic_version() == GicVersion::V2) {
        info.gic.cpu_base = second.value().base;
        info.gic.cpu_size = second.value().size;
    } else {
        info.gic.redist_base = second.value().base;
        info.gic.redist_size = second.value().size;
    }
    return {};
}

lib::Status parse_timer(const DeviceTree& dt, const PlatformScan& scan, PlatformInfo& info) {
    if (!scan.timer().ok()) return {};
    DtInterrupts ints = TRY(required(scan.interrupts(dt, scan.timer().value())));
    info.timer.secure_phys_intid = TRY(ints.intid(0));
    info.timer.phys_intid = TRY(ints.intid(1));
    info.timer.virt_intid = TRY(ints.intid(2));
    lib::Result<std::uint32_t> hyp = ints.intid(3);
    if (hyp.ok()) {
        info.timer.hyp_intid = hyp.value();
    } else if (hyp.error() != lib::Error::OutOfRange) {
        return hyp.error();
    }
    info.timer.present = true;
    return {};
}

lib::Status parse_rtc(const PlatformScan& scan, PlatformInfo& info) {
    if (!scan.rtc().ok()) return {};
    MemRange r = TRY(required(reg_entry(scan.rtc().value().reg, 0)));
    info.rtc.base = r.base;
    info.rtc.size = r.size;
    info.rtc.present = true;
    return {};
}

lib::Status parse_psci(const DeviceTree& dt, const PlatformScan& scan, PlatformInfo& info) {
    if (!scan.psci().ok()) return {};
    DtProperty method = TRY(required(dt.property(scan.psci().value(), "method")));
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

}  // namespace

lib::Result<PlatformInfo> parse_platform(const void* blob, std::size_t max_size) {
    PlatformInfo info{};
    PlatformScan scan(info);  // fills info.memory and info.cpu_* while create() validates
    const DtVisitor visitor = scan.visitor();
    DeviceTree dt = TRY(DeviceTree::create(blob, max_size, &visitor));
    info.dtb_size = dt.total_size();
    info.bootargs = "";
    TRY_STATUS(scan.memory_status());
    TRY_STATUS(parse_reserved(dt, info));
    lib::Result<DtNode> stdout_node = lib::Error::NotFound;
    TRY_STATUS(parse_chosen(dt, scan, info, stdout_node));
    TRY_STATUS(parse_uart(dt, scan, info, stdout_node));
    TRY_STATUS(parse_gic(scan, info));
    TRY_STATUS(parse_timer(dt, scan, info));
    TRY_STATUS(parse_psci(dt, scan, info));
    TRY_STATUS(parse_rtc(scan, info));
    TRY_STATUS(scan.cpus_status());
    return info;
}

}  // namespace hal
