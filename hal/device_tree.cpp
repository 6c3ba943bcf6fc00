// Flattened device tree reader: header and structure-block validation, node navigation and path
// lookup. Property values and the lookups built on them are in device_tree_properties.cpp,
// parse_platform() in platform_info.cpp. Every read is bounds-checked against the block it belongs
// to, which lies inside totalsize, which lies inside max_size; fields are read bytewise.
#include "hal/device_tree.h"

#include "hal/device_tree_bytes.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace hal {
using namespace fdt_bytes;

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

// ---- DeviceTree: a node's properties, token by token (their values: device_tree_properties.cpp)

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

// ---- The memory reservation block ----------------------------------------------------------------

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
