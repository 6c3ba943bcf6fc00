// Host tests of the page-table engine (mm/page_table.cpp) on FakeFrames and FakeTlb: each rule of its
// contract on its own, then seeded randomised runs against a reference model (both halves, through
// FrameSource::table_virt and through a linear offset as the kernel's frames provide).
// Time budget: the whole file well under 10 s with ASan+UBSan.
#include <gtest/gtest.h>

#include <sanitizer/asan_interface.h>  // ASAN_(UN)POISON_MEMORY_REGION: no-ops without ASan

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "arch/aarch64/pte.h"
#include "fakes/fake_frames.h"
#include "fakes/fake_tlb.h"
#include "lib/result.h"
#include "mm/page_table.h"
#include "support.h"

namespace {

using fakes::FakeFrames;
using fakes::FakeTlb;
using fakes::TlbCall;
using mm::Half;
using mm::MapFlags;
using mm::PageTable;
using mm::PhysAddr;
using mm::VirtAddr;

constexpr MapFlags R = MapFlags::Read;
constexpr MapFlags W = MapFlags::Write;
constexpr MapFlags X = MapFlags::Execute;
constexpr MapFlags U = MapFlags::User;
constexpr MapFlags D = MapFlags::Device;
constexpr MapFlags G = MapFlags::Global;

constexpr std::uint64_t k4K = 4096;
constexpr std::uint64_t k2M = std::uint64_t{1} << 21;
constexpr std::uint64_t k1G = std::uint64_t{1} << 30;

constexpr VirtAddr kUserVa = 0x0000'0040'0000'0000;    // 1 GiB aligned
constexpr VirtAddr kKernelVa = 0xFFFF'9000'0000'0000;  // 1 GiB aligned
constexpr PhysAddr kPa = 0x0000'0002'0000'0000;        // 1 GiB aligned
constexpr std::uint16_t kAsid = 42;

// A leaf as the tests compare them.
struct Leaf {
    VirtAddr va;
    PhysAddr pa;
    std::uint64_t size;
    MapFlags flags;
    bool operator==(const Leaf&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Leaf& l) {
    return os << "{va 0x" << std::hex << l.va << ", pa 0x" << l.pa << ", size 0x" << l.size
              << ", flags 0x" << static_cast<std::uint32_t>(l.flags) << std::dec << "}";
}

// Walks the tables the way the MMU does, from the descriptor format alone (not through the engine).
struct HwLeaf {
    std::uint64_t* entry;
    unsigned level;
};
std::optional<HwLeaf> hw_walk(mm::FrameSource& frames, PhysAddr root, VirtAddr va) {
    PhysAddr table = root;
    for (unsigned level = 0; level < arch::kPtLevels; ++level) {
        auto* t = static_cast<std::uint64_t*>(frames.table_virt(table));
        std::uint64_t* e = &t[arch::pt_index(va, level)];
        if (!arch::pte_is_valid(*e)) return std::nullopt;
        if (arch::pte_is_table(*e, level)) {
            table = arch::pte_address(*e);
            continue;
        }
        if (arch::pte_is_leaf(*e, level)) return HwLeaf{e, level};
        ADD_FAILURE() << "reserved descriptor 0x" << std::hex << *e << " at level " << level;
        return std::nullopt;
    }
    return std::nullopt;
}

// The tables the MMU visits for va, root first.
std::vector<PhysAddr> hw_path(mm::FrameSource& frames, PhysAddr root, VirtAddr va) {
    std::vector<PhysAddr> path{root};
    PhysAddr table = root;
    for (unsigned level = 0; level < arch::kPtLeafLevel; ++level) {
        auto* t = static_cast<const std::uint64_t*>(frames.table_virt(table));
        std::uint64_t d = t[arch::pt_index(va, level)];
        if (!arch::pte_is_table(d, level)) break;
        table = arch::pte_address(d);
        path.push_back(table);
    }
    return path;
}

// Zeroes the count and chunk-hint bits of every table descriptor, as boot-built tables have them.
void clear_counts(FakeFrames& frames, PhysAddr table, unsigned level) {
    auto* t = static_cast<std::uint64_t*>(frames.table_virt(table));
    for (std::size_t i = 0; i < arch::kPtEntries; ++i) {
        if (!arch::pte_is_table(t[i], level)) continue;
        clear_counts(frames, arch::pte_address(t[i]), level + 1);
        t[i] = arch::pte_with_table_count(t[i], 0) & ~arch::kPteTableChunksMask;
    }
}

std::vector<Leaf> leaves_of(const PageTable& pt) {
    std::vector<Leaf> out;
    lib::Status s = pt.for_each_mapping([&](const mm::Mapping& m) -> lib::Status {
        out.push_back(Leaf{m.va, m.pa, m.size, m.flags});
        return {};
    });
    EXPECT_TRUE(s.ok());
    return out;
}

::testing::AssertionResult translates_to(const PageTable& pt, VirtAddr va, PhysAddr pa,
                                         MapFlags flags, std::uint64_t block) {
    auto t = pt.translate(va);
    if (!t.ok()) {
        return ::testing::AssertionFailure()
               << "translate(0x" << std::hex << va << ") failed: " << lib::error_name(t.error());
    }
    if (t.value().pa != pa || t.value().flags != flags || t.value().block_size != block) {
        return ::testing::AssertionFailure()
               << "translate(0x" << std::hex << va << ") = pa 0x" << t.value().pa << " flags 0x"
               << static_cast<std::uint32_t>(t.value().flags) << " block 0x" << t.value().block_size
               << ", expected pa 0x" << pa << " flags 0x" << static_cast<std::uint32_t>(flags)
               << " block 0x" << block;
    }
    return ::testing::AssertionSuccess();
}

bool not_mapped(const PageTable& pt, VirtAddr va) {
    auto t = pt.translate(va);
    return !t.ok() && t.error() == lib::Error::NotMapped;
}

template <typename T>
lib::Error error_of(const lib::Result<T>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? lib::Error::Unsupported : r.error();
}

class PageTableTest : public ::testing::Test {
protected:
    PageTable make(Half half, std::uint16_t asid = kAsid) {
        auto r = PageTable::create(half, asid, frames, tlb);
        if (!r.ok()) throw std::runtime_error("PageTable::create failed");
        return r.value();
    }
    std::vector<TlbCall> calls_of(const std::vector<TlbCall>& expected_invalidations, bool installs) {
        std::vector<TlbCall> out;
        for (const TlbCall& c : expected_invalidations) {
            out.push_back(TlbCall::barrier());
            out.push_back(c);
        }
        if (installs) out.push_back(TlbCall::barrier());
        return out;
    }

    FakeFrames frames;
    FakeTlb tlb;
};

// ---- Basics -------------------------------------------------------------------------------------

TEST_F(PageTableTest, CreateOwnsOnlyTheRoot) {
    PageTable pt = make(Half::User);
    EXPECT_EQ(pt.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
    EXPECT_TRUE(frames.is_live(pt.root()));
    EXPECT_EQ(pt.asid(), kAsid);
    EXPECT_TRUE(not_mapped(pt, kUserVa));
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, CreateReportsNoMemory) {
    frames.fail_after(0);
    auto r = PageTable::create(Half::User, kAsid, frames, tlb);
    EXPECT_EQ(error_of(r), lib::Error::NoMemory);
}

TEST_F(PageTableTest, MapPageTranslatesWithOffsetAndFlags) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa + 0x5000, 0x8000'3000, R | W | U).ok());
    EXPECT_TRUE(translates_to(pt, kUserVa + 0x5123, 0x8000'3123, R | W | U, k4K));
    EXPECT_TRUE(not_mapped(pt, kUserVa + 0x6000));
    EXPECT_TRUE(not_mapped(pt, kUserVa + 0x4FFF));
    EXPECT_EQ(pt.table_count(), 4u);  // root + L1 + L2 + L3
    EXPECT_EQ(frames.live(), 4u);
    auto hw = hw_walk(frames, pt.root(), kUserVa + 0x5000);
    ASSERT_TRUE(hw.has_value());
    EXPECT_EQ(hw->level, 3u);
    EXPECT_EQ(arch::pte_address(*hw->entry), 0x8000'3000u);
    // A second page under the same L3 table needs no new table; one far away needs three.
    ASSERT_TRUE(pt.map_page(kUserVa + 0x7000, 0x8000'4000, R | U).ok());
    EXPECT_EQ(pt.table_count(), 4u);
    ASSERT_TRUE(pt.map_page(0x0000'7FFF'FFFF'F000, 0x8000'5000, R | U).ok());
    EXPECT_EQ(pt.table_count(), 7u);
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, MapPagePublishesWithoutInvalidating) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    EXPECT_EQ(tlb.calls(), std::vector<TlbCall>{TlbCall::barrier()});
}

// ---- Argument checking --------------------------------------------------------------------------

TEST_F(PageTableTest, RejectsMisalignedAddressesAndSizes) {
    PageTable pt = make(Half::User);
    EXPECT_EQ(error_of(pt.map_page(kUserVa + 8, kPa, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.map_page(kUserVa, kPa + 0x800, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.map_range(kUserVa, kPa, 0, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.map_range(kUserVa, kPa, k4K + 1, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.map_range(kUserVa, kPa + 4, k4K, R)), lib::Error::InvalidArgument);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R).ok());
    tlb.clear();
    EXPECT_EQ(error_of(pt.unmap_page(kUserVa + 8)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.protect(kUserVa + 8, R | W)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.unmap_range(kUserVa + 8, k4K)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(pt.unmap_range(kUserVa, 0)), lib::Error::InvalidArgument);
    EXPECT_TRUE(tlb.calls().empty());
    EXPECT_TRUE(translates_to(pt, kUserVa, kPa, R, k4K));
}

TEST_F(PageTableTest, RejectsNonCanonicalAndOtherHalfAddresses) {
    PageTable user = make(Half::User);
    PageTable kernel = make(Half::Kernel);
    const VirtAddr non_canonical[] = {0x0001'0000'0000'0000, 0x8000'0000'0000'0000,
                                      0xFFFE'FFFF'FFFF'F000};
    for (VirtAddr va : non_canonical) {
        EXPECT_EQ(error_of(user.map_page(va, kPa, R)), lib::Error::InvalidArgument);
        EXPECT_EQ(error_of(kernel.map_page(va, kPa, R)), lib::Error::InvalidArgument);
        EXPECT_EQ(error_of(user.translate(va)), lib::Error::InvalidArgument);
        EXPECT_EQ(error_of(kernel.translate(va)), lib::Error::InvalidArgument);
    }
    EXPECT_EQ(error_of(user.map_page(kKernelVa, kPa, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(user.unmap_page(kKernelVa)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(user.translate(kKernelVa)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(kernel.map_page(kUserVa, kPa, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(kernel.protect(kUserVa, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(kernel.translate(kUserVa)), lib::Error::InvalidArgument);
    // Ranges may not run out of their half, nor past 2^64, nor past the 48-bit PA space.
    EXPECT_EQ(error_of(user.map_range(0x0000'FFFF'FFFF'F000, kPa, 2 * k4K, R)),
              lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(kernel.map_range(0xFFFF'FFFF'FFFF'F000, kPa, 2 * k4K, R)),
              lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(user.map_page(kUserVa, PhysAddr{1} << 48, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(user.map_range(kUserVa, (PhysAddr{1} << 48) - k4K, 2 * k4K, R)),
              lib::Error::InvalidArgument);
    // The edges themselves are fine.
    EXPECT_TRUE(user.map_page(0x0000'FFFF'FFFF'F000, kPa, R).ok());
    EXPECT_TRUE(kernel.map_page(0xFFFF'0000'0000'0000, kPa, R).ok());
    EXPECT_TRUE(kernel.map_page(0xFFFF'FFFF'FFFF'F000, kPa, R).ok());
    EXPECT_TRUE(user.map_page(0, (PhysAddr{1} << 48) - k4K, R).ok());
}

TEST_F(PageTableTest, RejectsForbiddenFlagCombinations) {
    PageTable user = make(Half::User);
    PageTable kernel = make(Half::Kernel);
    const MapFlags bad_user[] = {R | W | X | U, R | D | X | U, W | U, MapFlags::None, R | G,
                                 R | static_cast<MapFlags>(64)};
    for (MapFlags f : bad_user) {
        EXPECT_EQ(error_of(user.map_page(kUserVa, kPa, f)), lib::Error::InvalidArgument)
            << static_cast<std::uint32_t>(f);
        EXPECT_EQ(error_of(user.map_range(kUserVa, kPa, k2M, f)), lib::Error::InvalidArgument);
    }
    const MapFlags bad_kernel[] = {R | W | X | G, R | D | X, R | U, R | U | G};
    for (MapFlags f : bad_kernel) {
        EXPECT_EQ(error_of(kernel.map_page(kKernelVa, kPa, f)), lib::Error::InvalidArgument)
            << static_cast<std::uint32_t>(f);
    }
    EXPECT_EQ(user.table_count(), 1u);
    EXPECT_EQ(kernel.table_count(), 1u);
    // protect checks the same rules and leaves the page alone.
    ASSERT_TRUE(user.map_page(kUserVa, kPa, R | W | U).ok());
    tlb.clear();
    EXPECT_EQ(error_of(user.protect(kUserVa, R | W | X | U)), lib::Error::InvalidArgument);
    EXPECT_TRUE(translates_to(user, kUserVa, kPa, R | W | U, k4K));
    EXPECT_TRUE(tlb.calls().empty());
}

// ---- Permissions reach the descriptors ----------------------------------------------------------

TEST_F(PageTableTest, UserPagesAreNotGlobalAndNeverExecutableAtEl1) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | X | U).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + k4K, kPa, R | W | U).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + 2 * k4K, kPa, R | W).ok());  // kernel-only page in TTBR0
    std::uint64_t rx = *hw_walk(frames, pt.root(), kUserVa)->entry;
    std::uint64_t rw = *hw_walk(frames, pt.root(), kUserVa + k4K)->entry;
    std::uint64_t kw = *hw_walk(frames, pt.root(), kUserVa + 2 * k4K)->entry;
    EXPECT_TRUE((rx & arch::kPtePxn) && !(rx & arch::kPteUxn) && (rx & arch::kPteNg));
    EXPECT_TRUE((rw & arch::kPtePxn) && (rw & arch::kPteUxn) && (rw & arch::kPteNg));
    EXPECT_TRUE((kw & arch::kPtePxn) && (kw & arch::kPteUxn) && (kw & arch::kPteNg));
    EXPECT_FALSE(kw & arch::kPteApEl0);
    EXPECT_TRUE(translates_to(pt, kUserVa + 2 * k4K, kPa, R | W, k4K));
}

// Every map_page writes the descriptor of its own flags, whatever the call before it asked for (the
// engine remembers the last translation of flags into bits): runs of equal and of changing flags,
// refused flags in between, starting with plain Read on a fresh table.
TEST_F(PageTableTest, EachMapPageEncodesItsOwnFlags) {
    const MapFlags O = MapFlags::Owned;
    for (Half half : {Half::User, Half::Kernel}) {
        SCOPED_TRACE(half == Half::User ? "user half" : "kernel half");
        PageTable pt = make(half);
        const VirtAddr base = half == Half::User ? kUserVa : kKernelVa;
        const MapFlags mine = half == Half::User ? U : G;
        const MapFlags other = half == Half::User ? G : U;
        const std::vector<MapFlags> sequence = {
            R, R, R | W, R | W, R | W | O, R, R | X | mine, R | W | X, R | X | mine, R | other,
            R | X | mine, R | D | W | mine, MapFlags::None, R | D | W | mine, R | mine, R | mine | O};
        VirtAddr va = base;
        for (MapFlags f : sequence) {
            SCOPED_TRACE(::testing::Message() << "flags 0x" << std::hex << static_cast<unsigned>(f));
            const bool allowed = has(f, R) && !has(f, W | X) && !has(f, other);
            lib::Status st = pt.map_page(va, kPa + (va - base), f);
            if (!allowed) {
                EXPECT_EQ(error_of(st), lib::Error::InvalidArgument);
                continue;
            }
            ASSERT_TRUE(st.ok());
            EXPECT_TRUE(translates_to(pt, va, kPa + (va - base), f, k4K));
            std::uint64_t d = *hw_walk(frames, pt.root(), va)->entry;
            arch::PteAttrs a{.write = has(f, W), .execute = has(f, X), .user = has(f, U),
                             .device = has(f, D), .global = has(f, G)};
            std::uint64_t expected = arch::pte_make_page(kPa + (va - base), a);
            if (has(f, O)) expected = arch::pte_with_sw_bits(expected, 2);  // bit 56: Owned
            EXPECT_EQ(d, expected);
            va += k4K;
        }
        EXPECT_TRUE(pt.audit().ok());
    }
}

TEST_F(PageTableTest, KernelPagesFollowTheGlobalFlagAndStayOutOfEl0Reach) {
    PageTable pt = make(Half::Kernel);
    ASSERT_TRUE(pt.map_page(kKernelVa, kPa, R | X | G).ok());
    ASSERT_TRUE(pt.map_page(kKernelVa + k4K, kPa, R | W).ok());
    ASSERT_TRUE(pt.map_page(kKernelVa + 2 * k4K, 0x0900'0000, R | W | D | G).ok());
    std::uint64_t text = *hw_walk(frames, pt.root(), kKernelVa)->entry;
    std::uint64_t data = *hw_walk(frames, pt.root(), kKernelVa + k4K)->entry;
    std::uint64_t mmio = *hw_walk(frames, pt.root(), kKernelVa + 2 * k4K)->entry;
    EXPECT_TRUE(!(text & arch::kPtePxn) && (text & arch::kPteUxn) && !(text & arch::kPteNg));
    EXPECT_TRUE((data & arch::kPtePxn) && (data & arch::kPteUxn) && (data & arch::kPteNg));
    EXPECT_TRUE((mmio & arch::kPtePxn) && (mmio & arch::kPteUxn));
    EXPECT_EQ((mmio & arch::kPteAttrIndxMask) >> arch::kPteAttrIndxShift, arch::kMairIdxDevice);
    for (std::uint64_t d : {text, data, mmio}) EXPECT_FALSE(d & arch::kPteApEl0);
    EXPECT_TRUE(translates_to(pt, kKernelVa, kPa, R | X | G, k4K));
    EXPECT_TRUE(translates_to(pt, kKernelVa + k4K, kPa, R | W, k4K));
    EXPECT_TRUE(translates_to(pt, kKernelVa + 2 * k4K, 0x0900'0000, R | W | D | G, k4K));
    // Global pages are invalidated with the table's ASID all the same.
    tlb.clear();
    ASSERT_TRUE(pt.unmap_page(kKernelVa).ok());
    EXPECT_EQ(tlb.invalidations(), std::vector<TlbCall>{TlbCall::page(kKernelVa, kAsid, true)});
}

// ---- Already mapped / not mapped ----------------------------------------------------------------

TEST_F(PageTableTest, MappingOverAMappingIsAlreadyMapped) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    ASSERT_TRUE(pt.map_range(kUserVa + k1G, kPa, k1G, R | U).ok());
    ASSERT_TRUE(pt.map_range(kUserVa + 4 * k2M, kPa, k2M, R | U).ok());
    std::size_t tables = pt.table_count();
    std::size_t allocated = frames.allocated();
    tlb.clear();
    EXPECT_EQ(error_of(pt.map_page(kUserVa, kPa + k4K, R | W | U)), lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(pt.map_page(kUserVa + 4 * k2M + 7 * k4K, kPa, R | U)),
              lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(pt.map_page(kUserVa + k1G + 3 * k2M + 5 * k4K, kPa, R | U)),
              lib::Error::AlreadyMapped);
    // A range overlapping one mapped page anywhere is refused whole.
    EXPECT_EQ(error_of(pt.map_range(kUserVa + 4 * k2M - 3 * k4K, kPa, 4 * k4K, R | U)),
              lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(pt.map_range(kUserVa - 2 * k4K, kPa, 3 * k4K, R | U)),
              lib::Error::AlreadyMapped);
    EXPECT_TRUE(not_mapped(pt, kUserVa - 2 * k4K));
    EXPECT_TRUE(not_mapped(pt, kUserVa + 4 * k2M - 3 * k4K));
    EXPECT_EQ(pt.table_count(), tables);
    EXPECT_EQ(frames.allocated(), allocated);
    EXPECT_TRUE(tlb.calls().empty());
    EXPECT_TRUE(translates_to(pt, kUserVa, kPa, R | U, k4K));
}

TEST_F(PageTableTest, UnmapOrProtectOfAnUnmappedPageIsNotMapped) {
    PageTable pt = make(Half::User);
    EXPECT_EQ(error_of(pt.unmap_page(kUserVa)), lib::Error::NotMapped);  // hole at L0
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    tlb.clear();
    EXPECT_EQ(error_of(pt.unmap_page(kUserVa + k4K)), lib::Error::NotMapped);  // hole at L3
    EXPECT_EQ(error_of(pt.unmap_page(kUserVa + k2M)), lib::Error::NotMapped);  // hole at L2
    EXPECT_EQ(error_of(pt.protect(kUserVa + k4K, R | U)), lib::Error::NotMapped);
    EXPECT_EQ(error_of(pt.translate(kUserVa + k4K)), lib::Error::NotMapped);
    EXPECT_TRUE(tlb.calls().empty());
    EXPECT_EQ(pt.table_count(), 4u);
}

// ---- Unmap, table freeing and the TLB -----------------------------------------------------------

TEST_F(PageTableTest, UnmapReturnsThePaAndFreesEveryEmptiedTable) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa + 0x3000, kPa + 0x9000, R | U).ok());
    tlb.clear();
    auto pa = pt.unmap_page(kUserVa + 0x3000);
    ASSERT_TRUE(pa.ok());
    EXPECT_EQ(pa.value(), kPa + 0x9000);
    EXPECT_TRUE(not_mapped(pt, kUserVa + 0x3000));
    EXPECT_EQ(pt.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
    // Tables were freed: one all-levels invalidation for the VA covers the leaf and the walk caches.
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(kUserVa + 0x3000, kAsid, false)}, false));
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, UnmapKeepsTablesThatStillHoldEntries) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + k4K, kPa, R | U).ok());
    tlb.clear();
    ASSERT_TRUE(pt.unmap_page(kUserVa).ok());
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(kUserVa, kAsid, true)}, false));
    EXPECT_EQ(pt.table_count(), 4u);
    EXPECT_TRUE(translates_to(pt, kUserVa + k4K, kPa, R | U, k4K));
}

TEST_F(PageTableTest, EmptiedTablesAreFreedOnlyAfterTheInvalidation) {
    PageTable pt = make(Half::User);
    const VirtAddr va = kUserVa + 0x7000;
    ASSERT_TRUE(pt.map_page(va, kPa, R | U).ok());
    std::vector<PhysAddr> path = hw_path(frames, pt.root(), va);
    ASSERT_EQ(path.size(), 4u);
    bool invalidated = false;
    tlb.observer = [&](const TlbCall& c) {
        if (c.kind != TlbCall::Kind::Page) return;
        invalidated = true;
        // The tables are unhooked already (the MMU cannot reach them) but not yet freed.
        EXPECT_FALSE(hw_walk(frames, pt.root(), va).has_value());
        EXPECT_EQ(hw_path(frames, pt.root(), va).size(), 1u);
        for (std::size_t i = 1; i < path.size(); ++i) EXPECT_TRUE(frames.is_live(path[i]));
    };
    std::vector<PhysAddr> freed;
    frames.on_free = [&](PhysAddr pa) {
        EXPECT_TRUE(invalidated) << "table freed before its TLB invalidation";
        freed.push_back(pa);
    };
    ASSERT_TRUE(pt.unmap_page(va).ok());
    EXPECT_EQ(freed.size(), 3u);
    for (std::size_t i = 1; i < path.size(); ++i) EXPECT_FALSE(frames.is_live(path[i]));
}

TEST_F(PageTableTest, ProtectIsBreakBeforeMakeAndKeepsThePa) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | W | U).ok());
    tlb.clear();
    tlb.observer = [&](const TlbCall& c) {
        if (c.kind == TlbCall::Kind::Page) {
            EXPECT_FALSE(hw_walk(frames, pt.root(), kUserVa).has_value());
        }
    };
    ASSERT_TRUE(pt.protect(kUserVa, R | X | U).ok());
    EXPECT_TRUE(translates_to(pt, kUserVa, kPa, R | X | U, k4K));
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(kUserVa, kAsid, true)}, true));
    EXPECT_EQ(pt.table_count(), 4u);
}

TEST_F(PageTableTest, ProtectKeepsSoftwareBits) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | W | U).ok());
    std::uint64_t* e = hw_walk(frames, pt.root(), kUserVa)->entry;
    *e = arch::pte_with_sw_bits(*e, 0xB);  // every software bit but CopyOnWrite (bit 57)
    ASSERT_TRUE(pt.protect(kUserVa, R | U).ok());
    EXPECT_EQ(arch::pte_sw_bits(*hw_walk(frames, pt.root(), kUserVa)->entry), 0xBu);
    // CopyOnWrite alone comes from the flags: set, then cleared again.
    ASSERT_TRUE(pt.protect(kUserVa, R | U | mm::MapFlags::CopyOnWrite).ok());
    EXPECT_EQ(arch::pte_sw_bits(*hw_walk(frames, pt.root(), kUserVa)->entry), 0xFu);
    ASSERT_TRUE(pt.protect(kUserVa, R | U).ok());
    EXPECT_EQ(arch::pte_sw_bits(*hw_walk(frames, pt.root(), kUserVa)->entry), 0xBu);
}

TEST_F(PageTableTest, SetAsidTagsLaterInvalidations) {
    PageTable pt = make(Half::User, 3);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    pt.set_asid(9);
    EXPECT_EQ(pt.asid(), 9u);
    tlb.clear();
    ASSERT_TRUE(pt.unmap_page(kUserVa).ok());
    EXPECT_EQ(tlb.invalidations(), std::vector<TlbCall>{TlbCall::page(kUserVa, 9, false)});
}

// ---- Blocks -------------------------------------------------------------------------------------

TEST_F(PageTableTest, MapRangeUsesTheLargestLeavesAllowed) {
    PageTable pt = make(Half::User);
    // Two pages, then a 1 GiB block, a 2 MiB block and one more page.
    const VirtAddr va = kUserVa - 2 * k4K;
    const PhysAddr pa = kPa - 2 * k4K;
    ASSERT_TRUE(pt.map_range(va, pa, 2 * k4K + k1G + k2M + k4K, R | W | U).ok());
    std::vector<Leaf> expected = {
        {va, pa, k4K, R | W | U},
        {va + k4K, pa + k4K, k4K, R | W | U},
        {kUserVa, kPa, k1G, R | W | U},
        {kUserVa + k1G, kPa + k1G, k2M, R | W | U},
        {kUserVa + k1G + k2M, kPa + k1G + k2M, k4K, R | W | U},
    };
    EXPECT_EQ(leaves_of(pt), expected);
    EXPECT_TRUE(translates_to(pt, kUserVa + 0x1234'5678, kPa + 0x1234'5678, R | W | U, k1G));
    EXPECT_EQ(tlb.calls(), std::vector<TlbCall>{TlbCall::barrier()});
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, MapRangeNeedsPaAlignmentForBlocks) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa + k4K, k2M, R | U).ok());
    std::vector<Leaf> leaves = leaves_of(pt);
    ASSERT_EQ(leaves.size(), 512u);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        EXPECT_EQ(leaves[i], (Leaf{kUserVa + i * k4K, kPa + k4K + i * k4K, k4K, R | U}));
    }
    EXPECT_EQ(pt.table_count(), 4u);
}

TEST_F(PageTableTest, UnmapInsideA2MiBBlockSplitsItAndKeepsTheRest) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k2M, R | W | U).ok());
    EXPECT_EQ(pt.table_count(), 3u);
    const VirtAddr va = kUserVa + 5 * k4K;
    tlb.clear();
    tlb.observer = [&](const TlbCall& c) {
        // Break-before-make: the whole block is gone while the TLB is invalidated.
        if (c.kind == TlbCall::Kind::Page) {
            EXPECT_FALSE(hw_walk(frames, pt.root(), kUserVa).has_value());
        }
    };
    auto pa = pt.unmap_page(va);
    ASSERT_TRUE(pa.ok());
    EXPECT_EQ(pa.value(), kPa + 5 * k4K);
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(va, kAsid, true)}, true));
    EXPECT_EQ(pt.table_count(), 4u);
    for (std::uint64_t i = 0; i < 512; ++i) {
        if (i == 5) {
            EXPECT_TRUE(not_mapped(pt, va));
        } else {
            EXPECT_TRUE(translates_to(pt, kUserVa + i * k4K, kPa + i * k4K, R | W | U, k4K));
        }
    }
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, UnmapInsideA1GiBBlockSplitsIntoBlocksAndPages) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k1G, R | X | U).ok());
    EXPECT_EQ(pt.table_count(), 2u);
    const VirtAddr va = kUserVa + 3 * k2M + 7 * k4K;
    tlb.clear();
    ASSERT_TRUE(pt.unmap_page(va).ok());
    EXPECT_EQ(tlb.invalidations(), std::vector<TlbCall>{TlbCall::page(va, kAsid, true)});
    EXPECT_EQ(pt.table_count(), 4u);
    EXPECT_TRUE(translates_to(pt, kUserVa, kPa, R | X | U, k2M));
    EXPECT_TRUE(translates_to(pt, kUserVa + 3 * k2M, kPa + 3 * k2M, R | X | U, k4K));
    EXPECT_TRUE(translates_to(pt, va + k4K, kPa + 3 * k2M + 8 * k4K, R | X | U, k4K));
    EXPECT_TRUE(not_mapped(pt, va));
    EXPECT_TRUE(translates_to(pt, kUserVa + k1G - 1, kPa + k1G - 1, R | X | U, k2M));
    EXPECT_EQ(leaves_of(pt).size(), 511u + 511u);
    // Unmapping what is left returns the table to its root alone.
    ASSERT_TRUE(pt.unmap_range(kUserVa, 3 * k2M + 7 * k4K).ok());
    ASSERT_TRUE(pt.unmap_range(va + k4K, k1G - (va + k4K - kUserVa)).ok());
    EXPECT_EQ(pt.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
}

TEST_F(PageTableTest, ProtectInsideABlockChangesOnlyThatPage) {
    PageTable pt = make(Half::Kernel);
    ASSERT_TRUE(pt.map_range(kKernelVa, kPa, k2M, R | W | G).ok());
    const VirtAddr va = kKernelVa + 9 * k4K;
    tlb.clear();
    ASSERT_TRUE(pt.protect(va, R | X | G).ok());
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(va, kAsid, true)}, true));
    EXPECT_TRUE(translates_to(pt, va, kPa + 9 * k4K, R | X | G, k4K));
    EXPECT_TRUE(translates_to(pt, va - k4K, kPa + 8 * k4K, R | W | G, k4K));
    EXPECT_TRUE(translates_to(pt, va + k4K, kPa + 10 * k4K, R | W | G, k4K));
    EXPECT_EQ(leaves_of(pt).size(), 512u);
    EXPECT_EQ(pt.table_count(), 4u);
}

TEST_F(PageTableTest, UnmapRangeAcrossTwoBlocksSplitsOnlyTheEnds) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, 2 * k1G, R | U).ok());
    EXPECT_EQ(pt.table_count(), 2u);
    const VirtAddr lo = kUserVa + k1G - 3 * k4K;
    const VirtAddr hi = kUserVa + k1G + k2M + k4K;
    tlb.clear();
    ASSERT_TRUE(pt.unmap_range(lo, hi - lo).ok());
    // One invalidation per block cut, at the first address cut out of it.
    EXPECT_EQ(tlb.invalidations(), (std::vector<TlbCall>{TlbCall::page(lo, kAsid, true),
                                                         TlbCall::page(kUserVa + k1G, kAsid, true)}));
    EXPECT_EQ(pt.table_count(), 6u);  // each block became an L2 table plus one L3 table
    EXPECT_TRUE(translates_to(pt, kUserVa, kPa, R | U, k2M));
    EXPECT_TRUE(translates_to(pt, lo - k4K, kPa + (lo - k4K - kUserVa), R | U, k4K));
    for (VirtAddr va = lo; va < hi; va += k4K) ASSERT_TRUE(not_mapped(pt, va));
    EXPECT_TRUE(translates_to(pt, hi, kPa + (hi - kUserVa), R | U, k4K));
    EXPECT_TRUE(translates_to(pt, kUserVa + k1G + 2 * k2M, kPa + k1G + 2 * k2M, R | U, k2M));
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, UnmapRangeInsideOneBlockCutsBothSides) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k1G, R | U).ok());
    const VirtAddr lo = kUserVa + k2M + 5 * k4K;
    const VirtAddr hi = kUserVa + 5 * k2M + 9 * k4K;
    tlb.clear();
    ASSERT_TRUE(pt.unmap_range(lo, hi - lo).ok());
    EXPECT_EQ(tlb.invalidations(), std::vector<TlbCall>{TlbCall::page(lo, kAsid, true)});
    EXPECT_EQ(pt.table_count(), 2u + 3u);
    EXPECT_TRUE(translates_to(pt, lo - k4K, kPa + (lo - k4K - kUserVa), R | U, k4K));
    EXPECT_TRUE(not_mapped(pt, lo));
    EXPECT_TRUE(not_mapped(pt, kUserVa + 3 * k2M));
    EXPECT_TRUE(not_mapped(pt, hi - k4K));
    EXPECT_TRUE(translates_to(pt, hi, kPa + (hi - kUserVa), R | U, k4K));
    EXPECT_TRUE(translates_to(pt, kUserVa + 6 * k2M, kPa + 6 * k2M, R | U, k2M));
    EXPECT_TRUE(pt.audit().ok());
}

TEST_F(PageTableTest, UnmapRangeOfWholeLeavesInvalidatesEachOnce) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k2M + 2 * k4K, R | U).ok());
    tlb.clear();
    ASSERT_TRUE(pt.unmap_range(kUserVa, k2M + 2 * k4K).ok());
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(kUserVa, kAsid, true),
                                     TlbCall::page(kUserVa + k2M, kAsid, true),
                                     TlbCall::page(kUserVa + k2M + k4K, kAsid, false)},
                                    false));
    EXPECT_EQ(pt.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
}

TEST_F(PageTableTest, UnmapRangeWithAHoleChangesNothing) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + k4K, kPa, R | U).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + 3 * k4K, kPa, R | U).ok());
    tlb.clear();
    EXPECT_EQ(error_of(pt.unmap_range(kUserVa, 4 * k4K)), lib::Error::NotMapped);
    EXPECT_TRUE(tlb.calls().empty());
    EXPECT_EQ(leaves_of(pt).size(), 3u);
    EXPECT_EQ(pt.table_count(), 4u);
}

TEST_F(PageTableTest, KernelRangeMayEndAtTheTopOfTheAddressSpace) {
    PageTable pt = make(Half::Kernel);
    const VirtAddr top = 0xFFFF'FFFF'FFE0'0000;
    ASSERT_TRUE(pt.map_range(top, kPa, k2M, R | W | G).ok());
    EXPECT_TRUE(translates_to(pt, ~VirtAddr{0}, kPa + k2M - 1, R | W | G, k2M));
    EXPECT_EQ(leaves_of(pt), std::vector<Leaf>{(Leaf{top, kPa, k2M, R | W | G})});
    ASSERT_TRUE(pt.unmap_range(top + k2M - k4K, k4K).ok());  // split at the very top
    ASSERT_TRUE(pt.unmap_range(top, k2M - k4K).ok());
    EXPECT_EQ(pt.table_count(), 1u);
}

// ---- Running out of frames ----------------------------------------------------------------------

TEST_F(PageTableTest, MapPageThatRunsOutOfFramesChangesNothing) {
    PageTable pt = make(Half::User);
    frames.fail_after(2);  // L1 and L2 succeed, L3 fails
    EXPECT_EQ(error_of(pt.map_page(kUserVa, kPa, R | U)), lib::Error::NoMemory);
    EXPECT_EQ(pt.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
    EXPECT_TRUE(not_mapped(pt, kUserVa));
    // The two tables were reachable for a moment: they go through the invalidate-then-free path.
    EXPECT_EQ(tlb.calls(), calls_of({TlbCall::page(kUserVa, kAsid, false)}, false));
    EXPECT_TRUE(pt.audit().ok());
    frames.fail_after(-1);
    EXPECT_TRUE(pt.map_page(kUserVa, kPa, R | U).ok());
}

TEST_F(PageTableTest, MapRangeThatRunsOutOfFramesChangesNothing) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_page(kUserVa + 8 * k2M, kPa, R | U).ok());  // L1, L2 exist already
    frames.fail_after(1);  // the range needs two L3 tables
    const VirtAddr va = kUserVa + 2 * k2M - 2 * k4K;
    EXPECT_EQ(error_of(pt.map_range(va, kPa, 4 * k4K, R | U)), lib::Error::NoMemory);
    EXPECT_EQ(pt.table_count(), 4u);
    EXPECT_EQ(frames.live(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(not_mapped(pt, va + i * k4K));
    EXPECT_EQ(leaves_of(pt).size(), 1u);
    EXPECT_TRUE(pt.audit().ok());
    frames.fail_after(-1);
    EXPECT_TRUE(pt.map_range(va, kPa, 4 * k4K, R | U).ok());
    EXPECT_EQ(pt.table_count(), 6u);
}

TEST_F(PageTableTest, SplitThatRunsOutOfFramesChangesNothing) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k1G, R | W | U).ok());
    frames.fail_after(1);  // a 1 GiB split needs an L2 and an L3 table
    tlb.clear();
    EXPECT_EQ(error_of(pt.unmap_page(kUserVa + k4K)), lib::Error::NoMemory);
    EXPECT_EQ(error_of(pt.protect(kUserVa + k4K, R | U)), lib::Error::NoMemory);
    EXPECT_EQ(error_of(pt.unmap_range(kUserVa + k4K, k4K)), lib::Error::NoMemory);
    EXPECT_TRUE(tlb.calls().empty());
    EXPECT_TRUE(translates_to(pt, kUserVa + k4K, kPa + k4K, R | W | U, k1G));
    EXPECT_EQ(pt.table_count(), 2u);
    EXPECT_EQ(frames.live(), 2u);
}

// ---- Whole trees --------------------------------------------------------------------------------

void collect_leaf(const mm::Mapping& m, void* ctx) {
    static_cast<std::vector<std::pair<PhysAddr, std::size_t>>*>(ctx)->emplace_back(m.pa, m.size);
}

TEST_F(PageTableTest, DestroyFreesEveryTableAndReportsEveryLeaf) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k1G + k2M, R | W | U).ok());
    ASSERT_TRUE(pt.unmap_page(kUserVa + 17 * k4K).ok());  // split the 1 GiB block
    ASSERT_TRUE(pt.map_page(0x0000'7FFF'0000'0000, 0x1234'5000, R | U).ok());
    std::vector<std::pair<PhysAddr, std::size_t>> expected;
    for (const Leaf& l : leaves_of(pt)) expected.emplace_back(l.pa, l.size);
    ASSERT_EQ(expected.size(), 511u + 511u + 1u + 1u);
    tlb.clear();
    std::vector<std::pair<PhysAddr, std::size_t>> reported;
    pt.destroy(collect_leaf, &reported);
    EXPECT_EQ(reported, expected);
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(pt.table_count(), 0u);
    EXPECT_EQ(pt.root(), 0u);
    EXPECT_EQ(tlb.calls(), std::vector<TlbCall>{TlbCall::whole_asid(kAsid)});
}

TEST_F(PageTableTest, DestroyOfAKernelTableInvalidatesEverything) {
    PageTable pt = make(Half::Kernel);
    ASSERT_TRUE(pt.map_page(kKernelVa, kPa, R | W | G).ok());
    tlb.clear();
    pt.destroy();
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(tlb.calls(), std::vector<TlbCall>{TlbCall::all()});
}

TEST_F(PageTableTest, AdoptRecomputesTheBookkeeping) {
    PageTable pt = make(Half::User);
    ASSERT_TRUE(pt.map_range(kUserVa, kPa, k1G, R | U).ok());
    ASSERT_TRUE(pt.unmap_page(kUserVa + k4K).ok());
    ASSERT_TRUE(pt.map_page(kUserVa + k1G, kPa, R | U).ok());
    const std::size_t tables = pt.table_count();
    clear_counts(frames, pt.root(), 0);  // what boot-built tables look like
    EXPECT_EQ(error_of(pt.audit()), lib::Error::Malformed);
    PageTable adopted = PageTable::adopt(pt.root(), Half::User, kAsid, frames, tlb);
    EXPECT_EQ(adopted.table_count(), tables);
    EXPECT_TRUE(adopted.audit().ok());
    std::vector<Leaf> leaves = leaves_of(adopted);
    for (const Leaf& l : leaves) ASSERT_TRUE(adopted.unmap_range(l.va, l.size).ok());
    EXPECT_EQ(adopted.table_count(), 1u);
    EXPECT_EQ(frames.live(), 1u);
}

TEST_F(PageTableTest, ForEachMappingStopsAtTheFirstError) {
    PageTable pt = make(Half::Kernel);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pt.map_page(kKernelVa + i * k4K, kPa, R | G).ok());
    int seen = 0;
    lib::Status s = pt.for_each_mapping([&](const mm::Mapping& m) -> lib::Status {
        EXPECT_EQ(m.va, kKernelVa + seen * k4K);  // kernel VAs come back sign-extended
        ++seen;
        if (seen == 2) return lib::Error::NoMemory;
        return {};
    });
    EXPECT_EQ(error_of(s), lib::Error::NoMemory);
    EXPECT_EQ(seen, 2);
}

TEST(FakeFramesTest, DetectsDoubleFreeAndStaleAddresses) {
    FakeFrames frames;
    auto pa = frames.alloc_table();
    ASSERT_TRUE(pa.ok());
    EXPECT_EQ(static_cast<const std::uint64_t*>(frames.table_virt(pa.value()))[511], 0u);
    frames.free_table(pa.value());
    EXPECT_THROW(frames.free_table(pa.value()), std::logic_error);
    EXPECT_THROW(frames.table_virt(pa.value()), std::logic_error);
    EXPECT_THROW(frames.table_virt(pa.value() + 8), std::logic_error);
    EXPECT_EQ(frames.live(), 0u);
}

// ---- Broken invariants --------------------------------------------------------------------------

// An L0 "block" is a reserved encoding (4 KiB pages have no 512 GiB leaves): only a corrupted tree
// holds one, and every walk that meets it stops with a KASSERT instead of following it as a table.
TEST_F(PageTableTest, AnL0BlockDescriptorIsABrokenInvariant) {
    for (Half half : {Half::User, Half::Kernel}) {
        SCOPED_TRACE(half == Half::User ? "user half" : "kernel half");
        PageTable pt = make(half);
        const VirtAddr va = half == Half::User ? kUserVa : kKernelVa;
        const MapFlags f = half == Half::User ? R | U : R | G;
        auto* root = static_cast<std::uint64_t*>(frames.table_virt(pt.root()));
        std::uint64_t& e = root[arch::pt_index(va, 0)];
        e = arch::pte_make_block(0, 0, {});
        ASSERT_TRUE(arch::pte_is_valid(e) && !arch::pte_is_table(e, 0));
        EXPECT_THROW((void)pt.map_page(va, kPa, f), lib::AssertionFailure);
        EXPECT_THROW((void)pt.unmap_page(va), lib::AssertionFailure);
        EXPECT_THROW((void)pt.protect(va, f), lib::AssertionFailure);
        EXPECT_THROW((void)pt.translate(va), lib::AssertionFailure);
        EXPECT_THROW((void)pt.map_range(va, kPa, k2M, f), lib::AssertionFailure);
        EXPECT_THROW((void)pt.unmap_range(va, k4K), lib::AssertionFailure);
        EXPECT_EQ(error_of(pt.audit()), lib::Error::Malformed);
        e = 0;
        EXPECT_TRUE(pt.audit().ok());
        pt.destroy();
    }
    EXPECT_EQ(frames.live(), 0u);
}

// ---- Linear offset ------------------------------------------------------------------------------

// A FrameSource with a linear offset, like the kernel's: frames are slots of one arena at fake
// physical addresses kBase + i * 4 KiB, handed out once each (a freed slot is poisoned under ASan, so
// a stale access through the offset is caught), and table_virt() agrees with the offset but counts
// its calls: the engine has no need of it.
class LinearFrames final : public mm::FrameSource {
public:
    static constexpr PhysAddr kBase = 0x4000'0000;
    static constexpr std::size_t kCapacity = 8192;  // 32 MiB: every frame the randomised runs take

    LinearFrames() : LinearFrames(alloc_arena()) {}
    LinearFrames(const LinearFrames&) = delete;
    LinearFrames& operator=(const LinearFrames&) = delete;
    ~LinearFrames() {
        ASAN_UNPOISON_MEMORY_REGION(m_arena, kCapacity * k4K);
        std::free(m_arena);
    }

    lib::Result<PhysAddr> alloc_table() override {
        if (m_next == kCapacity) throw std::runtime_error("LinearFrames: arena exhausted");
        m_live_slot[m_next] = true;
        ++m_live;
        return kBase + m_next++ * k4K;
    }
    void free_table(PhysAddr pa) override {
        std::size_t i = slot(pa, "free_table");
        const auto* e = reinterpret_cast<const std::uint64_t*>(m_arena + i * k4K);
        for (std::size_t k = 0; k < arch::kPtEntries; ++k) {
            if (e[k] != 0) throw std::logic_error("LinearFrames::free_table: a table freed with a nonzero entry");
        }
        if (on_free) on_free(pa);
        m_live_slot[i] = false;
        --m_live;
        ASAN_POISON_MEMORY_REGION(m_arena + i * k4K, k4K);
    }
    void* table_virt(PhysAddr pa) override {
        ++table_virt_calls;
        return m_arena + slot(pa, "table_virt") * k4K;
    }

    std::size_t live() const { return m_live; }
    std::function<void(PhysAddr)> on_free;  // as FakeFrames::on_free
    std::size_t table_virt_calls = 0;

private:
    explicit LinearFrames(unsigned char* arena)
        : mm::FrameSource(reinterpret_cast<std::uint64_t>(arena) - kBase), m_arena(arena) {}
    static unsigned char* alloc_arena() {
        void* p = std::aligned_alloc(k4K, kCapacity * k4K);
        if (p == nullptr) throw std::bad_alloc();
        std::memset(p, 0, kCapacity * k4K);  // every frame starts zeroed, as alloc_table promises
        return static_cast<unsigned char*>(p);
    }
    std::size_t slot(PhysAddr pa, const char* what) const {
        std::size_t i = (pa - kBase) / k4K;
        if (pa < kBase || pa % k4K != 0 || i >= m_next || !m_live_slot[i]) {
            throw std::logic_error(std::string("LinearFrames::") + what + ": not a live frame");
        }
        return i;
    }

    unsigned char* m_arena;
    std::vector<bool> m_live_slot = std::vector<bool>(kCapacity);
    std::size_t m_next = 0;
    std::size_t m_live = 0;
};

TEST(PageTableLinearTest, FrameSourcesHaveNoLinearOffsetUnlessTheyGiveOne) {
    FakeFrames fake;
    EXPECT_EQ(fake.linear_offset(), 0u);
    LinearFrames linear;
    auto pa = linear.alloc_table();
    ASSERT_TRUE(pa.ok());
    EXPECT_NE(linear.linear_offset(), 0u);
    EXPECT_EQ(pa.value() + linear.linear_offset(),
              reinterpret_cast<std::uint64_t>(linear.table_virt(pa.value())));
}

// Every operation, on both halves, reaches its tables through the offset alone and does exactly
// what it does through table_virt(): same results, same tables, same TLB calls.
TEST(PageTableLinearTest, WalksUseTheOffsetInsteadOfTableVirt) {
    for (Half half : {Half::User, Half::Kernel}) {
        SCOPED_TRACE(half == Half::User ? "user half" : "kernel half");
        const VirtAddr va = half == Half::User ? kUserVa : kKernelVa;
        const MapFlags rw = half == Half::User ? R | W | U : R | W | G;
        const MapFlags rx = half == Half::User ? R | X | U : R | X;
        LinearFrames linear;
        FakeFrames fake;
        FakeTlb linear_tlb, fake_tlb;
        PageTable a = PageTable::create(half, kAsid, linear, linear_tlb).value();
        PageTable b = PageTable::create(half, kAsid, fake, fake_tlb).value();
        auto both = [&](auto&& op) {
            auto ra = op(a);
            auto rb = op(b);
            EXPECT_EQ(ra.ok(), rb.ok());
            if (!ra.ok() && !rb.ok()) {
                EXPECT_EQ(ra.error(), rb.error());
            }
            return ra;
        };
        EXPECT_TRUE(both([&](PageTable& p) { return p.map_page(va, kPa, rw); }).ok());
        EXPECT_TRUE(both([&](PageTable& p) { return p.map_page(va + k4K, kPa + k4K, rx); }).ok());
        EXPECT_FALSE(both([&](PageTable& p) { return p.map_page(va, kPa, rw); }).ok());
        EXPECT_TRUE(both([&](PageTable& p) { return p.protect(va, rx); }).ok());
        EXPECT_TRUE(both([&](PageTable& p) { return p.map_range(va + k1G, kPa, k1G + k2M, rw); }).ok());
        EXPECT_FALSE(both([&](PageTable& p) { return p.map_page(va + k1G + k4K, kPa, rw); }).ok());
        EXPECT_EQ(both([&](PageTable& p) { return p.unmap_page(va + k1G + 5 * k4K); }).value(),
                  kPa + 5 * k4K);  // splits the 1 GiB block
        EXPECT_TRUE(both([&](PageTable& p) { return p.unmap_range(va + 2 * k1G, k4K); }).ok());
        EXPECT_EQ(both([&](PageTable& p) { return p.unmap_page(va); }).value(), kPa);
        EXPECT_FALSE(both([&](PageTable& p) { return p.unmap_page(va); }).ok());
        EXPECT_EQ(both([&](PageTable& p) { return p.translate(va + k4K + 7); }).value().pa,
                  kPa + k4K + 7);
        EXPECT_TRUE(both([&](PageTable& p) { return p.audit(); }).ok());
        EXPECT_EQ(leaves_of(a), leaves_of(b));
        EXPECT_EQ(a.table_count(), b.table_count());
        EXPECT_EQ(linear.live(), a.table_count());
        EXPECT_EQ(linear_tlb.calls(), fake_tlb.calls());
        EXPECT_EQ(linear.table_virt_calls, 0u);
        // The last page under its tables: the unmap frees them (the general path).
        EXPECT_TRUE(both([&](PageTable& p) { return p.unmap_page(va + k4K); }).ok());
        EXPECT_EQ(a.table_count(), b.table_count());
        EXPECT_EQ(linear_tlb.calls(), fake_tlb.calls());
        a.destroy();
        b.destroy();
        EXPECT_EQ(linear.live(), 0u);
        EXPECT_EQ(linear.table_virt_calls, 0u);
    }
}

// ---- Randomised run against a reference model ---------------------------------------------------

// The reference: every leaf (va -> pa, flags, size) and, for each table the tree must contain, the
// number of leaves below it. A table at level l on va's path is named by (l, va >> shift(l-1)).
class Model {
public:
    struct Entry {
        PhysAddr pa;
        MapFlags flags;
        std::uint64_t size;
    };
    using Leaves = std::map<VirtAddr, Entry>;

    // The leaf containing va.
    Leaves::const_iterator find(VirtAddr va) const {
        auto it = m_leaves.upper_bound(va);
        if (it == m_leaves.begin()) return m_leaves.end();
        --it;
        return va - it->first < it->second.size ? it : m_leaves.end();
    }
    bool any_in(VirtAddr va, std::uint64_t size) const {
        if (find(va) != m_leaves.end()) return true;
        auto it = m_leaves.lower_bound(va);
        return it != m_leaves.end() && it->first - va < size;
    }
    void add(VirtAddr va, Entry e) { add_at(m_leaves.end(), va, e); }
    // Removes the leaf at va; true when some table it lived in is left empty.
    bool remove(VirtAddr va) {
        auto it = m_leaves.find(va);
        unsigned level = level_of(it->second.size);
        m_leaves.erase(it);
        bool emptied = false;
        for (unsigned l = 1; l <= level; ++l) {
            auto r = m_refs.find(key(l, va));
            if (--r->second == 0) {
                m_refs.erase(r);
                emptied = true;
            }
        }
        return emptied;
    }
    // Splits the leaf at base, leaving out (or, with `replacement`, re-flagging) [lo_off, hi_off).
    void split(VirtAddr base, std::uint64_t lo_off, std::uint64_t hi_off,
               std::optional<MapFlags> replacement) {
        Entry e = m_leaves.at(base);
        remove(base);
        add_split(m_leaves.lower_bound(base), base, e, lo_off, hi_off, replacement);
    }
    std::size_t tables() const { return 1 + m_refs.size(); }
    const Leaves& leaves() const { return m_leaves; }

    static unsigned level_of(std::uint64_t size) { return size == k1G ? 1 : size == k2M ? 2 : 3; }

private:
    // Inserts with a position hint: a split adds its children in ascending order (keeps it fast).
    Leaves::iterator add_at(Leaves::iterator hint, VirtAddr va, Entry e) {
        std::size_t before = m_leaves.size();
        auto it = m_leaves.emplace_hint(hint, va, e);
        EXPECT_EQ(m_leaves.size(), before + 1) << "model: leaf added twice";
        for (unsigned l = 1; l <= level_of(e.size); ++l) ++m_refs[key(l, va)];
        return std::next(it);
    }
    Leaves::iterator add_split(Leaves::iterator hint, VirtAddr base, Entry e, std::uint64_t lo_off,
                               std::uint64_t hi_off, std::optional<MapFlags> replacement) {
        std::uint64_t cs = e.size / 512;
        for (std::uint64_t c = 0; c < e.size; c += cs) {
            Entry child{e.pa + c, e.flags, cs};
            if (c + cs <= lo_off || c >= hi_off) {
                hint = add_at(hint, base + c, child);
            } else if (lo_off <= c && c + cs <= hi_off) {
                if (replacement) hint = add_at(hint, base + c, Entry{e.pa + c, *replacement, cs});
            } else {
                hint = add_split(hint, base + c, child, (lo_off > c ? lo_off : c) - c,
                                 (hi_off < c + cs ? hi_off : c + cs) - c, replacement);
            }
        }
        return hint;
    }
    // Names the table at `level` on va's path: the level-(l-1) entry that points at it.
    static std::uint64_t key(unsigned level, VirtAddr va) {
        return (std::uint64_t{level} << 60) ^ (va >> arch::pt_level_shift(level - 1));
    }

    Leaves m_leaves;
    std::unordered_map<std::uint64_t, int> m_refs;
};

template <typename Frames>  // FakeFrames or LinearFrames
class RandomRun {
public:
    RandomRun(Half half, std::uint64_t seed, Frames& frames, FakeTlb& tlb)
        : m_half(half), m_rng(seed), m_frames(frames), m_tlb(tlb),
          m_pt(PageTable::create(half, kAsid, frames, tlb).value()) {
        if (half == Half::User) {
            m_windows = {0x0000'0000'4000'0000, 0x0000'0000'8000'0000, 0x0000'7FFF'C000'0000};
        } else {
            m_windows = {0xFFFF'8000'0000'0000, 0xFFFF'8000'4000'0000, 0xFFFF'FF80'0000'0000};
        }
        // Every invalidation must find the entry for its VA already invalid (break-before-make).
        m_tlb.observer = [this](const TlbCall& c) {
            if (c.kind != TlbCall::Kind::Page) return;
            EXPECT_FALSE(hw_walk(m_frames, m_pt.root(), c.va).has_value())
                << "invalidating a VA that is still mapped: 0x" << std::hex << c.va;
            if (!c.last_level) m_all_levels_va = c.va;
        };
        // Every freed table must be unreachable and preceded by an all-levels invalidation.
        m_frames.on_free = [this](PhysAddr pa) {
            ASSERT_TRUE(m_all_levels_va.has_value()) << "table freed without walk-cache invalidation";
            for (PhysAddr t : hw_path(m_frames, m_pt.root(), *m_all_levels_va)) EXPECT_NE(t, pa);
        };
    }
    ~RandomRun() {
        m_tlb.observer = nullptr;
        m_frames.on_free = nullptr;
    }

    void run(int ops) {
        for (m_op = 0; m_op < ops; ++m_op) {
            step();
            if (::testing::Test::HasFailure()) {
                ADD_FAILURE() << "stopped at operation " << m_op << " (seed printed above)";
                return;
            }
        }
        check_everything();
        m_tlb.observer = nullptr;
        m_frames.on_free = nullptr;
        m_pt.destroy();
        EXPECT_EQ(m_frames.live(), 0u);
    }

private:
    using Error = lib::Error;
    static constexpr std::size_t kCrowded = 2500;  // leaves in the model

    std::uint64_t rand(std::uint64_t n) { return m_rng() % n; }
    bool chance(unsigned percent) { return rand(100) < percent; }

    VirtAddr random_va() {
        VirtAddr w = m_windows[rand(m_windows.size())];
        std::uint64_t slot = chance(80) ? rand(8) : chance(75) ? 510 + rand(2) : rand(512);
        return w + slot * k2M + rand(512) * k4K;
    }
    PhysAddr random_pa(std::uint64_t align) {
        return mm::align_down(rand(std::uint64_t{1} << 28) * k4K, align);
    }
    MapFlags random_flags() {
        MapFlags f = R;
        if (chance(3)) return f | W | X;  // forbidden: W^X
        if (chance(2)) return f | D | X;  // forbidden: executable device memory
        if (chance(2)) return f | (m_half == Half::User ? G : U);  // forbidden in this half
        if (chance(1)) return W;  // forbidden: no Read
        unsigned pick = static_cast<unsigned>(rand(3));
        if (pick == 1) f |= W;
        if (pick == 2) f |= X;
        if (pick != 2 && chance(10)) f |= D;
        if (m_half == Half::User) {
            if (chance(85)) f |= U;
        } else if (chance(70)) {
            f |= G;
        }
        return f;
    }
    bool flags_allowed(MapFlags f) const {
        if (!has(f, R)) return false;
        if (has(f, W | X) || has(f, D | X)) return false;
        return !has(f, m_half == Half::User ? G : U);
    }
    // A VA inside an existing leaf (most of the time) or anywhere.
    VirtAddr pick_va() {
        if (m_model.leaves().empty() || chance(30)) return random_va();
        auto it = m_model.leaves().lower_bound(random_va());
        if (it == m_model.leaves().end()) it = m_model.leaves().begin();
        return it->first + rand(it->second.size / k4K) * k4K;
    }

    // The TLB calls made since the last check must be exactly `invalidations`, each right after a
    // barrier, and (if `installs`) a barrier at the end.
    void expect_tlb(const std::vector<TlbCall>& invalidations, bool installs) {
        std::vector<TlbCall> expected;
        for (const TlbCall& c : invalidations) {
            expected.push_back(TlbCall::barrier());
            expected.push_back(c);
        }
        if (installs) expected.push_back(TlbCall::barrier());
        EXPECT_EQ(m_tlb.calls(), expected);
    }

    template <typename T>
    void expect_result(const lib::Result<T>& r, std::optional<Error> expected, const char* what) {
        if (expected) {
            EXPECT_FALSE(r.ok()) << what << ": expected " << lib::error_name(*expected);
            if (!r.ok()) {
                EXPECT_EQ(r.error(), *expected) << what << ": " << lib::error_name(r.error());
            }
        } else {
            EXPECT_TRUE(r.ok()) << what << ": " << lib::error_name(r.error());
        }
    }

    void step() {
        m_tlb.clear();
        m_all_levels_va.reset();
        std::uint64_t r = rand(1000);
        // Keep the tree from filling up: when crowded, trade half the mapping operations for unmaps.
        if (r < 590 && m_model.leaves().size() > kCrowded && chance(50)) {
            op_unmap_run();
        } else if (r < 220) {
            op_map_page();
        } else if (r < 400) {
            op_unmap_page();
        } else if (r < 520) {
            op_protect();
        } else if (r < 610) {
            op_map_range(random_va(), rand(32) + 1, random_pa(k4K));
        } else if (r < 620) {
            VirtAddr va = mm::align_down(random_va(), k2M);
            std::uint64_t pages = (rand(2) + 1) * 512 + (chance(25) ? rand(16) : 0);
            op_map_range(va, pages, random_pa(chance(80) ? k2M : k4K));
        } else if (r < 621) {
            op_map_gigabyte();
        } else if (r < 700) {
            op_unmap_range();
        } else if (r < 760) {
            op_unmap_run();
        } else if (r < 764) {
            if constexpr (std::is_same_v<Frames, FakeFrames>) {
                op_clone();  // not on LinearFrames: it never reuses a frame, clones would use up its arena
            }
        } else if (r < 800) {
            check_next_mapping();
        } else {
            for (int i = 0; i < 3; ++i) check_translate(pick_va() + rand(k4K));
        }
        if (::testing::Test::HasFailure()) return;
        EXPECT_EQ(m_pt.table_count(), m_model.tables());
        EXPECT_EQ(m_frames.live(), m_pt.table_count());
        if (m_op % 1000 == 999) check_everything();
    }

    void op_map_page() {
        VirtAddr va = pick_va();
        PhysAddr pa = random_pa(k4K);
        MapFlags f = random_flags();
        std::optional<Error> expected;
        if (!flags_allowed(f)) {
            expected = Error::InvalidArgument;
        } else if (m_model.find(va) != m_model.leaves().end()) {
            expected = Error::AlreadyMapped;
        }
        expect_result(m_pt.map_page(va, pa, f), expected, "map_page");
        if (!expected) m_model.add(va, {pa, f, k4K});
        expect_tlb({}, !expected);
    }

    void op_unmap_page() {
        VirtAddr va = pick_va();
        auto it = m_model.find(va);
        auto r = m_pt.unmap_page(va);
        if (it == m_model.leaves().end()) {
            expect_result(r, Error::NotMapped, "unmap_page");
            expect_tlb({}, false);
            return;
        }
        VirtAddr base = it->first;
        Model::Entry e = it->second;
        expect_result(r, std::nullopt, "unmap_page");
        if (r.ok()) {
            EXPECT_EQ(r.value(), e.pa + (va - base));
        }
        if (e.size == k4K) {
            bool emptied = m_model.remove(va);
            expect_tlb({TlbCall::page(va, kAsid, !emptied)}, false);
        } else {
            m_model.split(base, va - base, va - base + k4K, std::nullopt);
            expect_tlb({TlbCall::page(va, kAsid, true)}, true);
        }
    }

    void op_protect() {
        VirtAddr va = pick_va();
        MapFlags f = random_flags();
        auto it = m_model.find(va);
        std::optional<Error> expected;
        if (!flags_allowed(f)) {
            expected = Error::InvalidArgument;
        } else if (it == m_model.leaves().end()) {
            expected = Error::NotMapped;
        }
        expect_result(m_pt.protect(va, f), expected, "protect");
        if (expected) {
            expect_tlb({}, false);
            return;
        }
        VirtAddr base = it->first;
        Model::Entry e = it->second;
        if (e.size == k4K) {
            m_model.remove(base);
            m_model.add(base, {e.pa, f, k4K});
        } else {
            m_model.split(base, va - base, va - base + k4K, f);
        }
        expect_tlb({TlbCall::page(va, kAsid, true)}, true);
    }

    void op_map_range(VirtAddr va, std::uint64_t pages, PhysAddr pa) {
        MapFlags f = random_flags();
        std::uint64_t size = pages * k4K;
        std::optional<Error> expected;
        if (!flags_allowed(f)) {
            expected = Error::InvalidArgument;
        } else if (m_model.any_in(va, size)) {
            expected = Error::AlreadyMapped;
        }
        expect_result(m_pt.map_range(va, pa, size, f), expected, "map_range");
        expect_tlb({}, !expected);
        if (expected) return;
        // The largest leaf va, pa and the remaining size allow, every time.
        for (std::uint64_t done = 0; done < size;) {
            std::uint64_t leaf = k4K;
            for (std::uint64_t b : {k1G, k2M}) {
                if (((va + done) | (pa + done)) % b == 0 && size - done >= b) {
                    leaf = b;
                    break;
                }
            }
            m_model.add(va + done, {pa + done, f, leaf});
            done += leaf;
        }
    }

    // Empties one window (one unmap_range per run of contiguous leaves), then maps it as one block.
    void op_map_gigabyte() {
        VirtAddr w = m_windows[rand(m_windows.size())];
        std::vector<std::pair<VirtAddr, std::uint64_t>> runs;
        for (auto it = m_model.leaves().lower_bound(w);
             it != m_model.leaves().end() && it->first - w < k1G; ++it) {
            if (!runs.empty() && runs.back().first + runs.back().second == it->first) {
                runs.back().second += it->second.size;
            } else {
                runs.emplace_back(it->first, it->second.size);
            }
        }
        for (auto [va, size] : runs) {
            m_tlb.clear();
            m_all_levels_va.reset();
            unmap_range_and_check(va, size);
            if (::testing::Test::HasFailure()) return;
        }
        m_tlb.clear();
        MapFlags f = m_half == Half::User ? R | W | U : R | X | G;
        PhysAddr pa = random_pa(k1G);
        expect_result(m_pt.map_range(w, pa, k1G, f), std::nullopt, "map_range(1 GiB)");
        m_model.add(w, {pa, f, k1G});
        expect_tlb({}, true);
    }

    // A random range: often with holes (NotMapped), sometimes exactly one leaf.
    void op_unmap_range() {
        VirtAddr va = pick_va();
        std::uint64_t pages = chance(50) ? rand(8) + 1 : rand(1024) + 1;
        auto it = m_model.find(va);
        if (it != m_model.leaves().end() && chance(30)) {
            va = it->first;
            pages = it->second.size / k4K;
        }
        unmap_range_and_check(va, pages * k4K);
    }

    // A run of contiguous leaves (ending at a hole, or at each leaf with chance 1/64), often cut
    // inside its first and last leaf so that blocks get split.
    void op_unmap_run() {
        if (m_model.leaves().empty()) return;
        auto it = m_model.leaves().lower_bound(random_va());
        if (it == m_model.leaves().end()) it = m_model.leaves().begin();
        VirtAddr start = it->first;
        VirtAddr end = start + it->second.size;
        std::uint64_t last_size = it->second.size;
        for (auto next = std::next(it); next != m_model.leaves().end() && next->first == end &&
                                        rand(64) != 0;
             ++next) {
            end += next->second.size;
            last_size = next->second.size;
        }
        std::uint64_t cut_front = chance(40) ? rand(it->second.size / k4K) * k4K : 0;
        std::uint64_t cut_back = chance(40) ? rand(last_size / k4K) * k4K : 0;
        if (cut_front + cut_back < end - start) {
            start += cut_front;
            end -= cut_back;
        }
        unmap_range_and_check(start, end - start);
    }

    void unmap_range_and_check(VirtAddr va, std::uint64_t size) {
        // Expected: every page mapped; then one invalidation per overlapped leaf, in order.
        bool all_mapped = true;
        for (std::uint64_t done = 0; done < size;) {
            auto l = m_model.find(va + done);
            if (l == m_model.leaves().end()) {
                all_mapped = false;
                break;
            }
            done = l->first + l->second.size - va;
        }
        lib::Status r = m_pt.unmap_range(va, size);
        if (!all_mapped) {
            expect_result(r, Error::NotMapped, "unmap_range");
            expect_tlb({}, false);
            return;
        }
        expect_result(r, std::nullopt, "unmap_range");
        std::vector<TlbCall> expected_calls;
        for (std::uint64_t done = 0; done < size;) {
            VirtAddr cur = va + done;
            auto l = m_model.find(cur);
            VirtAddr base = l->first;
            std::uint64_t leaf = l->second.size;
            std::uint64_t take = std::min(leaf - (cur - base), size - done);
            expected_calls.push_back(TlbCall::barrier());
            if (take == leaf) {
                bool emptied = m_model.remove(base);
                expected_calls.push_back(TlbCall::page(cur, kAsid, !emptied));
            } else {
                m_model.split(base, cur - base, cur - base + take, std::nullopt);
                expected_calls.push_back(TlbCall::page(cur, kAsid, true));
                expected_calls.push_back(TlbCall::barrier());
            }
            done += take;
        }
        EXPECT_EQ(m_tlb.calls(), expected_calls);
    }

    // clone_into a new table: the child must hold exactly the leaves fn approved (all of them, or a
    // prefix when fn fails or table frames run out), audit clean, and give every frame back on
    // destroy. fn sometimes takes Write away from the source leaf (fork's copy-on-write), which
    // must show in the source and cost one whole-ASID invalidation at the end.
    void op_clone() {
        struct Ctx {
            std::vector<Leaf> approved;
            bool drop_write;
            long fail_at;  // fn fails at this leaf; -1: never
        } ctx{{}, chance(50), chance(20) ? static_cast<long>(rand(m_model.leaves().size() + 1)) : -1};
        auto fn = [](const mm::Mapping& m, void* p) -> lib::Result<mm::LeafClone> {
            auto& c = *static_cast<Ctx*>(p);
            if (c.fail_at == static_cast<long>(c.approved.size())) return Error::InvalidArgument;
            MapFlags source = m.flags;
            if (c.drop_write && has(source, W)) source = static_cast<MapFlags>(
                static_cast<std::uint32_t>(source) & ~static_cast<std::uint32_t>(W));
            c.approved.push_back(Leaf{m.va, m.pa, m.size, source});
            return mm::LeafClone{m.pa, source, source};
        };
        auto saved_on_free = m_frames.on_free;
        m_frames.on_free = nullptr;  // the child's tables are never live: no walk-cache rule
        const std::size_t live_before = m_frames.live();
        PageTable child = PageTable::create(m_half, kAsid + 1, m_frames, m_tlb).value();
        const bool starve = chance(20);
        if (starve) m_frames.fail_after(static_cast<long>(rand(m_pt.table_count())));
        m_tlb.clear();
        lib::Status st = m_pt.clone_into(child, fn, &ctx);
        m_frames.fail_after(-1);
        const bool complete = ctx.approved.size() == m_model.leaves().size();
        EXPECT_TRUE(st.ok() || ctx.fail_at >= 0 || starve);
        if (st.ok()) {
            EXPECT_TRUE(complete);
        }
        // Source: Write dropped from every approved leaf, the rest untouched.
        bool changed = false;
        for (const Leaf& l : ctx.approved) {
            Model::Entry e = m_model.leaves().at(l.va);
            if (e.flags != l.flags) {
                changed = true;
                m_model.remove(l.va);
                m_model.add(l.va, Model::Entry{e.pa, l.flags, e.size});
            }
        }
        std::vector<TlbCall> expected{TlbCall::barrier()};
        if (changed) {
            expected.push_back(TlbCall::barrier());
            expected.push_back(m_half == Half::User ? TlbCall::whole_asid(kAsid) : TlbCall::all());
        }
        EXPECT_EQ(m_tlb.calls(), expected);
        EXPECT_EQ(leaves_of(child), ctx.approved);
        EXPECT_TRUE(child.audit().ok());
        EXPECT_TRUE(m_pt.audit().ok());
        child.destroy();
        EXPECT_EQ(m_frames.live(), live_before);
        m_frames.on_free = saved_on_free;
    }

    // next_mapping(from, limit) finds the model's first leaf overlapping [from, limit): ranges from a
    // page to the whole half, starting inside leaves, in holes and at the half's ends.
    void check_next_mapping() {
        const VirtAddr lo = m_half == Half::User ? 0 : 0xFFFF'0000'0000'0000;
        VirtAddr from = chance(10) ? lo : pick_va() + (chance(50) ? rand(k4K) : 0);
        std::uint64_t len = chance(20) ? ~VirtAddr{0} - from : chance(50) ? rand(64) * k4K + 1 : rand(k1G) * 64 + 1;
        const VirtAddr limit = from + len < from ? ~VirtAddr{0} : from + len;
        std::optional<Leaf> expected;
        auto it = m_model.find(from);
        if (it == m_model.leaves().end()) it = m_model.leaves().lower_bound(from);
        if (it != m_model.leaves().end() && it->first < limit) {
            expected = Leaf{it->first, it->second.pa, it->second.size, it->second.flags};
        }
        auto got = m_pt.next_mapping(from, limit);
        if (!expected) {
            EXPECT_TRUE(!got.ok() && got.error() == Error::NotFound) << "next_mapping 0x" << std::hex << from;
            return;
        }
        ASSERT_TRUE(got.ok()) << "next_mapping 0x" << std::hex << from << " to 0x" << limit;
        EXPECT_EQ((Leaf{got.value().va, got.value().pa, got.value().size, got.value().flags}), *expected);
    }

    void check_translate(VirtAddr va) {
        auto it = m_model.find(va);
        auto t = m_pt.translate(va);
        auto hw = hw_walk(m_frames, m_pt.root(), va);
        if (it == m_model.leaves().end()) {
            EXPECT_TRUE(!t.ok() && t.error() == Error::NotMapped) << "translate 0x" << std::hex << va;
            EXPECT_FALSE(hw.has_value());
            return;
        }
        const Model::Entry& e = it->second;
        EXPECT_TRUE(translates_to(m_pt, va, e.pa + (va - it->first), e.flags, e.size));
        ASSERT_TRUE(hw.has_value());
        EXPECT_EQ(arch::pt_level_size(hw->level), e.size);
    }

    void check_everything() {
        EXPECT_TRUE(m_pt.audit().ok());
        std::vector<Leaf> expected;
        for (const auto& [va, e] : m_model.leaves()) {
            expected.push_back(Leaf{va, e.pa, e.size, e.flags});
        }
        EXPECT_EQ(leaves_of(m_pt), expected);
    }

    Half m_half;
    std::mt19937_64 m_rng;
    Frames& m_frames;
    FakeTlb& m_tlb;
    PageTable m_pt;
    Model m_model;
    std::vector<VirtAddr> m_windows;
    std::optional<VirtAddr> m_all_levels_va;  // the last all-levels invalidation of this operation
    int m_op = 0;
};

TEST_F(PageTableTest, RandomisedUserHalfMatchesTheModel) {
    constexpr std::uint64_t kSeed = 0x5EED'0001;
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    RandomRun(Half::User, kSeed, frames, tlb).run(70'000);
}

TEST_F(PageTableTest, RandomisedKernelHalfMatchesTheModel) {
    constexpr std::uint64_t kSeed = 0x5EED'0002;
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    RandomRun(Half::Kernel, kSeed, frames, tlb).run(30'000);
}

// The same runs with table addresses from the linear offset: the path the kernel takes.
TEST(PageTableLinearTest, RandomisedUserHalfMatchesTheModel) {
    constexpr std::uint64_t kSeed = 0x5EED'0003;
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    LinearFrames frames;
    FakeTlb tlb;
    RandomRun(Half::User, kSeed, frames, tlb).run(20'000);
}

TEST(PageTableLinearTest, RandomisedKernelHalfMatchesTheModel) {
    constexpr std::uint64_t kSeed = 0x5EED'0004;
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    LinearFrames frames;
    FakeTlb tlb;
    RandomRun(Half::Kernel, kSeed, frames, tlb).run(12'000);
}

}  // namespace
