// A name space for host tests: a rootfs from a small archive at "/" and a tmpfs on /tmp, the VFS
// lock held for the whole test (as a system call holds it), and helpers that walk as a given user.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"
#include "vfs_host_support.h"

namespace vfs_test {

// A created inode with the creator's reference dropped (its name keeps it); null on error.
inline Inode* drop(ErrorOr<Inode*> r) {
    if (!r.ok()) return nullptr;
    r.value()->put_locked();
    return r.value();
}

inline Credentials user_cred(std::uint32_t uid, std::uint32_t gid) {
    Credentials c;
    c.ruid = c.euid = c.suid = c.fsuid = uid;
    c.rgid = c.egid = c.sgid = c.fsgid = gid;
    return c;
}

class NameSpaceTest : public ::testing::Test {
protected:
    void SetUp() override {
        set_clock(Timestamp{1000, 0});
        archive_bytes = build_cpio(archive_entries());
        auto a = kernel::CpioArchive::open(archive_bytes.data(), archive_bytes.size());
        ASSERT_TRUE(a.ok());
        archive = a.value();
        lock();
        rootfs = RootFs::create(archive, pages);
        ASSERT_NE(rootfs, nullptr);
        auto m = mount(rootfs, Path{}, kernel::abi::kMS_RDONLY, "rootfs");
        ASSERT_TRUE(m.ok());
        tmp = TmpFs::create(pages, 0, 01777);
        ASSERT_NE(tmp, nullptr);
        Path where = must("/tmp");
        auto t = mount(tmp, where, 0, "tmpfs");
        ASSERT_TRUE(t.ok());
        where.inode->put_locked();
    }
    void TearDown() override {
        // Every reference a test took must be back: the tmpfs unmounts, and then nothing in the
        // rootfs is referenced beyond its names.
        if (tmp) {
            Path t = must("/tmp");
            EXPECT_EQ(umount(t, 0), 0) << "the tmpfs on /tmp is still referenced";
        }
        if (rootfs) {
            EXPECT_FALSE(rootfs->busy()) << "a rootfs inode is still referenced";
        }
        detail_reset();
        unlock();
        EXPECT_EQ(pages.live(), 0u) << "pages leaked";
    }
    void detail_reset();

    virtual std::vector<CpioSpec> archive_entries() {
        return {
            {"bin", 0040755, ""},
            {"bin/prog", 0100755, "\x7f" "ELF program"},
            {"etc", 0040755, ""},
            {"etc/passwd", 0100644, "root:x:0:0:root:/root:/bin/sh\n"},
            {"etc/motd", 0100644, "hello\n"},
            {"etc/motd.link", 0120777, "motd"},
            {"etc/abs", 0120777, "/etc/motd"},
            {"etc/here", 0120777, "."},
            {"loop1", 0120777, "loop2"},
            {"loop2", 0120777, "loop1"},
            {"self", 0120777, "self"},
            {"dir_link", 0120777, "etc"},
            {"dangling", 0120777, "nowhere"},
            {"secret", 0040700, ""},
            {"secret/file", 0100600, "s"},
            {"tmp", 0040755, ""},
            {"mnt", 0040755, ""},
        };
    }

    WalkStart start(const Credentials* c = nullptr, Path base = {}, Path root = {}) {
        return WalkStart{root.inode ? root : root_path(), base.inode ? base : root_path(), c ? c : &root_cred};
    }
    // The walk's errno (0 on success; the reference is dropped).
    int error_of(const char* path, unsigned flags = kFollowLast, const Credentials* c = nullptr, Path base = {},
                 Path root = {}) {
        auto r = walk(start(c, base, root), path, flags);
        if (!r.ok()) return r.errno_value();
        r.value().inode->put_locked();
        return 0;
    }
    // The place `path` names; the test fails if there is none. Referenced: put() it.
    Path must(const char* path, unsigned flags = kFollowLast, Path base = {}, Path root = {}) {
        auto r = walk(start(nullptr, base, root), path, flags);
        EXPECT_TRUE(r.ok()) << path << ": errno " << r.errno_value();
        return r.ok() ? r.value() : Path{};
    }
    // The inode `path` names, not referenced (the tree keeps it), or null.
    Inode* inode(const char* path, unsigned flags = kFollowLast) {
        auto r = walk(start(), path, flags);
        if (!r.ok()) return nullptr;
        r.value().inode->put_locked();
        return r.value().inode;
    }
    static void put(Path p) {
        if (p.inode) p.inode->put_locked();
    }
    std::string content(const char* path) {
        Inode* i = inode(path);
        return i ? read_all(i) : "<missing>";
    }

    FakePages pages;
    std::vector<std::uint8_t> archive_bytes;
    kernel::CpioArchive archive = kernel::CpioArchive::empty();
    RootFs* rootfs = nullptr;
    TmpFs* tmp = nullptr;
    Credentials root_cred{};
};

inline void NameSpaceTest::detail_reset() {
    unlock();
    reset_name_space();
    lock();
}

}  // namespace vfs_test
