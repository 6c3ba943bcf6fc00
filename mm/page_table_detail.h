// Internals shared by the page-table engine's two sources (page_table.cpp: single walks;
// page_table_tree.cpp: whole-tree operations). Not an interface: nothing else includes it.
#pragma once

#include "arch/aarch64/pte.h"
#include "mm/page_table.h"

namespace mm {

namespace page_table_detail {

using arch::kPtEntries;
using arch::kPtFirstBlockLevel;
using arch::kPtLeafLevel;
using arch::kPtLevels;
using arch::pt_index;
using arch::pt_level_size;
using arch::pte_address;
using arch::pte_is_leaf;
using arch::pte_is_table;
using arch::pte_is_valid;
using arch::pte_make_leaf_raw;
using arch::pte_make_table;
using arch::pte_table_chunk_bit;
using arch::pte_table_chunks;
using arch::pte_table_count;
using arch::pte_with_table_count;

constexpr VirtAddr kUserEnd = VirtAddr{1} << arch::kPtVaBits;        // TTBR0: [0, kUserEnd)
constexpr VirtAddr kKernelStart = ~VirtAddr{0} << arch::kPtVaBits;   // TTBR1: [kKernelStart, 2^64)
constexpr PhysAddr kPhysEnd = PhysAddr{1} << 48;                      // 48-bit output addresses
constexpr unsigned kNoCount = ~0u;                                    // audit: the root has no count
constexpr std::uint64_t kSwOwned = std::uint64_t{1} << (arch::kPteSwShift + 1);  // MapFlags::Owned
constexpr std::uint64_t kSwCow = std::uint64_t{1} << (arch::kPteSwShift + 2);    // MapFlags::CopyOnWrite
constexpr std::uint64_t kSwShared = std::uint64_t{1} << (arch::kPteSwShift + 3); // MapFlags::Shared
// One more (or less) valid entry in a table descriptor's count field: add it to the descriptor.
constexpr std::uint64_t kTableCountOne = std::uint64_t{1} << arch::kPteTableCountShift;

// The walker reads descriptors while we change them: each is written with one single-copy-atomic
// 64-bit store (never torn or merged by the compiler) and read once per decision.
inline std::uint64_t load(const std::uint64_t* e) { return __atomic_load_n(e, __ATOMIC_RELAXED); }
inline void store(std::uint64_t* e, std::uint64_t d) { __atomic_store_n(e, d, __ATOMIC_RELAXED); }

constexpr std::uint64_t min_u64(std::uint64_t a, std::uint64_t b) { return a < b ? a : b; }
constexpr std::uint64_t max_u64(std::uint64_t a, std::uint64_t b) { return a > b ? a : b; }

constexpr arch::PteAttrs to_attrs(MapFlags f) {
    arch::PteAttrs a;
    a.write = has(f, MapFlags::Write);
    a.execute = has(f, MapFlags::Execute);
    a.user = has(f, MapFlags::User);
    a.device = has(f, MapFlags::Device);
    a.global = has(f, MapFlags::Global);
    return a;
}

constexpr MapFlags to_flags(arch::PteAttrs a) {
    MapFlags f = MapFlags::Read;
    if (a.write) f |= MapFlags::Write;
    if (a.execute) f |= MapFlags::Execute;
    if (a.user) f |= MapFlags::User;
    if (a.device) f |= MapFlags::Device;
    if (a.global) f |= MapFlags::Global;
    return f;
}

// The portable flags of leaf descriptor d: its permissions plus the software flags.
constexpr MapFlags leaf_flags(std::uint64_t d) {
    MapFlags f = to_flags(arch::pte_leaf_attrs(d));
    if ((d & kSwOwned) != 0) f |= MapFlags::Owned;
    if ((d & kSwCow) != 0) f |= MapFlags::CopyOnWrite;
    if ((d & kSwShared) != 0) f |= MapFlags::Shared;
    return f;
}

// The output address of the leaf `d` at `level` for va (page offset included).
constexpr PhysAddr leaf_pa(std::uint64_t d, unsigned level, VirtAddr va) {
    std::uint64_t size = pt_level_size(level);
    return align_down(pte_address(d), size) + (va & (size - 1));
}

// The chunk hint bit of entry i, as kept in a parent descriptor's chunk field (shifted down).
constexpr unsigned chunk_of(std::size_t i) { return 1u << (i / arch::kPtEntriesPerChunk); }

}  // namespace page_table_detail

// Hot in every walk: defined here so both sources inline them.
inline std::uint64_t* PageTable::table_at(PhysAddr pa) const {
    if (__builtin_expect(m_linear != 0, 1)) return reinterpret_cast<std::uint64_t*>(pa + m_linear);
    return static_cast<std::uint64_t*>(m_frames->table_virt(pa));
}

inline VirtAddr PageTable::va_base() const {
    return m_half == Half::User ? 0 : page_table_detail::kKernelStart;
}

}  // namespace mm
