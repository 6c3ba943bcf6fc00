// Flattened device tree reader: header and structure-block validation, node and property lookup
// (parse_platform() is in platform_info.cpp). Every read is bounds-checked against the block it
// belongs to, which lies inside totalsize, which lies inside max_size; fields are read bytewise.
#include "hal/device_tree.h"

#include "lib/kassert.h"
#include "lib/string.h"

namespace hal {
namespace {

// Header field offsets (spec 5.2).
constexpr std::size_t kHdrMagic = 0;
constexpr std::size_t kHdrTotalSize = 4;
constexpr std::size_t kHdrOffStruct = 8;
constexpr std::size_t kHdrOffStrings = 12;
constexpr std::size_t kHdrOffRsvmap = 16;
constexpr std::size_t kHdrVersion = 20;
constexpr std::size_t kHdrLastCompVersion = 24;
constexpr std::size_t kHdrSizeStrings = 32;
constexpr std::size_t kHdrSizeStruct = 36;

constexpr std::uint32_t kSupportedVersion = 17;
constexpr std::size_t kRsvEntrySize = 16;  // two big-endian u64: address, size

// Bytewise big-endian loads: the blob may sit at any alignment and this runs before the MMU (and
// thus normal-memory unaligned access) is on.
std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

std::uint64_t load_be64(const std::uint8_t* p) {
    return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

bool equal_string(const char* a, const char* b) { return lib::string_compare(a, b) == 0; }

// Length of the NUL-terminated string at p, looking at no more than `limit` bytes; `limit` when
// there is no NUL within them.
std::size_t bounded_length(const std::uint8_t* p, std::size_t limit) {
    std::size_t n = 0;
    while (n < limit && p[n] != 0) n++;
    return n;
}

// Whether the NUL-terminated `s` equals the `len` bytes at `n`.
bool equal_n(const char* s, const char* n, std::size_t len) {
    for (std::size_t i = 0; i < len; i++) {
        if (s[i] != n[i] || s[i] == '\0') return false;
    }
    return s[len] == '\0';
}

struct Header {
    std::uint32_t total_size;
    std::uint32_t off_struct, size_struct;
    std::uint32_t off_strings, size_strings;
    std::uint32_t off_rsvmap;
};

lib::Result<Header> read_header(const void* blob, std::size_t max_size) {
    if (blob == nullptr) return lib::Error::InvalidArgument;
    if (max_size < kFdtHeaderSize) return lib::Error::Truncated;
    const auto* b = static_cast<const std::uint8_t*>(blob);
    if (load_be32(b + kHdrMagic) != kFdtMagic) return lib::Error::Malformed;
    // Version 17 added size_dt_struct, which bounds the walk; last_comp_version > 17 means a
    // layout this reader does not know.
    if (load_be32(b + kHdrVersion) < kSupportedVersion ||
        load_be32(b + kHdrLastCompVersion) > kSupportedVersion) {
        return lib::Error::Unsupported;
    }
    Header h{};
    h.total_size = load_be32(b + kHdrTotalSize);
    if (h.total_size < kFdtHeaderSize) return lib::Error::Malformed;
    if (h.total_size > max_size) return lib::Error::Truncated;
    h.off_struct = load_be32(b + kHdrOffStruct);
    h.size_struct = load_be32(b + kHdrSizeStruct);
    h.off_strings = load_be32(b + kHdrOffStrings);
    h.size_strings = load_be32(b + kHdrSizeStrings);
    h.off_rsvmap = load_be32(b + kHdrOffRsvmap);
    return h;
}

// [off, off + size) must lie within [kFdtHeaderSize, total); sums in 64 bits cannot wrap.
lib::Status check_block(std::uint32_t off, std::uint32_t size, std::uint32_t total) {
    if (off < kFdtHeaderSize) return lib::Error::Malformed;
    if (std::uint64_t{off} + size > total) return lib::Error::Truncated;
    return {};
}

}  // namespace

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

// ---- DeviceTree: construction and validation ---------------------------------------------------

lib::Result<DeviceTree> DeviceTree::create(const void* blob, std::size_t max_size, const DtVisitor* visitor) {
    Header h = TRY(read_header(blob, max_size));
    DeviceTree dt;
    dt.m_blob = static_cast<const std::uint8_t*>(blob);
    dt.m_total_size = h.total_size;

    if (h.off_struct % 4 != 0) return lib::Error::Malformed;
    TRY_STATUS(check_block(h.off_struct, h.size_struct, h.total_size));
    TRY_STATUS(check_block(h.off_strings, h.size_strings, h.total_size));
    dt.m_struct = dt.m_blob + h.off_struct;
    dt.m_struct_size = h.size_struct;
    dt.m_strings = dt.m_blob + h.off_strings;
    dt.m_strings_size = h.size_strings;
    // Normally the block's last byte is a NUL, so this looks at one byte.
    for (std::uint32_t end = h.size_strings; end > 0; end--) {
        if (dt.m_strings[end - 1] == 0) {
            dt.m_strings_terminated = end;
            break;
        }
    }

    // The reservation block runs until an entry of size 0 (as libfdt and Linux read it); that
    // entry must itself lie inside the blob.
    if (h.off_rsvmap % 8 != 0 || h.off_rsvmap < kFdtHeaderSize) return lib::Error::Malformed;
    dt.m_rsv_offset = h.off_rsvmap;
    std::uint64_t entry = h.off_rsvmap;
    for (;;) {
        if (entry + kRsvEntrySize > h.total_size) return lib::Error::Truncated;
        if (load_be64(dt.m_blob + entry + 8) == 0) break;
        entry += kRsvEntrySize;
        dt.m_rsv_count++;
    }

    TRY_STATUS(dt.validate_structure(visitor));
    return dt;
}

lib::Result<DeviceTree::Token> DeviceTree::read_token(std::uint32_t offset) const {
    if (offset % 4 != 0) return lib::Error::Malformed;
    if (std::uint64_t{offset} + 4 > m_struct_size) return lib::Error::Truncated;
    Token t{};
    t.kind = load_be32(m_struct + offset);
    t.offset = offset;
    std::uint64_t next = std::uint64_t{offset} + 4;
    switch (t.kind) {
    case kFdtBeginNode: {
        std::size_t limit = m_struct_size - next;
        std::size_t n = bounded_length(m_struct + next, limit);
        if (n == limit) return lib::Error::Truncated;  // the name runs off the block
        t.name = reinterpret_cast<const char*>(m_struct + next);
        next += n + 1;
        break;
    }
    case kFdtProp: {
        if (next + 8 > m_struct_size) return lib::Error::Truncated;
        t.size = load_be32(m_struct + next);
        std::uint32_t name_offset = load_be32(m_struct + next + 4);
        next += 8;
        if (t.size > m_struct_size - next) return lib::Error::Truncated;
        t.data = m_struct + next;
        next += t.size;
        // The name must be a NUL-terminated string wholly inside the strings block: it must start
        // before the block's last NUL (m_strings_terminated <= m_strings_size).
        if (name_offset >= m_strings_terminated) return lib::Error::Malformed;
        t.name = reinterpret_cast<const char*>(m_strings + name_offset);
        break;
    }
    case kFdtEndNode:
    case kFdtNop:
    case kFdtEnd:
        break;
    default:
        return lib::Error::Malformed;
    }
    next = (next + 3) & ~std::uint64_t{3};
    // Padding always precedes another token (at least END), so running past the block is
    // truncation; this also keeps `next` within 32 bits.
    if (next > m_struct_size) return lib::Error::Truncated;
    t.next = static_cast<std::uint32_t>(next);
    return t;
}

// One pass over the structure block. Invariant at each token: `depth` nodes are open, their
// offsets in open[0, depth), and child_seen bit d says the node open at depth d already has a child
// (so a property there now would be out of order, which the spec forbids and lookups would miss).
// `pending` is the node whose properties are still coming; the visitor hears of it once they end.
lib::Status DeviceTree::validate_structure(const DtVisitor* visitor) {
    std::uint32_t offset = 0;
    std::uint32_t depth = 0;
    std::uint32_t open[kMaxTreeDepth];
    std::uint64_t child_seen = 0;
    bool root_seen = false;
    DtNode pending{};
    const char* pending_name = nullptr;
    bool has_pending = false;
    static_assert(kMaxTreeDepth < 64, "child_seen has one bit per depth");
    for (;;) {
        Token t = TRY(read_token(offset));
        if (has_pending && (t.kind == kFdtBeginNode || t.kind == kFdtEndNode)) {
            if (visitor != nullptr) visitor->node(visitor->context, pending, pending_name);
            has_pending = false;
        }
        switch (t.kind) {
        case kFdtBeginNode:
            if (depth == 0) {
                if (root_seen) return lib::Error::Malformed;  // a second root
                root_seen = true;
                m_root_offset = offset;
            } else {
                child_seen |= std::uint64_t{1} << depth;
            }
            if (depth == kMaxTreeDepth) return lib::Error::Malformed;
            if (depth == 1) {
                if (m_root_child_count < kRootIndexCapacity) {
                    m_root_children[m_root_child_count++] = offset;
                } else {
                    m_root_index_full = true;
                }
            }
            pending = DtNode{offset, depth == 0 ? DtNode::kNoParent : open[depth - 1]};
            pending_name = t.name;
            has_pending = true;
            open[depth++] = offset;
            child_seen &= ~(std::uint64_t{1} << depth);
            break;
        case kFdtEndNode:
            if (depth == 0) return lib::Error::Malformed;
            depth--;
            break;
        case kFdtProp:
            if (depth == 0 || (child_seen & (std::uint64_t{1} << depth)) != 0) {
                return lib::Error::Malformed;
            }
            // Here the open node has no child yet, so it is `pending`.
            if (visitor != nullptr) {
                visitor->property(visitor->context, pending, DtProperty{t.name, t.data, t.size, t.next});
            }
            break;
        case kFdtNop:
            break;
        case kFdtEnd:
            if (depth != 0 || !root_seen) return lib::Error::Malformed;
            return {};
        }
        offset = t.next;  // strictly increasing, and read_token fails past the block: terminates
    }
}

// ---- DeviceTree: navigation ----------------------------------------------------------------------

lib::Result<std::uint32_t> DeviceTree::skip_node(std::uint32_t offset) const {
    std::uint32_t depth = 0;
    for (;;) {
        Token t = TRY(read_token(offset));
        switch (t.kind) {
        case kFdtBeginNode:
            depth++;
            break;
        case kFdtEndNode:
            if (depth == 0) return lib::Error::Malformed;
            if (--depth == 0) return t.next;
            break;
        case kFdtEnd:
            return lib::Error::Malformed;
        default:
            break;
        }
        offset = t.next;
    }
}

lib::Result<std::uint32_t> DeviceTree::after_properties(DtNode node) const {
    Token t = TRY(read_token(node.offset));
    if (t.kind != kFdtBeginNode) return lib::Error::InvalidArgument;
    std::uint32_t offset = t.next;
    for (;;) {
        t = TRY(read_token(offset));
        if (t.kind != kFdtProp && t.kind != kFdtNop) return offset;
        offset = t.next;
    }
}

lib::Result<bool> DeviceTree::walk_next(WalkState& state, DtNode& out) const {
    for (;;) {
        Token t = TRY(read_token(state.offset));
        state.offset = t.next;
        switch (t.kind) {
        case kFdtBeginNode:
            if (state.depth == kMaxTreeDepth) return lib::Error::Malformed;
            out.offset = t.offset;
            out.parent = state.depth == 0 ? DtNode::kNoParent : state.stack[state.depth - 1];
            state.stack[state.depth++] = t.offset;
            return true;
        case kFdtEndNode:
            if (state.depth == 0) return lib::Error::Malformed;
            if (--state.depth == 0) return false;  // the root closed
            break;
        case kFdtEnd:
            return false;
        default:
            break;
        }
    }
}

const char* DeviceTree::name(DtNode node) const {
    lib::Result<Token> t = read_token(node.offset);
    KASSERT_MSG(t.ok() && t.value().kind == kFdtBeginNode, "DtNode not from this tree");
    return t.value().name;
}

lib::Result<DtNode> DeviceTree::first_child(DtNode node) const {
    std::uint32_t offset = TRY(after_properties(node));
    Token t = TRY(read_token(offset));
    if (t.kind != kFdtBeginNode) return lib::Error::NotFound;
    return DtNode{offset, node.offset};
}

lib::Result<DtNode> DeviceTree::next_sibling(DtNode node) const {
    if (node.is_root()) return lib::Error::NotFound;
    std::uint32_t offset = TRY(skip_node(node.offset));
    for (;;) {
        Token t = TRY(read_token(offset));
        if (t.kind == kFdtBeginNode) return DtNode{offset, node.parent};
        if (t.kind != kFdtNop) return lib::Error::NotFound;
        offset = t.next;
    }
}

lib::Status DeviceTree::walk_to(std::uint32_t offset, WalkState& state) const {
    state.offset = m_root_offset;
    state.depth = 0;
    for (;;) {
        DtNode n{};
        if (!TRY(walk_next(state, n))) return lib::Error::NotFound;
        if (n.offset == offset) return {};
    }
}

lib::Result<DtNode> DeviceTree::parent(DtNode node) const {
    if (node.is_root()) return lib::Error::NotFound;
    // DtNode records only the parent's offset; the grandparent is on the walk's stack.
    WalkState state{};
    TRY_STATUS(walk_to(node.parent, state));
    std::uint32_t grandparent = state.depth >= 2 ? state.stack[state.depth - 2] : DtNode::kNoParent;
    return DtNode{node.parent, grandparent};
}

bool DeviceTree::name_matches(const char* name, const char* component, std::size_t len) {
    std::size_t i = 0;
    while (i < len && name[i] == component[i] && name[i] != '\0') i++;
    if (i < len) return false;
    if (name[len] == '\0') return true;  // the whole name
    if (name[len] != '@') return false;
    // "memory" matches "memory@40000000", but a component that gives a unit address must match
    // the whole name.
    for (i = 0; i < len; i++) {
        if (component[i] == '@') return false;
    }
    return true;
}

lib::Result<DtNode> DeviceTree::find_child(DtNode parent, std::uint32_t offset, const char* component,
                                           std::size_t len) const {
    // Invariant: `depth` nodes below `parent` are open; its children begin at depth 0.
    std::uint32_t depth = 0;
    for (;;) {
        Token t = TRY(read_token(offset));
        switch (t.kind) {
        case kFdtBeginNode:
            if (depth == 0 && name_matches(t.name, component, len)) return DtNode{offset, parent.offset};
            depth++;
            break;
        case kFdtEndNode:
            if (depth == 0) return lib::Error::NotFound;  // `parent` closed
            depth--;
            break;
        case kFdtEnd:
            return lib::Error::Malformed;
        default:
            break;
        }
        offset = t.next;
    }
}

lib::Result<DtNode> DeviceTree::find_root_child(const char* component, std::size_t len) const {
    for (std::uint32_t i = 0; i < m_root_child_count; i++) {
        std::uint32_t offset = m_root_children[i];
        // create() validated this BEGIN_NODE: its name lies NUL-terminated inside the block.
        KASSERT(std::uint64_t{offset} + 4 < m_struct_size);
        if (name_matches(reinterpret_cast<const char*>(m_struct + offset + 4), component, len)) {
            return DtNode{offset, m_root_offset};
        }
    }
    if (!m_root_index_full) return lib::Error::NotFound;
    // Children past the index: scan on from the end of the last indexed one.
    std::uint32_t offset = TRY(skip_node(m_root_children[m_root_child_count - 1]));
    return find_child(root(), offset, component, len);
}

lib::Result<DtNode> DeviceTree::find(const char* path, std::size_t len) const {
    if (path == nullptr || len == 0 || path[0] != '/') return lib::Error::InvalidArgument;
    DtNode node = root();
    std::size_t pos = 0;
    for (;;) {
        while (pos < len && path[pos] == '/') pos++;
        if (pos == len) return node;
        std::size_t end = pos;
        while (end < len && path[end] != '/') end++;
        if (node.is_root()) {
            node = TRY(find_root_child(path + pos, end - pos));
        } else {
            node = TRY(find_child(node, TRY(after_properties(node)), path + pos, end - pos));
        }
        pos = end;
    }
}

lib::Result<DtNode> DeviceTree::find(const char* path) const {
    if (path == nullptr) return lib::Error::InvalidArgument;
    return find(path, lib::string_length(path));
}

// ---- DeviceTree: properties ----------------------------------------------------------------------

lib::Result<DtProperty> DeviceTree::next_property(const DtProperty& prop) const {
    std::uint32_t offset = prop.next;
    for (;;) {
        Token t = TRY(read_token(offset));
        if (t.kind == kFdtProp) return DtProperty{t.name, t.data, t.size, t.next};
        if (t.kind != kFdtNop) return lib::Error::NotFound;
        offset = t.next;
    }
}

lib::Result<DtProperty> DeviceTree::first_property(DtNode node) const {
    Token t = TRY(read_token(node.offset));
    if (t.kind != kFdtBeginNode) return lib::Error::InvalidArgument;
    return next_property(DtProperty{nullptr, nullptr, 0, t.next});
}

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

lib::Result<MemRange> DeviceTree::mem_reserve(std::size_t index) const {
    if (index >= m_rsv_count) return lib::Error::OutOfRange;
    // create() checked that every entry up to the terminator lies inside the blob.
    const std::uint8_t* e = m_blob + m_rsv_offset + index * kRsvEntrySize;
    return MemRange{load_be64(e), load_be64(e + 8)};
}

// ---- Header only ---------------------------------------------------------------------------------

lib::Result<std::uint32_t> fdt_total_size(const void* blob, std::size_t max_size) {
    Header h = TRY(read_header(blob, max_size));
    return h.total_size;
}

}  // namespace hal
