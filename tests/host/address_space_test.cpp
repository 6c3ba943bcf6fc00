// Host tests of user address spaces (mm/address_space.cpp) and of the page-table engine's Owned
// software flag they rely on, on FakeFrames (tables and user frames, separate pools) and FakeTlb:
// each operation and error on its own, OOM at every allocation, then a seeded random mix against a
// model. Time budget: well under 3 s with ASan+UBSan.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <random>
#include <string>
#include <vector>

#include "fakes/fake_frames.h"
#include "fakes/fake_tlb.h"
#include "lib/result.h"
#include "mm/address_space.h"
#include "mm/asid_allocator.h"
#include "mm/page_table.h"
#include "support.h"

namespace {

using fakes::FakeFrames;
using fakes::FakeTlb;
using fakes::TlbCall;
using mm::AddressSpace;
using mm::MapFlags;
using mm::PhysAddr;
using mm::VirtAddr;

constexpr MapFlags R = MapFlags::Read;
constexpr MapFlags W = MapFlags::Write;
constexpr MapFlags X = MapFlags::Execute;
constexpr MapFlags U = MapFlags::User;
constexpr MapFlags D = MapFlags::Device;
constexpr MapFlags G = MapFlags::Global;
constexpr MapFlags O = MapFlags::Owned;
constexpr MapFlags C = MapFlags::CopyOnWrite;

constexpr std::uint64_t k4K = 4096;
constexpr std::uint64_t k2M = std::uint64_t{1} << 21;
constexpr VirtAddr kVa = 0x0000'0040'0000'0000;
constexpr PhysAddr kDevicePa = 0x0900'0000;  // "someone else's" frames for map_existing

// User frames for AddressSpace: a FakeFrames pool moved to its own physical range, so a user frame
// given to the table pool (or the other way round) is caught as an unknown frame. New frames are
// filled with 0xA5: map_new must zero them itself.
class FakeUserFrames final : public mm::FrameAllocator {
public:
    static constexpr PhysAddr kOffset = 0x10'0000'0000;
    FakeUserFrames() { m_pool.check_zero_on_free(false); }  // user pages are freed with contents

    lib::Result<PhysAddr> alloc_frame() override {
        auto r = m_pool.alloc_table();
        if (!r.ok()) return r;
        std::memset(m_pool.table_virt(r.value()), 0xA5, k4K);
        return r.value() + kOffset;
    }
    void free_frame(PhysAddr pa) override { m_pool.free_table(pa - kOffset); }
    void* frame_virt(PhysAddr pa) override { return m_pool.table_virt(pa - kOffset); }
    bool share_frame(PhysAddr pa) override {
        if (!is_live(pa)) throw std::runtime_error("share of a frame not allocated");
        if (m_extra[pa] >= m_share_limit) return false;  // saturated: the caller copies
        ++m_extra[pa];
        return true;
    }
    int m_share_limit = 255;
    bool release_frame(PhysAddr pa) override {
        auto it = m_extra.find(pa);
        if (it != m_extra.end()) {
            if (--it->second == 0) m_extra.erase(it);
            return false;
        }
        free_frame(pa);
        return true;
    }
    bool frame_shared(PhysAddr pa) override { return m_extra.count(pa) != 0; }
    int refs(PhysAddr pa) const {  // 0 when not allocated
        if (!is_live(pa)) return 0;
        auto it = m_extra.find(pa);
        return 1 + (it == m_extra.end() ? 0 : it->second);
    }
    std::size_t shared_frames() const { return m_extra.size(); }

    std::size_t live() const { return m_pool.live(); }
    std::size_t allocated() const { return m_pool.allocated(); }
    bool is_live(PhysAddr pa) const { return pa >= kOffset && m_pool.is_live(pa - kOffset); }
    void fail_after(long n) { m_pool.fail_after(n); }
    std::function<void(PhysAddr)>& on_free() { return m_pool.on_free; }

private:
    FakeFrames m_pool;
    std::map<PhysAddr, int> m_extra;  // references beyond the first
};

// Storage for an AddressSpace, as a slab object would provide it.
struct Slot {
    alignas(AddressSpace) unsigned char bytes[sizeof(AddressSpace)];
};

lib::Error error_of(const lib::Status& s) {
    EXPECT_FALSE(s.ok());
    return s.error();
}
template <typename T>
lib::Error error_of(const lib::Result<T>& r) {
    EXPECT_FALSE(r.ok());
    return r.error();
}

class AddressSpaceTest : public ::testing::Test {
protected:
    AddressSpace& make() {
        slots.emplace_back(std::make_unique<Slot>());
        auto r = AddressSpace::create(slots.back().get(), tables, frames, tlb);
        if (!r.ok()) throw std::runtime_error("create failed");
        return *r.value();
    }
    void* storage() {
        slots.emplace_back(std::make_unique<Slot>());
        return slots.back().get();
    }

    std::uint8_t* bytes_at(const AddressSpace& as, VirtAddr va) {
        auto t = as.translate(va);
        if (!t.ok()) throw std::runtime_error("not mapped");
        return static_cast<std::uint8_t*>(frames.frame_virt(mm::align_down(t.value().pa, k4K))) +
               (va & (k4K - 1));
    }
    bool all_bytes(const AddressSpace& as, VirtAddr va, std::uint8_t v) {
        const std::uint8_t* p = bytes_at(as, va);
        return p[0] == v && std::memcmp(p, p + 1, k4K - 1) == 0;  // every byte equals the next
    }

    FakeFrames tables;
    FakeUserFrames frames;
    FakeTlb tlb;
    std::vector<std::unique_ptr<Slot>> slots;
};

// ---- The engine's Owned flag ----------------------------------------------------------------------

TEST_F(AddressSpaceTest, EngineReportsOwnedFlagOnlyWhereMapped) {
    mm::PageTable pt = mm::PageTable::create(mm::Half::User, 1, tables, tlb).value();
    ASSERT_TRUE(pt.map_page(kVa, 0x8000'0000, R | U | O).ok());
    ASSERT_TRUE(pt.map_page(kVa + k4K, 0x8000'1000, R | U).ok());
    EXPECT_EQ(pt.translate(kVa).value().flags, R | U | O);
    EXPECT_EQ(pt.translate(kVa + k4K).value().flags, R | U);
    std::vector<MapFlags> seen;
    ASSERT_TRUE(pt.for_each_mapping([&](const mm::Mapping& m) -> lib::Status {
                      seen.push_back(m.flags);
                      return {};
                  }).ok());
    EXPECT_EQ(seen, (std::vector<MapFlags>{R | U | O, R | U}));
    // Not a hardware bit: the descriptor grants the same access as without it.
    EXPECT_EQ(pt.translate(kVa).value().pa, 0x8000'0000u);
    pt.destroy();
}

TEST_F(AddressSpaceTest, EngineProtectNeitherAddsNorDropsOwned) {
    mm::PageTable pt = mm::PageTable::create(mm::Half::User, 1, tables, tlb).value();
    ASSERT_TRUE(pt.map_page(kVa, 0x8000'0000, R | W | U | O).ok());
    ASSERT_TRUE(pt.map_page(kVa + k4K, 0x8000'1000, R | W | U).ok());
    ASSERT_TRUE(pt.protect(kVa, R | U).ok());
    ASSERT_TRUE(pt.protect(kVa + k4K, R | U | O).ok());
    EXPECT_EQ(pt.translate(kVa).value().flags, R | U | O);
    EXPECT_EQ(pt.translate(kVa + k4K).value().flags, R | U);
    pt.destroy();
}

TEST_F(AddressSpaceTest, EngineSplitBlockKeepsOwnedInEveryPiece) {
    mm::PageTable pt = mm::PageTable::create(mm::Half::User, 1, tables, tlb).value();
    ASSERT_TRUE(pt.map_range(kVa, 0x8000'0000, k2M, R | U | O).ok());
    ASSERT_EQ(pt.translate(kVa).value().block_size, k2M);
    ASSERT_TRUE(pt.unmap_page(kVa + 5 * k4K).ok());
    EXPECT_EQ(pt.translate(kVa).value().flags, R | U | O);
    EXPECT_EQ(pt.translate(kVa + k2M - k4K).value().flags, R | U | O);
    EXPECT_EQ(pt.translate(kVa).value().block_size, k4K);
    EXPECT_TRUE(pt.audit().ok());
    pt.destroy();
}

// ---- Mapping ------------------------------------------------------------------------------------

TEST_F(AddressSpaceTest, MapNewMapsZeroedOwnedUserPages) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, 3 * k4K, R | W).ok());
    EXPECT_EQ(as.owned_frames(), 3u);
    EXPECT_EQ(frames.live(), 3u);
    PhysAddr pas[3];
    for (int i = 0; i < 3; ++i) {
        auto t = as.translate(kVa + i * k4K);
        ASSERT_TRUE(t.ok());
        EXPECT_EQ(t.value().flags, R | W | U | O);
        EXPECT_EQ(t.value().block_size, k4K);
        EXPECT_TRUE(frames.is_live(t.value().pa));
        EXPECT_TRUE(all_bytes(as, kVa + i * k4K, 0)) << "page " << i << " not zeroed";
        pas[i] = t.value().pa;
    }
    EXPECT_NE(pas[0], pas[1]);
    EXPECT_NE(pas[1], pas[2]);
    EXPECT_EQ(error_of(as.translate(kVa + 3 * k4K)), lib::Error::NotMapped);
    // Translation keeps the page offset.
    EXPECT_EQ(as.translate(kVa + k4K + 0x123).value().pa, pas[1] + 0x123);
    EXPECT_TRUE(as.table().audit().ok());
    as.destroy();
}

TEST_F(AddressSpaceTest, MapExistingMapsBorrowedFramesItNeverFrees) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_existing(kVa, kDevicePa, 2 * k4K, R | W | D).ok());
    auto t = as.translate(kVa + k4K);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().pa, kDevicePa + k4K);
    EXPECT_EQ(t.value().flags, R | W | U | D);
    EXPECT_EQ(as.owned_frames(), 0u);
    EXPECT_EQ(frames.allocated(), 0u);
    // A 2 MiB-aligned range still gets pages, never a block.
    ASSERT_TRUE(as.map_existing(kVa + k2M, 0x8000'0000, k2M, R).ok());
    EXPECT_EQ(as.translate(kVa + k2M).value().block_size, k4K);
    ASSERT_TRUE(as.unmap(kVa, 2 * k4K).ok());  // frees nothing (FakeUserFrames would throw)
    as.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, RejectsBadRangesAndFlagsWithoutSideEffects) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, k4K, R | W).ok());
    const std::size_t allocated = frames.allocated();
    const std::size_t table_allocs = tables.allocated();
    tlb.clear();
    const VirtAddr kTop = VirtAddr{1} << 48;
    // Ranges.
    EXPECT_EQ(error_of(as.map_new(kVa + 0x10, k4K, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_new(kVa + k4K, 100, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_new(kVa + k4K, 0, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_new(0xFFFF'0000'0000'0000, k4K, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_new(kTop - k4K, 2 * k4K, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_new(kTop - k4K, ~std::size_t{0} & ~(k4K - 1), R)),
              lib::Error::InvalidArgument);  // would wrap around
    EXPECT_EQ(error_of(as.map_existing(kVa + k4K, 0x123, k4K, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_existing(kVa + k4K, (PhysAddr{1} << 48) - k4K, 2 * k4K, R)),
              lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.unmap(0xFFFF'0000'0000'0000, k4K)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.protect(kVa, 0, R)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.translate(0xFFFF'0000'0000'0000)), lib::Error::InvalidArgument);
    // Flags: W^X, no Read, executable device, global, Owned from the caller, device owned frames.
    for (MapFlags f : {R | W | X, W, MapFlags::None, R | G, R | O, R | D}) {
        EXPECT_EQ(error_of(as.map_new(kVa + k4K, 2 * k4K, f)), lib::Error::InvalidArgument)
            << static_cast<unsigned>(f);
    }
    for (MapFlags f : {R | W | X, R | D | X, R | G, R | O}) {
        EXPECT_EQ(error_of(as.map_existing(kVa + k4K, kDevicePa, 2 * k4K, f)),
                  lib::Error::InvalidArgument)
            << static_cast<unsigned>(f);
        EXPECT_EQ(error_of(as.protect(kVa, k4K, f)), lib::Error::InvalidArgument);
    }
    // Nothing happened: no mapping, no frame kept, the one page as it was.
    EXPECT_EQ(error_of(as.translate(kVa + k4K)), lib::Error::NotMapped);
    EXPECT_EQ(frames.live(), 1u);
    EXPECT_EQ(tables.live(), 4u);  // root + L1..L3 of the first page
    EXPECT_EQ(as.translate(kVa).value().flags, R | W | U | O);
    EXPECT_EQ(as.owned_frames(), 1u);
    EXPECT_TRUE(tlb.invalidations().empty());
    EXPECT_EQ(frames.allocated(), allocated);  // every check comes before any allocation
    EXPECT_EQ(tables.allocated(), table_allocs);
    as.destroy();
}

TEST_F(AddressSpaceTest, OverlapIsAlreadyMappedBeforeAnythingIsAllocated) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa + 4 * k4K, k4K, R).ok());
    const std::size_t allocated = frames.allocated();
    const std::size_t table_allocs = tables.allocated();
    EXPECT_EQ(error_of(as.map_new(kVa, 8 * k4K, R | W)), lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(as.map_existing(kVa, kDevicePa, 8 * k4K, R)), lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(as.map_new(kVa + 4 * k4K, k4K, R)), lib::Error::AlreadyMapped);
    EXPECT_EQ(frames.allocated(), allocated);
    EXPECT_EQ(tables.allocated(), table_allocs);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(as.translate(kVa + i * k4K).ok(), i == 4) << i;
    as.destroy();
}

TEST_F(AddressSpaceTest, UnmapAndProtectOfAnUnmappedPageAreNotMappedAndChangeNothing) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, 2 * k4K, R | W).ok());
    ASSERT_TRUE(as.map_new(kVa + 3 * k4K, k4K, R | W).ok());  // hole at page 2
    tlb.clear();
    EXPECT_EQ(error_of(as.unmap(kVa, 4 * k4K)), lib::Error::NotMapped);
    EXPECT_EQ(error_of(as.protect(kVa, 4 * k4K, R)), lib::Error::NotMapped);
    EXPECT_EQ(error_of(as.unmap(kVa + 10 * k4K, k4K)), lib::Error::NotMapped);
    EXPECT_TRUE(tlb.invalidations().empty());
    EXPECT_EQ(as.owned_frames(), 3u);
    EXPECT_EQ(frames.live(), 3u);
    EXPECT_EQ(as.translate(kVa).value().flags, R | W | U | O);
    EXPECT_EQ(as.translate(kVa + 3 * k4K).value().flags, R | W | U | O);
    as.destroy();
}

TEST_F(AddressSpaceTest, UnmapFreesOwnedFramesOnlyAfterTheirInvalidation) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, 4 * k4K, R | W).ok());
    PhysAddr middle[2] = {as.translate(kVa + k4K).value().pa, as.translate(kVa + 2 * k4K).value().pa};
    std::vector<PhysAddr> freed;
    frames.on_free() = [&](PhysAddr pa) {
        freed.push_back(pa);
        // The page that mapped this frame must already be out of the TLB.
        VirtAddr va = pa + FakeUserFrames::kOffset == middle[0] ? kVa + k4K : kVa + 2 * k4K;
        bool invalidated = false;
        for (const TlbCall& c : tlb.invalidations()) {
            if (c.kind == TlbCall::Kind::Page && c.va == va) invalidated = true;
        }
        EXPECT_TRUE(invalidated) << "frame freed before its page was invalidated";
    };
    tlb.clear();
    ASSERT_TRUE(as.unmap(kVa + k4K, 2 * k4K).ok());
    EXPECT_EQ(freed, (std::vector<PhysAddr>{middle[0] - FakeUserFrames::kOffset,
                                            middle[1] - FakeUserFrames::kOffset}));
    frames.on_free() = nullptr;
    EXPECT_EQ(as.owned_frames(), 2u);
    EXPECT_EQ(frames.live(), 2u);
    EXPECT_TRUE(as.translate(kVa).ok());
    EXPECT_FALSE(as.translate(kVa + k4K).ok());
    EXPECT_FALSE(as.translate(kVa + 2 * k4K).ok());
    EXPECT_TRUE(as.translate(kVa + 3 * k4K).ok());
    as.destroy();
}

TEST_F(AddressSpaceTest, ProtectChangesPermissionsAndKeepsFramesAndContents) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, 2 * k4K, R | W).ok());
    PhysAddr pa = as.translate(kVa).value().pa;
    bytes_at(as, kVa)[7] = 0x5A;
    ASSERT_TRUE(as.protect(kVa, 2 * k4K, R | X).ok());
    EXPECT_EQ(as.translate(kVa).value().flags, R | X | U | O);
    EXPECT_EQ(as.translate(kVa + k4K).value().flags, R | X | U | O);
    EXPECT_EQ(as.translate(kVa).value().pa, pa);
    EXPECT_EQ(bytes_at(as, kVa)[7], 0x5A);
    ASSERT_TRUE(as.protect(kVa, k4K, R).ok());
    EXPECT_EQ(as.translate(kVa).value().flags, R | U | O);
    // Borrowed pages stay borrowed.
    ASSERT_TRUE(as.map_existing(kVa + 8 * k4K, kDevicePa, k4K, R).ok());
    ASSERT_TRUE(as.protect(kVa + 8 * k4K, k4K, R | W).ok());
    EXPECT_EQ(as.translate(kVa + 8 * k4K).value().flags, R | W | U);
    EXPECT_EQ(as.owned_frames(), 2u);
    as.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

// ---- fork ---------------------------------------------------------------------------------------

TEST_F(AddressSpaceTest, CloneCopiesOwnedPagesAndSharesBorrowedOnes) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, 3 * k4K, R | W).ok());
    ASSERT_TRUE(parent.map_new(kVa + k2M, k4K, R | X).ok());
    ASSERT_TRUE(parent.map_existing(kVa + 16 * k4K, kDevicePa, k4K, R | W | D).ok());
    for (int i = 0; i < 3; ++i) std::memset(bytes_at(parent, kVa + i * k4K), 0x10 + i, k4K);
    std::memset(bytes_at(parent, kVa + k2M), 0x77, k4K);
    parent.context_id() = 0x1234;

    auto r = parent.clone_eager(storage());
    ASSERT_TRUE(r.ok());
    AddressSpace& child = *r.value();
    EXPECT_EQ(child.context_id(), 0u);
    EXPECT_EQ(child.owned_frames(), 4u);
    EXPECT_EQ(frames.live(), 8u);
    for (int i = 0; i < 3; ++i) {
        VirtAddr va = kVa + i * k4K;
        EXPECT_NE(child.translate(va).value().pa, parent.translate(va).value().pa);
        EXPECT_EQ(child.translate(va).value().flags, R | W | U | O);
        EXPECT_TRUE(all_bytes(child, va, static_cast<std::uint8_t>(0x10 + i))) << i;
    }
    EXPECT_EQ(child.translate(kVa + k2M).value().flags, R | X | U | O);
    EXPECT_TRUE(all_bytes(child, kVa + k2M, 0x77));
    auto dev = child.translate(kVa + 16 * k4K);
    ASSERT_TRUE(dev.ok());
    EXPECT_EQ(dev.value().pa, kDevicePa);
    EXPECT_EQ(dev.value().flags, R | W | U | D);

    // Writes on either side stay there.
    bytes_at(parent, kVa)[0] = 0xEE;
    bytes_at(child, kVa + k4K)[1] = 0xDD;
    EXPECT_EQ(bytes_at(child, kVa)[0], 0x10);
    EXPECT_EQ(bytes_at(parent, kVa + k4K)[1], 0x11);

    EXPECT_TRUE(child.table().audit().ok());
    parent.destroy();
    EXPECT_TRUE(all_bytes(child, kVa + 2 * k4K, 0x12));  // the child outlives its parent
    child.destroy();
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, CloneOfAnEmptySpaceIsEmpty) {
    AddressSpace& parent = make();
    auto r = parent.clone_eager(storage());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value()->owned_frames(), 0u);
    EXPECT_EQ(r.value()->table().table_count(), 1u);
    r.value()->destroy();
    parent.destroy();
    EXPECT_EQ(tables.live(), 0u);
}

// ---- Copy-on-write fork ---------------------------------------------------------------------------

TEST_F(AddressSpaceTest, CloneCowSharesOwnedFramesReadOnlyInBothSpaces) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, 3 * k4K, R | W).ok());
    ASSERT_TRUE(parent.map_new(kVa + k2M, k4K, R | X).ok());
    ASSERT_TRUE(parent.map_existing(kVa + 16 * k4K, kDevicePa, k4K, R | W | D).ok());
    for (int i = 0; i < 3; ++i) std::memset(bytes_at(parent, kVa + i * k4K), 0x10 + i, k4K);
    const std::size_t calls_before = tlb.invalidations().size();

    auto r = parent.clone_cow(storage());
    ASSERT_TRUE(r.ok());
    AddressSpace& child = *r.value();
    EXPECT_EQ(child.owned_frames(), 4u);
    EXPECT_EQ(frames.live(), 4u);  // nothing copied
    for (int i = 0; i < 3; ++i) {
        VirtAddr va = kVa + i * k4K;
        EXPECT_EQ(child.translate(va).value().pa, parent.translate(va).value().pa);
        EXPECT_EQ(child.translate(va).value().flags, R | U | O | C);
        EXPECT_EQ(parent.translate(va).value().flags, R | U | O | C);
        EXPECT_EQ(frames.refs(parent.translate(va).value().pa), 2);
    }
    EXPECT_EQ(child.translate(kVa + k2M).value().flags, R | X | U | O);
    EXPECT_EQ(parent.translate(kVa + k2M).value().flags, R | X | U | O);
    EXPECT_EQ(frames.refs(parent.translate(kVa + k2M).value().pa), 2);
    EXPECT_EQ(child.translate(kVa + 16 * k4K).value().pa, kDevicePa);
    EXPECT_EQ(child.translate(kVa + 16 * k4K).value().flags, R | W | U | D);
    // The parent's pages made read-only were invalidated: its whole ASID once, after the copy.
    std::size_t pages = 0, asids = 0;
    const auto all = tlb.invalidations();
    for (std::size_t i = calls_before; i < all.size(); ++i) {
        pages += all[i].kind == TlbCall::Kind::Page ? 1 : 0;
        asids += all[i].kind == TlbCall::Kind::Asid && all[i].asid == parent.table().asid() ? 1 : 0;
    }
    EXPECT_EQ(pages, 0u);
    EXPECT_EQ(asids, 1u);
    EXPECT_TRUE(child.table().audit().ok());
    EXPECT_TRUE(parent.table().audit().ok());
    child.destroy();
    parent.destroy();
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(frames.shared_frames(), 0u);
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, CowFaultCopiesOnlyWhileSharedAndTheLastOwnerWritesInPlace) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, 2 * k4K, R | W).ok());
    ASSERT_TRUE(parent.map_new(kVa + 4 * k4K, k4K, R).ok());
    std::memset(bytes_at(parent, kVa), 0x42, k4K);
    AddressSpace& child = *parent.clone_cow(storage()).value();
    const PhysAddr shared = parent.translate(kVa).value().pa;

    ASSERT_TRUE(child.resolve_cow_fault(kVa + 123).ok());  // any address in the page
    const PhysAddr copy = child.translate(kVa).value().pa;
    EXPECT_NE(copy, shared);
    EXPECT_EQ(child.translate(kVa).value().flags, R | W | U | O);
    EXPECT_TRUE(all_bytes(child, kVa, 0x42));
    EXPECT_EQ(frames.refs(shared), 1);
    EXPECT_EQ(frames.live(), 4u);
    EXPECT_EQ(parent.translate(kVa).value().flags, R | U | O | C);
    bytes_at(child, kVa)[0] = 1;
    EXPECT_EQ(bytes_at(parent, kVa)[0], 0x42);

    ASSERT_TRUE(parent.resolve_cow_fault(kVa).ok());  // now the only owner: in place
    EXPECT_EQ(parent.translate(kVa).value().pa, shared);
    EXPECT_EQ(parent.translate(kVa).value().flags, R | W | U | O);
    EXPECT_EQ(frames.live(), 4u);

    EXPECT_EQ(error_of(parent.resolve_cow_fault(kVa)), lib::Error::InvalidArgument);  // not COW now
    EXPECT_EQ(error_of(parent.resolve_cow_fault(kVa + 4 * k4K)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(parent.resolve_cow_fault(kVa + 8 * k4K)), lib::Error::NotMapped);

    // Out of memory for the copy: nothing changes.
    frames.fail_after(0);
    EXPECT_EQ(error_of(child.resolve_cow_fault(kVa + k4K)), lib::Error::NoMemory);
    EXPECT_EQ(child.translate(kVa + k4K).value().flags, R | U | O | C);
    EXPECT_EQ(frames.refs(child.translate(kVa + k4K).value().pa), 2);
    frames.fail_after(-1);
    parent.destroy();
    child.destroy();
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, ProtectKeepsSharedFramesCopyOnWrite) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, k4K, R | W).ok());
    AddressSpace& child = *parent.clone_cow(storage()).value();
    ASSERT_TRUE(parent.protect(kVa, k4K, R).ok());
    EXPECT_EQ(parent.translate(kVa).value().flags, R | U | O);
    EXPECT_EQ(error_of(parent.resolve_cow_fault(kVa)), lib::Error::InvalidArgument);  // read-only now
    ASSERT_TRUE(parent.protect(kVa, k4K, R | W).ok());
    EXPECT_EQ(parent.translate(kVa).value().flags, R | U | O | C);  // still shared
    child.destroy();
    ASSERT_TRUE(parent.protect(kVa, k4K, R | W).ok());
    EXPECT_EQ(parent.translate(kVa).value().flags, R | W | U | O);  // no longer shared
    parent.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, CloneCowCopiesWhenAFramesShareCountIsSaturated) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, k4K, R | W).ok());
    std::memset(bytes_at(parent, kVa), 0x5a, k4K);
    frames.m_share_limit = 1;
    AddressSpace& first = *parent.clone_cow(storage()).value();   // shares
    AddressSpace& second = *parent.clone_cow(storage()).value();  // saturated: a private copy
    const PhysAddr pa = parent.translate(kVa).value().pa;
    EXPECT_EQ(first.translate(kVa).value().pa, pa);
    EXPECT_NE(second.translate(kVa).value().pa, pa);
    EXPECT_EQ(second.translate(kVa).value().flags, R | W | U | O);  // writable: nobody shares it
    EXPECT_TRUE(all_bytes(second, kVa, 0x5a));
    second.destroy();
    first.destroy();
    parent.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

// ---- File pages (map_file_page) ------------------------------------------------------------------

constexpr MapFlags S = MapFlags::Shared;

TEST_F(AddressSpaceTest, SharedFilePageIsReferencedWritableAndOutlivesItsHolder) {
    AddressSpace& as = make();
    const PhysAddr file_page = frames.alloc_frame().value();  // the file's page (its one reference)
    ASSERT_TRUE(as.map_file_page(kVa, file_page, R | W, true).ok());
    EXPECT_EQ(as.translate(kVa).value().pa, file_page);
    EXPECT_EQ(as.translate(kVa).value().flags, R | W | U | O | S);
    EXPECT_EQ(frames.refs(file_page), 2);
    EXPECT_EQ(error_of(as.map_file_page(kVa, file_page, R, true)), lib::Error::AlreadyMapped);
    EXPECT_EQ(error_of(as.map_file_page(kVa + 1, file_page, R, true)), lib::Error::InvalidArgument);
    EXPECT_EQ(error_of(as.map_file_page(kVa + k4K, file_page, R | S, true)), lib::Error::InvalidArgument);
    EXPECT_EQ(frames.refs(file_page), 2);  // the errors took no reference
    // The file lets go (truncate, unlink): the frame stays while mapped, and goes with the last user.
    EXPECT_FALSE(frames.release_frame(file_page));
    EXPECT_TRUE(frames.is_live(file_page));
    ASSERT_TRUE(as.unmap(kVa, k4K).ok());
    EXPECT_FALSE(frames.is_live(file_page));
    as.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, SharedFilePagesStayWritableAndSharedAcrossForkAndProtect) {
    AddressSpace& parent = make();
    const PhysAddr file_page = frames.alloc_frame().value();
    ASSERT_TRUE(parent.map_file_page(kVa, file_page, R | W, true).ok());
    AddressSpace& child = *parent.clone_cow(storage()).value();
    EXPECT_EQ(child.translate(kVa).value().pa, file_page);
    EXPECT_EQ(child.translate(kVa).value().flags, R | W | U | O | S);  // not copy-on-write
    EXPECT_EQ(parent.translate(kVa).value().flags, R | W | U | O | S);
    EXPECT_EQ(frames.refs(file_page), 3);
    AddressSpace& eager = *parent.clone_eager(storage()).value();  // eager fork: shared too
    EXPECT_EQ(eager.translate(kVa).value().pa, file_page);
    EXPECT_EQ(frames.refs(file_page), 4);
    EXPECT_EQ(error_of(child.resolve_cow_fault(kVa)), lib::Error::InvalidArgument);
    ASSERT_TRUE(child.protect(kVa, k4K, R).ok());
    EXPECT_EQ(child.translate(kVa).value().flags, R | U | O | S);
    ASSERT_TRUE(child.protect(kVa, k4K, R | W).ok());  // shared frame, yet Write: never a copy
    EXPECT_EQ(child.translate(kVa).value().flags, R | W | U | O | S);
    bytes_at(child, kVa)[7] = 0x77;
    EXPECT_EQ(bytes_at(parent, kVa)[7], 0x77);
    eager.destroy();
    child.destroy();
    parent.destroy();
    EXPECT_EQ(frames.refs(file_page), 1);
    frames.release_frame(file_page);
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, SharedFilePageWithASaturatedCountFailsTheForkCleanly) {
    AddressSpace& parent = make();
    const PhysAddr file_page = frames.alloc_frame().value();
    frames.m_share_limit = 1;
    ASSERT_TRUE(parent.map_file_page(kVa, file_page, R | W, true).ok());
    EXPECT_EQ(error_of(parent.clone_cow(storage())), lib::Error::NoMemory);
    EXPECT_EQ(error_of(parent.clone_eager(storage())), lib::Error::NoMemory);
    AddressSpace& other = make();
    EXPECT_EQ(error_of(other.map_file_page(kVa, file_page, R, false)), lib::Error::NoMemory);
    EXPECT_FALSE(other.translate(kVa).ok());
    EXPECT_EQ(frames.refs(file_page), 2);
    other.destroy();
    parent.destroy();
    frames.release_frame(file_page);
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, PrivateFilePageIsCopiedOnTheFirstWriteAndTheFileKeepsItsBytes) {
    AddressSpace& as = make();
    const PhysAddr file_page = frames.alloc_frame().value();
    std::memset(frames.frame_virt(file_page), 0x3c, k4K);
    ASSERT_TRUE(as.map_file_page(kVa, file_page, R | W, false).ok());
    ASSERT_TRUE(as.map_file_page(kVa + k4K, file_page, R, false).ok());
    EXPECT_EQ(as.translate(kVa).value().flags, R | U | O | C);   // reads see the file's page
    EXPECT_EQ(as.translate(kVa + k4K).value().flags, R | U | O);
    EXPECT_EQ(frames.refs(file_page), 3);
    ASSERT_TRUE(as.resolve_cow_fault(kVa).ok());
    const PhysAddr copy = as.translate(kVa).value().pa;
    EXPECT_NE(copy, file_page);
    EXPECT_TRUE(all_bytes(as, kVa, 0x3c));
    bytes_at(as, kVa)[0] = 1;
    EXPECT_EQ(static_cast<std::uint8_t*>(frames.frame_virt(file_page))[0], 0x3c);
    EXPECT_EQ(frames.refs(file_page), 2);
    // mprotect(PROT_WRITE) on the read-only private page: copy-on-write, the file's frame is shared.
    ASSERT_TRUE(as.protect(kVa + k4K, k4K, R | W).ok());
    EXPECT_EQ(as.translate(kVa + k4K).value().flags, R | U | O | C);
    // The file drops its page: the private mapping, now the only holder, writes in place.
    frames.release_frame(file_page);
    ASSERT_TRUE(as.resolve_cow_fault(kVa + k4K).ok());
    EXPECT_EQ(as.translate(kVa + k4K).value().pa, file_page);
    as.destroy();
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, MapFilePageRollsBackWhenTablesRunOut) {
    AddressSpace& as = make();
    const PhysAddr file_page = frames.alloc_frame().value();
    tables.fail_after(0);
    EXPECT_EQ(error_of(as.map_file_page(kVa, file_page, R | W, true)), lib::Error::NoMemory);
    tables.fail_after(-1);
    EXPECT_EQ(frames.refs(file_page), 1);
    EXPECT_FALSE(as.translate(kVa).ok());
    as.destroy();
    frames.release_frame(file_page);
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, CloneCowRollsBackWhenTablesRunOut) {
    for (long n = 0;; ++n) {
        AddressSpace& parent = make();
        ASSERT_TRUE(parent.map_new(kVa, 2 * k4K, R | W).ok());
        ASSERT_TRUE(parent.map_new(kVa + (std::uint64_t{1} << 39), k4K, R | W).ok());
        tables.fail_after(n);
        auto r = parent.clone_cow(storage());
        tables.fail_after(-1);
        EXPECT_EQ(frames.live(), 3u);
        if (r.ok()) {
            r.value()->destroy();
            EXPECT_EQ(frames.shared_frames(), 0u);
            parent.destroy();
            EXPECT_EQ(tables.live(), 0u);
            EXPECT_GT(n, 0);
            break;
        }
        EXPECT_EQ(r.error(), lib::Error::NoMemory);
        EXPECT_EQ(frames.shared_frames(), 0u) << n;
        // Pages already made CopyOnWrite are unshared: a write fault makes them writable in place.
        for (VirtAddr va : {kVa, kVa + k4K}) {
            if (mm::has(parent.translate(va).value().flags, C)) {
                const PhysAddr pa = parent.translate(va).value().pa;
                ASSERT_TRUE(parent.resolve_cow_fault(va).ok());
                EXPECT_EQ(parent.translate(va).value().pa, pa);
            }
        }
        parent.destroy();
        EXPECT_EQ(frames.live(), 0u);
        EXPECT_EQ(tables.live(), 0u);
        ASSERT_LT(n, 50);
    }
}

// Random forks, writes (each after resolving its fault, as the kernel does), unmaps and exits
// against a model of every space's contents; frames counted against the distinct frames mapped.
TEST_F(AddressSpaceTest, RandomCowForksMatchModel) {
    constexpr int kPages = 12;
    for (unsigned seed : {21u, 22u, 23u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        struct Space {
            AddressSpace* as;
            std::map<VirtAddr, std::uint8_t> fill;  // mapped pages (all R|W) and their contents
        };
        std::vector<Space> spaces;
        spaces.push_back({&make(), {}});
        for (int i = 0; i < kPages; ++i) {
            ASSERT_TRUE(spaces[0].as->map_new(kVa + i * k4K, k4K, R | W).ok());
            spaces[0].fill[kVa + i * k4K] = 0;
        }
        int copies = 0, in_place = 0;
        for (int step = 0; step < 400; ++step) {
            const int op = static_cast<int>(rng() % 10);
            Space& s = spaces[rng() % spaces.size()];
            const VirtAddr va = kVa + (rng() % kPages) * k4K;
            if (op < 2 && spaces.size() < 6) {
                auto r = s.as->clone_cow(storage());
                ASSERT_TRUE(r.ok());
                Space c{r.value(), s.fill};
                spaces.push_back(c);
            } else if (op < 7 && s.fill.count(va)) {
                const PhysAddr before = s.as->translate(va).value().pa;
                if (mm::has(s.as->translate(va).value().flags, C)) {
                    ASSERT_TRUE(s.as->resolve_cow_fault(va).ok());
                    (s.as->translate(va).value().pa == before ? in_place : copies)++;
                }
                ASSERT_TRUE(mm::has(s.as->translate(va).value().flags, W));
                const auto v = static_cast<std::uint8_t>(rng());
                std::memset(bytes_at(*s.as, va), v, k4K);
                s.fill[va] = v;
            } else if (op < 8 && s.fill.count(va)) {
                ASSERT_TRUE(s.as->unmap(va, k4K).ok());
                s.fill.erase(va);
            } else if (op < 10 && spaces.size() > 1) {
                s.as->destroy();
                spaces.erase(spaces.begin() + (&s - spaces.data()));
            }
            std::map<PhysAddr, int> refs;
            for (const Space& sp : spaces) {
                ASSERT_EQ(sp.as->owned_frames(), sp.fill.size());
                for (const auto& [v, f] : sp.fill) {
                    auto t = sp.as->translate(v);
                    ASSERT_TRUE(t.ok());
                    ASSERT_TRUE(all_bytes(*sp.as, v, f)) << "step " << step;
                    ++refs[t.value().pa];
                }
            }
            ASSERT_EQ(frames.live(), refs.size()) << "step " << step;
            for (const auto& [pa, n] : refs) {
                ASSERT_EQ(frames.refs(pa), n) << "step " << step;
                // A shared frame is writable nowhere.
                if (n > 1) {
                    for (const Space& sp : spaces)
                        for (const auto& entry : sp.fill) {
                            auto t = sp.as->translate(entry.first).value();
                            if (t.pa == pa) {
                                ASSERT_FALSE(mm::has(t.flags, W));
                            }
                        }
                }
            }
        }
        EXPECT_GT(copies, 10);
        EXPECT_GT(in_place, 3);
        for (Space& sp : spaces) sp.as->destroy();
        EXPECT_EQ(frames.live(), 0u);
        EXPECT_EQ(frames.shared_frames(), 0u);
        EXPECT_EQ(tables.live(), 0u);
    }
}

// ---- Teardown -----------------------------------------------------------------------------------

TEST_F(AddressSpaceTest, DestroyReturnsEveryTableAndOwnedFrame) {
    AddressSpace& as = make();
    ASSERT_TRUE(as.map_new(kVa, 5 * k4K, R | W).ok());
    ASSERT_TRUE(as.map_new(kVa + (std::uint64_t{1} << 39), 3 * k4K, R).ok());  // another L0 slot
    ASSERT_TRUE(as.map_existing(kVa + k2M, kDevicePa, 2 * k4K, R | D).ok());
    EXPECT_GT(tables.live(), 4u);
    EXPECT_EQ(frames.live(), 8u);
    as.destroy();
    EXPECT_FALSE(as.alive());
    EXPECT_EQ(tables.live(), 0u);
    EXPECT_EQ(frames.live(), 0u);
    EXPECT_EQ(as.owned_frames(), 0u);
    EXPECT_THROW((void)as.map_new(kVa, k4K, R), lib::AssertionFailure);  // dead
}

TEST_F(AddressSpaceTest, AssignAsidPointsTheTableAtTheAsidDestroyInvalidates) {
    auto asids = std::make_unique<mm::AsidAllocator>(8);
    AddressSpace& as = make();
    EXPECT_EQ(as.table().asid(), 0);
    bool flush = true;
    std::uint16_t asid = as.assign_asid(*asids, flush);
    EXPECT_FALSE(flush);
    EXPECT_NE(asid, 0);
    EXPECT_EQ(as.table().asid(), asid);
    EXPECT_TRUE(asids->is_current(as.context_id()));
    ASSERT_TRUE(as.map_new(kVa, k4K, R | W).ok());
    tlb.clear();
    ASSERT_TRUE(as.unmap(kVa, k4K).ok());
    ASSERT_EQ(tlb.invalidations().size(), 1u);
    EXPECT_EQ(tlb.invalidations()[0].asid, asid);
    tlb.clear();
    as.destroy();
    EXPECT_EQ(tlb.invalidations(), (std::vector<TlbCall>{TlbCall::whole_asid(asid)}));
    asids->release(as.context_id());
    EXPECT_EQ(asids->in_use(), 0u);
}

// ---- Out of memory ------------------------------------------------------------------------------

// map_new across an L2 and an L1 boundary, failing at every user-frame and every table allocation:
// each failure leaves no mapping and no frame behind, and the next attempt succeeds.
TEST_F(AddressSpaceTest, MapNewRollsBackWhenMemoryRunsOut) {
    const VirtAddr va = kVa + (std::uint64_t{1} << 30) - 3 * k4K;  // pages on both sides of 1 GiB
    const std::size_t size = 6 * k4K;
    for (int which = 0; which < 2; ++which) {
        for (long n = 0;; ++n) {
            SCOPED_TRACE(std::string(which == 0 ? "user" : "table") + " frames fail after " +
                         std::to_string(n));
            AddressSpace& as = make();
            ASSERT_TRUE(as.map_new(kVa, k4K, R).ok());  // something to keep
            const std::size_t table_base = tables.live();
            const std::size_t frame_base = frames.live();
            (which == 0 ? static_cast<void>(frames.fail_after(n)) : tables.fail_after(n));
            lib::Status st = as.map_new(va, size, R | W);
            frames.fail_after(-1);
            tables.fail_after(-1);
            if (st.ok()) {
                EXPECT_GT(n, 0);
                EXPECT_EQ(as.owned_frames(), 7u);
                as.destroy();
                break;
            }
            EXPECT_EQ(st.error(), lib::Error::NoMemory);
            EXPECT_EQ(tables.live(), table_base);
            EXPECT_EQ(frames.live(), frame_base);
            EXPECT_EQ(as.owned_frames(), 1u);
            EXPECT_TRUE(as.table().audit().ok());
            for (std::size_t off = 0; off < size; off += k4K) EXPECT_FALSE(as.translate(va + off).ok());
            ASSERT_TRUE(as.map_new(va, size, R | W).ok());  // memory back: works
            as.destroy();
            ASSERT_LT(n, 20);
        }
    }
    EXPECT_EQ(tables.live(), 0u);
    EXPECT_EQ(frames.live(), 0u);
}

TEST_F(AddressSpaceTest, MapExistingRollsBackWhenTablesRunOut) {
    const VirtAddr va = kVa + k2M - 2 * k4K;
    for (long n = 0;; ++n) {
        SCOPED_TRACE("tables fail after " + std::to_string(n));
        AddressSpace& as = make();
        const std::size_t base = tables.live();
        tables.fail_after(n);
        lib::Status st = as.map_existing(va, kDevicePa, 4 * k4K, R);
        tables.fail_after(-1);
        if (st.ok()) {
            as.destroy();
            break;
        }
        EXPECT_EQ(st.error(), lib::Error::NoMemory);
        EXPECT_EQ(tables.live(), base);
        EXPECT_FALSE(as.translate(va).ok());
        as.destroy();
        ASSERT_LT(n, 10);
    }
    EXPECT_EQ(tables.live(), 0u);
}

TEST_F(AddressSpaceTest, CloneRollsBackWhenMemoryRunsOut) {
    AddressSpace& parent = make();
    ASSERT_TRUE(parent.map_new(kVa, 3 * k4K, R | W).ok());
    ASSERT_TRUE(parent.map_new(kVa + (std::uint64_t{1} << 30), 2 * k4K, R).ok());
    ASSERT_TRUE(parent.map_existing(kVa + k2M, kDevicePa, k4K, R | D).ok());
    std::memset(bytes_at(parent, kVa), 0x42, k4K);
    const std::size_t table_base = tables.live();
    const std::size_t frame_base = frames.live();
    for (int which = 0; which < 2; ++which) {
        for (long n = 0;; ++n) {
            SCOPED_TRACE(std::string(which == 0 ? "user" : "table") + " frames fail after " +
                         std::to_string(n));
            (which == 0 ? static_cast<void>(frames.fail_after(n)) : tables.fail_after(n));
            auto r = parent.clone_eager(storage());
            frames.fail_after(-1);
            tables.fail_after(-1);
            if (r.ok()) {
                EXPECT_GT(n, 0);
                EXPECT_EQ(r.value()->owned_frames(), 5u);
                r.value()->destroy();
                break;
            }
            EXPECT_EQ(r.error(), lib::Error::NoMemory);
            EXPECT_EQ(tables.live(), table_base);
            EXPECT_EQ(frames.live(), frame_base);
            ASSERT_LT(n, 20);
        }
    }
    // The parent is untouched.
    EXPECT_EQ(parent.owned_frames(), 5u);
    EXPECT_TRUE(all_bytes(parent, kVa, 0x42));
    EXPECT_TRUE(parent.table().audit().ok());
    parent.destroy();
    EXPECT_EQ(tables.live(), 0u);
    EXPECT_EQ(frames.live(), 0u);
}

// ---- Randomised against a model -----------------------------------------------------------------
//
// Pages in a 96-page window that straddles a 2 MiB boundary. The model: per page, mapped or not,
// owned or borrowed (and then its PA), its flags, and for owned pages the byte the test last wrote.
// After every operation the table's leaves must equal the model, owned_frames() and the user-frame
// pool must count the owned pages, and the table bookkeeping must audit clean. Some operations run
// with memory about to run out; a failed one must leave the model unchanged.

struct ModelPage {
    bool owned;
    PhysAddr pa;      // borrowed pages only
    MapFlags flags;   // as the caller gave them (without User/Owned)
    std::uint8_t fill;
};

constexpr VirtAddr kWindow = kVa + k2M - 48 * k4K;
constexpr int kWindowPages = 96;

class Model {
public:
    std::map<VirtAddr, ModelPage> pages;

    bool any_mapped(VirtAddr va, std::size_t n) const {
        for (std::size_t i = 0; i < n; ++i) {
            if (pages.count(va + i * k4K)) return true;
        }
        return false;
    }
    bool all_mapped(VirtAddr va, std::size_t n) const {
        for (std::size_t i = 0; i < n; ++i) {
            if (!pages.count(va + i * k4K)) return false;
        }
        return true;
    }
    std::size_t owned() const {
        std::size_t n = 0;
        for (const auto& entry : pages) n += entry.second.owned ? 1 : 0;
        return n;
    }
};

// The engine's rules for the flags the random test picks from.
bool valid_flags(MapFlags f) { return mm::has(f, R) && !mm::has(f, W | X) && !mm::has(f, D | X); }

TEST_F(AddressSpaceTest, RandomOperationsMatchModel) {
    // Checks one space against the model. frames_live: what the user-frame pool must hold.
    auto compare = [&](const AddressSpace& as, const Model& m, std::size_t frames_live,
                       const std::string& where) {
        std::size_t leaves = 0;
        std::map<PhysAddr, int> owned_pas;
        lib::Status st = as.table().for_each_mapping([&](const mm::Mapping& leaf) -> lib::Status {
            ++leaves;
            auto it = m.pages.find(leaf.va);
            EXPECT_TRUE(it != m.pages.end()) << where << ": stray page 0x" << std::hex << leaf.va;
            if (it == m.pages.end()) return lib::Error::Malformed;
            const ModelPage& p = it->second;
            EXPECT_EQ(leaf.size, k4K) << where;
            EXPECT_EQ(leaf.flags, p.flags | U | (p.owned ? O : MapFlags::None)) << where;
            if (p.owned) {
                EXPECT_TRUE(frames.is_live(leaf.pa)) << where;
                EXPECT_EQ(++owned_pas[leaf.pa], 1) << where << ": frame owned twice";
                EXPECT_TRUE(all_bytes(as, leaf.va, p.fill)) << where << ": contents";
            } else {
                EXPECT_EQ(leaf.pa, p.pa) << where;
            }
            return {};
        });
        ASSERT_TRUE(st.ok()) << where;
        ASSERT_EQ(leaves, m.pages.size()) << where;
        ASSERT_EQ(as.owned_frames(), m.owned()) << where;
        ASSERT_EQ(frames.live(), frames_live) << where;
        ASSERT_TRUE(as.table().audit().ok()) << where;
    };

    for (unsigned seed : {11u, 12u, 13u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        AddressSpace* as = &make();
        Model model;
        // What the run exercised, checked at the end so a change that makes it trivial fails.
        int mapped_new = 0, mapped_existing = 0, unmapped = 0, protected_ = 0, forks = 0,
            out_of_memory = 0;
        const MapFlags good[] = {R, R | W, R | X, R | W, R | D, R | W | D};
        const MapFlags bad[] = {R | W | X, R | D | X, W};
        for (int op = 0; op < 2000; ++op) {
            const std::string where = "op " + std::to_string(op);
            const std::size_t n = 1 + rng() % 6;
            const VirtAddr va = kWindow + (rng() % (kWindowPages - n + 1)) * k4K;
            const MapFlags f = rng() % 6 == 0 ? bad[rng() % 3] : good[rng() % 6];
            const bool oom = rng() % 8 == 0;
            if (oom) {
                if (rng() % 2) {
                    frames.fail_after(rng() % 3);
                } else {
                    tables.fail_after(rng() % 2);
                }
            }
            // Checks a failed call: NoMemory only when memory was made to run out and nothing else
            // was wrong; otherwise exactly the expected error. The model stays as it was.
            auto check_failure = [&](lib::Error got, bool expect_ok, lib::Error expected) {
                if (got == lib::Error::NoMemory) {
                    ++out_of_memory;
                    ASSERT_TRUE(oom && expect_ok) << where;
                } else {
                    ASSERT_FALSE(expect_ok) << where << ": " << lib::error_name(got);
                    ASSERT_EQ(got, expected) << where;
                }
            };
            const unsigned kind = rng() % 100;
            if (kind < 30) {
                lib::Status st = as->map_new(va, n * k4K, f);
                // Flags (Device too: owned frames are RAM) are checked before overlap.
                const lib::Error expected = !valid_flags(f) || mm::has(f, D)
                                                ? lib::Error::InvalidArgument
                                                : lib::Error::AlreadyMapped;
                const bool expect_ok = valid_flags(f) && !mm::has(f, D) && !model.any_mapped(va, n);
                if (st.ok()) {
                    ASSERT_TRUE(expect_ok) << where;
                    ++mapped_new;
                    for (std::size_t i = 0; i < n; ++i) model.pages[va + i * k4K] = {true, 0, f, 0};
                } else {
                    check_failure(st.error(), expect_ok, expected);
                }
            } else if (kind < 42) {
                const PhysAddr pa = 0x8000'0000 + (rng() % 1000) * k4K;
                lib::Status st = as->map_existing(va, pa, n * k4K, f);
                const lib::Error expected =
                    valid_flags(f) ? lib::Error::AlreadyMapped : lib::Error::InvalidArgument;
                const bool expect_ok = valid_flags(f) && !model.any_mapped(va, n);
                if (st.ok()) {
                    ASSERT_TRUE(expect_ok) << where;
                    ++mapped_existing;
                    for (std::size_t i = 0; i < n; ++i) {
                        model.pages[va + i * k4K] = {false, pa + i * k4K, f, 0};
                    }
                } else {
                    check_failure(st.error(), expect_ok, expected);
                }
            } else if (kind < 72) {
                lib::Status st = as->unmap(va, n * k4K);
                ASSERT_EQ(st.ok(), model.all_mapped(va, n)) << where;  // never needs memory
                if (st.ok()) {
                    ++unmapped;
                    for (std::size_t i = 0; i < n; ++i) model.pages.erase(va + i * k4K);
                } else {
                    ASSERT_EQ(st.error(), lib::Error::NotMapped) << where;
                }
            } else if (kind < 85) {
                lib::Status st = as->protect(va, n * k4K, f);
                const bool mapped = model.all_mapped(va, n);
                ASSERT_EQ(st.ok(), valid_flags(f) && mapped) << where;  // never needs memory
                if (st.ok()) {
                    ++protected_;
                    for (std::size_t i = 0; i < n; ++i) model.pages[va + i * k4K].flags = f;
                } else {
                    ASSERT_EQ(st.error(),
                              valid_flags(f) ? lib::Error::NotMapped : lib::Error::InvalidArgument)
                        << where;
                }
            } else if (kind < 95) {
                // Fill the first mapped page at or after va, if it is owned.
                auto it = model.pages.lower_bound(va);
                if (it != model.pages.end() && it->second.owned) {
                    const auto v = static_cast<std::uint8_t>(1 + rng() % 255);
                    std::memset(bytes_at(*as, it->first), v, k4K);
                    it->second.fill = v;
                }
            } else {
                // fork: the child replaces the parent (which exits) half of the time.
                auto r = as->clone_eager(storage());
                frames.fail_after(-1);
                tables.fail_after(-1);
                if (!r.ok()) {
                    ++out_of_memory;
                    ASSERT_TRUE(oom) << where;
                    ASSERT_EQ(r.error(), lib::Error::NoMemory) << where;
                } else {
                    ++forks;
                    compare(*r.value(), model, 2 * model.owned(), where + " (child)");
                    if (rng() % 2) {
                        as->destroy();
                        as = r.value();
                    } else {
                        r.value()->destroy();
                    }
                }
            }
            frames.fail_after(-1);
            tables.fail_after(-1);
            compare(*as, model, model.owned(), where);
            if (HasFatalFailure()) return;
        }
        as->destroy();
        EXPECT_EQ(frames.live(), 0u);
        EXPECT_EQ(tables.live(), 0u);
        EXPECT_GT(mapped_new, 50);
        EXPECT_GT(mapped_existing, 20);
        EXPECT_GT(unmapped, 50);
        EXPECT_GT(protected_, 20);
        EXPECT_GT(forks, 20);
        EXPECT_GT(out_of_memory, 10);
    }
}

}  // namespace
