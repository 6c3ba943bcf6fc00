// Host tests for kernel/fs/credentials: Linux's generic_permission (one class of bits applies:
// owner, else group, else other), root's override, supplementary groups and the sticky rule.
#include <gtest/gtest.h>

#include "kernel/fs/credentials.h"
#include "kernel/syscall/linux_abi.h"

using namespace kernel::fs;
using kernel::abi::kEACCES;
using kernel::abi::kEPERM;

namespace {

constexpr std::uint32_t kReg = 0100000, kDir = 0040000;

Credentials user(std::uint32_t uid, std::uint32_t gid) {
    Credentials c;
    c.ruid = c.euid = c.suid = c.fsuid = uid;
    c.rgid = c.egid = c.sgid = c.fsgid = gid;
    return c;
}

struct Row {
    std::uint32_t mode, uid, gid;
    int mask;
    int want_owner, want_group, want_other;   // results for uid 1000 gid 100 as owner, in group, neither
};

TEST(CredentialsTest, PermissionTableForOwnerGroupAndOthers) {
    const Row rows[] = {
        {kReg | 0600, 0, 0, kMayRead, 0, -kEACCES, -kEACCES},
        {kReg | 0600, 0, 0, kMayWrite, 0, -kEACCES, -kEACCES},
        {kReg | 0600, 0, 0, kMayExec, -kEACCES, -kEACCES, -kEACCES},
        {kReg | 0640, 0, 0, kMayRead, 0, 0, -kEACCES},
        {kReg | 0640, 0, 0, kMayWrite, 0, -kEACCES, -kEACCES},
        {kReg | 0644, 0, 0, kMayRead, 0, 0, 0},
        {kReg | 0755, 0, 0, kMayExec | kMayRead, 0, 0, 0},
        {kReg | 0751, 0, 0, kMayExec, 0, 0, 0},
        {kReg | 0751, 0, 0, kMayRead, 0, 0, -kEACCES},
        // The owner's class applies even when it grants less than the others'.
        {kReg | 0077, 0, 0, kMayRead, -kEACCES, 0, 0},
        {kReg | 0707, 0, 0, kMayRead, 0, -kEACCES, 0},
        {kDir | 0711, 0, 0, kMayExec, 0, 0, 0},
        {kDir | 0700, 0, 0, kMayExec, 0, -kEACCES, -kEACCES},
        {kDir | 0755, 0, 0, kMayWrite | kMayExec, 0, -kEACCES, -kEACCES},
        {kReg | 0000, 0, 0, 0, 0, 0, 0},   // asking for nothing always passes
    };
    for (const Row& r : rows) {
        const Credentials owner = user(1000, 100), group = user(2000, 100), other = user(3000, 300);
        SCOPED_TRACE(testing::Message() << std::oct << "mode " << r.mode << " mask " << r.mask);
        EXPECT_EQ(permission(owner, r.mode, 1000, 100, r.mask), r.want_owner);
        EXPECT_EQ(permission(group, r.mode, 1000, 100, r.mask), r.want_group);
        EXPECT_EQ(permission(other, r.mode, 1000, 100, r.mask), r.want_other);
    }
}

TEST(CredentialsTest, RootReadsAndWritesAnythingButExecutesOnlyWithAnXBit) {
    const Credentials root = user(0, 0);
    EXPECT_EQ(permission(root, kReg | 0000, 1000, 100, kMayRead | kMayWrite), 0);
    EXPECT_EQ(permission(root, kReg | 0000, 1000, 100, kMayExec), -kEACCES);
    EXPECT_EQ(permission(root, kReg | 0644, 1000, 100, kMayExec), -kEACCES);
    EXPECT_EQ(permission(root, kReg | 0001, 1000, 100, kMayExec), 0);
    EXPECT_EQ(permission(root, kReg | 0010, 1000, 100, kMayExec | kMayRead), 0);
    EXPECT_EQ(permission(root, kDir | 0000, 1000, 100, kMayExec | kMayWrite | kMayRead), 0);
}

TEST(CredentialsTest, FsIdsDecideNotTheRealOnes) {
    Credentials c = user(1000, 100);
    c.ruid = 0;   // real root, effective and fs user: not root
    EXPECT_EQ(permission(c, kReg | 0600, 0, 0, kMayRead), -kEACCES);
    c.fsuid = 0;  // fs root: root
    EXPECT_EQ(permission(c, kReg | 0600, 5, 5, kMayRead), 0);
}

TEST(CredentialsTest, SupplementaryGroupsCount) {
    Credentials c = user(1000, 100);
    EXPECT_TRUE(c.in_group(100));
    EXPECT_FALSE(c.in_group(7));
    c.groups[0] = 5;
    c.groups[1] = 7;
    c.ngroups = 2;
    EXPECT_TRUE(c.in_group(7));
    EXPECT_EQ(permission(c, kReg | 0640, 0, 7, kMayRead), 0);
    EXPECT_EQ(permission(c, kReg | 0640, 0, 8, kMayRead), -kEACCES);
    c.ngroups = 1;   // only the first counts now
    EXPECT_FALSE(c.in_group(7));
}

TEST(CredentialsTest, StickyDirectoriesProtectOtherUsersEntries) {
    const Credentials alice = user(1000, 100), bob = user(1001, 100), root = user(0, 0);
    const std::uint32_t tmp = kDir | 01777;
    EXPECT_EQ(sticky_check(alice, tmp, 0, 1000), 0);        // her own file
    EXPECT_EQ(sticky_check(bob, tmp, 0, 1000), -kEPERM);    // someone else's
    EXPECT_EQ(sticky_check(bob, tmp, 1001, 1000), 0);       // in his own directory
    EXPECT_EQ(sticky_check(root, tmp, 0, 1000), 0);
    EXPECT_EQ(sticky_check(bob, kDir | 0777, 0, 1000), 0);  // not sticky: no rule
}

}  // namespace
