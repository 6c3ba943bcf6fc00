// Device tree property values and the lookups built on them: cells, strings and string lists, reg
// and interrupts decoding with their parents' cell counts, status, phandles and interrupt parents.
// Every read stays inside the property's value, which the structure walk (device_tree.cpp) checked.
#include "hal/device_tree.h"

#include "hal/device_tree_bytes.h"
#include "lib/string.h"

namespace hal {
using namespace fdt_bytes;

// ---- DtProperty ------------------------------------------------------------------------------

lib::Result<std::uint32_t> DtProperty::cell(std::size_t index) const {
    if (index >= size / 4) return lib::Error::OutOfRange;
    return load_be32(data + index * 4);
}

lib::Result<std::uint64_t> DtProperty::cells(std::size_t first, std::uint32_t count) const {
    if (count > 2) return lib::Error::Unsupported;
    std::uint64_t value = 0;
    for (std::uint32_t i = 0; i < count; i++) {
        value = (value << 32) | TRY(cell(first + i));
    }
    return value;
}

lib::Result<std::uint64_t> DtProperty::u32_or_u64() const {
    if (size == 4) return std::uint64_t{load_be32(data)};
    if (size == 8) return load_be64(data);
    return lib::Error::Malformed;
}

lib::Result<const char*> DtProperty::string() const {
    if (bounded_length(data, size) == size) return lib::Error::Malformed;  // no NUL inside
    return reinterpret_cast<const char*>(data);
}

const char* DtProperty::next_string(std::size_t& pos) const {
    if (pos >= size) return nullptr;
    std::size_t n = bounded_length(data + pos, size - pos);
    if (pos + n == size) return nullptr;  // an unterminated tail is not a string
    const char* s = reinterpret_cast<const char*>(data + pos);
    pos += n + 1;
    return s;
}

bool DtProperty::has_string(const char* s) const {
    std::size_t pos = 0;
    while (const char* entry = next_string(pos)) {
        if (equal_string(entry, s)) return true;
    }
    return false;
}

bool DtProperty::has_string_prefix(const char* prefix) const {
    std::size_t pos = 0;
    while (const char* entry = next_string(pos)) {
        if (lib::starts_with(entry, prefix)) return true;
    }
    return false;
}

// ---- DeviceTree: properties ----------------------------------------------------------------------

lib::Result<DtProperty> DeviceTree::property(DtNode node, const char* name, std::size_t len) const {
    lib::Result<DtProperty> prop = first_property(node);
    while (prop.ok()) {
        if (equal_n(prop.value().name, name, len)) return prop;
        prop = next_property(prop.value());
    }
    return prop.error();
}

lib::Result<DtProperty> DeviceTree::property(DtNode node, const char* name) const {
    return property(node, name, lib::string_length(name));
}

lib::Result<std::uint32_t> DeviceTree::cells_property(DtNode node, const char* name,
                                                      std::uint32_t fallback) const {
    return cell_count(property(node, name), fallback);
}

lib::Result<std::uint32_t> DeviceTree::address_cells(DtNode node) const {
    return cells_property(node, "#address-cells", kDefaultAddressCells);
}

lib::Result<std::uint32_t> DeviceTree::size_cells(DtNode node) const {
    return cells_property(node, "#size-cells", kDefaultSizeCells);
}

lib::Result<DtReg> DtReg::decode(const lib::Result<std::uint32_t>& address_cells,
                                 const lib::Result<std::uint32_t>& size_cells, const lib::Result<DtProperty>& reg) {
    DtReg r{};
    r.address_cells = TRY(address_cells);
    r.size_cells = TRY(size_cells);
    if (r.address_cells == 0 || r.address_cells > 2 || r.size_cells > 2) return lib::Error::Unsupported;
    r.reg = TRY(reg);
    std::uint32_t entry = (r.address_cells + r.size_cells) * 4;
    if (r.reg.size % entry != 0) return lib::Error::Malformed;
    r.count = r.reg.size / entry;
    return r;
}

lib::Result<MemRange> DtReg::entry(std::size_t index) const {
    if (index >= count) return lib::Error::OutOfRange;
    std::size_t first = index * (address_cells + size_cells);
    MemRange r{};
    r.base = TRY(reg.cells(first, address_cells));
    r.size = TRY(reg.cells(first + address_cells, size_cells));
    return r;
}

lib::Result<DtReg> DeviceTree::reg(DtNode node) const {
    if (node.is_root()) return lib::Error::InvalidArgument;
    // The parent's #address-cells and #size-cells as address_cells() and size_cells() read them
    // (the first property of each name counts), in one scan of its properties instead of two.
    lib::Result<DtProperty> ac = lib::Error::NotFound;
    lib::Result<DtProperty> sc = lib::Error::NotFound;
    lib::Result<DtProperty> p = first_property(DtNode{node.parent, DtNode::kNoParent});
    for (; p.ok() && !(ac.ok() && sc.ok()); p = next_property(p.value())) {
        if (!ac.ok() && equal_string(p.value().name, "#address-cells")) ac = p;
        if (!sc.ok() && equal_string(p.value().name, "#size-cells")) sc = p;
    }
    if (!p.ok() && p.error() != lib::Error::NotFound) return p.error();
    return DtReg::decode(cell_count(ac, kDefaultAddressCells), cell_count(sc, kDefaultSizeCells),
                         property(node, "reg"));
}

lib::Result<std::size_t> DeviceTree::reg_count(DtNode node) const { return TRY(reg(node)).count; }

lib::Result<MemRange> DeviceTree::reg(DtNode node, std::size_t index) const {
    return TRY(reg(node)).entry(index);
}

bool status_enabled(const lib::Result<DtProperty>& status) {
    if (!status.ok()) return true;  // only NotFound once the tree has validated
    lib::Result<const char*> s = status.value().string();
    return s.ok() && (equal_string(s.value(), "okay") || equal_string(s.value(), "ok"));
}

lib::Result<std::uint32_t> cell_count(const lib::Result<DtProperty>& prop, std::uint32_t fallback) {
    if (!prop.ok()) return prop.error() == lib::Error::NotFound ? lib::Result<std::uint32_t>(fallback) : prop.error();
    if (prop.value().size != 4) return lib::Error::Malformed;
    return prop.value().cell(0);
}

lib::Result<std::uint32_t> interrupt_parent_phandle(const lib::Result<DtProperty>& prop) {
    DtProperty p = TRY(prop);
    if (p.size != 4) return lib::Error::Malformed;
    return p.cell(0);
}

lib::Result<std::uint32_t> declared_phandle(const lib::Result<DtProperty>& phandle,
                                            const lib::Result<DtProperty>& linux_phandle) {
    const lib::Result<DtProperty>& p = phandle.ok() ? phandle : linux_phandle;
    if (!p.ok() || p.value().size != 4) return lib::Error::NotFound;
    return p.value().cell(0);
}

bool DeviceTree::is_enabled(DtNode node) const { return status_enabled(property(node, "status")); }

lib::Result<DtNode> DeviceTree::find_compatible(const char* compat) const {
    lib::Result<DtNode> found = lib::Error::NotFound;
    TRY_STATUS(for_each_node([&](DtNode n) {
        lib::Result<DtProperty> c = property(n, "compatible");
        if (!c.ok() || !c.value().has_string(compat)) return true;
        found = n;
        return false;
    }));
    return found;
}

lib::Result<DtNode> DeviceTree::find_by_phandle(std::uint32_t phandle) const {
    // 0 and ~0 are never valid phandles (spec 2.3.3).
    if (phandle == 0 || phandle == 0xffffffffu) return lib::Error::NotFound;
    lib::Result<DtNode> found = lib::Error::NotFound;
    TRY_STATUS(for_each_node([&](DtNode n) {
        lib::Result<DtProperty> p = property(n, "phandle");
        lib::Result<DtProperty> legacy = p.ok() ? lib::Result<DtProperty>(lib::Error::NotFound)
                                                : property(n, "linux,phandle");
        if (declared_phandle(p, legacy).value_or(0) != phandle) return true;
        found = n;
        return false;
    }));
    return found;
}

lib::Result<DtNode> DeviceTree::interrupt_parent(DtNode node) const {
    // The nearest interrupt-parent on the node or an ancestor; the node's own needs no walk.
    lib::Result<DtProperty> p = property(node, "interrupt-parent");
    if (!p.ok() && p.error() == lib::Error::NotFound && !node.is_root()) {
        WalkState state{};
        TRY_STATUS(walk_to(node.offset, state));
        // stack[depth - 1] is the node itself, already looked at; then its ancestors upwards.
        for (std::uint32_t d = state.depth - 1; d > 0 && !p.ok() && p.error() == lib::Error::NotFound; d--) {
            p = property(DtNode{state.stack[d - 1], DtNode::kNoParent}, "interrupt-parent");
        }
    }
    // NotFound past the root: no interrupt parent.
    lib::Result<DtNode> controller = find_by_phandle(TRY(interrupt_parent_phandle(p)));
    if (!controller.ok() && controller.error() == lib::Error::NotFound) {
        return lib::Error::Malformed;  // a dangling phandle, not "no interrupt"
    }
    return controller;
}

lib::Result<std::uint32_t> DeviceTree::interrupt_intid(DtNode node, std::size_t index) const {
    DtNode controller = TRY(interrupt_parent(node));
    return TRY(interrupts(node, controller)).intid(index);
}

lib::Result<DtInterrupts> DeviceTree::interrupts(DtNode node, DtNode controller) const {
    return DtInterrupts::decode(cells_property(controller, "#interrupt-cells", 0), property(node, "interrupts"));
}

lib::Result<DtInterrupts> DtInterrupts::decode(const lib::Result<std::uint32_t>& interrupt_cells,
                                               const lib::Result<DtProperty>& interrupts) {
    if (TRY(interrupt_cells) != 3) return lib::Error::Unsupported;  // not a GIC-style specifier
    DtInterrupts r{};
    r.interrupts = TRY(interrupts);
    if (r.interrupts.size % 12 != 0) return lib::Error::Malformed;
    r.count = r.interrupts.size / 12;
    return r;
}

lib::Result<std::uint32_t> DtInterrupts::intid(std::size_t index) const {
    if (index >= count) return lib::Error::OutOfRange;
    std::uint32_t type = TRY(interrupts.cell(index * 3));
    std::uint32_t number = TRY(interrupts.cell(index * 3 + 1));
    // GIC binding: SPIs are INTIDs 32-1019, PPIs 16-31; other types (extended ranges) unsupported.
    if (type == 0) {
        if (number >= 1020 - 32) return lib::Error::Malformed;
        return 32 + number;
    }
    if (type == 1) {
        if (number >= 16) return lib::Error::Malformed;
        return 16 + number;
    }
    return lib::Error::Unsupported;
}

}  // namespace hal
