// Whole-tree operations of the page-table engine (mm/page_table.h): visiting every leaf, fork's
// clone, teardown and the bookkeeping audit. Each walks only the entries in use.
#include "arch/aarch64/pte.h"
#include "lib/kassert.h"
#include "mm/page_table.h"
#include "mm/page_table_detail.h"

namespace mm {

using namespace page_table_detail;

// ---- Whole-tree operations ---------------------------------------------------------------------

// Sparse tables are the rule (a process touches a few pages of a 512 GiB-wide table), so whole-tree
// walks visit only the valid entries: the root's from its bitmap, other tables' by loading sixteen
// entries (two cache lines) at a time, only in the chunks the descriptor's hints name, and no
// further than the descriptor's count of valid entries.
class PageTable::ValidEntries {
public:
    // A non-root table with `count` valid entries and chunk hints `chunks`.
    ValidEntries(const std::uint64_t* table, unsigned count, unsigned chunks)
        : m_table(table), m_exact(nullptr), m_left(count), m_chunks(chunks) {}
    // The root, from its bitmap.
    explicit ValidEntries(const PageTable& pt)
        : m_table(pt.m_root_table), m_exact(pt.m_root_valid), m_left(kPtEntries), m_chunks(0) {}

    // Starts at entry `first` instead of 0 (entries below it are never reported). The count no
    // longer bounds the walk then: some valid entries lie below `first`.
    void start_at(std::size_t first) {
        m_left = kPtEntries;
        const std::size_t group = m_exact != nullptr ? 64 : 16;
        m_next = first / group * group;  // a group start: chunk starts are multiples of 16
        m_mask = 0;
        if (!load_group()) return;
        if (m_base < first) m_mask &= ~std::uint64_t{0} << (first - m_base);  // < group <= 64
    }

    // The next valid entry's index, in ascending order; kPtEntries after the last.
    std::size_t next() {
        if (m_left == 0) return kPtEntries;
        while (m_mask == 0) {
            if (!load_group()) return kPtEntries;
        }
        const std::size_t i = m_base + static_cast<std::size_t>(__builtin_ctzll(m_mask));
        m_mask &= m_mask - 1;
        --m_left;
        return i;
    }

private:
    // Fills m_mask with the valid entries of the next group; false when none is left.
    bool load_group() {
        std::size_t i = m_next;
        if (i >= kPtEntries) return false;
        if (m_exact != nullptr) {
            m_base = i;
            m_mask = m_exact[i / 64];
            m_next = i + 64;
            return true;
        }
        constexpr std::size_t kChunk = arch::kPtEntriesPerChunk;
        unsigned chunk = static_cast<unsigned>(i / kChunk);
        const unsigned rest = m_chunks >> chunk;
        if (rest == 0) return false;
        if ((rest & 1) == 0) {  // on to the next hinted chunk (chunk starts are multiples of 16)
            chunk += static_cast<unsigned>(__builtin_ctz(rest));
            i = chunk * kChunk;
        }
        const std::uint64_t* t = m_table + i;
        std::uint64_t mask = 0;
#pragma GCC unroll 16
        for (unsigned k = 0; k < 16; ++k) mask |= (t[k] & arch::kPteValid) << k;
        m_base = i;
        m_mask = mask;
        m_next = i + 16;
        return true;
    }

    const std::uint64_t* m_table;
    const std::uint64_t* m_exact;  // the root's bitmap, else nullptr
    unsigned m_left;               // valid entries still to report (the root: no count)
    unsigned m_chunks;
    std::size_t m_next = 0;    // the first entry of the next group to load
    std::size_t m_base = 0;    // the first entry of the group in m_mask
    std::uint64_t m_mask = 0;  // its valid entries not reported yet, bit k = entry m_base + k
};
static_assert(arch::kPtEntriesPerChunk % 16 == 0, "a 16-entry group never straddles two chunks");

lib::Status PageTable::visit_leaves(LeafFn fn, void* ctx) const {
    ValidEntries root(*this);
    return visit_table(root, m_root_table, 0, va_base(), fn, ctx);
}

lib::Status PageTable::visit_table(ValidEntries& entries, const std::uint64_t* t, unsigned level,
                                   VirtAddr base, LeafFn fn, void* ctx) const {
    const std::uint64_t size = pt_level_size(level);
    for (std::size_t i = entries.next(); i < kPtEntries; i = entries.next()) {
        const std::uint64_t d = load(&t[i]);
        const VirtAddr va = base + i * size;
        if (pte_is_table(d, level)) {
            const std::uint64_t* sub = table_at(pte_address(d));
            ValidEntries below(sub, pte_table_count(d), pte_table_chunks(d));
            TRY_STATUS(visit_table(below, sub, level + 1, va, fn, ctx));
        } else if (pte_is_leaf(d, level)) {
            Mapping m{va, align_down(pte_address(d), size), static_cast<std::size_t>(size),
                      leaf_flags(d)};
            TRY_STATUS(fn(m, ctx));
        }
    }
    return {};
}

lib::Result<Mapping> PageTable::next_mapping(VirtAddr from, VirtAddr limit) const {
    const VirtAddr base = va_base();
    if (limit <= from || from - base >= (VirtAddr{1} << arch::kPtVaBits)) return lib::Error::NotFound;
    ValidEntries root(*this);
    return find_leaf(root, m_root_table, 0, base, from, limit);
}

// The first leaf of the level-`level` table `t` (covering from `base`) that overlaps [from, limit),
// from >= base. Visits only valid entries from from's entry on.
lib::Result<Mapping> PageTable::find_leaf(ValidEntries& entries, const std::uint64_t* t, unsigned level,
                                          VirtAddr base, VirtAddr from, VirtAddr limit) const {
    const std::uint64_t size = pt_level_size(level);
    entries.start_at(static_cast<std::size_t>((from - base) / size));
    for (std::size_t i = entries.next(); i < kPtEntries; i = entries.next()) {
        const VirtAddr va = base + i * size;
        if (va >= limit || va < base) break;  // past the range (or wrapped at the top of the half)
        const std::uint64_t d = load(&t[i]);
        if (pte_is_table(d, level)) {
            const std::uint64_t* sub = table_at(pte_address(d));
            ValidEntries below(sub, pte_table_count(d), pte_table_chunks(d));
            auto m = find_leaf(below, sub, level + 1, va, from > va ? from : va, limit);
            if (m.ok() || m.error() != lib::Error::NotFound) return m;
        } else if (pte_is_leaf(d, level)) {
            return Mapping{va, align_down(pte_address(d), size), static_cast<std::size_t>(size), leaf_flags(d)};
        }
    }
    return lib::Error::NotFound;
}

void PageTable::destroy(DestroyFn on_leaf, void* ctx) {
    KASSERT_MSG(m_root != 0, "destroy() of a dead PageTable");
    // No TLB or walk-cache entry may outlive the tables and frames about to be freed. The tree is no
    // longer live in any TTBR, so nothing refills them afterwards.
    if (m_half == Half::User) {
        m_tlb->invalidate_asid(m_asid);
    } else {
        m_tlb->invalidate_all();
    }
    ValidEntries root(*this);
    destroy_table(root, m_root, 0, va_base(), on_leaf, ctx);
    KASSERT(m_table_count == 0);
    m_root = 0;
    m_root_table = nullptr;
    for (std::uint64_t& w : m_root_valid) w = 0;
}

// Reports and clears every valid entry, then frees the table: it goes back to FrameSource all zero.
void PageTable::destroy_table(ValidEntries& entries, PhysAddr table, unsigned level, VirtAddr base,
                              DestroyFn on_leaf, void* ctx) {
    std::uint64_t* t = table_at(table);
    const std::uint64_t size = pt_level_size(level);
    for (std::size_t i = entries.next(); i < kPtEntries; i = entries.next()) {
        const std::uint64_t d = load(&t[i]);
        store(&t[i], 0);
        if (pte_is_table(d, level)) {
            ValidEntries below(table_at(pte_address(d)), pte_table_count(d), pte_table_chunks(d));
            destroy_table(below, pte_address(d), level + 1, base + i * size, on_leaf, ctx);
        } else if (pte_is_leaf(d, level) && on_leaf != nullptr) {
            Mapping m{base + i * size, align_down(pte_address(d), size),
                      static_cast<std::size_t>(size), leaf_flags(d)};
            on_leaf(m, ctx);
        }
    }
    m_frames->free_table(table);
    --m_table_count;
}

struct PageTable::CloneState {
    PageTable* child;
    CloneFn fn;
    void* ctx;
    bool source_changed = false;
    // leaf_bits_for() of the flags seen last, for each side: a tree has few distinct permissions.
    MapFlags last_flags[2] = {MapFlags::None, MapFlags::None};
    std::uint64_t last_bits[2] = {0, 0};

    lib::Result<std::uint64_t> bits_for(const PageTable& pt, MapFlags f, unsigned side) {
        if (f != last_flags[side]) {
            last_bits[side] = TRY(pt.leaf_bits_for(f));
            last_flags[side] = f;
        }
        return last_bits[side];
    }
};

lib::Status PageTable::clone_into(PageTable& child, CloneFn fn, void* ctx) {
    KASSERT(child.m_half == m_half && child.m_table_count == 1);
    CloneState st{&child, fn, ctx};
    ValidEntries root(*this);
    unsigned copied = 0, copied_chunks = 0;
    lib::Status result =
        clone_table(st, root, m_root_table, child.m_root_table, 0, va_base(), copied, copied_chunks);
    child.m_tlb->before_update();  // the child's tables reach the walker before anyone installs them
    if (st.source_changed) {
        // Permissions only changed (same frames, same memory types): no break-before-make, one
        // invalidation for the whole tree once every leaf is done, as after a fork on Linux.
        m_tlb->before_update();
        if (m_half == Half::User) {
            m_tlb->invalidate_asid(m_asid);
        } else {
            m_tlb->invalidate_all();
        }
    }
    return result;
}

// Copies the valid entries of `src` (a level-`level` table at `base`) into the empty table `dst`;
// `copied` and `copied_chunks` receive what dst holds, also after an error (the caller links a
// partly filled table, so the child's destroy() finds everything it holds).
lib::Status PageTable::clone_table(CloneState& st, ValidEntries& entries, std::uint64_t* src,
                                   std::uint64_t* dst, unsigned level, VirtAddr base,
                                   unsigned& copied, unsigned& copied_chunks) {
    const std::uint64_t size = pt_level_size(level);
    PageTable& child = *st.child;
    for (std::size_t i = entries.next(); i < kPtEntries; i = entries.next()) {
        const std::uint64_t d = load(&src[i]);
        const VirtAddr va = base + i * size;
        if (pte_is_table(d, level)) {
            auto frame = child.m_frames->alloc_table();
            if (!frame.ok()) return frame.error();
            KASSERT(is_aligned(frame.value(), kPageSize) && frame.value() < kPhysEnd);
            ++child.m_table_count;
            std::uint64_t* sub = table_at(pte_address(d));
            ValidEntries below(sub, pte_table_count(d), pte_table_chunks(d));
            unsigned n = 0, sub_chunks = 0;
            lib::Status r = clone_table(st, below, sub, child.table_at(frame.value()), level + 1, va,
                                        n, sub_chunks);
            if (n == 0) {
                child.m_frames->free_table(frame.value());  // nothing copied below: no empty table
                --child.m_table_count;
            } else {
                store(&dst[i], pte_make_table(frame.value(), n) |
                                   (std::uint64_t{sub_chunks} << arch::kPteTableChunksShift));
                ++copied;
                copied_chunks |= chunk_of(i);
                if (level == 0) child.m_root_valid[i / 64] |= std::uint64_t{1} << (i % 64);
            }
            TRY_STATUS(r);
            continue;
        }
        if (!pte_is_leaf(d, level)) continue;
        const Mapping m{va, align_down(pte_address(d), size), static_cast<std::size_t>(size),
                        leaf_flags(d)};
        const LeafClone lc = TRY(st.fn(m, st.ctx));
        // fn checked its own flags; a bad pair is a bug there, so the child must not get the leaf.
        auto child_bits = st.bits_for(child, lc.child_flags, 0);
        KASSERT_MSG(child_bits.ok() && is_aligned(lc.child_pa, size) && lc.child_pa < kPhysEnd,
                    "clone_into: bad leaf from fn");
        store(&dst[i], pte_make_leaf_raw(lc.child_pa, level, child_bits.value()));
        ++copied;
        copied_chunks |= chunk_of(i);
        if (lc.source_flags != m.flags) {
            // Only the permissions may change in place (no break-before-make): same memory type.
            auto bits = st.bits_for(*this, lc.source_flags, 1);
            const std::uint64_t nd = pte_make_leaf_raw(m.pa, level, bits.ok() ? bits.value() : 0);
            constexpr std::uint64_t kType = arch::kPteAttrIndxMask | arch::kPteShMask | arch::kPteNg;
            KASSERT_MSG(bits.ok() && (nd & kType) == (d & kType), "clone_into: bad source flags");
            store(&src[i], nd);
            st.source_changed = true;
        }
    }
    return {};
}

lib::Status PageTable::audit() const {
    std::size_t tables = 1;
    if (m_root == 0 || !audit_table(m_root, 0, kNoCount, arch::kPtAllChunks, tables) ||
        tables != m_table_count) {
        return lib::Error::Malformed;
    }
    for (std::size_t i = 0; i < kPtEntries; ++i) {  // the root's bitmap is exact
        const bool bit = (m_root_valid[i / 64] >> (i % 64)) & 1;
        if (bit != pte_is_valid(load(&m_root_table[i]))) return lib::Error::Malformed;
    }
    return {};
}

bool PageTable::audit_table(PhysAddr table, unsigned level, unsigned expected, unsigned chunks,
                            std::size_t& tables) const {
    const std::uint64_t* t = table_at(table);
    unsigned valid = 0;
    for (std::size_t i = 0; i < kPtEntries; ++i) {
        std::uint64_t d = load(&t[i]);
        if (!pte_is_valid(d)) continue;
        ++valid;
        if ((chunks & chunk_of(i)) == 0) return false;  // a hint may be stale, never missing
        if (pte_is_table(d, level)) {
            ++tables;
            unsigned count = pte_table_count(d);
            if (count == 0 || !audit_table(pte_address(d), level + 1, count, pte_table_chunks(d), tables)) {
                return false;
            }
        } else if (!pte_is_leaf(d, level)) {
            return false;  // a reserved encoding (L0 block, L3 with bit 1 clear)
        }
    }
    return expected == kNoCount || valid == expected;
}

}  // namespace mm
