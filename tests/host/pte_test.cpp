// Host tests of the AArch64 descriptor encoding (arch/aarch64/pte.h): every attribute combination
// against the bit meanings of the ARM ARM (D8.3), decoded back, at every level.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "arch/aarch64/pte.h"

namespace {

using arch::PteAttrs;

// Every combination of the five portable attributes, allowed or not.
std::vector<PteAttrs> all_attrs() {
    std::vector<PteAttrs> out;
    for (unsigned m = 0; m < 32; ++m) {
        out.push_back(PteAttrs{.write = (m & 1) != 0,
                               .execute = (m & 2) != 0,
                               .user = (m & 4) != 0,
                               .device = (m & 8) != 0,
                               .global = (m & 16) != 0});
    }
    return out;
}

std::vector<PteAttrs> allowed_attrs() {
    std::vector<PteAttrs> out;
    for (PteAttrs a : all_attrs()) {
        if (arch::pte_attrs_allowed(a)) out.push_back(a);
    }
    return out;
}

unsigned ap_of(std::uint64_t d) { return static_cast<unsigned>((d >> 6) & 3); }  // AP[2:1]
unsigned attr_index_of(std::uint64_t d) { return static_cast<unsigned>((d >> 2) & 7); }
unsigned sh_of(std::uint64_t d) { return static_cast<unsigned>((d >> 8) & 3); }
bool bit(std::uint64_t d, unsigned n) { return ((d >> n) & 1) != 0; }

TEST(PteTest, LevelGeometryFollowsTheFourKiBGranule) {
    EXPECT_EQ(arch::pt_level_size(0), std::uint64_t{512} << 30);
    EXPECT_EQ(arch::pt_level_size(1), std::uint64_t{1} << 30);
    EXPECT_EQ(arch::pt_level_size(2), std::uint64_t{2} << 20);
    EXPECT_EQ(arch::pt_level_size(3), std::uint64_t{4} << 10);
    // VA[47:39] L0, [38:30] L1, [29:21] L2, [20:12] L3; bits above 47 do not select entries.
    std::uint64_t va = (std::uint64_t{0x1A5} << 39) | (std::uint64_t{0x0F3} << 30) |
                       (std::uint64_t{0x111} << 21) | (std::uint64_t{0x1FE} << 12) | 0xABC;
    EXPECT_EQ(arch::pt_index(va, 0), 0x1A5u);
    EXPECT_EQ(arch::pt_index(va, 1), 0x0F3u);
    EXPECT_EQ(arch::pt_index(va, 2), 0x111u);
    EXPECT_EQ(arch::pt_index(va, 3), 0x1FEu);
    EXPECT_EQ(arch::pt_index(va | 0xFFFF'0000'0000'0000, 0), 0x1A5u);
}

TEST(PteTest, ApFieldMatchesTheArmArmTable) {
    // AP[2:1]: 00 EL1 RW, 01 EL1+EL0 RW, 10 EL1 RO, 11 EL1+EL0 RO.
    EXPECT_EQ(ap_of(arch::pte_make_page(0x1000, {.write = true})), 0b00u);
    EXPECT_EQ(ap_of(arch::pte_make_page(0x1000, {.write = true, .user = true})), 0b01u);
    EXPECT_EQ(ap_of(arch::pte_make_page(0x1000, {})), 0b10u);
    EXPECT_EQ(ap_of(arch::pte_make_page(0x1000, {.user = true})), 0b11u);
}

TEST(PteTest, UserLeavesAreNeverExecutableAtEl1AndNeverGlobal) {
    for (PteAttrs a : allowed_attrs()) {
        if (!a.user) continue;
        std::uint64_t d = arch::pte_make_page(0x5000, a);
        EXPECT_TRUE(bit(d, 53)) << "PXN";
        EXPECT_TRUE(bit(d, 11)) << "nG";
        EXPECT_TRUE(bit(d, 6)) << "AP[1] (EL0 access)";
        EXPECT_EQ(bit(d, 54), !a.execute) << "UXN exactly when not executable";
    }
}

TEST(PteTest, KernelLeavesAreNeverReachableFromEl0) {
    for (PteAttrs a : allowed_attrs()) {
        if (a.user) continue;
        std::uint64_t d = arch::pte_make_page(0x5000, a);
        // EL0 execute permission depends on UXN alone, so UXN is needed besides AP[1] = 0.
        EXPECT_TRUE(bit(d, 54)) << "UXN";
        EXPECT_FALSE(bit(d, 6)) << "AP[1]";
        EXPECT_EQ(bit(d, 53), !a.execute) << "PXN exactly when not executable";
        EXPECT_EQ(bit(d, 11), !a.global) << "nG follows global";
    }
}

TEST(PteTest, WritableLeavesAreNeverExecutable) {
    for (PteAttrs a : all_attrs()) {
        if (!a.write) continue;
        if (a.execute) {
            EXPECT_FALSE(arch::pte_attrs_allowed(a));
            continue;
        }
        std::uint64_t d = arch::pte_make_page(0x5000, a);
        EXPECT_TRUE(bit(d, 53) && bit(d, 54));
    }
    EXPECT_FALSE(arch::pte_attrs_allowed({.write = true, .execute = true}));
}

TEST(PteTest, DeviceMemoryUsesMairSlotZeroAndIsNeverExecutable) {
    EXPECT_FALSE(arch::pte_attrs_allowed({.execute = true, .device = true}));
    for (PteAttrs a : all_attrs()) {
        if (!a.device) continue;
        // Even a combination the engine refuses encodes as never-executable.
        std::uint64_t d = arch::pte_make_page(0x9000'0000, a);
        EXPECT_EQ(attr_index_of(d), arch::kMairIdxDevice);
        EXPECT_TRUE(bit(d, 53) && bit(d, 54));
    }
}

TEST(PteTest, NormalMemoryIsWriteBackInnerShareable) {
    for (PteAttrs a : allowed_attrs()) {
        if (a.device) continue;
        std::uint64_t d = arch::pte_make_page(0x5000, a);
        EXPECT_EQ(attr_index_of(d), arch::kMairIdxNormal);
        EXPECT_EQ(sh_of(d), 0b11u);
    }
}

TEST(PteTest, AccessFlagIsAlwaysSetAndReservedBitsClear) {
    for (PteAttrs a : all_attrs()) {
        for (unsigned level = 1; level <= 3; ++level) {
            std::uint64_t d = arch::pte_make_leaf(arch::pt_level_size(level) * 3, level, a);
            EXPECT_TRUE(bit(d, 10));
            EXPECT_FALSE(bit(d, 5)) << "NS";
            EXPECT_EQ(d & (arch::kPteDbm | arch::kPteContiguous | arch::kPteSwMask), 0u);
            EXPECT_EQ(d & (std::uint64_t{0x1F} << 59), 0u);
            EXPECT_EQ(d & (std::uint64_t{0x7} << 48), 0u);
        }
    }
}

TEST(PteTest, LeavesRoundTripAtEveryLevel) {
    for (PteAttrs a : allowed_attrs()) {
        for (unsigned level = 1; level <= 3; ++level) {
            std::uint64_t pa = arch::pt_level_size(level) * 0x2B;
            std::uint64_t d = arch::pte_make_leaf(pa, level, a);
            EXPECT_TRUE(arch::pte_is_leaf(d, level));
            EXPECT_FALSE(arch::pte_is_table(d, level));
            EXPECT_EQ(bit(d, 1), level == 3) << "bit 1: page at L3, block above";
            EXPECT_EQ(arch::pte_address(d), pa);
            EXPECT_EQ(arch::pte_leaf_attrs(d), a);
            // Splitting a block copies its attribute bits to the children unchanged.
            EXPECT_EQ(arch::pte_make_leaf_raw(pa, level, arch::pte_leaf_bits_of(d)), d);
        }
    }
}

TEST(PteTest, ReservedEncodingsAreNotLeaves) {
    std::uint64_t l0_block = arch::pte_make_block(0, 0, {});
    EXPECT_FALSE(arch::pte_is_leaf(l0_block, 0));
    EXPECT_FALSE(arch::pte_is_table(l0_block, 0));
    std::uint64_t l3_with_bit1_clear = arch::pte_make_page(0x1000, {}) & ~arch::kPteTypePage;
    EXPECT_FALSE(arch::pte_is_leaf(l3_with_bit1_clear, 3));
    EXPECT_FALSE(arch::pte_is_leaf(0, 2));
    EXPECT_FALSE(arch::pte_is_table(arch::pte_make_table(0x1000, 1), 3)) << "no tables below L3";
}

TEST(PteTest, TableCountLivesOnlyInIgnoredBits) {
    const std::uint64_t pa = 0x0000'8765'4321'0000;
    for (unsigned count = 0; count <= 512; ++count) {
        std::uint64_t d = arch::pte_make_table(pa, count);
        EXPECT_EQ(arch::pte_table_count(d), count);
        EXPECT_EQ(arch::pte_address(d), pa);
        EXPECT_TRUE(arch::pte_is_table(d, 0) && arch::pte_is_table(d, 2));
        // Only bits [11:2] differ from the plain descriptor: ignored by the walker (ARM ARM D8.3.1).
        EXPECT_EQ((d ^ arch::pte_make_table(pa, 0)) & ~(std::uint64_t{0x3FF} << 2), 0u);
        EXPECT_EQ(arch::pte_with_table_count(d, 7), arch::pte_make_table(pa, 7));
    }
}

TEST(PteTest, SoftwareBitsLeaveTheMappingAlone) {
    std::uint64_t d = arch::pte_make_page(0x7000, {.write = true, .user = true});
    for (unsigned sw = 0; sw < 16; ++sw) {
        std::uint64_t s = arch::pte_with_sw_bits(d, sw);
        EXPECT_EQ(arch::pte_sw_bits(s), sw);
        EXPECT_EQ(s & ~arch::kPteSwMask, d);
        EXPECT_EQ(arch::pte_leaf_attrs(s), arch::pte_leaf_attrs(d));
    }
}

TEST(PteTest, MairValueMatchesTheAttributeIndices) {
    auto slot = [](unsigned i) { return (arch::kMairEl1Value >> (8 * i)) & 0xFF; };
    EXPECT_EQ(slot(arch::kMairIdxDevice), 0x04u);    // Device-nGnRE
    EXPECT_EQ(slot(arch::kMairIdxNormal), 0xFFu);    // Normal WB RW-allocate, inner and outer
    EXPECT_EQ(slot(arch::kMairIdxNormalNc), 0x44u);  // Normal non-cacheable
}

}  // namespace
