// ftruncate, fallocate, fsync/fdatasync and flock: calls on the file behind a descriptor.
#include "kernel/fs/file.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/fs/io_syscalls.h"
#include "kernel/fs/lock.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel {

namespace {

using namespace abi;

constexpr std::int64_t kMaxBytes = static_cast<std::int64_t>(~std::uint64_t{0} >> 1);   // s_maxbytes
constexpr std::uint64_t kPage = 4096;

File* io_file(Process* p, std::uint64_t fd) {
    File* f = p->fd_at(fd);
    return f && !f->is_path_only() ? f : nullptr;
}

}  // namespace

std::int64_t sys_ftruncate(Process* p, std::uint64_t fd, std::int64_t length) {
    if (length < 0) return -kEINVAL;
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (f->kind() != File::Kind::Inode || !f->writable()) return -kEINVAL;
    fs::Guard g;
    fs::Inode* inode = f->inode();
    if (!inode->is_reg()) return -kEINVAL;
    if (inode->sb->read_only) return -kEROFS;
    // fmmap: the pages past the new end leave every mapping first (their next access is SIGBUS).
    if (static_cast<std::uint64_t>(length) < inode->size) file_maps_truncate(inode, static_cast<std::uint64_t>(length));
    return inode->truncate(static_cast<std::uint64_t>(length));
}

// Mode 0 sets the size to at least offset + len and allocates the pages of the range (ENOSPC when
// memory runs out); FALLOC_FL_KEEP_SIZE allocates those below the size and leaves the size alone;
// FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE) makes the range read as zeros. The rest are EOPNOTSUPP,
// as tmpfs answers them.
std::int64_t sys_fallocate(Process* p, std::uint64_t fd, std::uint64_t mode, std::int64_t offset, std::int64_t len) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (offset < 0 || len <= 0) return -kEINVAL;
    const std::uint64_t known = kFALLOC_FL_KEEP_SIZE | kFALLOC_FL_PUNCH_HOLE | kFALLOC_FL_COLLAPSE_RANGE |
                                kFALLOC_FL_ZERO_RANGE | kFALLOC_FL_INSERT_RANGE | kFALLOC_FL_UNSHARE_RANGE;
    if (mode & ~known) return -kEOPNOTSUPP;
    if ((mode & kFALLOC_FL_PUNCH_HOLE) && (mode & kFALLOC_FL_ZERO_RANGE)) return -kEOPNOTSUPP;
    if ((mode & kFALLOC_FL_PUNCH_HOLE) && !(mode & kFALLOC_FL_KEEP_SIZE)) return -kEOPNOTSUPP;
    if ((mode & (kFALLOC_FL_COLLAPSE_RANGE | kFALLOC_FL_INSERT_RANGE)) && (mode & ~(kFALLOC_FL_COLLAPSE_RANGE | kFALLOC_FL_INSERT_RANGE)))
        return -kEINVAL;
    if (!f->writable()) return -kEBADF;
    if (f->kind() == File::Kind::PipeRead || f->kind() == File::Kind::PipeWrite) return -kESPIPE;
    if (f->kind() == File::Kind::Console) return -kENODEV;
    fs::Guard g;
    fs::Inode* inode = f->inode();
    if (inode->is_dir()) return -kEISDIR;
    if (!inode->is_reg()) return -kENODEV;
    std::int64_t end;
    if (__builtin_add_overflow(offset, len, &end) || end > kMaxBytes) return -kEFBIG;
    if (mode & ~static_cast<std::uint64_t>(kFALLOC_FL_KEEP_SIZE | kFALLOC_FL_PUNCH_HOLE)) return -kEOPNOTSUPP;
    if (inode->sb->read_only) return -kEROFS;
    const auto first = static_cast<std::uint64_t>(offset), last = static_cast<std::uint64_t>(end);
    if (mode & kFALLOC_FL_PUNCH_HOLE) {
        // Zeros over [offset, end) within the file (no pages are given back: the contract has no
        // call for that; what reads see is Linux's).
        class Zeros final : public fs::IoBuffer {
        public:
            std::size_t copy_out(std::size_t, const void*, std::size_t) override { return 0; }
            std::size_t copy_in(std::size_t, void* dst, std::size_t n) override {
                for (std::size_t i = 0; i < n; ++i) static_cast<char*>(dst)[i] = 0;
                return n;
            }
        } zeros;
        const std::uint64_t stop = last < inode->size ? last : inode->size;
        for (std::uint64_t at = first; at < stop;) {
            const std::int64_t r = inode->write(at, zeros, stop - at);
            if (r <= 0) return r < 0 ? r : -kEIO;
            at += static_cast<std::uint64_t>(r);
        }
        return 0;
    }
    if (!(mode & kFALLOC_FL_KEEP_SIZE) && last > inode->size) {
        if (std::int64_t r = inode->truncate(last); r < 0) return r;
    }
    // Allocates each page of the range that lies within the file (a page past the end is -ENXIO).
    const std::uint64_t stop = last < inode->size ? last : inode->size;
    for (std::uint64_t index = first / kPage; index * kPage < stop; ++index) {
        auto r = inode->page(index);
        if (!r.ok()) return r.errno_value() == kENXIO ? 0 : -r.errno_value();
    }
    return 0;
}

// Everything is in memory: a file or directory is always in sync (tmpfs's noop_fsync); pipes,
// terminals and devices have no fsync (EINVAL), as Linux.
std::int64_t sys_fsync(Process* p, std::uint64_t fd) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (f->kind() != File::Kind::Inode) return -kEINVAL;
    fs::Guard g;
    const fs::Inode* inode = f->inode();
    return inode->is_reg() || inode->is_dir() || inode->is_symlink() ? 0 : -kEINVAL;
}

std::int64_t sys_flock(Process* p, std::uint64_t fd, std::uint64_t op) {
    constexpr std::uint64_t kLockMand = 32;   // removed from Linux, which now ignores it (returns 0)
    if (op & kLockMand) return 0;
    const int base = static_cast<int>(op & ~static_cast<std::uint64_t>(kLOCK_NB));
    if (base != kLOCK_SH && base != kLOCK_EX && base != kLOCK_UN) return -kEINVAL;
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    return locks::flock(f, static_cast<int>(op));
}

}  // namespace kernel
