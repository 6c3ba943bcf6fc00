// Host tests for mm::BuddyAllocator over a host buffer standing in for RAM at a fake physical base:
// split/merge behaviour, every refused free() (by message), the zeroed-metadata contract, a 2 GiB
// init + add that must cost O(blocks) (phys_to_virt calls and metadata bytes written are counted),
// and a randomised run against a reference model (live-block list + per-frame byte map).
// Budget: well under 3 s with sanitizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/support.h"
#include "mm/buddy_allocator.h"

namespace {

using mm::BuddyAllocator;
using mm::kPageSize;
using mm::PhysAddr;
constexpr unsigned kMaxOrder = BuddyAllocator::kMaxOrder;
constexpr std::uint64_t kMiB = 1024 * 1024;

// Host memory posing as RAM at [base, base + size).
class FakeRam {
public:
    FakeRam(PhysAddr base, std::uint64_t size)
        : m_base(base), m_size(size), m_mem(static_cast<unsigned char*>(std::aligned_alloc(kPageSize, size))) {}
    ~FakeRam() { std::free(m_mem); }
    FakeRam(const FakeRam&) = delete;
    FakeRam& operator=(const FakeRam&) = delete;

    static void* phys_to_virt(PhysAddr pa, void* ctx) {
        auto* self = static_cast<FakeRam*>(ctx);
        ++self->m_calls;
        if (pa < self->m_base || pa - self->m_base >= self->m_size)
            throw std::out_of_range("phys_to_virt outside the fake RAM");
        return self->m_mem + (pa - self->m_base);
    }
    std::size_t calls() const { return m_calls; }

private:
    PhysAddr m_base;
    std::uint64_t m_size;
    unsigned char* m_mem;
    std::size_t m_calls = 0;
};

// Runs fn, which must fail a KASSERT whose message contains `what`.
template <typename Fn>
void expect_assert(Fn fn, const std::string& what) {
    try {
        fn();
        ADD_FAILURE() << "no KASSERT; expected \"" << what << "\"";
    } catch (const lib::AssertionFailure& e) {
        EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << "got: " << e.what();
    }
}

std::array<std::size_t, kMaxOrder + 1> free_blocks_by_order(const BuddyAllocator& a) {
    std::array<std::size_t, kMaxOrder + 1> out{};
    for (unsigned o = 0; o <= kMaxOrder; ++o) out[o] = a.free_blocks(o);
    return out;
}

// Independent computation of the canonical free state: each maximal run of free frames split greedily
// into the largest physically aligned blocks.
std::array<std::size_t, kMaxOrder + 1> greedy_blocks(const std::vector<std::pair<PhysAddr, std::uint64_t>>& runs) {
    std::array<std::size_t, kMaxOrder + 1> out{};
    for (auto [base, size] : runs) {
        PhysAddr p = base;
        const PhysAddr end = base + size;
        while (p < end) {
            unsigned o = kMaxOrder;
            while ((p % (kPageSize << o)) != 0 || p + (kPageSize << o) > end) --o;
            ++out[o];
            p += kPageSize << o;
        }
    }
    return out;
}

// An allocator over a FakeRam with its (zeroed, as init requires) metadata, for the small tests.
struct Rig {
    Rig(PhysAddr base, std::uint64_t size)
        : ram(base, size), meta(BuddyAllocator::metadata_bytes_needed(base, size), 0) {
        EXPECT_TRUE(alloc.init(base, size, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
    }
    FakeRam ram;
    std::vector<std::uint8_t> meta;
    BuddyAllocator alloc;
};

constexpr PhysAddr kBase = 0x4000'0000;

TEST(BuddyAllocatorTest, AddFreeRangeCreatesMaximalAlignedBlocks) {
    Rig r(kBase, 16 * kMiB);
    EXPECT_EQ(r.alloc.free_frames(), 0u);
    EXPECT_EQ(r.alloc.alloc(0).error(), lib::Error::NoMemory);  // everything starts Reserved
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 0x3000, 9 * kMiB).ok());
    const auto expect = greedy_blocks({{kBase + 0x3000, 9 * kMiB}});
    EXPECT_EQ(free_blocks_by_order(r.alloc), expect);
    EXPECT_EQ(r.alloc.total_frames(), 9 * kMiB / kPageSize);
    EXPECT_EQ(r.alloc.free_frames(), 9 * kMiB / kPageSize);
    r.alloc.check_invariants();
}

TEST(BuddyAllocatorTest, AdjacentRangesAddedSeparatelyMergeIntoMaximalBlocks) {
    Rig r(kBase, 8 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 3 * kMiB, 5 * kMiB).ok());
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 3 * kMiB).ok());
    r.alloc.check_invariants();
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 2u);
    for (unsigned o = 0; o < kMaxOrder; ++o) EXPECT_EQ(r.alloc.free_blocks(o), 0u) << "order " << o;
}

TEST(BuddyAllocatorTest, SplitsOnAllocAndCoalescesBuddiesOnFree) {
    Rig r(kBase, 4 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 4 * kMiB).ok());
    auto a = r.alloc.alloc(0);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.value(), kBase);  // lower half kept at every split
    for (unsigned o = 0; o < kMaxOrder; ++o) EXPECT_EQ(r.alloc.free_blocks(o), 1u) << "order " << o;
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 0u);
    EXPECT_EQ(r.alloc.allocated_blocks(0), 1u);
    auto b = r.alloc.alloc(0);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value(), kBase + kPageSize);  // a's buddy, from the order-0 list
    EXPECT_EQ(r.alloc.free_blocks(0), 0u);
    r.alloc.check_invariants();
    r.alloc.free(a.value(), 0);  // buddy b still allocated: no merge
    EXPECT_EQ(r.alloc.free_blocks(0), 1u);
    r.alloc.free(b.value(), 0);  // merges all the way up
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 1u);
    for (unsigned o = 0; o < kMaxOrder; ++o) EXPECT_EQ(r.alloc.free_blocks(o), 0u) << "order " << o;
    EXPECT_EQ(r.alloc.free_frames(), r.alloc.total_frames());
    r.alloc.check_invariants();
}

TEST(BuddyAllocatorTest, BlocksArePhysicallyAlignedEvenWhenTheSpanIsNot) {
    const PhysAddr base = kBase + 0x10'3000;  // not 4 MiB aligned
    const std::uint64_t size = 13 * kMiB;
    EXPECT_GT(BuddyAllocator::metadata_bytes_needed(base, size), size / kPageSize);
    EXPECT_LE(BuddyAllocator::metadata_bytes_needed(base, size), BuddyAllocator::metadata_bytes_needed(size));
    Rig r(base, size);
    ASSERT_TRUE(r.alloc.add_free_range(base, size).ok());
    EXPECT_EQ(free_blocks_by_order(r.alloc), greedy_blocks({{base, size}}));
    std::vector<std::pair<PhysAddr, unsigned>> got;
    for (unsigned o = kMaxOrder + 1; o-- > 0;) {
        auto a = r.alloc.alloc(o);
        ASSERT_TRUE(a.ok()) << "order " << o;
        EXPECT_EQ(a.value() % (kPageSize << o), 0u) << "order " << o;
        EXPECT_GE(a.value(), base);
        EXPECT_LE(a.value() + (kPageSize << o), base + size);
        got.push_back({a.value(), o});
    }
    r.alloc.check_invariants();
    for (auto [pa, o] : got) r.alloc.free(pa, o);
    EXPECT_EQ(free_blocks_by_order(r.alloc), greedy_blocks({{base, size}}));
    r.alloc.check_invariants();
}

TEST(BuddyAllocatorTest, ReturnsNoMemoryWhenExhaustedAndRecovers) {
    Rig r(kBase, 4 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 0x5000, 3 * kMiB).ok());
    std::vector<PhysAddr> frames;
    for (;;) {
        auto a = r.alloc.alloc(0);
        if (!a.ok()) {
            EXPECT_EQ(a.error(), lib::Error::NoMemory);
            break;
        }
        frames.push_back(a.value());
    }
    EXPECT_EQ(frames.size(), 3 * kMiB / kPageSize);
    EXPECT_EQ(r.alloc.free_frames(), 0u);
    for (unsigned o = 0; o <= kMaxOrder; ++o) EXPECT_EQ(r.alloc.alloc(o).error(), lib::Error::NoMemory);
    r.alloc.check_invariants();
    for (PhysAddr pa : frames) r.alloc.free(pa, 0);
    EXPECT_EQ(free_blocks_by_order(r.alloc), greedy_blocks({{kBase + 0x5000, 3 * kMiB}}));
    r.alloc.check_invariants();
}

TEST(BuddyAllocatorTest, RejectsOrdersAboveMax) {
    Rig r(kBase, 4 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 4 * kMiB).ok());
    EXPECT_EQ(r.alloc.alloc(kMaxOrder + 1).error(), lib::Error::InvalidArgument);
    EXPECT_THROW(r.alloc.free(kBase, kMaxOrder + 1), lib::AssertionFailure);
}

TEST(BuddyAllocatorTest, InitAndAddFreeRangeRejectBadArguments) {
    FakeRam ram(kBase, 8 * kMiB);
    std::vector<std::uint8_t> meta(BuddyAllocator::metadata_bytes_needed(8 * kMiB), 0);
    {
        BuddyAllocator a;
        EXPECT_FALSE(a.init(kBase + 1, 8 * kMiB, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 8 * kMiB - 1, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 0, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 8 * kMiB, meta.data(), 2047, &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 8 * kMiB, nullptr, meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 8 * kMiB, meta.data(), meta.size(), nullptr, &ram).ok());
        EXPECT_FALSE(a.init(0xFFFF'FFFF'FFE0'0000, 0x10'0000, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        ASSERT_TRUE(a.init(kBase, 8 * kMiB, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
        EXPECT_FALSE(a.init(kBase, 8 * kMiB, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());

        EXPECT_EQ(a.add_free_range(kBase + 0x800, 0x1000).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase, 0x1800).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase, 0).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase - 0x1000, 0x2000).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase + 8 * kMiB - 0x1000, 0x2000).error(), lib::Error::InvalidArgument);
        ASSERT_TRUE(a.add_free_range(kBase + kMiB, kMiB).ok());
        // Overlapping memory already added is refused whole, with nothing changed: a range straddling
        // its start, one inside it, one strictly containing it, and a page inside one of its blocks.
        EXPECT_EQ(a.add_free_range(kBase + kMiB / 2, kMiB).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase + kMiB + 0x5000, 0x1000).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase, 4 * kMiB).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.add_free_range(kBase + 2 * kMiB - 0x1000, 0x2000).error(), lib::Error::InvalidArgument);
        EXPECT_EQ(a.free_frames(), kMiB / kPageSize);
        EXPECT_EQ(a.total_frames(), kMiB / kPageSize);
        a.check_invariants();
        // Touching it on either side is fine.
        EXPECT_TRUE(a.add_free_range(kBase + 2 * kMiB, 0x1000).ok());
        EXPECT_TRUE(a.add_free_range(kBase + kMiB - 0x1000, 0x1000).ok());
        a.check_invariants();
    }
}

// The reverse case a check of block heads alone would miss: a small block added first, then a range
// whose greedy blocks would swallow it without any head of theirs landing on it.
TEST(BuddyAllocatorTest, AddFreeRangeRefusesARangeContainingSmallerEarlierMemory) {
    Rig r(kBase, 8 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 0x5000, 0x1000).ok());
    EXPECT_EQ(r.alloc.add_free_range(kBase, 4 * kMiB).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(r.alloc.add_free_range(kBase + 0x4000, 0x2000).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(r.alloc.total_frames(), 1u);
    r.alloc.check_invariants();
    // Around it, it works and merges.
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 0x5000).ok());
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 0x6000, 4 * kMiB - 0x6000).ok());
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 1u);
    EXPECT_EQ(r.alloc.total_frames(), 4 * kMiB / kPageSize);
    r.alloc.check_invariants();
}

// The allocator records at most kMaxRanges disjoint runs; one more is refused with nothing changed,
// while memory adjacent to a recorded run (which extends it) is still accepted.
TEST(BuddyAllocatorTest, AddFreeRangeRefusesMoreThanMaxRangesDisjointRuns) {
    Rig r(kBase, 8 * kMiB);
    for (std::size_t k = 0; k < BuddyAllocator::kMaxRanges; ++k)
        ASSERT_TRUE(r.alloc.add_free_range(kBase + 2 * k * kPageSize, kPageSize).ok()) << k;
    const PhysAddr next = kBase + 2 * BuddyAllocator::kMaxRanges * kPageSize;
    EXPECT_EQ(r.alloc.add_free_range(next, kPageSize).error(), lib::Error::OutOfRange);
    EXPECT_EQ(r.alloc.total_frames(), BuddyAllocator::kMaxRanges);
    EXPECT_EQ(r.alloc.free_frames(), BuddyAllocator::kMaxRanges);
    r.alloc.check_invariants();
    EXPECT_TRUE(r.alloc.add_free_range(next - kPageSize, kPageSize).ok());  // fills the last gap
    EXPECT_TRUE(r.alloc.add_free_range(next, 4 * kMiB).ok());               // extends the last run
    r.alloc.check_invariants();
}

// init writes no metadata at all: the caller zeroes it. It checks a sample (first and last 64 bytes)
// and refuses metadata that is visibly not zeroed, staying uninitialised.
TEST(BuddyAllocatorTest, InitRequiresZeroedMetadataAndWritesNone) {
    FakeRam ram(kBase, 8 * kMiB);
    const std::size_t n = BuddyAllocator::metadata_bytes_needed(kBase, 8 * kMiB);
    for (std::size_t bad : {std::size_t{0}, std::size_t{63}, n - 64, n - 1}) {
        std::vector<std::uint8_t> meta(n, 0);
        meta[bad] = 0x80;
        BuddyAllocator a;
        expect_assert([&] { (void)a.init(kBase, 8 * kMiB, meta.data(), n, &FakeRam::phys_to_virt, &ram); },
                      "init needs zeroed metadata");
        meta[bad] = 0;
        ASSERT_TRUE(a.init(kBase, 8 * kMiB, meta.data(), n, &FakeRam::phys_to_virt, &ram).ok()) << bad;
    }
    // Poison past the needed size and check that init wrote nothing.
    std::vector<std::uint8_t> meta(n + 16, 0);
    for (std::size_t i = n; i < meta.size(); ++i) meta[i] = 0xA5;
    BuddyAllocator a;
    ASSERT_TRUE(a.init(kBase, 8 * kMiB, meta.data(), meta.size(), &FakeRam::phys_to_virt, &ram).ok());
    EXPECT_EQ(a.metadata_writes(), 0u);
    EXPECT_EQ(ram.calls(), 0u);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(meta[i], 0u) << i;
    for (std::size_t i = n; i < meta.size(); ++i) ASSERT_EQ(meta[i], 0xA5u) << i;
    // And adding memory writes only head bytes: here 2 MiB at a 2 MiB boundary is one block.
    ASSERT_TRUE(a.add_free_range(kBase + 2 * kMiB, 2 * kMiB).ok());
    EXPECT_EQ(a.metadata_writes(), 1u);
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < n; ++i) nonzero += meta[i] != 0;
    EXPECT_EQ(nonzero, 1u);
    a.check_invariants();
}

// Fixture for the refused-free cases: a span with a hole, some blocks handed out.
class BuddyAllocatorFreeErrorTest : public ::testing::Test {
protected:
    BuddyAllocatorFreeErrorTest() : r(kBase, 8 * kMiB) {}
    void SetUp() override {
        ASSERT_TRUE(r.alloc.add_free_range(kBase, 4 * kMiB).ok());
        ASSERT_TRUE(r.alloc.add_free_range(kBase + 5 * kMiB, 3 * kMiB).ok());  // hole: [4 MiB, 5 MiB)
    }
    // free() must refuse with a message containing `why`, and leave the allocator exactly as it was.
    void expect_refused(PhysAddr pa, unsigned order, const char* why) {
        SCOPED_TRACE(testing::Message() << std::hex << pa << " order " << std::dec << order);
        const auto before = free_blocks_by_order(r.alloc);
        const std::size_t free_before = r.alloc.free_frames();
        expect_assert([&] { r.alloc.free(pa, order); }, why);
        EXPECT_EQ(free_blocks_by_order(r.alloc), before);
        EXPECT_EQ(r.alloc.free_frames(), free_before);
        EXPECT_NO_THROW(r.alloc.check_invariants());
    }
    Rig r;
};

TEST_F(BuddyAllocatorFreeErrorTest, DoubleFreeOfAnUnmergedBlockAsserts) {
    const PhysAddr a = r.alloc.alloc(0).value();
    const PhysAddr b = r.alloc.alloc(0).value();
    ASSERT_EQ(a ^ b, kPageSize);  // buddies
    r.alloc.free(a, 0);           // b keeps it from merging: a is a FreeHead
    expect_refused(a, 0, "double free (block is already free)");
    r.alloc.free(b, 0);
}

TEST_F(BuddyAllocatorFreeErrorTest, DoubleFreeAfterMergingAsserts) {
    const PhysAddr a = r.alloc.alloc(0).value();
    const PhysAddr b = r.alloc.alloc(0).value();
    r.alloc.free(a, 0);
    r.alloc.free(b, 0);  // merged: both are now inside a larger free block
    ASSERT_EQ(a ^ b, kPageSize);
    expect_refused(std::min(a, b), 0, "double free");  // the merged block's head: FreeHead of a larger order
    expect_refused(std::max(a, b), 0, "free of a frame inside a block");  // now a tail
}

TEST_F(BuddyAllocatorFreeErrorTest, FreeOfAFrameNeverHandedOutAsserts) {
    expect_refused(kBase + 4 * kMiB + 0x3000, 0, "never handed out (reserved)");  // in the hole
    expect_refused(kBase + 4 * kMiB, 0, "never handed out (reserved)");           // first frame of the hole
    expect_refused(kBase + 5 * kMiB - kPageSize, 0, "never handed out (reserved)");  // its last frame
    expect_refused(kBase + 6 * kMiB + 0x5000, 0, "inside a block");  // a tail frame inside a free block
    expect_refused(kBase + 5 * kMiB, 0, "block is already free");    // the head of a free block
    const PhysAddr a = r.alloc.alloc(2).value();
    expect_refused(a + kPageSize, 0, "inside a block");  // a tail frame of an allocated block
    r.alloc.free(a, 2);
}

TEST_F(BuddyAllocatorFreeErrorTest, FreeWithTheWrongOrderAsserts) {
    const PhysAddr a = r.alloc.alloc(2).value();
    expect_refused(a, 1, "wrong order");
    expect_refused(a, 0, "wrong order");
    if ((a % (kPageSize << 3)) == 0) expect_refused(a, 3, "wrong order");
    r.alloc.free(a, 2);
    r.alloc.check_invariants();
}

TEST_F(BuddyAllocatorFreeErrorTest, FreeOfAMisalignedAddressAsserts) {
    const PhysAddr a = r.alloc.alloc(2).value();
    expect_refused(a + 0x10, 2, "misaligned");
    expect_refused(a + 0x10, 0, "misaligned");
    expect_refused(a + kPageSize, 1, "misaligned");  // not 8 KiB aligned
    r.alloc.free(a, 2);
}

TEST_F(BuddyAllocatorFreeErrorTest, FreeOutsideTheSpanAsserts) {
    expect_refused(kBase - kPageSize, 0, "outside the span");
    expect_refused(kBase + 8 * kMiB, 0, "outside the span");
    expect_refused(0, 0, "outside the span");
    expect_refused(0xFFFF'FFFF'FFFF'F000, 0, "outside the span");
}

TEST_F(BuddyAllocatorFreeErrorTest, FreeWithAnOrderAboveMaxAsserts) {
    expect_refused(kBase, kMaxOrder + 1, "order > kMaxOrder");
    expect_refused(kBase, 63, "order > kMaxOrder");
}

// Memory added after allocations merges with the free neighbours it completes, and freeing the
// allocations then merges across the old boundary.
TEST_F(BuddyAllocatorFreeErrorTest, MemoryAddedLaterMergesWithFreeNeighbours) {
    const PhysAddr a = r.alloc.alloc(kMaxOrder).value();
    ASSERT_TRUE(r.alloc.add_free_range(kBase + 4 * kMiB, kMiB).ok());  // fills the hole
    r.alloc.check_invariants();
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 1u);  // [4 MiB, 8 MiB) merged whole
    r.alloc.free(a, kMaxOrder);
    EXPECT_EQ(r.alloc.free_blocks(kMaxOrder), 2u);
    for (unsigned o = 0; o < kMaxOrder; ++o) EXPECT_EQ(r.alloc.free_blocks(o), 0u) << "order " << o;
    r.alloc.check_invariants();
}

// 2 GiB: RAM is simulated only where the allocator actually writes (the FreeBlock at the head of each
// free block), and every phys_to_virt call is counted, as is every metadata byte written. A per-frame
// walk or fill would make ~524k of either.
struct SparseRam {
    std::map<PhysAddr, std::array<unsigned char, 64>> nodes;
    std::size_t calls = 0;
    static void* phys_to_virt(PhysAddr pa, void* ctx) {
        auto* self = static_cast<SparseRam*>(ctx);
        ++self->calls;
        return self->nodes[pa].data();
    }
};

TEST(BuddyAllocatorTest, InitOfTwoGibDoesNotWalkFrames) {
    const PhysAddr base = 0x4000'0000;
    const std::uint64_t size = 2048 * kMiB;
    SparseRam ram;
    std::vector<std::uint8_t> meta(BuddyAllocator::metadata_bytes_needed(base, size), 0);
    BuddyAllocator a;
    ASSERT_TRUE(a.init(base, size, meta.data(), meta.size(), &SparseRam::phys_to_virt, &ram).ok());
    EXPECT_EQ(ram.calls, 0u);
    EXPECT_EQ(a.metadata_writes(), 0u);
    // Two ranges around a hole, with unaligned edges, like RAM minus the kernel image.
    const PhysAddr image = base + 0x20'0000;
    const std::uint64_t image_size = 0x1'3000;
    ASSERT_TRUE(a.add_free_range(base, image - base).ok());
    ASSERT_TRUE(a.add_free_range(image + image_size, size - (image + image_size - base)).ok());
    const std::size_t frames = size / kPageSize;
    EXPECT_EQ(a.total_frames(), frames - image_size / kPageSize);
    // Blocks: ~size / 4 MiB plus a few per unaligned edge; each insertion or merge is one call.
    const std::size_t blocks = [&] {
        std::size_t n = 0;
        for (unsigned o = 0; o <= kMaxOrder; ++o) n += a.free_blocks(o);
        return n;
    }();
    EXPECT_LE(blocks, size / BuddyAllocator::kMaxBlockSize + 4 * kMaxOrder);
    EXPECT_LE(ram.calls, blocks + 4 * kMaxOrder);
    EXPECT_LT(ram.calls, frames / 500);
    // One head byte per block, plus one cleared head per merge at the range ends.
    EXPECT_LE(a.metadata_writes(), blocks + 4 * kMaxOrder);
    EXPECT_LT(a.metadata_writes(), 2000u);
    std::printf("buddy 2 GiB: %zu blocks, %zu phys_to_virt calls, %zu metadata bytes written\n", blocks,
                ram.calls, a.metadata_writes());
    EXPECT_EQ(free_blocks_by_order(a),
              greedy_blocks({{base, image - base}, {image + image_size, size - (image + image_size - base)}}));
    // And it is a working allocator.
    const PhysAddr x = a.alloc(0).value();
    const PhysAddr y = a.alloc(kMaxOrder).value();
    a.free(x, 0);
    a.free(y, kMaxOrder);
    a.check_invariants();
}

// The randomised run: >= 100k mixed-order alloc/free on a span with holes, against a model.
TEST(BuddyAllocatorTest, RandomAllocFreeMatchesReferenceModel) {
    const std::uint32_t seed = 0xB0DD1E5;
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const std::uint64_t span = 16 * kMiB;
    const std::size_t nframes = span / kPageSize;
    Rig r(kBase, span);
    // Free memory in four ranges (two of them adjacent) around holes of odd sizes.
    const std::vector<std::pair<PhysAddr, std::uint64_t>> ranges = {
        {kBase + 0x3000, 5 * kMiB - 0x3000},
        {kBase + 5 * kMiB + 0x7000, 7 * kMiB - 0x7000},
        {kBase + 13 * kMiB, 1536 * 1024},
        {kBase + 13 * kMiB + 1536 * 1024, 1536 * 1024 - 0x2000},
    };
    enum : std::uint8_t { Unmanaged, Free, Used };
    std::vector<std::uint8_t> model(nframes, Unmanaged);
    std::size_t model_free = 0;
    for (auto [b, s] : ranges) {
        ASSERT_TRUE(r.alloc.add_free_range(b, s).ok());
        for (std::uint64_t f = (b - kBase) / kPageSize; f < (b + s - kBase) / kPageSize; ++f) model[f] = Free;
        model_free += s / kPageSize;
    }
    const auto initial = free_blocks_by_order(r.alloc);
    EXPECT_EQ(initial, greedy_blocks({{kBase + 0x3000, 5 * kMiB - 0x3000},
                                      {kBase + 5 * kMiB + 0x7000, 7 * kMiB - 0x7000},
                                      {kBase + 13 * kMiB, 3 * kMiB - 0x2000}}));
    r.alloc.check_invariants();

    std::vector<std::pair<PhysAddr, unsigned>> live;
    std::array<std::size_t, kMaxOrder + 1> live_per_order{};
    std::size_t no_memory = 0, successes = 0;
    auto has_free_aligned_run = [&](unsigned o) {
        const std::size_t len = std::size_t{1} << o;
        for (std::size_t f = 0; f + len <= nframes; f += len) {
            std::size_t k = 0;
            while (k < len && model[f + k] == Free) ++k;
            if (k == len) return true;
        }
        return false;
    };
    auto random_order = [&]() -> unsigned {
        const unsigned x = rng() % 100;
        if (x < 70) return rng() % 3;
        if (x < 95) return 3 + rng() % 4;
        return 7 + rng() % 4;
    };

    constexpr int kOps = 120000;
    for (int op = 0; op < kOps; ++op) {
        // Alternate filling and draining phases so both exhaustion and wide merging happen.
        const unsigned alloc_percent = (op / 10000) % 2 == 0 ? 65 : 35;
        if (live.empty() || rng() % 100 < alloc_percent) {
            const unsigned o = random_order();
            auto res = r.alloc.alloc(o);
            if (!res.ok()) {
                ASSERT_EQ(res.error(), lib::Error::NoMemory) << "op " << op;
                ASSERT_FALSE(has_free_aligned_run(o)) << "op " << op << ": NoMemory with a free block of order " << o;
                ++no_memory;
            } else {
                const PhysAddr pa = res.value();
                ASSERT_EQ(pa % (kPageSize << o), 0u) << "op " << op;
                ASSERT_GE(pa, kBase) << "op " << op;
                const std::size_t f0 = (pa - kBase) / kPageSize;
                ASSERT_LE(f0 + (std::size_t{1} << o), nframes) << "op " << op;
                for (std::size_t k = 0; k < (std::size_t{1} << o); ++k) {
                    ASSERT_EQ(model[f0 + k], Free) << "op " << op << ": overlap or unmanaged frame";
                    model[f0 + k] = Used;
                }
                model_free -= std::size_t{1} << o;
                live.push_back({pa, o});
                ++live_per_order[o];
                ++successes;
            }
        } else {
            const std::size_t i = rng() % live.size();
            const auto [pa, o] = live[i];
            live[i] = live.back();
            live.pop_back();
            r.alloc.free(pa, o);
            const std::size_t f0 = (pa - kBase) / kPageSize;
            for (std::size_t k = 0; k < (std::size_t{1} << o); ++k) model[f0 + k] = Free;
            model_free += std::size_t{1} << o;
            --live_per_order[o];
        }
        ASSERT_EQ(r.alloc.free_frames(), model_free) << "op " << op;
        if (op % 2000 == 0) {
            for (unsigned o = 0; o <= kMaxOrder; ++o)
                ASSERT_EQ(r.alloc.allocated_blocks(o), live_per_order[o]) << "op " << op << " order " << o;
            ASSERT_NO_THROW(r.alloc.check_invariants()) << "op " << op;
        }
    }
    std::printf("buddy random: %zu ok, %zu NoMemory\n", successes, no_memory);
    EXPECT_GT(no_memory, 100u) << "exhaustion never exercised";
    EXPECT_GT(successes, 30000u);

    for (auto [pa, o] : live) r.alloc.free(pa, o);
    EXPECT_EQ(r.alloc.free_frames(), r.alloc.total_frames());
    EXPECT_EQ(free_blocks_by_order(r.alloc), initial);
    for (unsigned o = 0; o <= kMaxOrder; ++o) EXPECT_EQ(r.alloc.allocated_blocks(o), 0u);
    r.alloc.check_invariants();
}

TEST(BuddyAllocatorTest, CheckInvariantsDetectsCorruptedMetadata) {
    Rig r(kBase, 8 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 4 * kMiB).ok());  // [4 MiB, 8 MiB) stays Reserved
    const PhysAddr a = r.alloc.alloc(0).value();
    r.alloc.check_invariants();
    const std::size_t reserved = 5 * kMiB / kPageSize;
    const std::size_t tail = 2 * kMiB / kPageSize + 3;  // inside the free order-9 block at 2 MiB
    struct Case {
        std::size_t index;
        std::uint8_t value;
        const char* why;
    };
    const Case cases[] = {
        {0, 0x00, "orphan"},                        // the allocated head becomes a tail
        {0, 0x41, "block frame not a tail"},        // the allocated head claims order 1, over a free head
        {2 * kMiB / kPageSize, 0x49, "listed block not FreeHead"},  // a free block marked allocated
        {0, 0xC0, "malformed"},                     // both flags
        {0, 0x4F, "malformed"},                     // order 15
        {reserved, 0x40, "outside the memory added"},  // a head in Reserved memory
        {tail, 0x80, "block frame not a tail"},        // a head inside a block
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.why);
        const std::uint8_t saved = r.meta[c.index];
        r.meta[c.index] = c.value;
        expect_assert([&] { r.alloc.check_invariants(); }, c.why);
        r.meta[c.index] = saved;
        r.alloc.check_invariants();
    }
    r.alloc.free(a, 0);
    r.alloc.check_invariants();
}

// An allocated head whose order grows past the end of its run: every byte it now covers is zero (its
// tails, then Reserved memory), so only the run-extent check can name the fault.
TEST(BuddyAllocatorTest, CheckInvariantsDetectsABlockOverrunningItsRun) {
    Rig r(kBase, 8 * kMiB);
    ASSERT_TRUE(r.alloc.add_free_range(kBase, 2 * kMiB).ok());
    const PhysAddr a = r.alloc.alloc(kMaxOrder - 1).value();
    ASSERT_EQ(a, kBase);
    r.alloc.check_invariants();
    const std::uint8_t saved = r.meta[0];
    r.meta[0] = static_cast<std::uint8_t>(saved + 1);  // AllocHead of order kMaxOrder
    expect_assert([&] { r.alloc.check_invariants(); }, "block extends outside the memory added");
    r.meta[0] = saved;
    r.alloc.free(a, kMaxOrder - 1);
    r.alloc.check_invariants();
}

}  // namespace
