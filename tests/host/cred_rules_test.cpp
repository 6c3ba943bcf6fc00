// Host tests for kernel/process/cred_rules: Linux's set*id rules (kernel/sys.c), exec's set-id
// credentials and the checks on other processes, including a randomised run of setresuid/setreuid/
// setuid against the invariant Linux keeps: without euid 0, no id ever leaves the set of ids held.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "kernel/process/cred_rules.h"
#include "kernel/syscall/linux_abi.h"

namespace {

using kernel::fs::Credentials;
namespace cred = kernel::cred;
constexpr std::uint32_t kNone = cred::kUnchanged;

Credentials user(std::uint32_t r, std::uint32_t e, std::uint32_t s) {
    Credentials c;
    c.ruid = r, c.euid = c.fsuid = e, c.suid = s;
    return c;
}

TEST(CredRulesTest, RootSetuidSetsAllFour) {
    Credentials c;
    EXPECT_EQ(cred::set_uid(c, 1000), 0);
    EXPECT_EQ(c.ruid, 1000u);
    EXPECT_EQ(c.euid, 1000u);
    EXPECT_EQ(c.suid, 1000u);
    EXPECT_EQ(c.fsuid, 1000u);
    EXPECT_EQ(cred::set_uid(c, 0), -kernel::abi::kEPERM);
    EXPECT_EQ(cred::set_uid(c, kNone), -kernel::abi::kEINVAL);
}

TEST(CredRulesTest, UserSetuidMovesOnlyTheEffectiveId) {
    Credentials c = user(1000, 2000, 3000);
    EXPECT_EQ(cred::set_uid(c, 3000), 0);
    EXPECT_EQ(c.ruid, 1000u);
    EXPECT_EQ(c.euid, 3000u);
    EXPECT_EQ(c.suid, 3000u);
    EXPECT_EQ(cred::set_uid(c, 2000), -kernel::abi::kEPERM);
    EXPECT_EQ(c.euid, 3000u);   // unchanged by the refusal
}

TEST(CredRulesTest, SetreuidSavedIdFollowsTheEffective) {
    Credentials c = user(1000, 2000, 0);
    EXPECT_EQ(cred::set_reuid(c, kNone, 0), 0);        // the saved id, != real: saved follows
    EXPECT_EQ(c.suid, 0u);
    EXPECT_EQ(cred::set_reuid(c, kNone, 1000), 0);     // == old real: saved stays
    EXPECT_EQ(c.suid, 0u);
    EXPECT_EQ(c.euid, 1000u);
    EXPECT_EQ(cred::set_reuid(c, 5, kNone), -kernel::abi::kEPERM);
}

TEST(CredRulesTest, SetresuidNoOpNeedsNoCapability) {
    Credentials c = user(1000, 1000, 1000);
    EXPECT_EQ(cred::set_resuid(c, 1000, 1000, 1000), 0);
    EXPECT_EQ(cred::set_resuid(c, kNone, kNone, kNone), 0);
    EXPECT_EQ(cred::set_resuid(c, kNone, 0, kNone), -kernel::abi::kEPERM);
}

TEST(CredRulesTest, FsuidReturnsOldAndFollowsEuid) {
    Credentials c = user(1000, 1000, 0);
    EXPECT_EQ(cred::set_fsuid(c, 0), 1000u);   // the saved id is 0
    EXPECT_EQ(c.fsuid, 0u);
    EXPECT_EQ(cred::set_fsuid(c, 77), 0u);     // refused
    EXPECT_EQ(c.fsuid, 0u);
    EXPECT_EQ(cred::set_fsuid(c, kNone), 0u);
    EXPECT_EQ(cred::set_resuid(c, kNone, 1000, kNone), 0);
    EXPECT_EQ(c.fsuid, 1000u);
}

TEST(CredRulesTest, GroupsSortedAndRootOnly) {
    Credentials c;
    const std::uint32_t g[] = {9, 3, 5, 3};
    ASSERT_EQ(cred::set_groups(c, g, 4), 0);
    EXPECT_EQ(c.ngroups, 4);
    EXPECT_EQ(c.groups[0], 3u);
    EXPECT_EQ(c.groups[1], 3u);
    EXPECT_EQ(c.groups[2], 5u);
    EXPECT_EQ(c.groups[3], 9u);
    Credentials u = user(1, 1, 1);
    EXPECT_EQ(cred::set_groups(u, g, 1), -kernel::abi::kEPERM);
}

TEST(CredRulesTest, SetGroupIdNeedsGroupExecute) {
    Credentials c = user(1000, 1000, 1000);
    c.rgid = c.egid = c.sgid = c.fsgid = 100;
    bool secure = false;
    Credentials n = cred::exec_credentials(c, 06755, 0, 50, false, secure);
    EXPECT_EQ(n.euid, 0u);
    EXPECT_EQ(n.suid, 0u);
    EXPECT_EQ(n.ruid, 1000u);
    EXPECT_EQ(n.egid, 50u);
    EXPECT_TRUE(secure);
    n = cred::exec_credentials(c, 02745, 0, 50, false, secure);   // S_ISGID without g+x: no change
    EXPECT_EQ(n.egid, 100u);
    EXPECT_FALSE(secure);
    n = cred::exec_credentials(c, 06755, 0, 50, true, secure);    // no_new_privs
    EXPECT_EQ(n.euid, 1000u);
    EXPECT_FALSE(secure);
}

TEST(CredRulesTest, KillNeedsARealOrSavedMatch) {
    EXPECT_TRUE(cred::may_signal(user(1000, 1000, 1000), user(1000, 0, 0)));    // ruid == ruid
    EXPECT_TRUE(cred::may_signal(user(5, 1000, 5), user(7, 7, 1000)));          // euid == suid
    EXPECT_FALSE(cred::may_signal(user(1000, 1000, 1000), user(0, 1000, 0)));  // target's euid does not count
    EXPECT_TRUE(cred::may_signal(user(1000, 0, 0), user(3, 3, 3)));             // CAP_KILL
}

TEST(CredRulesTest, PrlimitNeedsAllSixIdsToMatch) {
    EXPECT_TRUE(cred::may_prlimit(user(1000, 1000, 1000), user(1000, 1000, 1000)));
    EXPECT_FALSE(cred::may_prlimit(user(1000, 1000, 1000), user(1000, 1000, 0)));
    EXPECT_TRUE(cred::may_set_scheduling(user(1, 1000, 1), user(1000, 5, 5)));   // euid == ruid
    EXPECT_FALSE(cred::may_set_scheduling(user(1000, 1, 1), user(1000, 5, 5)));
}

// Without euid 0, the ids after any call are drawn from those held before it.
TEST(CredRulesTest, RandomCallsNeverGainAnId) {
    std::mt19937 rng(12345);
    const std::uint32_t pool[] = {0, 1000, 2000, 3000, kNone};
    auto pick = [&] { return pool[rng() % 5]; };
    for (int run = 0; run < 200; ++run) {
        Credentials c;
        for (int step = 0; step < 50; ++step) {
            const Credentials before = c;
            const std::set<std::uint32_t> held = {c.ruid, c.euid, c.suid};
            int r = -1;
            const unsigned call = rng() % 4;
            switch (call) {
            case 0: r = cred::set_uid(c, pick()); break;
            case 1: r = cred::set_reuid(c, pick(), pick()); break;
            case 2: (void)cred::set_resuid(c, pick(), pick(), pick()); break;
            default: (void)cred::set_fsuid(c, pick()); break;
            }
            if (before.euid != 0) {
                EXPECT_TRUE(held.count(c.ruid) && held.count(c.euid) && held.count(c.suid));
            }
            if (r == 0) {
                EXPECT_EQ(c.fsuid, c.euid);   // setuid and setreuid reset fsuid to euid
            } else if (call < 2) {
                EXPECT_EQ(c.euid, before.euid);   // a refusal changes nothing
            }
        }
    }
}

}  // namespace
