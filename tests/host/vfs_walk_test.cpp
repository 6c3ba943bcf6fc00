// Host tests for the path walk (kernel/fs/walk.cpp): ".", "..", mounts crossed both ways, the
// process root, symbolic links (relative and absolute targets, loops, MAXSYMLINKS), trailing
// slashes, ENAMETOOLONG, search permission, walk_parent.
#include <string>

#include "vfs_fixture.h"

using namespace vfs_test;
using namespace kernel::abi;

namespace {

using WalkTest = NameSpaceTest;

TEST_F(WalkTest, DotAndDotDotResolveAgainstTheWalkSoFar) {
    Inode* passwd = inode("/etc/passwd");
    ASSERT_NE(passwd, nullptr);
    EXPECT_EQ(inode("/etc/./passwd"), passwd);
    EXPECT_EQ(inode("/etc/../etc/passwd"), passwd);
    EXPECT_EQ(inode("/bin/../etc/../etc/./passwd"), passwd);
    EXPECT_EQ(inode("//etc///passwd"), passwd);
    EXPECT_EQ(inode("/.."), rootfs->root());
    EXPECT_EQ(inode("/../../.."), rootfs->root());
    EXPECT_EQ(inode("/."), rootfs->root());
    EXPECT_EQ(inode("/"), rootfs->root());
    Path etc = must("/etc");
    EXPECT_EQ(error_of("passwd", kFollowLast, nullptr, etc), 0);
    EXPECT_EQ(error_of("../bin/prog", kFollowLast, nullptr, etc), 0);
    EXPECT_EQ(error_of("bin/prog", kFollowLast, nullptr, etc), ENOENT);
    put(etc);
}

TEST_F(WalkTest, MountsAreCrossedDownAndDotDotClimbsOut) {
    Path t = must("/tmp");
    EXPECT_EQ(t.inode, tmp->root());
    EXPECT_NE(t.mnt, root_path().mnt);
    ASSERT_NE(drop(t.inode->mkdir("a", 1, 0755, 0, 0)), nullptr);
    put(t);
    Path a = must("/tmp/a");
    EXPECT_EQ(error_of("..", kFollowLast, nullptr, a), 0);
    EXPECT_EQ(inode("/tmp/a/.."), tmp->root());
    EXPECT_EQ(inode("/tmp/a/../.."), rootfs->root());
    EXPECT_EQ(inode("/tmp/../etc/passwd"), inode("/etc/passwd"));
    Path up = must("../..", kFollowLast, a);
    EXPECT_EQ(up.inode, rootfs->root());
    EXPECT_EQ(up.mnt, root_path().mnt);
    put(up);
    put(a);
}

TEST_F(WalkTest, DotDotStopsAtTheProcessRoot) {
    Path etc = must("/etc");
    EXPECT_EQ(error_of("/passwd", kFollowLast, nullptr, etc, etc), 0);
    EXPECT_EQ(error_of("/../../passwd", kFollowLast, nullptr, etc, etc), 0);
    EXPECT_EQ(error_of("../bin", kFollowLast, nullptr, etc, etc), ENOENT);
    // An absolute symbolic link starts again at the process root too.
    EXPECT_EQ(error_of("abs", kFollowLast, nullptr, etc, etc), ENOENT);   // /etc/motd under /etc: /etc/etc/motd
    put(etc);
}

TEST_F(WalkTest, SymbolicLinksAreFollowedFromTheLinksDirectory) {
    Inode* motd = inode("/etc/motd");
    EXPECT_EQ(inode("/etc/motd.link"), motd);
    EXPECT_EQ(inode("/etc/abs"), motd);
    EXPECT_EQ(inode("/etc/here/here/motd"), motd);
    EXPECT_EQ(inode("/dir_link/passwd"), inode("/etc/passwd"));
    EXPECT_EQ(content("/etc/motd.link"), "hello\n");
    // Not following the last component gives the link itself; one before the last is followed.
    Inode* link = inode("/etc/motd.link", 0);
    ASSERT_NE(link, nullptr);
    EXPECT_TRUE(link->is_symlink());
    EXPECT_EQ(inode("/dir_link/motd", 0), motd);
    EXPECT_EQ(error_of("/dangling"), ENOENT);
    EXPECT_EQ(error_of("/dangling", 0), 0);
}

TEST_F(WalkTest, LoopsAndLongChainsGiveEloop) {
    EXPECT_EQ(error_of("/loop1"), ELOOP);
    EXPECT_EQ(error_of("/self"), ELOOP);
    EXPECT_EQ(error_of("/self/x", 0), ELOOP);
    EXPECT_EQ(error_of("/self", 0), 0);
    // A chain of links l0 -> l1 -> ... -> l40 -> target: 40 followed is the most.
    Inode* t = tmp->root();
    ASSERT_NE(drop(t->create("target", 6, kS_IFREG | 0644, 0, 0, 0)), nullptr);
    for (int i = 0; i <= 40; ++i) {
        const std::string name = "l" + std::to_string(i);
        const std::string target = i == 40 ? "target" : "l" + std::to_string(i + 1);
        auto r = t->symlink(name.c_str(), name.size(), target.c_str(), target.size(), 0, 0);
        ASSERT_TRUE(r.ok());
        r.value()->put_locked();
    }
    EXPECT_EQ(error_of("/tmp/l1"), 0);     // 40 links
    EXPECT_EQ(error_of("/tmp/l0"), ELOOP); // 41
    EXPECT_EQ(error_of("/tmp/l0", 0), 0);
}

TEST_F(WalkTest, TrailingSlashesNeedADirectory) {
    EXPECT_EQ(error_of("/etc/"), 0);
    EXPECT_EQ(error_of("/etc//"), 0);
    EXPECT_EQ(error_of("/etc/passwd/"), ENOTDIR);
    EXPECT_EQ(error_of("/etc/passwd/."), ENOTDIR);
    EXPECT_EQ(error_of("/etc/passwd/x"), ENOTDIR);
    EXPECT_EQ(error_of("/nope/x"), ENOENT);
    // A trailing slash follows a link even without kFollowLast.
    EXPECT_EQ(inode("/dir_link/", 0), inode("/etc"));
    EXPECT_EQ(error_of("/etc/motd.link/", 0), ENOTDIR);
    EXPECT_EQ(error_of("/etc", kMustBeDir), 0);
    EXPECT_EQ(error_of("/etc/motd", kMustBeDir), ENOTDIR);
    EXPECT_EQ(error_of("/dir_link", kMustBeDir), 0);   // followed: a directory is required
}

TEST_F(WalkTest, EmptyPathsAndLengthLimits) {
    EXPECT_EQ(error_of(""), ENOENT);
    Path etc = must("/etc");
    Path same = must("", kAllowEmpty, etc);
    EXPECT_EQ(same.inode, etc.inode);
    put(same);
    put(etc);
    const std::string c255(255, 'a'), c256(256, 'a');
    EXPECT_EQ(error_of(("/" + c255).c_str()), ENOENT);
    EXPECT_EQ(error_of(("/" + c256).c_str()), ENAMETOOLONG);
    EXPECT_EQ(error_of(("/" + c256 + "/x").c_str()), ENAMETOOLONG);
    std::string slashes(4095, '/');
    EXPECT_EQ(error_of(slashes.c_str()), 0);       // 4095 bytes: fits PATH_MAX with its NUL
    slashes += '/';
    EXPECT_EQ(error_of(slashes.c_str()), ENAMETOOLONG);
}

TEST_F(WalkTest, SearchPermissionOnEveryDirectoryCrossed) {
    const Credentials u = user_cred(1000, 1000);
    EXPECT_EQ(error_of("/secret/file", kFollowLast, &u), EACCES);
    EXPECT_EQ(error_of("/secret/nope", kFollowLast, &u), EACCES);
    EXPECT_EQ(error_of("/secret", kFollowLast, &u), 0);    // the directory itself can be named
    EXPECT_EQ(error_of("/secret/file", kFollowLast), 0);   // root
    EXPECT_EQ(error_of("/secret/.", kFollowLast, &u), EACCES);
    const Credentials g = user_cred(1000, 0);   // in group 0: no group bits either
    EXPECT_EQ(error_of("/secret/file", kFollowLast, &g), EACCES);
    EXPECT_EQ(error_of("/etc/passwd", kFollowLast, &u), 0);
}

TEST_F(WalkTest, WalkParentSplitsOffTheLastComponent) {
    auto r = walk_parent(start(), "/etc/passwd");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().dir.inode, inode("/etc"));
    EXPECT_EQ(std::string(r.value().name, r.value().len), "passwd");
    EXPECT_FALSE(r.value().trailing_slash);
    put(r.value().dir);

    r = walk_parent(start(), "/tmp/new/");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().dir.inode, tmp->root());
    EXPECT_EQ(std::string(r.value().name, r.value().len), "new");
    EXPECT_TRUE(r.value().trailing_slash);
    put(r.value().dir);

    Path etc = must("/etc");
    r = walk_parent(start(nullptr, etc), "x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().dir.inode, etc.inode);
    put(r.value().dir);
    r = walk_parent(start(nullptr, etc), "here/..");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::string(r.value().name, r.value().len), "..");
    EXPECT_EQ(r.value().dir.inode, etc.inode);   // "here" followed to etc itself
    put(r.value().dir);
    put(etc);

    r = walk_parent(start(), "/");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().len, 0u);
    EXPECT_EQ(r.value().dir.inode, rootfs->root());
    put(r.value().dir);

    EXPECT_EQ(walk_parent(start(), "").errno_value(), ENOENT);
    EXPECT_EQ(walk_parent(start(), "/nope/x").errno_value(), ENOENT);
    EXPECT_EQ(walk_parent(start(), "/etc/passwd/x").errno_value(), ENOTDIR);
    EXPECT_EQ(walk_parent(start(), ("/tmp/" + std::string(256, 'n')).c_str()).errno_value(), ENAMETOOLONG);
    const Credentials u = user_cred(1000, 1000);
    EXPECT_EQ(walk_parent(start(&u), "/secret/x").errno_value(), EACCES);
    r = walk_parent(start(&u), "/secret");   // "/" can be searched: the name is not looked up here
    ASSERT_TRUE(r.ok());
    put(r.value().dir);
}

}  // namespace

namespace {

TEST_F(WalkTest, PathRefOwnsOneReference) {
    Inode* etc = inode("/etc");
    const long base = etc->refs();
    Path p = must("/etc");
    EXPECT_EQ(etc->refs(), base + 1);
    unlock();   // PathRef's destructor puts with Inode::put, which takes the lock for a last reference
    {
        PathRef a(p);
        PathRef b = a.clone();
        EXPECT_EQ(etc->refs(), base + 2);
        PathRef c(std::move(b));
        EXPECT_FALSE(static_cast<bool>(b));
        EXPECT_EQ(c.inode(), etc);
        c = std::move(a);   // c's own reference is dropped
        EXPECT_EQ(etc->refs(), base + 1);
        Path r = c.release();
        EXPECT_FALSE(static_cast<bool>(c));
        EXPECT_EQ(etc->refs(), base + 1);
        PathRef back(r);
    }
    lock();
    EXPECT_EQ(etc->refs(), base);
}

}  // namespace
