// Host tests for rootfs (kernel/fs/rootfs.cpp): the tree built from a cpio archive made here
// (attributes from the headers, made-up parents, later duplicates winning, hard links), reads and
// pages, and -EROFS for every change.
#include <cstring>
#include <map>
#include <string>

#include "vfs_fixture.h"

using namespace vfs_test;
using namespace kernel::abi;

namespace {

class RootfsTest : public ::testing::Test {
protected:
    void build(const std::vector<CpioSpec>& entries) {
        bytes = build_cpio(entries);
        auto a = kernel::CpioArchive::open(bytes.data(), bytes.size());
        ASSERT_TRUE(a.ok());
        archive = a.value();
        fs = RootFs::create(archive, pages);
        ASSERT_NE(fs, nullptr);
    }
    void SetUp() override {
        set_clock(Timestamp{1000, 0});
        lock();
    }
    void TearDown() override {
        if (fs) {
            EXPECT_FALSE(fs->busy());
            delete fs;
        }
        unlock();
        EXPECT_EQ(pages.live(), 0u);
    }
    // Follows "a/b/c" from the root (no symlinks), not referenced.
    Inode* at(const std::string& path) {
        Inode* cur = fs->root();
        std::size_t pos = 0;
        while (pos < path.size()) {
            std::size_t next = path.find('/', pos);
            if (next == std::string::npos) next = path.size();
            auto r = cur->lookup(path.data() + pos, next - pos);
            if (!r.ok()) return nullptr;
            r.value()->put_locked();
            cur = r.value();
            pos = next + 1;
        }
        return cur;
    }
    std::map<std::string, std::uint32_t> list(Inode* d) {
        struct Sink final : DirSink {
            std::map<std::string, std::uint32_t> seen;
            bool emit(const DirEntry& e, std::uint64_t) override {
                seen[std::string(e.name, e.name_len)] = e.mode;
                return true;
            }
        } sink;
        std::uint64_t cookie = 0;
        EXPECT_EQ(d->readdir(cookie, sink), 0);
        return sink.seen;
    }

    FakePages pages;
    std::vector<std::uint8_t> bytes;
    kernel::CpioArchive archive = kernel::CpioArchive::empty();
    RootFs* fs = nullptr;
};

TEST_F(RootfsTest, BuildsTheTreeWithTheHeadersAttributes) {
    CpioSpec dev{"dev/ttyS0", kS_IFCHR | 0620, "", 0, 5, 77};
    dev.rdev_major = 4;
    dev.rdev_minor = 64;
    build({
        {".", kS_IFDIR | 0700, "", 0, 0, 55},
        {"./bin", kS_IFDIR | 0751, "", 0, 0, 10},
        {"bin/prog", kS_IFREG | 04755, "program", 1000, 100, 12345},
        {"/usr/share/doc/x", kS_IFREG | 0644, "deep"},   // parents made up
        {"bin/sh", kS_IFLNK | 0777, "prog"},
        dev,
        {"fifo", kS_IFIFO | 0600, ""},
    });
    EXPECT_TRUE(fs->read_only);
    EXPECT_STREQ(fs->type_name(), "rootfs");
    Inode* root = fs->root();
    EXPECT_EQ(root->mode, kS_IFDIR | 0700);
    EXPECT_EQ(root->mtime.sec, 55);
    EXPECT_EQ(root->parent, root);
    Inode* bin = at("bin");
    ASSERT_NE(bin, nullptr);
    EXPECT_EQ(bin->mode, kS_IFDIR | 0751);
    EXPECT_EQ(bin->parent, root);
    Inode* prog = at("bin/prog");
    ASSERT_NE(prog, nullptr);
    EXPECT_EQ(prog->mode, kS_IFREG | 04755);
    EXPECT_EQ(prog->uid, 1000u);
    EXPECT_EQ(prog->gid, 100u);
    EXPECT_EQ(prog->mtime.sec, 12345);
    EXPECT_EQ(prog->size, 7u);
    EXPECT_EQ(prog->nlink, 1u);
    EXPECT_EQ(read_all(prog), "program");
    EXPECT_EQ(read_all(prog, 3, 2), "gr");
    EXPECT_EQ(read_all(prog, 7), "");
    Inode* usr = at("usr");
    ASSERT_NE(usr, nullptr);
    EXPECT_EQ(usr->mode, kS_IFDIR | 0755);
    EXPECT_EQ(usr->uid, 0u);
    EXPECT_EQ(read_all(at("usr/share/doc/x")), "deep");
    Inode* sh = at("bin/sh");
    ASSERT_NE(sh, nullptr);
    std::size_t len = 0;
    auto t = sh->link_target(len);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(std::string(t.value(), len), "prog");
    EXPECT_EQ(sh->size, 4u);
    Inode* tty = at("dev/ttyS0");
    ASSERT_NE(tty, nullptr);
    EXPECT_EQ(tty->rdev, encode_dev(4, 64));
    EXPECT_EQ(tty->gid, 5u);
    EXPECT_EQ(at("fifo")->mode, kS_IFIFO | 0600);
    // Link counts are the tree's: 2 + subdirectories.
    EXPECT_EQ(root->nlink, 5u);   // bin, usr, dev
    EXPECT_EQ(bin->nlink, 2u);
    EXPECT_EQ(usr->nlink, 3u);
    auto names = list(root);
    EXPECT_EQ(names.size(), 6u);
    EXPECT_EQ(names["bin"] & kS_IFMT, kS_IFDIR);
    EXPECT_EQ(names["fifo"] & kS_IFMT, kS_IFIFO);
    EXPECT_EQ(fs->inode_count(), 11u);
    EXPECT_EQ(fs->stats().type_magic, kRAMFS_MAGIC);
}

TEST_F(RootfsTest, LaterEntriesWin) {
    build({
        {"a", kS_IFREG | 0644, "first"},
        {"d", kS_IFDIR | 0700, ""},
        {"d/x", kS_IFREG | 0644, "x"},
        {"a", kS_IFREG | 0600, "second"},
        {"d", kS_IFDIR | 0755, "", 7},        // the same directory: attributes change, entries stay
        {"e", kS_IFREG | 0644, "file"},
        {"e", kS_IFDIR | 0711, ""},           // a file replaced by a directory
        {"d", kS_IFREG | 0644, "no"},         // a non-empty directory is not replaced
        {"../escape", kS_IFREG | 0644, "no"}, // skipped
        {"f/../g", kS_IFREG | 0644, "no"},    // skipped
    });
    EXPECT_EQ(read_all(at("a")), "second");
    EXPECT_EQ(at("a")->mode, kS_IFREG | 0600);
    EXPECT_EQ(at("d")->mode, kS_IFDIR | 0755);
    EXPECT_EQ(at("d")->uid, 7u);
    EXPECT_EQ(read_all(at("d/x")), "x");
    EXPECT_TRUE(at("e")->is_dir());
    EXPECT_EQ(at("e")->mode, kS_IFDIR | 0711);
    EXPECT_EQ(at("escape"), nullptr);
    EXPECT_EQ(at("g"), nullptr);
    EXPECT_EQ(at("f"), nullptr);
    EXPECT_EQ(fs->root()->nlink, 4u);
    EXPECT_EQ(list(fs->root()).size(), 5u);
}

TEST_F(RootfsTest, HardLinksShareOneInode) {
    build({
        {"bin/a", kS_IFREG | 0755, "", 0, 0, 0, 3, 42},
        {"bin/b", kS_IFREG | 0755, "", 0, 0, 0, 3, 42},
        {"bin/c", kS_IFREG | 0755, "the data", 0, 0, 0, 3, 42},   // newc: the data with the last name
        {"bin/other", kS_IFREG | 0755, "o", 0, 0, 0, 1, 43},
    });
    Inode* a = at("bin/a");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(at("bin/b"), a);
    EXPECT_EQ(at("bin/c"), a);
    EXPECT_EQ(a->nlink, 3u);
    EXPECT_EQ(read_all(a), "the data");
    EXPECT_NE(at("bin/other"), a);
}

TEST_F(RootfsTest, EveryChangeIsErofs) {
    build({{"dir/file", kS_IFREG | 0644, "data"}, {"dir/sub", kS_IFDIR | 0755, ""}});
    Inode* dir = at("dir");
    Inode* file = at("dir/file");
    EXPECT_EQ(dir->create("n", 1, kS_IFREG | 0644, 0, 0, 0).errno_value(), EROFS);
    EXPECT_EQ(dir->mkdir("n", 1, 0755, 0, 0).errno_value(), EROFS);
    EXPECT_EQ(dir->symlink("n", 1, "x", 1, 0, 0).errno_value(), EROFS);
    EXPECT_EQ(dir->link("n", 1, file), -EROFS);
    EXPECT_EQ(dir->unlink("file", 4), -EROFS);
    EXPECT_EQ(dir->rmdir("sub", 3), -EROFS);
    EXPECT_EQ(dir->rename("file", 4, dir, "n", 1, 0), -EROFS);
    EXPECT_EQ(write_str(file, 0, "x"), -EROFS);
    EXPECT_EQ(file->truncate(0), -EROFS);
    EXPECT_EQ(read_all(file), "data");
    EXPECT_EQ(dir->lookup("nope", 4).errno_value(), ENOENT);
    EXPECT_EQ(file->lookup("x", 1).errno_value(), ENOTDIR);
    EXPECT_EQ(read_all(dir), "<errno 21>");
}

TEST_F(RootfsTest, PagesAreCopiesKeptWithTheFile) {
    std::string data(5000, 'p');
    data[4096] = 'Q';
    build({{"f", kS_IFREG | 0644, data}});
    Inode* f = at("f");
    EXPECT_EQ(f->page(2).errno_value(), ENXIO);
    auto p1 = f->page(1);
    ASSERT_TRUE(p1.ok());
    const std::uint8_t* bytes1 = pages.address(p1.value());
    EXPECT_EQ(bytes1[0], 'Q');
    EXPECT_EQ(bytes1[5000 - 4096 - 1], 'p');
    EXPECT_EQ(bytes1[5000 - 4096], 0);   // past the end of the file: zeros
    EXPECT_EQ(f->page(1).value(), p1.value());
    EXPECT_EQ(pages.live(), 1u);
    ASSERT_TRUE(f->page(0).ok());
    EXPECT_EQ(pages.live(), 2u);   // freed with the instance (TearDown checks)
}

TEST_F(RootfsTest, AnEmptyArchiveGivesAnEmptyRoot) {
    build({});
    EXPECT_EQ(fs->inode_count(), 1u);
    EXPECT_EQ(list(fs->root()).size(), 2u);
    EXPECT_EQ(fs->root()->mode, kS_IFDIR | 0755);
}

}  // namespace
