// Host tests for mounts (kernel/fs/mount.cpp) and path_of (getcwd's string): EBUSY and EINVAL
// rules, crossing in both directions, the mount list, "(unreachable)" outside the root.
#include <string>
#include <vector>

#include "vfs_fixture.h"

using namespace vfs_test;
using namespace kernel::abi;

namespace {

using MountTest = NameSpaceTest;

std::string path_string(const Path& root, const Path& p, std::size_t size = 4096) {
    std::vector<char> buf(size);
    const std::int64_t n = path_of(root, p, buf.data(), size);
    if (n < 0) return "<errno " + std::to_string(-n) + ">";
    EXPECT_EQ(std::string(buf.data()).size(), static_cast<std::size_t>(n));
    return std::string(buf.data());
}

TEST_F(MountTest, MountCoversADirectoryUntilUnmounted) {
    TmpFs* other = TmpFs::create(pages, 0, 0755);
    Path mnt = must("/mnt");
    Inode* covered = mnt.inode;
    auto m = mount(other, mnt, 0, "tmpfs");
    ASSERT_TRUE(m.ok());
    put(mnt);
    EXPECT_EQ(inode("/mnt"), other->root());
    EXPECT_EQ(inode("/mnt/.."), rootfs->root());
    EXPECT_EQ(drop(other->root()->create("f", 1, kS_IFREG | 0644, 0, 0, 0)) != nullptr, true);
    EXPECT_EQ(error_of("/mnt/f"), 0);
    EXPECT_NE(other->dev, 0u);
    EXPECT_NE(other->dev, tmp->dev);

    // In use: a place held below it, or the caller's own walk only (which umount takes over).
    Path held = must("/mnt/f");
    EXPECT_EQ(umount(must("/mnt"), 0), -EBUSY);
    put(held);
    EXPECT_EQ(umount(must("/mnt"), 0), 0);
    EXPECT_EQ(inode("/mnt"), covered);
    EXPECT_EQ(error_of("/mnt/f"), ENOENT);
}

TEST_F(MountTest, MountAndUmountErrors) {
    TmpFs* other = TmpFs::create(pages, 0, 0755);
    Path file = must("/etc/passwd");
    EXPECT_EQ(mount(other, file, 0, "tmpfs").errno_value(), ENOTDIR);
    put(file);
    Path t = must("/tmp");   // a mount's root already
    EXPECT_EQ(mount(other, t, 0, "tmpfs").errno_value(), EBUSY);
    put(t);
    delete other;
    EXPECT_EQ(umount(must("/etc"), 0), -EINVAL);   // not a mount's root
    EXPECT_EQ(umount(must("/"), 0), -EBUSY);       // the root stays
    // A mount below another keeps it busy.
    Path tp = must("/tmp");
    ASSERT_NE(drop(tp.inode->mkdir("sub", 3, 0755, 0, 0)), nullptr);
    put(tp);
    TmpFs* inner = TmpFs::create(pages, 0, 0755);
    Path sub = must("/tmp/sub");
    ASSERT_TRUE(mount(inner, sub, 0, "inner").ok());
    put(sub);
    EXPECT_EQ(umount(must("/tmp"), 0), -EBUSY);
    EXPECT_EQ(umount(must("/tmp/sub"), 0), 0);
}

TEST_F(MountTest, ForEachMountListsInMountOrder) {
    TmpFs* other = TmpFs::create(pages, 0, 0755);
    Path mnt = must("/mnt");
    ASSERT_TRUE(mount(other, mnt, kMS_RDONLY, "a-very-long-source-name-that-gets-cut-short").ok());
    put(mnt);
    std::vector<std::string> seen;
    for_each_mount(
        [](const Mount& m, void* ctx) {
            static_cast<std::vector<std::string>*>(ctx)->push_back(std::string(m.source) + ":" + m.sb->type_name() +
                                                                    (m.flags & kMS_RDONLY ? ":ro" : ":rw"));
        },
        &seen);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], "rootfs:rootfs:ro");
    EXPECT_EQ(seen[1], "tmpfs:tmpfs:rw");
    EXPECT_EQ(seen[2].substr(0, 31), std::string("a-very-long-source-name-that-gets-cut-short").substr(0, 31));
    EXPECT_EQ(seen[2].substr(31), ":tmpfs:ro");
    EXPECT_EQ(umount(must("/mnt"), 0), 0);
}

TEST_F(MountTest, PathOfNamesDirectoriesAcrossMounts) {
    Path tp = must("/tmp");
    ASSERT_NE(drop(tp.inode->mkdir("a", 1, 0755, 0, 0)), nullptr);
    put(tp);
    Path a = must("/tmp/a");
    ASSERT_NE(drop(a.inode->mkdir("b", 1, 0755, 0, 0)), nullptr);
    Path b = must("/tmp/a/b");
    const Path root = root_path();
    EXPECT_EQ(path_string(root, b), "/tmp/a/b");
    EXPECT_EQ(path_string(root, a), "/tmp/a");
    EXPECT_EQ(path_string(root, root), "/");
    Path etc = must("/etc");
    EXPECT_EQ(path_string(root, etc), "/etc");
    // Seen from a chroot at /tmp: its own root is "/", and what lies outside is unreachable.
    Path t = must("/tmp");
    EXPECT_EQ(path_string(t, b), "/a/b");
    EXPECT_EQ(path_string(t, t), "/");
    EXPECT_EQ(path_string(t, etc), "(unreachable)/etc");
    EXPECT_EQ(path_string(a, etc), "(unreachable)/etc");
    // Buffer sizes: the NUL must fit.
    EXPECT_EQ(path_string(root, b, 9), "/tmp/a/b");
    EXPECT_EQ(path_string(root, b, 8), "<errno 34>");
    // A removed directory has no name any more (getcwd: ENOENT).
    ASSERT_EQ(a.inode->rmdir("b", 1), 0);
    EXPECT_EQ(path_string(root, b), "<errno 2>");
    EXPECT_EQ(error_of("..", kFollowLast, nullptr, b), 0);   // its parent is still reachable
    EXPECT_EQ(error_of("x", kFollowLast, nullptr, b), ENOENT);
    put(b);
    put(a);
    put(t);
    put(etc);
}

}  // namespace

namespace {

TEST_F(MountTest, ReadOnlyComesFromTheFileSystemOrTheMount) {
    Path etc = must("/etc");
    EXPECT_TRUE(is_read_only(etc));   // rootfs
    put(etc);
    Path t = must("/tmp");
    EXPECT_FALSE(is_read_only(t));
    put(t);
    TmpFs* other = TmpFs::create(pages, 0, 0755);
    Path mnt = must("/mnt");
    ASSERT_TRUE(mount(other, mnt, kMS_RDONLY, "ro").ok());
    put(mnt);
    Path ro = must("/mnt");
    EXPECT_TRUE(is_read_only(ro));
    EXPECT_FALSE(other->read_only);
    EXPECT_EQ(umount(ro, 0), 0);
}

}  // namespace
