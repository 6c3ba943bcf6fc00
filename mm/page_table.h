// The portable page-table engine: builds, changes and tears down one AArch64 translation tree (one
// TTBR half) through FrameSource and TlbMaintainer. Touches no hardware itself; the kernel and the
// host tests supply those two interfaces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"
#include "mm/types.h"

namespace mm {

// Portable permissions of a mapping. Read is required (the format has no valid no-read mapping).
// Rules (PageTable refuses the rest with InvalidArgument):
//   Write|Execute together: never (W^X). Device|Execute: never.
//   User: EL0-accessible; only in a User-half table; never executable at EL1 (PXN); always nG.
//   Global: kernel-half only; clears nG so one TLB entry serves every ASID. A kernel page without
//           Global is nG (legal, merely duplicated per ASID in the TLB): kernel code maps shared
//           kernel memory with Global. Kernel pages are never accessible or executable from EL0.
enum class MapFlags : std::uint32_t {
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
    User = 8,
    Device = 16,
    Global = 32,
    // Software-only flags start at bit 8. Owned: the frame belongs to the table's owner (AddressSpace
    // frees it on destroy). Kept in descriptor software bit 56, which the MMU ignores; reported by
    // translate and for_each_mapping, inherited by the pieces of a split block, and never changed by
    // protect (which ignores it in `flags`): ownership is fixed when the page is mapped.
    Owned = 256,
    // CopyOnWrite: the page is logically writable but mapped read-only because its frame is shared
    // (AddressSpace::clone_cow); a write fault copies it. Software bit 57; unlike Owned, protect and
    // remap_page take it from `flags`.
    CopyOnWrite = 512,
    // Shared: with Owned, the frame is shared on purpose (a MAP_SHARED file page): the space holds
    // one reference to it like any owned frame, but writes go to the frame itself, never to a
    // copy (AddressSpace neither makes it CopyOnWrite on fork or protect nor copies it). Software
    // bit 58; like Owned, fixed when the page is mapped (protect keeps the old descriptor's).
    Shared = 1024,
};
inline constexpr std::uint32_t kMapFlagsKnown = 63 | 256 | 512 | 1024;

constexpr MapFlags operator|(MapFlags a, MapFlags b) {
    return static_cast<MapFlags>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr MapFlags operator&(MapFlags a, MapFlags b) {
    return static_cast<MapFlags>(static_cast<std::uint32_t>(a) & static_cast<std::uint32_t>(b));
}
constexpr MapFlags& operator|=(MapFlags& a, MapFlags b) { return a = a | b; }
// True when every bit of `bits` is set in `set`.
constexpr bool has(MapFlags set, MapFlags bits) { return (set & bits) == bits; }

// Where table frames come from: the buddy allocator in the kernel, a fake on the host.
struct FrameSource {
    virtual lib::Result<PhysAddr> alloc_table() = 0;  // a zeroed, 4 KiB-aligned 4 KiB frame
    // The engine frees only tables it has cleared (every entry 0 again), so a source may hand a
    // freed table out again without zeroing it.
    virtual void free_table(PhysAddr) = 0;
    // Where the engine reads/writes a table (linear map). Must not change while the frame is
    // allocated: a PageTable keeps its root's address.
    virtual void* table_virt(PhysAddr) = 0;

    // Nonzero when every table frame lies at pa + linear_offset() (a linear map; table_virt() must
    // agree): walks then compute table addresses themselves instead of making a virtual call per
    // level. 0: ask table_virt() every time (the fakes, whose frames are scattered).
    std::uint64_t linear_offset() const { return m_linear_offset; }

protected:
    constexpr FrameSource() = default;
    explicit constexpr FrameSource(std::uint64_t linear_offset) : m_linear_offset(linear_offset) {}
    ~FrameSource() = default;  // never deleted through this interface (no operator delete needed)

private:
    std::uint64_t m_linear_offset = 0;  // fixed for the source's lifetime: tables cache it
};

// TLB and barrier maintenance. The kernel implements these with DSB/TLBI/ISB (arch/aarch64/tlb.h).
// The engine calls before_update() after it has written descriptors: before an invalidation (break-
// before-make) and after installing new entries, so the walker sees them.
struct TlbMaintainer {
    virtual void before_update() = 0;  // DSB ISHST: make descriptor writes visible to the walker
    // TLBI VALE1IS (last_level) / VAE1IS (also walk caches), then DSB ISH. For kernel-half (global)
    // pages the asid is passed anyway; the kernel uses the VAA forms there.
    virtual void invalidate_page(VirtAddr va, std::uint16_t asid, bool last_level) = 0;
    virtual void invalidate_asid(std::uint16_t asid) = 0;
    virtual void invalidate_all() = 0;

protected:
    ~TlbMaintainer() = default;
};

enum class Half { User /* TTBR0: bits 63:48 all 0 */, Kernel /* TTBR1: bits 63:48 all 1 */ };

struct Translation {
    PhysAddr pa;             // the physical address of the queried VA itself (page offset included)
    MapFlags flags;          // as mapped (Read always present)
    std::size_t block_size;  // size of the leaf that maps it: 4 KiB, 2 MiB or 1 GiB
};

struct Mapping {  // one leaf, as for_each_mapping reports it
    VirtAddr va;
    PhysAddr pa;
    std::size_t size;
    MapFlags flags;
};

// What PageTable::clone_into does with one leaf: the child maps child_pa with child_flags, and the
// source keeps its frame with source_flags (the leaf's own flags to leave it alone; otherwise they
// may differ only in permissions and software bits, never in memory type).
struct LeafClone {
    PhysAddr child_pa;
    MapFlags child_flags;
    MapFlags source_flags;
};

// One translation tree. A PageTable is a small copyable handle (Result<T> needs that): the tables
// belong to whichever copy is used; the owner uses one copy and calls destroy() once. Not thread-safe:
// the owner (address space) serialises calls with its lock.
//
// Table bookkeeping: every non-root table's number of valid entries lives in the IGNORED bits [11:2]
// of its parent's table descriptor (arch/aarch64/pte.h), so map and unmap stay O(levels). A table
// whose count drops to 0 is unhooked and freed, so no empty table except the root ever exists. The
// IGNORED bits [58:52] hold chunk hints (which 80-entry parts of the table may hold valid entries),
// and the root's valid entries are an exact bitmap here, so whole-tree walks (for_each_mapping,
// clone_into, destroy) cost about the entries in use rather than 512 per table.
//
// Failure atomicity: every call that returns an error has changed nothing (same mappings, same table
// count): range calls check the whole range before acting, splits reserve their frames first, and a
// map_range that runs out of memory half way unmaps what it had mapped.
//
// TLB protocol (always with this table's ASID, kernel half included):
//   map_page, map_range: before_update() once; the entries were invalid, nothing to invalidate.
//   unmap_page, protect: exactly one invalidate_page(va). last_level = false only when the unmap
//     freed tables (VAE1IS then also drops walk-cache entries pointing at them; the tables are freed
//     after it). Splitting a block (break-before-make) uses last_level = true: a block is the leaf
//     of its walk, and the VA lies inside the block, so one TLBI removes it.
//   unmap_range: one invalidate_page per leaf the range overlaps, in ascending order, at the first
//     address of the range inside that leaf (same last_level rule).
//   NoMemory after a walk had created tables: one invalidate_page(va, last_level = false) before
//     freeing them again (they were briefly reachable).
//   destroy: invalidate_asid (User half) or invalidate_all (Kernel half), before freeing anything.
//   clone_into: if any source leaf changed, invalidate_asid / invalidate_all once at the end; the
//     child gets before_update() once (its tables were never live).
class PageTable {
public:
    static lib::Result<PageTable> create(Half half, std::uint16_t asid, FrameSource& frames,
                                         TlbMaintainer& tlb);
    // Takes over an existing tree (e.g. the boot page tables): recomputes every table's entry count
    // (boot code leaves the count bits 0) and the table total. Its tables become ours: emptied ones
    // are returned through frames.free_table().
    static PageTable adopt(PhysAddr root, Half half, std::uint16_t asid, FrameSource& frames,
                           TlbMaintainer& tlb);

    // Maps one 4 KiB page. InvalidArgument (alignment, half, flags), AlreadyMapped, NoMemory.
    [[nodiscard]] lib::Status map_page(VirtAddr va, PhysAddr pa, MapFlags flags);
    // Returns the PA that mapped va. Splits a block first if va lies in one. NotMapped, NoMemory
    // (only when a 1 GiB/2 MiB block must be split and no frame is left).
    [[nodiscard]] lib::Result<PhysAddr> unmap_page(VirtAddr va);
    // Replaces the permissions of the 4 KiB page at va (splitting a block if needed); keeps the PA
    // and Owned; CopyOnWrite comes from `flags`. NotMapped, InvalidArgument, NoMemory.
    [[nodiscard]] lib::Status protect(VirtAddr va, MapFlags flags);
    // Points the 4 KiB page leaf at va to another frame, with `flags` (software bits included),
    // break-before-make with one invalidate_page. Never allocates: NotMapped, InvalidArgument
    // (alignment, flags, or va mapped by a block).
    [[nodiscard]] lib::Status remap_page(VirtAddr va, PhysAddr pa, MapFlags flags);
    // Any VA (need not be aligned). NotMapped, InvalidArgument (non-canonical / other half).
    [[nodiscard]] lib::Result<Translation> translate(VirtAddr va) const;
    // Maps [va, va+size) to [pa, pa+size), with 1 GiB / 2 MiB blocks wherever va, pa and the
    // remaining size allow. If any page in the range is already mapped: AlreadyMapped, nothing done.
    [[nodiscard]] lib::Status map_range(VirtAddr va, PhysAddr pa, std::size_t size, MapFlags flags);
    // Every page in the range must be mapped (else NotMapped and nothing changes). Blocks straddling
    // an end are split; one TLB invalidation per leaf removed or split.
    [[nodiscard]] lib::Status unmap_range(VirtAddr va, std::size_t size);
    // Invalidates the whole ASID (User half) or everything (Kernel half), then calls on_leaf for each
    // leaf (ascending VA) and frees every table including the root, each cleared to zero first. The
    // tree must no longer be live in any TTBR. The handle is dead afterwards (root() == 0,
    // table_count() == 0).
    using DestroyFn = void (*)(const Mapping& leaf, void* ctx);
    void destroy(DestroyFn on_leaf = nullptr, void* ctx = nullptr);

    // fork's copy: fills `child` (a just-created, empty table of the same half) with this tree's
    // layout, table for table, passing every leaf through fn (ascending VA), which decides what each
    // side maps (share the frame, copy it, make both copy-on-write). Source leaves whose permissions
    // fn changes are rewritten in place and invalidated once at the end: nothing may write through
    // this tree meanwhile (its owner is the one forking). On an error from fn, or NoMemory for a child
    // table, the copy stops: the child holds a consistent part of the copy (destroy it; its leaves
    // are what fn approved), and source leaves already changed stay so.
    using CloneFn = lib::Result<LeafClone> (*)(const Mapping& leaf, void* ctx);
    [[nodiscard]] lib::Status clone_into(PageTable& child, CloneFn fn, void* ctx);

    // Calls fn(const Mapping&) -> lib::Status for every leaf in ascending VA order; stops at and
    // returns the first error.
    template <typename F>
    lib::Status for_each_mapping(F&& fn) const {
        using Fn = std::remove_reference_t<F>;
        return visit_leaves(
            [](const Mapping& m, void* ctx) -> lib::Status { return (*static_cast<Fn*>(ctx))(m); },
            const_cast<void*>(static_cast<const void*>(&fn)));
    }

    // The first leaf overlapping [from, limit), in ascending VA order: from a whole-range search it
    // costs about the entries in use, not the range's size. NotFound if none.
    [[nodiscard]] lib::Result<Mapping> next_mapping(VirtAddr from, VirtAddr limit) const;

    // Checks the bookkeeping against the tables: every count matches its table, no non-root table
    // is empty, table_count() is the number of reachable tables. Malformed if not (tests, debugging).
    [[nodiscard]] lib::Status audit() const;

    PhysAddr root() const { return m_root; }
    Half half() const { return m_half; }
    std::uint16_t asid() const { return m_asid; }
    void set_asid(std::uint16_t asid) { m_asid = asid; }  // the caller flushes the old ASID itself
    std::size_t table_count() const { return m_table_count; }  // tables owned, including the root

private:
    struct Path;        // the descriptor visited at each level of one walk
    struct Reserve;     // frames taken up front for a block split, so the split itself cannot fail
    struct CloneState;  // clone_into's fixed arguments and flags cache
    class ValidEntries;  // iterates one table's valid entries (bitmap, hints and count)
    using LeafFn = lib::Status (*)(const Mapping&, void*);

    PageTable(PhysAddr root, Half half, std::uint16_t asid, FrameSource& frames, TlbMaintainer& tlb);

    // map_page and unmap_page first try the common case on their own (va's tables down to L3 all
    // exist, and an unmap leaves its table non-empty): one walk, no Path, no allocation or freeing.
    // Everything else goes to the general code below, which they call with nothing changed yet.
    struct LeafSlot {
        std::uint64_t* entry;     // va's L3 entry
        std::uint64_t* l2_entry;  // the L2 entry pointing at its table: holds the table's count
        std::uint64_t l2_desc;    // *l2_entry as read
    };
    bool leaf_slot(VirtAddr va, LeafSlot& slot) const;
    std::uint64_t* l2_entry_via_table_virt(VirtAddr va) const;
    [[nodiscard]] lib::Status map_page_walk(VirtAddr va, PhysAddr pa, std::uint64_t bits);
    [[nodiscard]] lib::Result<PhysAddr> unmap_page_walk(VirtAddr va);
    bool page_va_ok(VirtAddr va) const;

    // The one walk every operation shares. Descends from the root towards target_level and stops
    // at target_level, at an invalid entry (unless create, which installs empty tables there), or at
    // a block above target_level; path.level says where it stopped, the entry there is returned.
    // Fails only with NoMemory (create), after freeing the tables it had created.
    [[nodiscard]] lib::Result<std::uint64_t*> walk_to_entry(VirtAddr va, bool create,
                                                            unsigned target_level, Path& path);
    std::uint64_t* table_at(PhysAddr pa) const;
    [[nodiscard]] lib::Status check_va_range(VirtAddr va, std::size_t size) const;
    [[nodiscard]] lib::Result<std::uint64_t> leaf_bits_for(MapFlags flags) const;
    void count_added(Path& path, unsigned level, VirtAddr va);
    unsigned drop_entry(Path& path, unsigned level, PhysAddr* freed);
    void retire(VirtAddr va, bool last_level, const PhysAddr* freed, unsigned n);
    void remove_leaf(VirtAddr va, Path& path, unsigned level);
    [[nodiscard]] lib::Status reserve(Reserve& r, unsigned tables);
    void release(Reserve& r);
    void split_block(Path& path, unsigned level, VirtAddr tlbi_va, std::uint64_t lo_off,
                     std::uint64_t hi_off, std::uint64_t replacement, Reserve& r);
    PhysAddr build_split(std::uint64_t block, unsigned level, std::uint64_t lo_off,
                         std::uint64_t hi_off, std::uint64_t replacement, Reserve& r,
                         unsigned& valid);
    void unmap_checked(VirtAddr va, std::size_t size, Reserve& r);
    [[nodiscard]] lib::Status visit_leaves(LeafFn fn, void* ctx) const;
    [[nodiscard]] lib::Status visit_table(ValidEntries& entries, const std::uint64_t* table,
                                          unsigned level, VirtAddr base, LeafFn fn, void* ctx) const;
    void destroy_table(ValidEntries& entries, PhysAddr table, unsigned level, VirtAddr base,
                       DestroyFn on_leaf, void* ctx);
    [[nodiscard]] lib::Result<Mapping> find_leaf(ValidEntries& entries, const std::uint64_t* t, unsigned level,
                                                 VirtAddr base, VirtAddr from, VirtAddr limit) const;
    [[nodiscard]] lib::Status clone_table(CloneState& st, ValidEntries& entries, std::uint64_t* src,
                                          std::uint64_t* dst, unsigned level, VirtAddr base,
                                          unsigned& copied, unsigned& copied_chunks);
    void root_entry_cleared(const std::uint64_t* e);
    unsigned recount(PhysAddr table, unsigned level, unsigned& chunks);
    [[nodiscard]] bool audit_table(PhysAddr table, unsigned level, unsigned expected, unsigned chunks,
                                   std::size_t& tables) const;
    VirtAddr va_base() const;

    PhysAddr m_root;
    Half m_half;
    std::uint16_t m_asid;
    FrameSource* m_frames;
    TlbMaintainer* m_tlb;
    std::uint64_t m_linear;  // frames.linear_offset(), cached: table_at() runs once per level walked
    std::uint64_t* m_root_table = nullptr;  // table_at(m_root), which every walk starts from
    std::size_t m_table_count = 1;
    // The root's valid entries, exactly (other tables' chunk hints live in their parent descriptor).
    std::uint64_t m_root_valid[8] = {};  // bit i: root entry i is valid
    // map_page's last accepted flags and their leaf_bits_for(): callers map page after page with
    // the same flags. Always a valid pair (the constructor fills in Read's bits).
    MapFlags m_last_flags = MapFlags::Read;
    std::uint64_t m_last_bits = 0;
};

static_assert(std::is_trivially_copyable_v<PageTable> && std::is_trivially_destructible_v<PageTable>);

}  // namespace mm
