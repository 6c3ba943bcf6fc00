// Flattened device tree (devicetree spec v0.4, FDT version 17): a validated read-only view of the
// blob QEMU passes in x0 (device_tree.cpp) and parse_platform(), the boot summary (platform_info.cpp).
// Portable: reads big-endian fields bytewise, never trusts an offset or length, never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"

namespace hal {

struct MemRange {
    std::uint64_t base;
    std::uint64_t size;
};

enum class GicVersion { None, V2, V3 };
enum class PsciConduit { None, Hvc, Smc };

inline constexpr std::size_t kMaxMemRanges = 8;
inline constexpr std::size_t kMaxReserved = 16;
inline constexpr std::size_t kMaxCpus = 16;

// Everything the kernel learns from the device tree at boot. Pointers point into the blob, which
// must therefore stay mapped (and be reserved) while they are used. An INTID of 0 means "none
// given": INTIDs 0-15 are SGIs, so 0 never names a device interrupt.
struct PlatformInfo {
    std::uint32_t dtb_size;  // header totalsize: the bytes the blob occupies and must keep reserved

    // Every reg entry of every enabled root node with device_type = "memory", in tree order;
    // entries past kMaxMemRanges are dropped (using less RAM than exists is safe).
    MemRange memory[kMaxMemRanges];
    std::size_t memory_count;

    // The memory-reservation block, then each enabled /reserved-memory child's reg entries. More
    // than kMaxReserved is an error: silently dropping a reservation would let the kernel hand out
    // firmware-owned memory.
    MemRange reserved[kMaxReserved];
    std::size_t reserved_count;

    const char* bootargs;  // /chosen/bootargs up to its first NUL; "" (len 0) if absent
    std::size_t bootargs_len;

    std::uint64_t initrd_start;  // /chosen/linux,initrd-start (inclusive)
    std::uint64_t initrd_end;    // /chosen/linux,initrd-end (exclusive)
    bool has_initrd;

    std::uint64_t stdout_base;  // reg base of the /chosen/stdout-path node; 0 if unknown

    // The /chosen/stdout-path node if it is a PL011, else the first enabled "arm,pl011" node.
    struct {
        std::uint64_t base, size;
        std::uint32_t intid;
        bool present;
    } uart;

    // The first node compatible with a GICv2 ("arm,cortex-a15-gic", "arm,gic-400",
    // "arm,cortex-a9-gic") or GICv3 ("arm,gic-v3") binding. reg entry 0 is the distributor; entry 1
    // is the CPU interface (v2) or the first redistributor region (v3).
    struct {
        GicVersion version;
        std::uint64_t dist_base, dist_size;
        std::uint64_t cpu_base, cpu_size;        // GICv2 only
        std::uint64_t redist_base, redist_size;  // GICv3 only
    } gic;

    // "arm,armv8-timer" interrupts, in binding order: secure physical, non-secure physical,
    // virtual, hypervisor. hyp_intid is 0 if the node lists only three.
    struct {
        std::uint32_t secure_phys_intid, phys_intid, virt_intid, hyp_intid;
        bool present;
    } timer;

    // The first enabled "arm,pl031" real-time clock (reg entry 0); absent on some machines.
    struct {
        std::uint64_t base, size;
        bool present;
    } rtc;

    // A node compatible with "arm,psci*" whose method is "hvc" or "smc".
    struct {
        PsciConduit conduit;
        bool present;
    } psci;

    // /cpus children with device_type = "cpu": their reg (the MPIDR affinity fields), tree order.
    // CPUs past kMaxCpus are left out (they simply are not started).
    std::size_t cpu_count;
    std::uint64_t cpu_mpidr[kMaxCpus];
};

// Validates the whole blob and extracts PlatformInfo. max_size bounds every read: nothing at or
// past blob + max_size is touched, whatever the header claims. Errors: InvalidArgument (null blob),
// Truncated (something announced extends past totalsize or max_size), Malformed (inconsistent or
// invalid structure), Unsupported (FDT version), OutOfRange (too many reservations).
[[nodiscard]] lib::Result<PlatformInfo> parse_platform(const void* blob, std::size_t max_size);

// Checks the header only and returns totalsize (how much of memory the blob occupies).
[[nodiscard]] lib::Result<std::uint32_t> fdt_total_size(const void* blob, std::size_t max_size);

// Structure-block token values (spec 5.4.1).
inline constexpr std::uint32_t kFdtMagic = 0xd00dfeed;
inline constexpr std::uint32_t kFdtBeginNode = 1;
inline constexpr std::uint32_t kFdtEndNode = 2;
inline constexpr std::uint32_t kFdtProp = 3;
inline constexpr std::uint32_t kFdtNop = 4;
inline constexpr std::uint32_t kFdtEnd = 9;
inline constexpr std::size_t kFdtHeaderSize = 40;  // version 17 header: ten big-endian u32 fields

// Nodes nested deeper than this (the root is depth 1) make the blob Malformed. Real trees are
// under 10 deep; the bound keeps walks' fixed-size ancestor stacks safe.
inline constexpr std::size_t kMaxTreeDepth = 32;

// A node: the offset of its BEGIN_NODE token within the structure block, and its parent's
// (kNoParent for the root), so reg can be decoded with the parent's #address-cells/#size-cells.
struct DtNode {
    static constexpr std::uint32_t kNoParent = 0xffffffffu;
    std::uint32_t offset;
    std::uint32_t parent;

    bool is_root() const { return parent == kNoParent; }
    friend bool operator==(const DtNode&, const DtNode&) = default;
};

// A property: its name (NUL-terminated, in the strings block) and value bytes (in the structure
// block; unaligned, big-endian). next is where the token after it starts.
struct DtProperty {
    const char* name;
    const std::uint8_t* data;
    std::uint32_t size;
    std::uint32_t next;

    // Cell `index` (a big-endian u32 at byte 4*index). OutOfRange if past the value.
    [[nodiscard]] lib::Result<std::uint32_t> cell(std::size_t index) const;
    // `count` cells (0, 1 or 2) from cell `first`, as one number. 0 cells read as 0.
    [[nodiscard]] lib::Result<std::uint64_t> cells(std::size_t first, std::uint32_t count) const;
    // A value that is exactly one or two cells (e.g. linux,initrd-start). Else Malformed.
    [[nodiscard]] lib::Result<std::uint64_t> u32_or_u64() const;
    // The value as a string: it must hold a NUL; the string ends at the first one. Else Malformed.
    [[nodiscard]] lib::Result<const char*> string() const;
    // The string at byte `pos` of the value read as a NUL-separated string list, moving `pos`
    // past it; nullptr at the end, or at an unterminated tail (which is not a string).
    const char* next_string(std::size_t& pos) const;
    // Whether the string list contains `s` exactly.
    bool has_string(const char* s) const;
    // Whether some string in the list begins with `prefix`.
    bool has_string_prefix(const char* prefix) const;
};

// Property-level rules, shared by DeviceTree's lookups and by DtVisitor users (which see each
// property once and must judge them exactly as the lookups would). Absent properties are NotFound.

// A status that leaves the node enabled: absent, "okay" or "ok".
bool status_enabled(const lib::Result<DtProperty>& status);

// The phandle a node declares: its `phandle` property or, only when that is absent, the legacy
// `linux,phandle`; the value must be exactly one cell. NotFound when neither gives one.
[[nodiscard]] lib::Result<std::uint32_t> declared_phandle(const lib::Result<DtProperty>& phandle,
                                                          const lib::Result<DtProperty>& linux_phandle);

// A count property (#address-cells, #size-cells, #interrupt-cells): exactly one cell, else
// Malformed; `fallback` when absent.
[[nodiscard]] lib::Result<std::uint32_t> cell_count(const lib::Result<DtProperty>& prop, std::uint32_t fallback);

// The phandle an interrupt-parent property names: exactly one cell, else Malformed.
[[nodiscard]] lib::Result<std::uint32_t> interrupt_parent_phandle(const lib::Result<DtProperty>& prop);

// Spec 2.3.5: what a node's children use when it has no #address-cells / #size-cells.
inline constexpr std::uint32_t kDefaultAddressCells = 2;
inline constexpr std::uint32_t kDefaultSizeCells = 1;

// A node's reg, decoded with its parent's #address-cells and #size-cells (as cell_count() reads
// them). Addresses are not translated through the parent's ranges.
struct DtReg {
    std::uint32_t address_cells;
    std::uint32_t size_cells;
    DtProperty reg;
    std::size_t count;  // entries

    // The parent's counts' errors first; then Unsupported if either count exceeds 2 or
    // #address-cells is 0; NotFound without reg; Malformed if reg is not whole entries.
    [[nodiscard]] static lib::Result<DtReg> decode(const lib::Result<std::uint32_t>& address_cells,
                                                   const lib::Result<std::uint32_t>& size_cells,
                                                   const lib::Result<DtProperty>& reg);
    // OutOfRange past count.
    [[nodiscard]] lib::Result<MemRange> entry(std::size_t index) const;
};

// A node's interrupts property read against its interrupt parent, GIC style: the parent's
// #interrupt-cells must be 3 and each specifier is <type number flags>, type 0 = SPI (INTID
// 32 + n), 1 = PPI (16 + n).
struct DtInterrupts {
    DtProperty interrupts;
    std::size_t count;  // specifiers

    // From the parent's #interrupt-cells (cell_count() with fallback 0) and the node's interrupts:
    // the count's error first; Unsupported unless it is 3; NotFound without interrupts; Malformed
    // if they are not whole specifiers.
    [[nodiscard]] static lib::Result<DtInterrupts> decode(const lib::Result<std::uint32_t>& interrupt_cells,
                                                          const lib::Result<DtProperty>& interrupts);
    // Specifier `index` as an INTID: OutOfRange past count, Malformed for a number outside its
    // type's range, Unsupported for other types (extended ranges).
    [[nodiscard]] lib::Result<std::uint32_t> intid(std::size_t index) const;
};

// Receives create()'s validating pass as it goes, so a caller that needs facts from every node
// (parse_platform()) does not walk the tree again. For each node: property() for each of its
// properties in order, then node() with its name once they have all been seen, before any
// child's. Everything handed over has been bounds-checked, but the tree is not yet known to be
// valid (create() may still fail), so hooks record; they cannot reach the DeviceTree to navigate.
struct DtVisitor {
    void* context;
    void (*property)(void* context, DtNode node, const DtProperty& prop);
    void (*node)(void* context, DtNode node, const char* name);
};

class DeviceTree {
public:
    // Validates the header, the memory-reservation block and the whole structure block (every
    // token, name and property-name string, nesting) so later lookups only fail with NotFound or on
    // property contents, in one pass that also feeds `visitor` if given. Accessors still
    // bounds-check every read.
    [[nodiscard]] static lib::Result<DeviceTree> create(const void* blob, std::size_t max_size,
                                                        const DtVisitor* visitor = nullptr);

    std::uint32_t total_size() const { return m_total_size; }
    DtNode root() const { return DtNode{m_root_offset, DtNode::kNoParent}; }

    // The node's name including its unit address ("cpu@0"); "" for the root.
    const char* name(DtNode node) const;

    // Absolute path lookup ("/cpus/cpu@1"). A component without '@' also matches a node whose name
    // is that component plus a unit address ("/memory" finds "memory@40000000"); the first match
    // in tree order wins. `len` bytes of `path` are used (it need not be NUL-terminated). The first
    // component goes through an index of the root's children; deeper ones scan their parent.
    [[nodiscard]] lib::Result<DtNode> find(const char* path, std::size_t len) const;
    [[nodiscard]] lib::Result<DtNode> find(const char* path) const;
    // The rule find() applies to one path component of `len` bytes against a node name.
    static bool name_matches(const char* name, const char* component, std::size_t len);

    // NotFound when there is no such node (the root has no parent and no siblings). parent() costs
    // a walk up to the parent (DtNode does not know its grandparent); the others are local.
    [[nodiscard]] lib::Result<DtNode> parent(DtNode node) const;
    [[nodiscard]] lib::Result<DtNode> first_child(DtNode node) const;
    [[nodiscard]] lib::Result<DtNode> next_sibling(DtNode node) const;

    // Pre-order traversal of every node: fn(DtNode) returns true to continue, false to stop.
    template <typename Fn>
    [[nodiscard]] lib::Status for_each_node(Fn&& fn) const {
        WalkState state{};
        state.offset = m_root_offset;
        for (;;) {
            DtNode node{};
            bool more = TRY(walk_next(state, node));
            if (!more) return {};
            if (!fn(node)) return {};
        }
    }

    // Calls fn(DtNode) -> lib::Status for each child in order; the first error stops and is returned.
    template <typename Fn>
    [[nodiscard]] lib::Status for_each_child(DtNode node, Fn&& fn) const {
        lib::Result<DtNode> child = first_child(node);
        while (child.ok()) {
            TRY_STATUS(fn(child.value()));
            child = next_sibling(child.value());
        }
        if (child.error() == lib::Error::NotFound) return {};
        return child.error();
    }

    // Property iteration: NotFound when there are no (more) properties.
    [[nodiscard]] lib::Result<DtProperty> first_property(DtNode node) const;
    [[nodiscard]] lib::Result<DtProperty> next_property(const DtProperty& prop) const;
    [[nodiscard]] lib::Result<DtProperty> property(DtNode node, const char* name) const;
    // The same with a name of `len` bytes (need not be NUL-terminated).
    [[nodiscard]] lib::Result<DtProperty> property(DtNode node, const char* name, std::size_t len) const;

    // The node's #address-cells / #size-cells (what its children's reg use); 2 and 1 if absent.
    [[nodiscard]] lib::Result<std::uint32_t> address_cells(DtNode node) const;
    [[nodiscard]] lib::Result<std::uint32_t> size_cells(DtNode node) const;

    // reg entries, decoded with the parent's cells (see DtReg). InvalidArgument for the root.
    [[nodiscard]] lib::Result<DtReg> reg(DtNode node) const;
    [[nodiscard]] lib::Result<std::size_t> reg_count(DtNode node) const;
    [[nodiscard]] lib::Result<MemRange> reg(DtNode node, std::size_t index) const;

    // status absent, "okay" or "ok".
    bool is_enabled(DtNode node) const;

    // The first node in tree order whose compatible list contains `compat` (one walk).
    [[nodiscard]] lib::Result<DtNode> find_compatible(const char* compat) const;
    // The first node in tree order that declares `phandle` (see declared_phandle; one walk).
    [[nodiscard]] lib::Result<DtNode> find_by_phandle(std::uint32_t phandle) const;

    // The node's interrupt parent: the node named by the nearest interrupt-parent on the node or an
    // ancestor (at most two walks). NotFound if there is none; Malformed if it is not one cell or
    // names no node.
    [[nodiscard]] lib::Result<DtNode> interrupt_parent(DtNode node) const;

    // Interrupt `index` of `node` as a GIC INTID, via interrupt_parent(), whose #interrupt-cells
    // must be 3: <type number flags>, type 0 = SPI (INTID 32 + n), 1 = PPI (16 + n).
    [[nodiscard]] lib::Result<std::uint32_t> interrupt_intid(DtNode node, std::size_t index) const;
    // All of `node`'s interrupts, against `controller`, its interrupt parent already resolved.
    [[nodiscard]] lib::Result<DtInterrupts> interrupts(DtNode node, DtNode controller) const;

    // Memory-reservation block entries, before the terminating size-0 entry.
    std::size_t mem_reserve_count() const { return m_rsv_count; }
    [[nodiscard]] lib::Result<MemRange> mem_reserve(std::size_t index) const;

private:
    DeviceTree() = default;

    // One decoded structure-block token.
    struct Token {
        std::uint32_t kind;    // kFdtBeginNode ... kFdtEnd
        std::uint32_t offset;  // where it starts
        std::uint32_t next;    // where the following token starts (4-aligned)
        // kFdtBeginNode: the name. kFdtProp: name (strings block), value and size.
        const char* name;
        const std::uint8_t* data;
        std::uint32_t size;
    };
    [[nodiscard]] lib::Result<Token> read_token(std::uint32_t offset) const;
    // The offset just past the END_NODE that closes the node starting at `offset`.
    [[nodiscard]] lib::Result<std::uint32_t> skip_node(std::uint32_t offset) const;
    // Offset of the first token after the node's properties (a child's BEGIN_NODE or END_NODE).
    [[nodiscard]] lib::Result<std::uint32_t> after_properties(DtNode node) const;

    struct WalkState {
        std::uint32_t offset;                // next token to read
        std::uint32_t depth;                 // nodes open
        std::uint32_t stack[kMaxTreeDepth];  // offsets of the open nodes, root first
    };
    // Advances to the next node in pre-order; false once the root has closed.
    [[nodiscard]] lib::Result<bool> walk_next(WalkState& state, DtNode& out) const;
    // Walks until `offset`'s node is open: then stack[0, depth) is its path from the root.
    [[nodiscard]] lib::Status walk_to(std::uint32_t offset, WalkState& state) const;

    [[nodiscard]] lib::Status validate_structure(const DtVisitor* visitor);
    [[nodiscard]] lib::Result<std::uint32_t> cells_property(DtNode node, const char* name,
                                                            std::uint32_t fallback) const;
    // The first child of `parent` at or after `offset` (a sibling-level token inside it) whose
    // name matches `len` bytes of `component` (see name_matches), in one forward scan.
    [[nodiscard]] lib::Result<DtNode> find_child(DtNode parent, std::uint32_t offset, const char* component,
                                                 std::size_t len) const;
    [[nodiscard]] lib::Result<DtNode> find_root_child(const char* component, std::size_t len) const;

    const std::uint8_t* m_blob = nullptr;
    std::uint32_t m_total_size = 0;
    const std::uint8_t* m_struct = nullptr;  // structure block
    std::uint32_t m_struct_size = 0;
    const std::uint8_t* m_strings = nullptr;  // strings block
    std::uint32_t m_strings_size = 0;
    // One past the strings block's last NUL (0 if it has none): exactly the name offsets below it
    // start a NUL-terminated string inside the block, so read_token checks a name in O(1).
    std::uint32_t m_strings_terminated = 0;
    std::uint32_t m_rsv_offset = 0;  // memory-reservation block, from the blob start
    std::uint32_t m_rsv_count = 0;
    std::uint32_t m_root_offset = 0;  // root BEGIN_NODE (after any leading NOPs)

    // The root's first children in order, recorded by create(): each a BEGIN_NODE it validated, so
    // find() compares their names in place instead of scanning past every earlier subtree.
    // QEMU virt has about 45; past the capacity find() scans on from the last one.
    static constexpr std::size_t kRootIndexCapacity = 64;
    std::uint32_t m_root_children[kRootIndexCapacity] = {};
    std::uint32_t m_root_child_count = 0;
    bool m_root_index_full = false;  // some child past the capacity may be missing
};

static_assert(std::is_trivially_copyable_v<DeviceTree>);
static_assert(std::is_trivially_destructible_v<PlatformInfo>);

}  // namespace hal
