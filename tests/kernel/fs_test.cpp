// Kernel suite `fs`: the VFS and tmpfs on real frames, under the real VFS lock: files written and
// removed leave the free frames where they were; a tmpfs mounted, used and unmounted; a program
// copied into /tmp executed from there (exec reads through the VFS).
#include "kernel/fs/tmpfs.h"
#include "kernel/fs/vfs.h"
#include "kernel/kernel_stack.h"
#include "kernel/ktest.h"
#include "kernel/memory.h"
#include "kernel/process/exec.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace {

using namespace kernel;
using namespace kernel::fs;

// Free frames, counting the heap's pages as free (the heap keeps pages it grew by).
std::size_t free_frames() {
    kernel_stack_drain_cache();
    memory::drain_frame_cache();
    const auto s = memory::stats();
    return s.free_frames + s.heap_pages;
}

const Credentials s_root{};
WalkStart from_root() { return WalkStart{root_path(), root_path(), &s_root}; }

std::int64_t write_bytes(Inode* i, std::uint64_t off, const void* p, std::size_t n) {
    KernelBuffer b(const_cast<void*>(p), n);
    return i->write(off, b, n);
}
std::int64_t read_bytes(Inode* i, std::uint64_t off, void* p, std::size_t n) {
    KernelBuffer b(p, n);
    return i->read(off, b, n);
}

// Writes 3 pages and a hole, reads them back, removes the file.
bool file_roundtrip(Inode* dir, const char* name) {
    auto c = dir->create(name, lib::string_length(name), abi::kS_IFREG | 0644, 0, 0, 0);
    if (!c.ok()) return false;
    Inode* f = c.value();
    static std::uint8_t buf[3 * 4096];
    for (std::size_t i = 0; i < sizeof buf; ++i) buf[i] = static_cast<std::uint8_t>(i * 7);
    bool ok = write_bytes(f, 4096 * 5, buf, sizeof buf) == static_cast<std::int64_t>(sizeof buf);
    static std::uint8_t back[3 * 4096];
    ok = ok && read_bytes(f, 4096 * 5, back, sizeof back) == static_cast<std::int64_t>(sizeof back);
    ok = ok && lib::compare_bytes(buf, back, sizeof buf) == 0;
    ok = ok && read_bytes(f, 0, back, 4096) == 4096 && back[0] == 0 && back[4095] == 0;   // a hole
    ok = ok && f->size == 8 * 4096;
    ok = ok && dir->unlink(name, lib::string_length(name)) == 0;
    f->put_locked();
    return ok;
}

}  // namespace

KTEST(fs, tmpfs_files_give_their_frames_back) {
    const std::size_t before = free_frames();
    {
        Guard g;
        TmpFs* t = TmpFs::create(kernel_page_source());
        KT_ASSERT(t != nullptr);
        KT_EXPECT(file_roundtrip(t->root(), "f"));
        KT_EXPECT_EQ(t->pages_used(), 0ull);
        KT_EXPECT(!t->busy());
        delete t;
    }
    KT_EXPECT_EQ(free_frames(), before);
}

KTEST(fs, a_tmpfs_mounts_is_used_and_unmounts) {
    const std::size_t before = free_frames();
    Guard g;
    auto p = walk_parent(from_root(), "/tmp/ktest-fs-mnt");
    KT_ASSERT(p.ok());
    auto d = p.value().dir.inode->mkdir(p.value().name, p.value().len, 0755, 0, 0);
    p.value().dir.inode->put_locked();
    KT_ASSERT(d.ok());
    d.value()->put_locked();
    auto where = walk(from_root(), "/tmp/ktest-fs-mnt", kFollowLast);
    KT_ASSERT(where.ok());
    TmpFs* t = TmpFs::create(kernel_page_source(), 0, 0755);
    KT_ASSERT(t != nullptr);
    KT_ASSERT(mount(t, where.value(), 0, "tmpfs").ok());
    where.value().inode->put_locked();
    auto in = walk(from_root(), "/tmp/ktest-fs-mnt/.", kFollowLast);
    KT_ASSERT(in.ok());
    KT_EXPECT(in.value().inode == t->root());
    KT_EXPECT(file_roundtrip(in.value().inode, "data"));
    auto up = walk(from_root(), "/tmp/ktest-fs-mnt/../ktest-fs-mnt/..", kFollowLast);
    KT_ASSERT(up.ok());
    KT_EXPECT(up.value().inode != t->root() && up.value().inode->is_dir());
    up.value().inode->put_locked();
    KT_EXPECT_EQ(umount(in.value(), 0), 0);   // takes the walk's reference over
    auto tmp = walk(from_root(), "/tmp", kFollowLast);
    KT_ASSERT(tmp.ok());
    KT_EXPECT_EQ(tmp.value().inode->rmdir("ktest-fs-mnt", 12), 0);
    tmp.value().inode->put_locked();
    // The root is read-only.
    auto bin = walk(from_root(), "/bin", kFollowLast);
    KT_ASSERT(bin.ok());
    KT_EXPECT(bin.value().inode->sb->read_only);
    KT_EXPECT_EQ(bin.value().inode->create("x", 1, abi::kS_IFREG | 0644, 0, 0, 0).errno_value(), abi::kEROFS);
    bin.value().inode->put_locked();
    KT_EXPECT_EQ(free_frames(), before);
}

namespace {

// Copies /bin/hello to `dest` (in the boot tmpfs) with `mode`.
bool copy_hello(const char* dest_name, std::uint32_t mode) {
    Guard g;
    auto src = walk(from_root(), "/bin/hello", kFollowLast);
    if (!src.ok()) return false;
    auto tmp = walk(from_root(), "/tmp", kFollowLast);
    bool ok = tmp.ok();
    Inode* dst = nullptr;
    if (ok) {
        auto c = tmp.value().inode->create(dest_name, lib::string_length(dest_name), abi::kS_IFREG | mode, 0, 0, 0);
        ok = c.ok();
        if (ok) dst = c.value();
        tmp.value().inode->put_locked();
    }
    static std::uint8_t chunk[4096];
    for (std::uint64_t off = 0; ok && off < src.value().inode->size; off += sizeof chunk) {
        const std::int64_t n = read_bytes(src.value().inode, off, chunk, sizeof chunk);
        ok = n > 0 && write_bytes(dst, off, chunk, static_cast<std::size_t>(n)) == n;
    }
    if (dst) dst->put_locked();
    src.value().inode->put_locked();
    return ok;
}

bool remove_tmp(const char* name) {
    Guard g;
    auto tmp = walk(from_root(), "/tmp", kFollowLast);
    if (!tmp.ok()) return false;
    const bool ok = tmp.value().inode->unlink(name, lib::string_length(name)) == 0;
    tmp.value().inode->put_locked();
    return ok;
}

}  // namespace

KTEST(fs, a_program_copied_to_tmp_runs_from_there) {
    const std::size_t before = free_frames();
    KT_ASSERT(copy_hello("ktest-hello", 0755));
    KT_ASSERT(copy_hello("ktest-noexec", 0644));
    const char* argv[] = {"/tmp/ktest-hello", nullptr};
    const char* envp[] = {nullptr};
    auto p = spawn_process("/tmp/ktest-hello", argv, envp, nullptr);
    KT_ASSERT(p.ok());
    const int pid = p.value()->pid;
    int status = -1;
    KT_EXPECT_EQ(wait_child(nullptr, pid, &status, 0), static_cast<std::int64_t>(pid));
    KT_EXPECT_EQ(status, 0);
    ExecFailure failure;
    KT_EXPECT(!spawn_process("/tmp/ktest-noexec", argv, envp, nullptr, &failure).ok());
    KT_EXPECT_EQ(failure.err, static_cast<int>(abi::kEACCES));
    KT_EXPECT(!spawn_process("/tmp", argv, envp, nullptr, &failure).ok());
    KT_EXPECT_EQ(failure.err, static_cast<int>(abi::kEACCES));
    KT_EXPECT(!spawn_process("/tmp/ktest-hello/", argv, envp, nullptr, &failure).ok());
    KT_EXPECT_EQ(failure.err, static_cast<int>(abi::kENOTDIR));
    KT_EXPECT(remove_tmp("ktest-hello"));
    KT_EXPECT(remove_tmp("ktest-noexec"));
    KT_EXPECT_EQ(free_frames(), before);
}
