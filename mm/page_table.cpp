// The page-table engine (mm/page_table.h): walks, maps, unmaps, splits blocks and frees emptied
// tables of one translation tree. Every change to a live valid entry is break-before-make; it
// reaches the hardware only through FrameSource and TlbMaintainer. Whole-tree operations (visit,
// clone, destroy, audit) are in page_table_tree.cpp.
#include "mm/page_table.h"

#include "arch/aarch64/pte.h"
#include "lib/kassert.h"
#include "mm/page_table_detail.h"

namespace mm {

using namespace page_table_detail;

namespace {

// Tables needed to replace a block at `level` by a table in which [lo_off, hi_off) (offsets into the
// block, a proper, page-aligned sub-range) is taken out or replaced: one for the block itself plus,
// recursively, one per child that the range only partly covers (at most the two children holding its
// ends). Pages (the children of an L2 block) are never partly covered.
unsigned split_tables(unsigned level, std::uint64_t lo_off, std::uint64_t hi_off) {
    unsigned child = level + 1;
    if (child == kPtLeafLevel) return 1;
    std::uint64_t cs = pt_level_size(child);
    unsigned n = 1;
    std::uint64_t a = align_down(lo_off, cs);      // child holding the first byte
    std::uint64_t b = align_down(hi_off - 1, cs);  // child holding the last byte
    if (lo_off != a || hi_off < a + cs) {
        n += split_tables(child, lo_off - a, min_u64(hi_off, a + cs) - a);
    }
    if (b != a && hi_off != b + cs) n += split_tables(child, 0, hi_off - b);
    return n;
}

}  // namespace

struct PageTable::Path {
    std::uint64_t* entry[kPtLevels];  // entry[l]: va's descriptor in its level-l table, l <= level
    unsigned level;                   // where the walk stopped
};

// Splitting needs at most one table per level below the block for each end of the range that falls
// inside it: a 1 GiB block cut on both sides needs L2 + two L3 tables; two blocks each cut on one
// side (unmap_range across them) need 2 + 2.
struct PageTable::Reserve {
    static constexpr unsigned kMax = 4;
    PhysAddr frames[kMax];
    unsigned count = 0;  // frames held
    unsigned used = 0;   // frames handed out by take()
    PhysAddr take() {
        KASSERT(used < count);
        return frames[used++];
    }
};

// ---- Construction ------------------------------------------------------------------------------

PageTable::PageTable(PhysAddr root, Half half, std::uint16_t asid, FrameSource& frames,
                     TlbMaintainer& tlb)
    : m_root(root), m_half(half), m_asid(asid), m_frames(&frames), m_tlb(&tlb),
      m_linear(frames.linear_offset()) {
    m_root_table = table_at(root);
    m_last_bits = leaf_bits_for(m_last_flags).value();
}

lib::Result<PageTable> PageTable::create(Half half, std::uint16_t asid, FrameSource& frames,
                                         TlbMaintainer& tlb) {
    PhysAddr root = TRY(frames.alloc_table());
    KASSERT(is_aligned(root, kPageSize) && root < kPhysEnd);
    return PageTable(root, half, asid, frames, tlb);
}

PageTable PageTable::adopt(PhysAddr root, Half half, std::uint16_t asid, FrameSource& frames,
                           TlbMaintainer& tlb) {
    KASSERT(is_aligned(root, kPageSize) && root < kPhysEnd);
    PageTable pt(root, half, asid, frames, tlb);
    unsigned chunks = 0;
    pt.recount(root, 0, chunks);
    for (std::size_t i = 0; i < kPtEntries; ++i) {
        if (pte_is_valid(load(&pt.m_root_table[i]))) pt.m_root_valid[i / 64] |= std::uint64_t{1} << (i % 64);
    }
    return pt;
}

// Writes each table's valid-entry count and chunk hints into the descriptor pointing at it (ignored
// bits, so safe on a live tree) and counts the tables. Returns the number of valid entries in `table`
// and, in `chunks`, its exact chunk hints.
unsigned PageTable::recount(PhysAddr table, unsigned level, unsigned& chunks) {
    std::uint64_t* t = table_at(table);
    unsigned valid = 0;
    chunks = 0;
    for (std::size_t i = 0; i < kPtEntries; ++i) {
        std::uint64_t d = load(&t[i]);
        if (!pte_is_valid(d)) continue;
        ++valid;
        chunks |= 1u << (i / arch::kPtEntriesPerChunk);
        if (pte_is_table(d, level)) {
            ++m_table_count;
            unsigned sub_chunks = 0;
            unsigned n = recount(pte_address(d), level + 1, sub_chunks);
            d = pte_with_table_count(d & ~arch::kPteTableChunksMask, n);
            store(&t[i], d | (std::uint64_t{sub_chunks} << arch::kPteTableChunksShift));
        }
    }
    return valid;
}

// ---- Shared helpers ----------------------------------------------------------------------------

// check_va_range(va, kPageSize) as one test: both halves span 2^48 bytes from va_base(), so va is a
// page of this half exactly when va - va_base() has no bit set outside [47:12].
inline bool PageTable::page_va_ok(VirtAddr va) const {
    static_assert(kUserEnd == 0 - kKernelStart, "the two halves are the same size");
    return ((va - va_base()) & ~(kUserEnd - kPageSize)) == 0;
}

lib::Status PageTable::check_va_range(VirtAddr va, std::size_t size) const {
    if (size == 0 || !is_aligned(va, kPageSize) || !is_aligned(size, kPageSize)) {
        return lib::Error::InvalidArgument;
    }
    if (m_half == Half::User) {
        if (va >= kUserEnd || size > kUserEnd - va) return lib::Error::InvalidArgument;
    } else {
        // 0 - va is 2^64 - va: the range may end exactly at the top of the address space.
        if (va < kKernelStart || size > 0 - va) return lib::Error::InvalidArgument;
    }
    return {};
}

lib::Result<std::uint64_t> PageTable::leaf_bits_for(MapFlags flags) const {
    if ((static_cast<std::uint32_t>(flags) & ~kMapFlagsKnown) != 0 || !has(flags, MapFlags::Read)) {
        return lib::Error::InvalidArgument;
    }
    // User pages only below, global pages only above: a global TTBR0 page would be shared by every
    // ASID, a user page in TTBR1 would expose the kernel half to EL0.
    if (has(flags, m_half == Half::Kernel ? MapFlags::User : MapFlags::Global)) {
        return lib::Error::InvalidArgument;
    }
    arch::PteAttrs attrs = to_attrs(flags);
    if (!arch::pte_attrs_allowed(attrs)) return lib::Error::InvalidArgument;
    return arch::pte_leaf_attr_bits(attrs) | (has(flags, MapFlags::Owned) ? kSwOwned : 0) |
           (has(flags, MapFlags::CopyOnWrite) ? kSwCow : 0) | (has(flags, MapFlags::Shared) ? kSwShared : 0);
}

lib::Result<std::uint64_t*> PageTable::walk_to_entry(VirtAddr va, bool create, unsigned target_level,
                                                     Path& path) {
    KASSERT(target_level <= kPtLeafLevel);
    std::uint64_t* table = m_root_table;
    bool created = false;
    for (unsigned level = 0;; ++level) {
        // Invariant: `table` is the level-`level` table on va's path and path.entry[0..level-1] are
        // the descriptors that lead to it. Once this walk has created a table, every deeper table
        // is new as well (and so empty apart from the one entry leading further down).
        std::uint64_t* entry = &table[pt_index(va, level)];
        path.entry[level] = entry;
        path.level = level;
        if (level == target_level) return entry;
        std::uint64_t d = load(entry);
        if (pte_is_table(d, level)) {
            table = table_at(pte_address(d));
            continue;
        }
        if (pte_is_valid(d)) {
            KASSERT_MSG(level >= kPtFirstBlockLevel, "L0 block descriptor");
            return entry;  // a block above target_level
        }
        if (!create) return entry;  // a hole
        auto frame = m_frames->alloc_table();
        if (!frame.ok()) {
            if (created) {
                // Unhook the chain of tables this walk made: the deepest one (holding `entry`) is
                // empty, each above it holds only the link down. They were reachable by the walker,
                // so they go through the same invalidate-then-free path as any emptied table.
                PhysAddr freed[kPtLevels];
                unsigned n = 0;
                freed[n++] = pte_address(load(path.entry[level - 1]));
                store(path.entry[level - 1], 0);
                if (level - 1 == 0) root_entry_cleared(path.entry[0]);
                n += drop_entry(path, level - 1, freed + n);
                retire(va, false, freed, n);
            }
            return frame.error();
        }
        KASSERT(is_aligned(frame.value(), kPageSize) && frame.value() < kPhysEnd);
        store(entry, pte_make_table(frame.value(), 0));
        count_added(path, level, va);
        ++m_table_count;
        created = true;
        table = table_at(frame.value());
    }
}

// path.entry[level] (va's entry at that level) just became valid: one more valid entry in the
// level-`level` table, whose count and chunk hints live in the parent's descriptor. The root (level
// 0) has no parent and is never freed: no count; its exact bitmap is a member.
void PageTable::count_added(Path& path, unsigned level, VirtAddr va) {
    std::size_t index = pt_index(va, level);
    if (level == 0) {
        m_root_valid[index / 64] |= std::uint64_t{1} << (index % 64);
        return;
    }
    std::uint64_t* parent = path.entry[level - 1];
    std::uint64_t d = load(parent);
    unsigned n = pte_table_count(d) + 1;
    KASSERT(n <= kPtEntries);
    store(parent, pte_with_table_count(d, n) | pte_table_chunk_bit(index));
}

// path.entry[level] was just cleared: decrement its table's count; a table that becomes empty is
// unhooked from its parent, which in turn loses an entry, up to the root. The unhooked tables are
// written to `freed` (at most one per level) for the caller to free after the TLB invalidation.
unsigned PageTable::drop_entry(Path& path, unsigned level, PhysAddr* freed) {
    unsigned n = 0;
    for (unsigned l = level; l > 0; --l) {
        // Invariant: path.entry[l] is now invalid; the level-l table's count is in path.entry[l-1].
        std::uint64_t* parent = path.entry[l - 1];
        std::uint64_t d = load(parent);
        unsigned count = pte_table_count(d);
        KASSERT(count > 0);
        if (count > 1) {
            store(parent, pte_with_table_count(d, count - 1));
            break;
        }
        freed[n++] = pte_address(d);
        store(parent, 0);
        if (l - 1 == 0) root_entry_cleared(parent);
    }
    return n;
}

// The root entry `e` was just cleared: its bit leaves the root's bitmap.
void PageTable::root_entry_cleared(const std::uint64_t* e) {
    const std::size_t index = static_cast<std::size_t>(e - m_root_table);
    KASSERT(index < kPtEntries);
    m_root_valid[index / 64] &= ~(std::uint64_t{1} << (index % 64));
}

// Makes the cleared entries for va visible, invalidates va once, then frees the unhooked tables.
// VALE1IS (last_level) only drops leaf entries; when tables are freed the walk caches may still point
// at them, so VAE1IS (last_level = false) is used: that one call covers va's leaf and every table on
// its path. Each freed table lay on va's path, so invalidating va reaches its cached descriptors.
void PageTable::retire(VirtAddr va, bool last_level, const PhysAddr* freed, unsigned n) {
    m_tlb->before_update();
    m_tlb->invalidate_page(va, m_asid, last_level && n == 0);
    for (unsigned i = 0; i < n; ++i) m_frames->free_table(freed[i]);
    m_table_count -= n;
}

// Removes the whole leaf at path.entry[level] (va is its first address) with one invalidation.
void PageTable::remove_leaf(VirtAddr va, Path& path, unsigned level) {
    store(path.entry[level], 0);
    PhysAddr freed[kPtLevels];
    unsigned n = drop_entry(path, level, freed);
    retire(va, true, freed, n);
}

lib::Status PageTable::reserve(Reserve& r, unsigned tables) {
    KASSERT(tables <= Reserve::kMax);
    while (r.count < tables) {
        auto frame = m_frames->alloc_table();
        if (!frame.ok()) {
            release(r);
            return frame.error();
        }
        KASSERT(is_aligned(frame.value(), kPageSize) && frame.value() < kPhysEnd);
        r.frames[r.count++] = frame.value();
    }
    return {};
}

void PageTable::release(Reserve& r) {
    for (unsigned i = r.used; i < r.count; ++i) m_frames->free_table(r.frames[i]);
    r.count = r.used;
}

// Builds, off-line, the table that replaces `block` (a leaf at `level`): every child maps its part of
// the block with the block's attributes, except that children wholly inside [lo_off, hi_off) become
// `replacement` (0 to unmap; for protect a single page descriptor) and children partly inside are
// split further. Returns the table; `valid` receives its number of valid entries.
PhysAddr PageTable::build_split(std::uint64_t block, unsigned level, std::uint64_t lo_off,
                                std::uint64_t hi_off, std::uint64_t replacement, Reserve& r,
                                unsigned& valid) {
    unsigned child = level + 1;
    std::uint64_t cs = pt_level_size(child);
    std::uint64_t base = align_down(pte_address(block), pt_level_size(level));
    std::uint64_t bits = arch::pte_leaf_bits_of(block);
    PhysAddr table = r.take();
    ++m_table_count;
    std::uint64_t* t = table_at(table);
    valid = 0;
    for (std::size_t i = 0; i < kPtEntries; ++i) {
        std::uint64_t c = i * cs;  // the child's offset in the block
        std::uint64_t d;
        if (c + cs <= lo_off || c >= hi_off) {
            d = pte_make_leaf_raw(base + c, child, bits);
        } else if (lo_off <= c && c + cs <= hi_off) {
            KASSERT(replacement == 0 || child == kPtLeafLevel);
            d = replacement;
        } else {
            unsigned n = 0;
            PhysAddr sub = build_split(pte_make_leaf_raw(base + c, child, bits), child,
                                       max_u64(lo_off, c) - c, min_u64(hi_off, c + cs) - c,
                                       replacement, r, n);
            d = pte_make_table(sub, n) | arch::kPteTableChunksMask;  // hints: every chunk
        }
        t[i] = d;  // not reachable by the walker yet: plain stores, published by the DSB below
        if (pte_is_valid(d)) ++valid;
    }
    return table;
}

// Replaces the block at path.entry[level] by a table tree (see build_split) with one invalidation.
// Break-before-make (ARM ARM D8.16.1): the block entry is made invalid and flushed from the TLB
// before the table goes in, so no CPU can hold the block and the new entries at once. The parent
// table keeps its count: one valid entry replaces another.
void PageTable::split_block(Path& path, unsigned level, VirtAddr tlbi_va, std::uint64_t lo_off,
                            std::uint64_t hi_off, std::uint64_t replacement, Reserve& r) {
    std::uint64_t* e = path.entry[level];
    unsigned valid = 0;
    PhysAddr table = build_split(load(e), level, lo_off, hi_off, replacement, r, valid);
    KASSERT(valid > 0);
    store(e, 0);
    m_tlb->before_update();                          // the invalid entry and the new table's contents
    m_tlb->invalidate_page(tlbi_va, m_asid, true);   // a block is the last level of its walk
    store(e, pte_make_table(table, valid) | arch::kPteTableChunksMask);  // hints: every chunk
    m_tlb->before_update();
}

// ---- Single pages ------------------------------------------------------------------------------

// Finds va's L2 entry (and its descriptor) when the entries on its path at L0..L2 all hold tables;
// false at a hole or a block on the way. `at` turns a table's PA into its address. Spelled out level
// by level: with the L3 step in leaf_slot, this is the hot part of every map_page and unmap_page.
template <typename At>
[[gnu::always_inline]] inline bool find_l2_table_entry(std::uint64_t* root, VirtAddr va, At at,
                                                       std::uint64_t*& l2_entry,
                                                       std::uint64_t& l2_desc) {
    std::uint64_t d0 = load(&root[pt_index(va, 0)]);
    if (__builtin_expect(!pte_is_table(d0, 0), 0)) return false;
    std::uint64_t d1 = load(&at(pte_address(d0))[pt_index(va, 1)]);
    if (__builtin_expect(!pte_is_table(d1, 1), 0)) return false;
    l2_entry = &at(pte_address(d1))[pt_index(va, 2)];
    l2_desc = load(l2_entry);
    return __builtin_expect(pte_is_table(l2_desc, 2), 1);
}

[[gnu::always_inline]] inline bool PageTable::leaf_slot(VirtAddr va, LeafSlot& s) const {
    const std::uint64_t linear = m_linear;
    if (__builtin_expect(linear != 0, 1)) {
        auto at = [linear](PhysAddr pa) { return reinterpret_cast<std::uint64_t*>(pa + linear); };
        if (!find_l2_table_entry(m_root_table, va, at, s.l2_entry, s.l2_desc)) return false;
        s.entry = &at(pte_address(s.l2_desc))[pt_index(va, kPtLeafLevel)];
        return true;
    }
    // Out of line, and nothing of `s` passed by address, so that `s` stays in registers.
    s.l2_entry = l2_entry_via_table_virt(va);
    if (s.l2_entry == nullptr) return false;
    s.l2_desc = load(s.l2_entry);
    s.entry = &table_at(pte_address(s.l2_desc))[pt_index(va, kPtLeafLevel)];
    return true;
}

// find_l2_table_entry through FrameSource::table_virt (no linear offset); nullptr if not found.
[[gnu::noinline]] std::uint64_t* PageTable::l2_entry_via_table_virt(VirtAddr va) const {
    auto at = [this](PhysAddr pa) { return static_cast<std::uint64_t*>(m_frames->table_virt(pa)); };
    std::uint64_t* l2_entry = nullptr;
    std::uint64_t l2_desc = 0;
    return find_l2_table_entry(m_root_table, va, at, l2_entry, l2_desc) ? l2_entry : nullptr;
}

lib::Status PageTable::map_page(VirtAddr va, PhysAddr pa, MapFlags flags) {
    // pa: page-aligned, and a 48-bit output address.
    if (__builtin_expect(!page_va_ok(va) || (pa & ~arch::kPteAddrMask) != 0, 0)) {
        return lib::Error::InvalidArgument;
    }
    std::uint64_t bits = m_last_bits;
    if (__builtin_expect(flags != m_last_flags, 0)) {
        bits = TRY(leaf_bits_for(flags));
        m_last_flags = flags;
        m_last_bits = bits;
    }
    LeafSlot s;
    if (__builtin_expect(!leaf_slot(va, s), 0)) return map_page_walk(va, pa, bits);
    if (pte_is_valid(load(s.entry))) return lib::Error::AlreadyMapped;
    // count_added, with the L2 descriptor already in hand: below 512, + 1 cannot leave the field.
    KASSERT(pte_table_count(s.l2_desc) < kPtEntries);
    store(s.entry, pte_make_leaf_raw(pa, kPtLeafLevel, bits));
    store(s.l2_entry, (s.l2_desc + kTableCountOne) | pte_table_chunk_bit(pt_index(va, kPtLeafLevel)));
    m_tlb->before_update();  // was invalid, so no TLB entry to remove: just publish it
    return {};
}

// map_page when some table on va's path is missing (or a block covers va): the general walk.
[[gnu::noinline]] lib::Status PageTable::map_page_walk(VirtAddr va, PhysAddr pa, std::uint64_t bits) {
    Path path;
    std::uint64_t* e = TRY(walk_to_entry(va, true, kPtLeafLevel, path));
    // Stopping above L3 means a block covers va. Neither case allocated anything.
    if (path.level != kPtLeafLevel || pte_is_valid(load(e))) return lib::Error::AlreadyMapped;
    store(e, pte_make_leaf_raw(pa, kPtLeafLevel, bits));
    count_added(path, kPtLeafLevel, va);
    m_tlb->before_update();  // was invalid, so no TLB entry to remove: just publish it
    return {};
}

lib::Result<PhysAddr> PageTable::unmap_page(VirtAddr va) {
    if (__builtin_expect(!page_va_ok(va), 0)) return lib::Error::InvalidArgument;
    LeafSlot s;
    // A hole or block above L3, or the last entry of its table (tables to free): the general walk.
    if (__builtin_expect(!leaf_slot(va, s) || pte_table_count(s.l2_desc) <= 1, 0)) {
        return unmap_page_walk(va);
    }
    std::uint64_t d = load(s.entry);
    if (!pte_is_valid(d)) return lib::Error::NotMapped;
    store(s.entry, 0);
    store(s.l2_entry, s.l2_desc - kTableCountOne);  // drop_entry: the table keeps other entries
    m_tlb->before_update();                    // retire(): the cleared entry reaches the walker,
    m_tlb->invalidate_page(va, m_asid, true);  // then the TLB; no table was freed: last level only
    return pte_address(d);
}

// unmap_page when the fast path does not apply: splits blocks, reports holes, frees tables.
[[gnu::noinline]] lib::Result<PhysAddr> PageTable::unmap_page_walk(VirtAddr va) {
    Path path;
    std::uint64_t* e = TRY(walk_to_entry(va, false, kPtLeafLevel, path));
    std::uint64_t d = load(e);
    if (!pte_is_valid(d)) return lib::Error::NotMapped;
    unsigned level = path.level;
    PhysAddr pa = leaf_pa(d, level, va);
    if (level == kPtLeafLevel) {
        remove_leaf(va, path, level);
        return pa;
    }
    std::uint64_t off = va & (pt_level_size(level) - 1);
    Reserve r;
    TRY_STATUS(reserve(r, split_tables(level, off, off + kPageSize)));
    split_block(path, level, va, off, off + kPageSize, 0, r);
    release(r);
    return pa;
}

lib::Status PageTable::remap_page(VirtAddr va, PhysAddr pa, MapFlags flags) {
    TRY_STATUS(check_va_range(va, kPageSize));
    if (!is_aligned(va, kPageSize) || !is_aligned(pa, kPageSize) || pa >= kPhysEnd) {
        return lib::Error::InvalidArgument;
    }
    std::uint64_t bits = TRY(leaf_bits_for(flags));
    Path path;
    std::uint64_t* e = TRY(walk_to_entry(va, false, kPtLeafLevel, path));
    std::uint64_t d = load(e);
    if (!pte_is_valid(d)) return lib::Error::NotMapped;
    if (path.level != kPtLeafLevel) return lib::Error::InvalidArgument;  // a block: would need a split
    // The entry stays valid, so the table's count is unchanged.
    store(e, 0);  // break-before-make: the output address changes
    m_tlb->before_update();
    m_tlb->invalidate_page(va, m_asid, true);
    store(e, pte_make_leaf_raw(pa, kPtLeafLevel, bits));
    m_tlb->before_update();
    return {};
}

lib::Status PageTable::protect(VirtAddr va, MapFlags flags) {
    TRY_STATUS(check_va_range(va, kPageSize));
    // Owned and Shared come from the old descriptor, never from `flags`; CopyOnWrite from `flags`.
    std::uint64_t bits = TRY(leaf_bits_for(flags)) & ~(kSwOwned | kSwShared);
    Path path;
    std::uint64_t* e = TRY(walk_to_entry(va, false, kPtLeafLevel, path));
    std::uint64_t d = load(e);
    if (!pte_is_valid(d)) return lib::Error::NotMapped;
    unsigned level = path.level;
    // Same frame, new permissions; the other software bits belong to the owner and are kept.
    std::uint64_t page = pte_make_leaf_raw(leaf_pa(d, level, va), kPtLeafLevel,
                                           bits | (d & arch::kPteSwMask & ~kSwCow));
    if (level == kPtLeafLevel) {
        store(e, 0);  // break-before-make: the memory type may change too
        m_tlb->before_update();
        m_tlb->invalidate_page(va, m_asid, true);
        store(e, page);
        m_tlb->before_update();
        return {};
    }
    std::uint64_t off = va & (pt_level_size(level) - 1);
    Reserve r;
    TRY_STATUS(reserve(r, split_tables(level, off, off + kPageSize)));
    split_block(path, level, va, off, off + kPageSize, page, r);
    release(r);
    return {};
}

lib::Result<Translation> PageTable::translate(VirtAddr va) const {
    if (m_half == Half::User ? va >= kUserEnd : va < kKernelStart) return lib::Error::InvalidArgument;
    Path path;
    // A walk without create writes nothing, so it is safe on a const table.
    auto e = const_cast<PageTable*>(this)->walk_to_entry(va, false, kPtLeafLevel, path);
    KASSERT(e.ok());
    std::uint64_t d = load(e.value());
    if (!pte_is_leaf(d, path.level)) return lib::Error::NotMapped;
    return Translation{leaf_pa(d, path.level, va), leaf_flags(d),
                       static_cast<std::size_t>(pt_level_size(path.level))};
}

// ---- Ranges ------------------------------------------------------------------------------------

lib::Status PageTable::map_range(VirtAddr va, PhysAddr pa, std::size_t size, MapFlags flags) {
    TRY_STATUS(check_va_range(va, size));
    if (!is_aligned(pa, kPageSize) || pa >= kPhysEnd || size > kPhysEnd - pa) {
        return lib::Error::InvalidArgument;
    }
    std::uint64_t bits = TRY(leaf_bits_for(flags));
    Path path;
    // Check first: nothing in the range may be mapped. A hole at level L skips L's whole span.
    for (std::uint64_t done = 0; done < size;) {
        VirtAddr cur = va + done;
        std::uint64_t* e = TRY(walk_to_entry(cur, false, kPtLeafLevel, path));
        if (pte_is_valid(load(e))) return lib::Error::AlreadyMapped;
        std::uint64_t span = pt_level_size(path.level) - (cur & (pt_level_size(path.level) - 1));
        done += min_u64(span, size - done);
    }
    // Then act: the largest leaf that va, pa and the remaining size allow, every time.
    for (std::uint64_t done = 0; done < size;) {
        VirtAddr cur = va + done;
        PhysAddr cur_pa = pa + done;
        unsigned level = kPtFirstBlockLevel;
        while (level < kPtLeafLevel && !(is_aligned(cur | cur_pa, pt_level_size(level)) &&
                                         size - done >= pt_level_size(level))) {
            ++level;
        }
        std::uint64_t* e = nullptr;
        for (;;) {
            auto r = walk_to_entry(cur, true, level, path);
            if (!r.ok()) {
                // Out of frames half way: take back what this call mapped (whole leaves, all inside
                // the range, so no split and no allocation is needed) and leave nothing changed.
                if (done > 0) {
                    Reserve none;
                    unmap_checked(va, done, none);
                }
                return r.error();
            }
            e = r.value();
            KASSERT(path.level == level);  // the check above saw no block over cur
            if (!pte_is_valid(load(e))) break;
            // An empty table left in this slot (only adopt() can leave one): map below it.
            KASSERT(pte_is_table(load(e), level));
            ++level;
        }
        store(e, pte_make_leaf_raw(cur_pa, level, bits));
        count_added(path, level, cur);
        done += pt_level_size(level);
    }
    m_tlb->before_update();  // every entry written was invalid: publishing them is all it takes
    return {};
}

lib::Status PageTable::unmap_range(VirtAddr va, std::size_t size) {
    TRY_STATUS(check_va_range(va, size));
    Path path;
    // Check first that every page is mapped, and count the tables the splits at the ends will need,
    // so that after reserving them nothing can fail half way.
    unsigned tables = 0;
    for (std::uint64_t done = 0; done < size;) {
        VirtAddr cur = va + done;
        std::uint64_t* e = TRY(walk_to_entry(cur, false, kPtLeafLevel, path));
        if (!pte_is_valid(load(e))) return lib::Error::NotMapped;
        std::uint64_t leaf_size = pt_level_size(path.level);
        std::uint64_t off = cur & (leaf_size - 1);
        std::uint64_t take = min_u64(leaf_size - off, size - done);
        if (take != leaf_size) tables += split_tables(path.level, off, off + take);
        done += take;
    }
    Reserve r;
    TRY_STATUS(reserve(r, tables));
    unmap_checked(va, size, r);
    release(r);
    return {};
}

// Unmaps a range known to be fully mapped, leaf by leaf in ascending order: a leaf wholly inside is
// removed (invalidated at its first address), a block cut by an end of the range is split with the
// cut part left out (invalidated at the first address of the cut). Frames for splits come from `r`.
void PageTable::unmap_checked(VirtAddr va, std::size_t size, Reserve& r) {
    Path path;
    for (std::uint64_t done = 0; done < size;) {
        VirtAddr cur = va + done;
        auto e = walk_to_entry(cur, false, kPtLeafLevel, path);
        KASSERT(e.ok() && pte_is_valid(load(e.value())));
        unsigned level = path.level;
        std::uint64_t leaf_size = pt_level_size(level);
        std::uint64_t off = cur & (leaf_size - 1);
        std::uint64_t take = min_u64(leaf_size - off, size - done);
        if (take == leaf_size) {
            remove_leaf(cur, path, level);
        } else {
            split_block(path, level, cur, off, off + take, 0, r);
        }
        done += take;
    }
}

}  // namespace mm
