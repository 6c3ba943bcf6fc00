// Host tests for mm::RangeSet: hand-picked merge/split cases, then random add/subtract sequences
// checked against a bitmap over a small address space (the canonical form must equal its runs).
#include <gtest/gtest.h>

#include <bitset>
#include <cstdint>
#include <random>
#include <vector>

#include "mm/phys_ranges.h"

namespace {

using mm::PhysRange;
using mm::RangeSet;

template <std::size_t N>
std::vector<PhysRange> ranges_of(const RangeSet<N>& s) {
    return std::vector<PhysRange>(s.begin(), s.end());
}

TEST(PhysRangesTest, AddMergesOverlappingAndAdjacentRanges) {
    RangeSet<8> s;
    ASSERT_TRUE(s.add({0x1000, 0x1000}).ok());
    ASSERT_TRUE(s.add({0x4000, 0x1000}).ok());
    EXPECT_EQ(s.count(), 2u);
    ASSERT_TRUE(s.add({0x2000, 0x1000}).ok());  // touches the first
    EXPECT_EQ(ranges_of(s), (std::vector<PhysRange>{{0x1000, 0x2000}, {0x4000, 0x1000}}));
    ASSERT_TRUE(s.add({0x2800, 0x2000}).ok());  // bridges both
    EXPECT_EQ(ranges_of(s), (std::vector<PhysRange>{{0x1000, 0x4000}}));
    EXPECT_EQ(s.total_size(), 0x4000u);
}

TEST(PhysRangesTest, SubtractSplitsAContainingRange) {
    RangeSet<4> s;
    ASSERT_TRUE(s.add({0x4000'0000, 0x1000'0000}).ok());
    ASSERT_TRUE(s.subtract({0x4008'0000, 0x20'0000}).ok());  // kernel image in the middle
    EXPECT_EQ(ranges_of(s), (std::vector<PhysRange>{{0x4000'0000, 0x8'0000}, {0x4028'0000, 0xFD8'0000}}));
    ASSERT_TRUE(s.subtract({0x3000'0000, 0x1000'1000}).ok());  // overlaps the start
    EXPECT_EQ(ranges_of(s), (std::vector<PhysRange>{{0x4000'1000, 0x7'F000}, {0x4028'0000, 0xFD8'0000}}));
    ASSERT_TRUE(s.subtract({0x0, 0x1'0000'0000}).ok());
    EXPECT_TRUE(s.empty());
}

TEST(PhysRangesTest, OverflowingCapacityFailsAndLeavesTheSetUnchanged) {
    RangeSet<2> s;
    ASSERT_TRUE(s.add({0x0000, 0x1000}).ok());
    ASSERT_TRUE(s.add({0x3000, 0x3000}).ok());
    const auto before = ranges_of(s);
    auto r = s.add({0x8000, 0x1000});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), lib::Error::OutOfRange);
    EXPECT_EQ(ranges_of(s), before);
    r = s.subtract({0x4000, 0x1000});  // split of the second range needs a third slot
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), lib::Error::OutOfRange);
    EXPECT_EQ(ranges_of(s), before);
    EXPECT_TRUE(s.subtract({0x5000, 0x1000}).ok());  // trimming an end needs no slot
}

TEST(PhysRangesTest, RejectsRangesThatWrapAndIgnoresEmptyOnes) {
    RangeSet<2> s;
    auto r = s.add({0xFFFF'FFFF'FFFF'F000, 0x2000});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), lib::Error::InvalidArgument);
    EXPECT_EQ(s.subtract({0xFFFF'FFFF'FFFF'F000, 0x2000}).error(), lib::Error::InvalidArgument);
    EXPECT_TRUE(s.add({0x5000, 0}).ok());
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(s.add({0xFFFF'FFFF'FFFF'E000, 0x1000}).ok());
    EXPECT_TRUE(s.contains(0xFFFF'FFFF'FFFF'EFFF));
    EXPECT_FALSE(s.contains(0xFFFF'FFFF'FFFF'F000));
}

TEST(PhysRangesTest, AlignInwardTrimsAndDropsRanges) {
    RangeSet<4> s;
    ASSERT_TRUE(s.add({0x1800, 0x2000}).ok());   // 0x1800..0x3800 -> 0x2000..0x3000
    ASSERT_TRUE(s.add({0x5100, 0x0E00}).ok());   // no whole page: dropped
    ASSERT_TRUE(s.add({0x8000, 0x1000}).ok());   // already aligned
    s.align_inward(0x1000);
    EXPECT_EQ(ranges_of(s), (std::vector<PhysRange>{{0x2000, 0x1000}, {0x8000, 0x1000}}));
}

// Reference model: one bit per unit over a small space. The set's canonical form must be exactly
// the maximal runs of set bits, and an operation must fail with OutOfRange iff the runs exceed N.
constexpr std::size_t kUnits = 256;
constexpr std::uint64_t kUnit = 0x100;
constexpr std::uint64_t kOrigin = 0x4000'0000;

std::vector<PhysRange> runs_of(const std::bitset<kUnits>& bits) {
    std::vector<PhysRange> out;
    std::size_t i = 0;
    while (i < kUnits) {
        if (!bits[i]) { ++i; continue; }
        std::size_t j = i;
        while (j < kUnits && bits[j]) ++j;
        out.push_back({kOrigin + i * kUnit, (j - i) * kUnit});
        i = j;
    }
    return out;
}

template <std::size_t N>
void run_random_model(std::uint32_t seed, int ops) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", capacity " + std::to_string(N));
    std::mt19937 rng(seed);
    RangeSet<N> set;
    std::bitset<kUnits> model;
    int failures = 0;
    for (int op = 0; op < ops; ++op) {
        const std::size_t a = rng() % kUnits;
        const std::size_t len = rng() % 4 == 0 ? rng() % kUnits : rng() % 12;
        const std::size_t b = a + len > kUnits ? kUnits : a + len;
        const PhysRange r{kOrigin + a * kUnit, (b - a) * kUnit};
        const bool adding = rng() % 5 < 3;
        std::bitset<kUnits> next = model;
        for (std::size_t k = a; k < b; ++k) next[k] = adding;
        const auto expected = runs_of(next);
        const auto before = ranges_of(set);
        const lib::Status st = adding ? set.add(r) : set.subtract(r);
        if (expected.size() > N) {
            ASSERT_FALSE(st.ok()) << "op " << op;
            ASSERT_EQ(st.error(), lib::Error::OutOfRange) << "op " << op;
            ASSERT_EQ(ranges_of(set), before) << "op " << op;
            ++failures;
        } else {
            ASSERT_TRUE(st.ok()) << "op " << op;
            ASSERT_EQ(ranges_of(set), expected) << "op " << op;
            model = next;
        }
        ASSERT_EQ(set.total_size(), model.count() * kUnit);
        const std::size_t probe = rng() % kUnits;
        ASSERT_EQ(set.contains(kOrigin + probe * kUnit), model[probe]);
    }
    if (N <= 4) {
        EXPECT_GT(failures, 0) << "the capacity limit was never exercised";
    }
}

TEST(PhysRangesTest, RandomAddSubtractMatchesBitmapModel) {
    run_random_model<64>(12345, 20000);
    run_random_model<4>(777, 20000);
    run_random_model<1>(31337, 5000);
}

}  // namespace
