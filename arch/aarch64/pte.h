// AArch64 stage-1 translation-table descriptors (VMSAv8-64, 4 KiB granule, 48-bit VA and PA): pure
// constexpr encoding and decoding shared by the page-table engine, boot code and host tests. No
// hardware access, no policy about which mappings are allowed beyond what the format can express.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "arch/aarch64/sysreg_bits.h"

namespace arch {

// ---- Geometry (ARM ARM DDI 0487, D8.2: 4 KiB granule, 48-bit input address) -----------------------
//
//   63      48 47     39 38     30 29     21 20     12 11          0
//  +----------+---------+---------+---------+---------+-------------+
//  | all 0/1  | L0 idx  | L1 idx  | L2 idx  | L3 idx  | page offset |
//  +----------+---------+---------+---------+---------+-------------+
//   TTBR0 when bits 63:48 are all 0, TTBR1 when all 1; anything else faults (non-canonical).
inline constexpr unsigned kPtLevels = 4;             // L0..L3
inline constexpr unsigned kPtLeafLevel = 3;          // pages live here
inline constexpr unsigned kPtFirstBlockLevel = 1;    // L0 blocks are not allowed with 4 KiB
inline constexpr unsigned kPtIndexBits = 9;
inline constexpr std::size_t kPtEntries = std::size_t{1} << kPtIndexBits;  // 512 per table
inline constexpr unsigned kPtVaBits = 48;

constexpr unsigned pt_level_shift(unsigned level) { return 39 - kPtIndexBits * level; }
// Bytes one entry at `level` covers: 512 GiB, 1 GiB, 2 MiB, 4 KiB.
constexpr std::uint64_t pt_level_size(unsigned level) {
    return std::uint64_t{1} << pt_level_shift(level);
}
constexpr unsigned pt_index(std::uint64_t va, unsigned level) {
    return static_cast<unsigned>((va >> pt_level_shift(level)) & (kPtEntries - 1));
}

// ---- Descriptor bits (ARM ARM D8.3) -------------------------------------------------------------
//
// Block (L1, L2) and page (L3) descriptors:
//   63  59 58  55 54  53  52  51  50 48 47                12 11 10 9  8 7  6 5  4    2 1 0
//  +------+------+---+---+----+---+-----+--------------------+--+--+----+----+--+------+-+-+
//  | RES0*| SW   |UXN|PXN|Cont|DBM|RES0 | output address     |nG|AF| SH | AP |NS|AttrIx|T|V|
//  +------+------+---+---+----+---+-----+--------------------+--+--+----+----+--+------+-+-+
//   (* [63:59]: ignored / PBHA in leaves; we write 0.)  T = 0 block at L1/L2, T = 1 page at L3.
//
// Table descriptors (L0..L2, T = 1):
//   63      59 58    52 51  48 47                12 11        2 1 0
//  +----------+--------+------+--------------------+-----------+-+-+
//  | APTable..| IGNORED| RES0 | next-level table   | IGNORED   |1|1|
//  +----------+--------+------+--------------------+-----------+-+-+
//   APTable[62:61], UXNTable[60], PXNTable[59], NSTable[63]: hierarchical controls we leave 0.
//   Bits [11:2] are IGNORED by the walker (D8.3.1, "Table descriptor format") as long as
//   TCR_EL1.DS == 0 (with DS = 1, bits [9:8] become NLTA[51:50]) and TCR2_EL1.HAFT == 0 (with
//   FEAT_HAFT enabled, bit 10 becomes a table AF). We run with both off and keep there the number of
//   valid entries in the table the descriptor points to (0..512 needs 10 bits): see
//   kPteTableCountShift. Bits [58:52] are IGNORED too: there we keep which 80-entry chunks of that
//   table may hold valid entries (kPteTableChunksShift), so sparse walks skip empty chunks. Changing
//   ignored bits of a live descriptor needs no break-before-make.
inline constexpr std::uint64_t kPteValid = std::uint64_t{1} << 0;
inline constexpr std::uint64_t kPteTypeTable = std::uint64_t{1} << 1;  // table at L0-L2, page at L3
inline constexpr std::uint64_t kPteTypePage = kPteTypeTable;            // same bit, read at L3
inline constexpr unsigned kPteAttrIndxShift = 2;
inline constexpr std::uint64_t kPteAttrIndxMask = std::uint64_t{7} << kPteAttrIndxShift;
inline constexpr std::uint64_t kPteNs = std::uint64_t{1} << 5;
inline constexpr std::uint64_t kPteApEl0 = std::uint64_t{1} << 6;       // AP[1]: EL0 may access
inline constexpr std::uint64_t kPteApReadOnly = std::uint64_t{1} << 7;  // AP[2]: no writes at any EL
inline constexpr unsigned kPteShShift = 8;
inline constexpr std::uint64_t kPteShMask = std::uint64_t{3} << kPteShShift;
inline constexpr std::uint64_t kPteShInner = std::uint64_t{3} << kPteShShift;  // inner shareable
inline constexpr std::uint64_t kPteAf = std::uint64_t{1} << 10;  // always set: no access-flag faults
inline constexpr std::uint64_t kPteNg = std::uint64_t{1} << 11;  // not global: ASID-tagged TLB entry
inline constexpr std::uint64_t kPteAddrMask = 0x0000'FFFF'FFFF'F000;  // bits [47:12]
inline constexpr std::uint64_t kPteDbm = std::uint64_t{1} << 51;
inline constexpr std::uint64_t kPteContiguous = std::uint64_t{1} << 52;
inline constexpr std::uint64_t kPtePxn = std::uint64_t{1} << 53;  // never executable at EL1
inline constexpr std::uint64_t kPteUxn = std::uint64_t{1} << 54;  // never executable at EL0
inline constexpr unsigned kPteSwShift = 55;                         // software bits [58:55]
inline constexpr std::uint64_t kPteSwMask = std::uint64_t{0xF} << kPteSwShift;
inline constexpr std::uint64_t kPteTableAttrsMask = std::uint64_t{0x1F} << 59;  // APTable.. NSTable
inline constexpr unsigned kPteTableCountShift = 2;                             // in IGNORED [11:2]
inline constexpr std::uint64_t kPteTableCountMask = std::uint64_t{0x3FF} << kPteTableCountShift;
// Chunk hints, in IGNORED [58:52]: bit c set when entries [80c, 80c + 80) of the table may hold a valid
// entry. Set when an entry becomes valid, left set when it goes (a hint: never missing, maybe stale).
// Seven bits are all there is, so a chunk is 80 entries (five 16-entry scan steps; the last has 32).
inline constexpr unsigned kPteTableChunksShift = 52;
inline constexpr unsigned kPtEntriesPerChunk = 80;
inline constexpr unsigned kPtChunks = 7;
inline constexpr unsigned kPtAllChunks = 0x7F;
inline constexpr std::uint64_t kPteTableChunksMask = std::uint64_t{kPtAllChunks} << kPteTableChunksShift;

// ---- Memory attributes: MAIR_EL1 slots the AttrIndx field selects (ARM ARM D19.2, MAIR_EL1) ------
inline constexpr unsigned kMairIdxDevice = 0;    // Device-nGnRE (MMIO)
inline constexpr unsigned kMairIdxNormal = 1;    // Normal, inner/outer write-back RW-allocate
inline constexpr unsigned kMairIdxNormalNc = 2;  // Normal, inner/outer non-cacheable
inline constexpr std::uint64_t kMairAttrDeviceNGnRE = 0x04;
inline constexpr std::uint64_t kMairAttrNormalWb = 0xFF;
inline constexpr std::uint64_t kMairAttrNormalNc = 0x44;
// The MAIR_EL1 value these indices need; the boot stub loads MAIR_EL1_VALUE (sysreg_bits.h), so
// the two are checked against each other here.
inline constexpr std::uint64_t kMairEl1Value = (kMairAttrDeviceNGnRE << (8 * kMairIdxDevice)) |
                                               (kMairAttrNormalWb << (8 * kMairIdxNormal)) |
                                               (kMairAttrNormalNc << (8 * kMairIdxNormalNc));
static_assert(kMairEl1Value == MAIR_EL1_VALUE, "boot-time MAIR_EL1 disagrees with AttrIndx values");

// ---- Portable leaf attributes -------------------------------------------------------------------
// What a leaf grants, one field per portable map flag (mm::MapFlags converts 1:1). Reading is always
// allowed: the format has no write-only or no-access valid mapping we want to use.
struct PteAttrs {
    bool write = false;
    bool execute = false;  // at EL0 for user pages, at EL1 for kernel pages
    bool user = false;     // accessible from EL0
    bool device = false;   // Device-nGnRE instead of Normal write-back
    bool global = false;   // nG clear: one TLB entry shared by every ASID (kernel mappings only)
    constexpr bool operator==(const PteAttrs&) const = default;
};

// Combinations the encoder refuses to produce: W^X, executable device memory, global user pages
// (a global user page would leak into every address space through the TLB).
constexpr bool pte_attrs_allowed(PteAttrs a) {
    return !(a.write && a.execute) && !(a.device && a.execute) && !(a.user && a.global);
}

// The attribute bits of a leaf (everything except the output address and bits [1:0]).
// Policy: user pages are never executable at EL1 (PXN) and always nG; kernel pages are never
// accessible or executable at EL0 (AP[1] = 0, UXN) -- EL0 execute permission depends on UXN alone,
// so UXN is needed even when AP denies EL0 data access.
constexpr std::uint64_t pte_leaf_attr_bits(PteAttrs a) {
    std::uint64_t d = kPteAf;
    if (a.device) {
        d |= std::uint64_t{kMairIdxDevice} << kPteAttrIndxShift;  // SH is ignored for Device memory
    } else {
        d |= (std::uint64_t{kMairIdxNormal} << kPteAttrIndxShift) | kPteShInner;
    }
    if (a.user) d |= kPteApEl0;
    if (!a.write) d |= kPteApReadOnly;
    if (a.user || !a.global) d |= kPteNg;
    if (a.user) {
        d |= kPtePxn;
        if (!a.execute || a.device) d |= kPteUxn;
    } else {
        d |= kPteUxn;
        if (!a.execute || a.device) d |= kPtePxn;
    }
    return d;
}

// ---- Classifying descriptors --------------------------------------------------------------------
constexpr bool pte_is_valid(std::uint64_t d) { return (d & kPteValid) != 0; }
constexpr bool pte_is_table(std::uint64_t d, unsigned level) {
    return level < kPtLeafLevel && (d & (kPteValid | kPteTypeTable)) == (kPteValid | kPteTypeTable);
}
// A leaf: a block at L1/L2 or a page at L3. (An L0 "block" and an L3 descriptor with bit 1 clear are
// reserved encodings that fault; they are not leaves.)
constexpr bool pte_is_leaf(std::uint64_t d, unsigned level) {
    if (!pte_is_valid(d)) return false;
    if (level == kPtLeafLevel) return (d & kPteTypePage) != 0;
    return level >= kPtFirstBlockLevel && (d & kPteTypeTable) == 0;
}
constexpr std::uint64_t pte_address(std::uint64_t d) { return d & kPteAddrMask; }

// ---- Table descriptors --------------------------------------------------------------------------
constexpr std::uint64_t pte_make_table(std::uint64_t table_pa, unsigned valid_entries) {
    return (table_pa & kPteAddrMask) | (std::uint64_t{valid_entries} << kPteTableCountShift) |
           kPteTypeTable | kPteValid;
}
constexpr unsigned pte_table_count(std::uint64_t table_desc) {
    return static_cast<unsigned>((table_desc & kPteTableCountMask) >> kPteTableCountShift);
}
constexpr std::uint64_t pte_with_table_count(std::uint64_t table_desc, unsigned valid_entries) {
    return (table_desc & ~kPteTableCountMask) | (std::uint64_t{valid_entries} << kPteTableCountShift);
}
constexpr unsigned pte_table_chunks(std::uint64_t table_desc) {
    return static_cast<unsigned>((table_desc & kPteTableChunksMask) >> kPteTableChunksShift);
}
// The chunk bit for entry `index` of a table, ready to OR into the descriptor pointing at it.
constexpr std::uint64_t pte_table_chunk_bit(std::size_t index) {
    return std::uint64_t{1} << (kPteTableChunksShift + index / kPtEntriesPerChunk);
}

// ---- Leaf descriptors ---------------------------------------------------------------------------
// `attr_bits` as from pte_leaf_attr_bits() (plus software bits); `pa` aligned to the level's size.
constexpr std::uint64_t pte_make_leaf_raw(std::uint64_t pa, unsigned level, std::uint64_t attr_bits) {
    std::uint64_t type = level == kPtLeafLevel ? kPteTypePage : 0;
    return (pa & kPteAddrMask) | (attr_bits & ~(kPteAddrMask | kPteTypeTable | kPteValid)) | type |
           kPteValid;
}
constexpr std::uint64_t pte_make_leaf(std::uint64_t pa, unsigned level, PteAttrs a) {
    return pte_make_leaf_raw(pa, level, pte_leaf_attr_bits(a));
}
constexpr std::uint64_t pte_make_page(std::uint64_t pa, PteAttrs a) {
    return pte_make_leaf(pa, kPtLeafLevel, a);
}
constexpr std::uint64_t pte_make_block(std::uint64_t pa, unsigned level, PteAttrs a) {
    return pte_make_leaf(pa, level, a);
}
// The attribute and software bits of a leaf, ready for pte_make_leaf_raw (used to split blocks).
constexpr std::uint64_t pte_leaf_bits_of(std::uint64_t leaf) {
    return leaf & ~(kPteAddrMask | kPteTypeTable | kPteValid);
}
constexpr PteAttrs pte_leaf_attrs(std::uint64_t leaf) {
    PteAttrs a;
    a.user = (leaf & kPteApEl0) != 0;
    a.write = (leaf & kPteApReadOnly) == 0;
    a.execute = a.user ? (leaf & kPteUxn) == 0 : (leaf & kPtePxn) == 0;
    a.device = ((leaf & kPteAttrIndxMask) >> kPteAttrIndxShift) == kMairIdxDevice;
    a.global = (leaf & kPteNg) == 0;
    return a;
}
constexpr unsigned pte_sw_bits(std::uint64_t leaf) {
    return static_cast<unsigned>((leaf & kPteSwMask) >> kPteSwShift);
}
constexpr std::uint64_t pte_with_sw_bits(std::uint64_t leaf, unsigned sw) {
    return (leaf & ~kPteSwMask) | ((std::uint64_t{sw} << kPteSwShift) & kPteSwMask);
}

// ---- Compile-time checks of the encodings -------------------------------------------------------
static_assert(pt_level_size(0) == std::uint64_t{1} << 39 && pt_level_size(1) == 1u << 30 &&
              pt_level_size(2) == 1u << 21 && pt_level_size(3) == 1u << 12);
static_assert(pt_index(0xFFFF'FF80'0020'3000, 0) == 511 && pt_index(0xFFFF'FF80'0020'3000, 1) == 0 &&
              pt_index(0xFFFF'FF80'0020'3000, 2) == 1 && pt_index(0xFFFF'FF80'0020'3000, 3) == 3);
static_assert(kMairEl1Value == 0x44FF04);
static_assert((kPteTableCountMask >> kPteTableCountShift) >= kPtEntries, "count field holds 0..512");
static_assert((kPteTableCountMask & (kPteValid | kPteTypeTable | kPteAddrMask)) == 0);
static_assert((kPteSwMask & (kPtePxn | kPteUxn | kPteTableAttrsMask)) == 0);
static_assert(kPtEntriesPerChunk * (kPtChunks - 1) < kPtEntries &&
              kPtEntriesPerChunk * kPtChunks >= kPtEntries && kPtAllChunks == (1u << kPtChunks) - 1);
static_assert((kPteTableChunksMask & (kPteTableCountMask | kPteAddrMask | kPteTableAttrsMask)) == 0);
static_assert(pte_table_chunks(pte_make_table(0x1000, 3) | pte_table_chunk_bit(511)) == 0x40);
// A user read-write page: AttrIndx 1, AP 01, inner shareable, AF, nG, PXN, UXN.
static_assert(pte_make_page(0x4000'1000, {.write = true, .user = true}) == 0x0060'0000'4000'1F47);
// A global kernel read-execute 2 MiB block: AP 10, UXN only, nG clear, bit 1 clear.
static_assert(pte_make_block(0x4020'0000, 2, {.execute = true, .global = true}) ==
              0x0040'0000'4020'0785);
// A global kernel device page: AttrIndx 0, no SH, never executable.
static_assert(pte_make_page(0x0900'0000, {.write = true, .device = true, .global = true}) ==
              0x0060'0000'0900'0403);
static_assert(pte_make_table(0x8000'0000, 5) == 0x0000'0000'8000'0017);
static_assert(pte_table_count(pte_with_table_count(pte_make_table(0x8000'0000, 5), 512)) == 512);
static_assert(pte_address(pte_with_table_count(pte_make_table(0x8000'0000, 5), 512)) == 0x8000'0000);
static_assert(pte_is_table(pte_make_table(0x1000, 0), 2));
static_assert(!pte_is_table(pte_make_table(0x1000, 0), 3));  // no tables below L3
static_assert(pte_is_leaf(pte_make_block(1u << 30, 1, {}), 1));
static_assert(!pte_is_leaf(pte_make_block(0, 0, {}), 0));  // L0 blocks do not exist with 4 KiB
static_assert(pte_is_leaf(pte_make_page(0x1000, {}), 3));
static_assert(!pte_is_leaf(pte_make_block(0x1000, 2, {}), 3));  // bit 1 clear at L3 is reserved
static_assert(pte_leaf_attrs(pte_make_page(0x1000, {.execute = true, .user = true})) ==
              PteAttrs{.execute = true, .user = true});
static_assert(pte_leaf_attrs(pte_make_block(1u << 21, 2, {.write = true, .device = true})) ==
              PteAttrs{.write = true, .device = true});
static_assert(pte_sw_bits(pte_with_sw_bits(pte_make_page(0x1000, {}), 0xA)) == 0xA);
static_assert(pte_leaf_attrs(pte_with_sw_bits(pte_make_page(0x1000, {.write = true}), 0xF)) ==
              PteAttrs{.write = true});
static_assert(!pte_attrs_allowed({.write = true, .execute = true}) &&
              !pte_attrs_allowed({.execute = true, .device = true}) &&
              !pte_attrs_allowed({.user = true, .global = true}) && pte_attrs_allowed({}));
static_assert(std::is_trivially_copyable_v<PteAttrs> && !std::is_polymorphic_v<PteAttrs>);

}  // namespace arch
