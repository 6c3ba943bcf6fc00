// Host tests for tmpfs (kernel/fs/tmpfs*.cpp): entries and their errors, link counts, rename's
// cases and flags, file data (holes, truncate, sparse reads), ENOSPC from the page source and the
// size limit, times, readdir cookies, and everything freed at the end (pages and inodes).
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "kernel/fs/clock.h"
#include "vfs_fixture.h"

using namespace vfs_test;
using namespace kernel::abi;

namespace {

class TmpfsTest : public ::testing::Test {
protected:
    void SetUp() override {
        set_clock(Timestamp{1000, 0});
        lock();
        fs = TmpFs::create(pages, 64, 01777);
        ASSERT_NE(fs, nullptr);
        root = fs->root();
    }
    void TearDown() override {
        EXPECT_FALSE(fs->busy()) << "a reference was leaked";
        delete fs;
        unlock();
        EXPECT_EQ(pages.live(), 0u);
    }
    Inode* file(const char* name, Inode* dir = nullptr) {
        dir = dir ? dir : root;
        return drop(dir->create(name, std::strlen(name), kS_IFREG | 0644, 0, 0, 0));
    }
    Inode* dir(const char* name, Inode* in = nullptr) {
        in = in ? in : root;
        return drop(in->mkdir(name, std::strlen(name), 0755, 0, 0));
    }
    Inode* find(const char* name, Inode* in = nullptr) {
        in = in ? in : root;
        auto r = in->lookup(name, std::strlen(name));
        if (!r.ok()) return nullptr;
        r.value()->put_locked();
        return r.value();
    }
    int lookup_errno(const char* name, Inode* in = nullptr) {
        in = in ? in : root;
        auto r = in->lookup(name, std::strlen(name));
        if (r.ok()) r.value()->put_locked();
        return r.errno_value();
    }
    std::map<std::string, std::uint64_t> list(Inode* d) {
        struct Sink final : DirSink {
            std::map<std::string, std::uint64_t> seen;
            bool emit(const DirEntry& e, std::uint64_t) override {
                seen[std::string(e.name, e.name_len)] = e.ino;
                return true;
            }
        } sink;
        std::uint64_t cookie = 0;
        EXPECT_EQ(d->readdir(cookie, sink), 0);
        return sink.seen;
    }
    static std::int64_t rename(Inode* from, const char* a, Inode* to, const char* b, unsigned flags = 0) {
        return from->rename(a, std::strlen(a), to, b, std::strlen(b), flags);
    }

    FakePages pages;
    TmpFs* fs = nullptr;
    Inode* root = nullptr;
};

TEST_F(TmpfsTest, CreateLookupAndTheirErrors) {
    Inode* f = file("f");
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->is_reg());
    EXPECT_EQ(f->mode, kS_IFREG | 0644);
    EXPECT_EQ(find("f"), f);
    EXPECT_EQ(lookup_errno("g"), ENOENT);
    EXPECT_EQ(root->create("f", 1, kS_IFREG | 0644, 0, 0, 0).errno_value(), EEXIST);
    EXPECT_EQ(root->mkdir("f", 1, 0755, 0, 0).errno_value(), EEXIST);
    EXPECT_EQ(root->symlink("f", 1, "x", 1, 0, 0).errno_value(), EEXIST);
    EXPECT_EQ(root->create("d", 1, kS_IFDIR | 0755, 0, 0, 0).errno_value(), EINVAL);
    // Directory operations on a file: ENOTDIR; file I/O on a directory: EISDIR.
    EXPECT_EQ(f->lookup("x", 1).errno_value(), ENOTDIR);
    EXPECT_EQ(f->create("x", 1, kS_IFREG, 0, 0, 0).errno_value(), ENOTDIR);
    EXPECT_EQ(f->unlink("x", 1), -ENOTDIR);
    Inode* d = dir("d");
    EXPECT_EQ(write_str(d, 0, "x"), -EISDIR);
    EXPECT_EQ(read_all(d), "<errno 21>");
    EXPECT_EQ(d->truncate(0), -EISDIR);
    EXPECT_EQ(f->ioctl(0x5401, 0), -ENOTTY);
    std::size_t len = 0;
    EXPECT_EQ(f->link_target(len).errno_value(), EINVAL);
    EXPECT_EQ(root->create(std::string(256, 'n').c_str(), 256, kS_IFREG | 0644, 0, 0, 0).errno_value(), ENAMETOOLONG);
    // Owners are what the caller says; inode numbers are unique.
    Inode* g = drop(root->create("g", 1, kS_IFREG | 0600, 0, 1000, 100));
    EXPECT_EQ(g->uid, 1000u);
    EXPECT_EQ(g->gid, 100u);
    std::set<std::uint64_t> inos{root->ino, f->ino, d->ino, g->ino};
    EXPECT_EQ(inos.size(), 4u);
}

TEST_F(TmpfsTest, DeviceNodesAndFifosAreAttributesOnly) {
    Inode* c = drop(root->create("null", 4, kS_IFCHR | 0666, encode_dev(1, 3), 0, 0));
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->mode & kS_IFMT, kS_IFCHR);
    EXPECT_EQ(c->rdev, encode_dev(1, 3));
    Inode* p = drop(root->create("fifo", 4, kS_IFIFO | 0644, 77, 0, 0));
    EXPECT_EQ(p->mode & kS_IFMT, kS_IFIFO);
    EXPECT_EQ(p->rdev, 0u);
    EXPECT_EQ(root->unlink("null", 4), 0);
    EXPECT_EQ(root->unlink("fifo", 4), 0);
}

TEST_F(TmpfsTest, DirectoriesCountTheirLinks) {
    EXPECT_EQ(root->nlink, 2u);
    Inode* a = dir("a");
    EXPECT_EQ(a->nlink, 2u);
    EXPECT_EQ(root->nlink, 3u);
    Inode* b = dir("b", a);
    EXPECT_EQ(a->nlink, 3u);
    EXPECT_EQ(b->parent, a);
    file("f", a);
    EXPECT_EQ(a->nlink, 3u);   // files do not count
    EXPECT_EQ(root->rmdir("a", 1), -ENOTEMPTY);
    EXPECT_EQ(root->unlink("a", 1), -EISDIR);
    EXPECT_EQ(a->rmdir("f", 1), -ENOTDIR);
    EXPECT_EQ(a->rmdir("nope", 4), -ENOENT);
    EXPECT_EQ(a->unlink("f", 1), 0);
    EXPECT_EQ(a->rmdir("b", 1), 0);
    EXPECT_EQ(a->nlink, 2u);
    EXPECT_EQ(root->rmdir("a", 1), 0);
    EXPECT_EQ(root->nlink, 2u);
    EXPECT_EQ(fs->inode_count(), 1u);
}

TEST_F(TmpfsTest, HardLinksShareTheInode) {
    Inode* f = file("f");
    ASSERT_EQ(write_str(f, 0, "data"), 4);
    Inode* d = dir("d");
    EXPECT_EQ(d->link("g", 1, f), 0);
    EXPECT_EQ(f->nlink, 2u);
    EXPECT_EQ(find("g", d), f);
    EXPECT_EQ(d->link("g", 1, f), -EEXIST);
    EXPECT_EQ(root->link("dd", 2, d), -EPERM);
    EXPECT_EQ(root->unlink("f", 1), 0);
    EXPECT_EQ(f->nlink, 1u);
    EXPECT_EQ(read_all(find("g", d)), "data");
    EXPECT_EQ(pages.live(), 1u);
    EXPECT_EQ(d->unlink("g", 1), 0);
    EXPECT_EQ(pages.live(), 0u);   // the last name gone and no reference: freed
}

TEST_F(TmpfsTest, AnOpenFileOutlivesItsLastName) {
    Inode* f = file("f");
    ASSERT_EQ(write_str(f, 0, "still here"), 10);
    f->get();   // an open file
    EXPECT_EQ(root->unlink("f", 1), 0);
    EXPECT_EQ(f->nlink, 0u);
    EXPECT_EQ(lookup_errno("f"), ENOENT);
    EXPECT_EQ(read_all(f), "still here");
    EXPECT_TRUE(fs->busy());
    EXPECT_EQ(fs->inode_count(), 2u);
    f->put_locked();
    EXPECT_EQ(fs->inode_count(), 1u);
    EXPECT_EQ(pages.live(), 0u);
}

TEST_F(TmpfsTest, ARemovedWorkingDirectoryKeepsItsParentsUntilReleased) {
    Inode* a = dir("a");
    Inode* b = dir("b", a);
    Inode* c = dir("c", b);
    c->get();   // a working directory
    EXPECT_EQ(b->rmdir("c", 1), 0);
    EXPECT_EQ(a->rmdir("b", 1), 0);
    EXPECT_EQ(root->rmdir("a", 1), 0);
    EXPECT_EQ(c->parent, b);   // ".." from it still works
    EXPECT_EQ(b->parent, a);
    EXPECT_EQ(c->create("x", 1, kS_IFREG | 0644, 0, 0, 0).errno_value(), ENOENT);
    EXPECT_EQ(c->mkdir("x", 1, 0755, 0, 0).errno_value(), ENOENT);
    EXPECT_EQ(fs->inode_count(), 4u);
    c->put_locked();   // the chain goes at once
    EXPECT_EQ(fs->inode_count(), 1u);
    EXPECT_EQ(root->nlink, 2u);
}

TEST_F(TmpfsTest, SymlinksKeepTheirTarget) {
    Inode* s = drop(root->symlink("s", 1, "../a/b", 6, 0, 0));
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->is_symlink());
    EXPECT_EQ(s->mode, kS_IFLNK | 0777);
    EXPECT_EQ(s->size, 6u);
    std::size_t len = 0;
    auto t = s->link_target(len);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(std::string(t.value(), len), "../a/b");
    EXPECT_EQ(root->symlink("e", 1, "", 0, 0, 0).errno_value(), ENOENT);
    const std::string huge(4096, 'x');
    EXPECT_EQ(root->symlink("h", 1, huge.data(), huge.size(), 0, 0).errno_value(), ENAMETOOLONG);
    EXPECT_NE(drop(root->symlink("h", 1, huge.data(), 4095, 0, 0)), nullptr);
    EXPECT_EQ(read_all(s), "<errno 22>");
}

TEST_F(TmpfsTest, WritesReadsHolesAndTruncate) {
    Inode* f = file("f");
    EXPECT_EQ(read_all(f), "");
    ASSERT_EQ(write_str(f, 0, "hello"), 5);
    EXPECT_EQ(f->size, 5u);
    EXPECT_EQ(read_all(f), "hello");
    EXPECT_EQ(read_all(f, 1, 3), "ell");
    EXPECT_EQ(read_all(f, 5), "");
    EXPECT_EQ(read_all(f, 100), "");
    // A write far out leaves a hole that reads as zeros and holds no pages.
    ASSERT_EQ(write_str(f, 3 * 4096 + 10, "end"), 3);
    EXPECT_EQ(f->size, 3u * 4096 + 13);
    EXPECT_EQ(pages.live(), 2u);
    const std::string all = read_all(f);
    ASSERT_EQ(all.size(), 3u * 4096 + 13);
    EXPECT_EQ(all.substr(0, 5), "hello");
    EXPECT_EQ(all.substr(5, 3 * 4096 + 5), std::string(3 * 4096 + 5, '\0'));
    EXPECT_EQ(all.substr(3 * 4096 + 10), "end");
    // A write across a page boundary.
    const std::string span(5000, 'z');
    ASSERT_EQ(write_str(f, 4000, span), 5000);
    EXPECT_EQ(read_all(f, 4000, 5000), span);
    // Shrinking frees pages and zeroes the cut-off tail, growing again shows zeros.
    ASSERT_EQ(f->truncate(4002), 0);
    EXPECT_EQ(f->size, 4002u);
    EXPECT_EQ(pages.live(), 1u);
    ASSERT_EQ(f->truncate(4096 * 2), 0);
    EXPECT_EQ(pages.live(), 1u);
    const std::string grown = read_all(f);
    EXPECT_EQ(grown.substr(4000, 2), "zz");
    EXPECT_EQ(grown.substr(4002), std::string(4096 * 2 - 4002, '\0'));
    ASSERT_EQ(f->truncate(0), 0);
    EXPECT_EQ(pages.live(), 0u);
    EXPECT_EQ(f->truncate(std::uint64_t{1} << 63), -EFBIG);
    EXPECT_EQ(write_str(f, std::uint64_t{1} << 63, "x"), -EFBIG);
}

TEST_F(TmpfsTest, PageGivesTheFilesOwnPageForMmap) {
    Inode* f = file("f");
    ASSERT_EQ(f->page(0).errno_value(), ENXIO);   // past the end
    ASSERT_EQ(f->truncate(5000), 0);
    auto p = f->page(1);   // a hole: allocated, zeroed
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(pages.live(), 1u);
    std::memcpy(pages.address(p.value()), "shared", 6);   // a write through a mapping
    EXPECT_EQ(read_all(f, 4096, 6), "shared");
    ASSERT_EQ(write_str(f, 4096, "SH"), 2);               // and the other way round
    EXPECT_EQ(std::string(reinterpret_cast<char*>(pages.address(p.value())), 6), "SHared");
    EXPECT_EQ(f->page(1).value(), p.value());
    EXPECT_EQ(f->page(2).errno_value(), ENXIO);
    EXPECT_EQ(root->page(0).errno_value(), ENODEV);
}

TEST_F(TmpfsTest, OutOfPagesIsEnospcAndPartialWritesCount) {
    Inode* f = file("f");
    pages.limit = 2;
    const std::string big(3 * 4096, 'b');
    EXPECT_EQ(write_str(f, 0, big), 2 * 4096);   // what fitted
    EXPECT_EQ(f->size, 2u * 4096);
    EXPECT_EQ(write_str(f, 2 * 4096, "x"), -ENOSPC);
    EXPECT_EQ(f->size, 2u * 4096);
    ASSERT_EQ(f->truncate(4096 * 10), 0);          // holes need no pages
    EXPECT_EQ(f->page(5).errno_value(), ENOSPC);
    EXPECT_EQ(write_str(f, 0, "over"), 4);        // existing pages still take writes
    pages.limit = -1;
    // The instance's own limit (64 pages here) gives ENOSPC too.
    Inode* g = file("g");
    const std::string huge(70 * 4096, 'h');
    EXPECT_EQ(write_str(g, 0, huge), (64 - 2) * 4096);
    const FsStats st = fs->stats();
    EXPECT_EQ(st.blocks, 64u);
    EXPECT_EQ(st.blocks_free, 0u);
    EXPECT_EQ(st.type_magic, kTMPFS_MAGIC);
    EXPECT_EQ(st.name_max, 255u);
    EXPECT_EQ(st.files - st.files_free, 3u);
    EXPECT_EQ(root->unlink("g", 1), 0);
    EXPECT_EQ(fs->stats().blocks_free, 62u);
}

TEST_F(TmpfsTest, TheDefaultSizeIsHalfOfMemory) {
    FakePages p2;
    p2.total = 1000;
    TmpFs* t = TmpFs::create(p2);
    EXPECT_EQ(t->stats().blocks, 500u);
    EXPECT_EQ(t->root()->mode, kS_IFDIR | 01777);
    delete t;
}

TEST_F(TmpfsTest, TimesFollowLinux) {
    Inode* f = file("f");
    EXPECT_EQ(f->mtime.sec, 1000);
    EXPECT_EQ(f->ctime.sec, 1000);
    set_clock(Timestamp{2000, 5});
    ASSERT_EQ(write_str(f, 0, "x"), 1);
    EXPECT_EQ(f->mtime.sec, 2000);
    EXPECT_EQ(f->mtime.nsec, 5);
    EXPECT_EQ(f->ctime.sec, 2000);
    set_clock(Timestamp{3000, 0});
    EXPECT_EQ(read_all(f), "x");
    EXPECT_EQ(f->mtime.sec, 2000);   // reads change nothing (atime is not kept up to date)
    EXPECT_EQ(root->link("g", 1, f), 0);
    EXPECT_EQ(f->ctime.sec, 3000);   // a link count change
    EXPECT_EQ(f->mtime.sec, 2000);
    EXPECT_EQ(root->mtime.sec, 3000);
    set_clock(Timestamp{4000, 0});
    EXPECT_EQ(rename(root, "g", root, "h"), 0);
    EXPECT_EQ(f->ctime.sec, 4000);
    set_clock(Timestamp{5000, 0});
    ASSERT_EQ(f->truncate(0), 0);
    EXPECT_EQ(f->mtime.sec, 5000);
    set_clock(Timestamp{6000, 0});
    EXPECT_EQ(root->unlink("h", 1), 0);
    EXPECT_EQ(f->ctime.sec, 6000);
    EXPECT_EQ(root->ctime.sec, 6000);
}

TEST_F(TmpfsTest, RenameOverAFileReplacesIt) {
    Inode* a = file("a");
    Inode* b = file("b");
    ASSERT_EQ(write_str(b, 0, "old"), 3);
    EXPECT_EQ(rename(root, "a", root, "b"), 0);
    EXPECT_EQ(find("b"), a);
    EXPECT_EQ(lookup_errno("a"), ENOENT);
    EXPECT_EQ(pages.live(), 0u);   // b's data went with it
    EXPECT_EQ(fs->inode_count(), 2u);
    EXPECT_EQ(rename(root, "nope", root, "x"), -ENOENT);
    // Two names of one file: nothing happens.
    EXPECT_EQ(root->link("c", 1, a), 0);
    EXPECT_EQ(rename(root, "b", root, "c"), 0);
    EXPECT_EQ(find("b"), a);
    EXPECT_EQ(find("c"), a);
    EXPECT_EQ(a->nlink, 2u);
}

TEST_F(TmpfsTest, RenameDirectories) {
    Inode* d = dir("d");
    Inode* e = dir("e");
    Inode* f = file("f");
    file("x", e);
    EXPECT_EQ(rename(root, "d", root, "f"), -ENOTDIR);
    EXPECT_EQ(rename(root, "f", root, "d"), -EISDIR);
    EXPECT_EQ(rename(root, "d", root, "e"), -ENOTEMPTY);
    Inode* empty = dir("empty");
    EXPECT_EQ(root->nlink, 5u);
    EXPECT_EQ(rename(root, "d", root, "empty"), 0);   // over an empty directory
    EXPECT_EQ(find("empty"), d);
    EXPECT_EQ(root->nlink, 4u);
    (void)empty;
    // Into another directory: the link counts and ".." move with it.
    EXPECT_EQ(rename(root, "empty", e, "moved"), 0);
    EXPECT_EQ(root->nlink, 3u);
    EXPECT_EQ(e->nlink, 3u);
    EXPECT_EQ(d->parent, e);
    // Not below itself.
    EXPECT_EQ(rename(root, "e", d, "loop"), -EINVAL);
    EXPECT_EQ(rename(root, "e", e, "loop"), -EINVAL);
    EXPECT_EQ(rename(e, "moved", root, "back"), 0);
    EXPECT_EQ(d->parent, root);
    (void)f;
}

TEST_F(TmpfsTest, RenameNoreplaceAndExchange) {
    Inode* a = file("a");
    Inode* b = file("b");
    Inode* d = dir("d");
    EXPECT_EQ(rename(root, "a", root, "b", kRENAME_NOREPLACE), -EEXIST);
    EXPECT_EQ(rename(root, "a", root, "c", kRENAME_NOREPLACE), 0);
    EXPECT_EQ(find("c"), a);
    EXPECT_EQ(rename(root, "c", root, "zz", kRENAME_EXCHANGE), -ENOENT);
    EXPECT_EQ(rename(root, "c", root, "b", kRENAME_EXCHANGE), 0);
    EXPECT_EQ(find("c"), b);
    EXPECT_EQ(find("b"), a);
    // A file and a directory in different directories trade places; ".." follows.
    Inode* sub = dir("sub");
    Inode* g = file("g", sub);
    EXPECT_EQ(rename(root, "d", sub, "g", kRENAME_EXCHANGE), 0);
    EXPECT_EQ(find("d"), g);
    EXPECT_EQ(find("g", sub), d);
    EXPECT_EQ(d->parent, sub);
    EXPECT_EQ(sub->nlink, 3u);
    EXPECT_EQ(root->nlink, 3u);   // root: "." + sub's ".." only
    EXPECT_EQ(rename(sub, "g", root, "sub", kRENAME_EXCHANGE), -EINVAL);   // sub would go below itself
}

TEST_F(TmpfsTest, ReaddirCookiesSurviveRemovalsAndAdditions) {
    for (int i = 0; i < 100; ++i) file(("f" + std::to_string(i)).c_str());
    auto all = list(root);
    EXPECT_EQ(all.size(), 102u);   // with "." and ".."
    EXPECT_EQ(all["."], root->ino);
    EXPECT_EQ(all[".."], root->ino);
    // Read 10 entries at a time, removing what was read and adding new ones: each entry present
    // throughout is seen exactly once (as rm -r relies on).
    struct Some final : DirSink {
        std::vector<std::string> got;
        std::size_t max = 10;
        bool emit(const DirEntry& e, std::uint64_t) override {
            if (got.size() == max) return false;
            got.emplace_back(e.name, e.name_len);
            return true;
        }
    };
    std::uint64_t cookie = 0;
    std::map<std::string, int> seen;
    int added = 0;
    for (;;) {
        Some s;
        ASSERT_EQ(root->readdir(cookie, s), 0);
        if (s.got.empty()) break;
        for (const std::string& n : s.got) {
            ++seen[n];
            if (n[0] == 'f') {
                ASSERT_EQ(root->unlink(n.c_str(), n.size()), 0);
            }
        }
        if (added < 5) file(("new" + std::to_string(added++)).c_str());
    }
    for (int i = 0; i < 100; ++i) EXPECT_EQ(seen["f" + std::to_string(i)], 1) << i;
    EXPECT_EQ(seen["."], 1);
    EXPECT_EQ(seen[".."], 1);
    for (int i = 0; i < 5; ++i) root->unlink(("new" + std::to_string(i)).c_str(), 4);
}

TEST_F(TmpfsTest, ManyEntriesAreFoundAndListed) {
    for (int i = 0; i < 2000; ++i) ASSERT_NE(file(("name" + std::to_string(i)).c_str()), nullptr);
    for (int i = 0; i < 2000; i += 7) EXPECT_NE(find(("name" + std::to_string(i)).c_str()), nullptr);
    EXPECT_EQ(list(root).size(), 2002u);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(root->unlink(("name" + std::to_string(i)).c_str(),
                                                         ("name" + std::to_string(i)).size()), 0);
    EXPECT_EQ(fs->inode_count(), 1u);
}

TEST_F(TmpfsTest, DeletingTheInstanceFreesEverything) {
    Inode* d = dir("d");
    Inode* f = file("f", d);
    ASSERT_EQ(write_str(f, 0, std::string(9000, 'q')), 9000);
    EXPECT_EQ(pages.live(), 3u);
    EXPECT_FALSE(fs->busy());
}

}  // namespace
