// read, write and their positioned and vectored forms, lseek, getdents64 and sendfile.
#include "kernel/fs/io_syscalls.h"

#include "kernel/fs/file.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {

using namespace abi;

// A descriptor as most calls see it (Linux's fdget): an O_PATH file is no file to them.
File* io_file(Process* p, std::uint64_t fd) {
    File* f = p->fd_at(fd);
    return f && !f->is_path_only() ? f : nullptr;
}

// The vectors of a readv/writev, checked as Linux's import_iovec: at most UIO_MAXIOV of them, no
// length above SSIZE_MAX (EINVAL), each in user space (EFAULT); the total is capped at MAX_RW_COUNT
// by shortening the vector that crosses it. Returns the total, or -errno.
std::int64_t check_vectors(std::uint64_t iov, std::uint64_t count) {
    if (count > kUioMaxIov) return -kEINVAL;
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        Iovec v;
        if (!get_user(v, iov + i * sizeof(Iovec)).ok()) return -kEFAULT;
        if (v.len > (~std::uint64_t{0} >> 1)) return -kEINVAL;
        if (v.len && !user_range_ok(v.base, v.len)) return -kEFAULT;
        total += v.len < kMaxRwCount - total ? v.len : kMaxRwCount - total;
    }
    return static_cast<std::int64_t>(total);
}

// The transfer of a checked vector list: one call per vector, stopping at a short one. pos: an
// explicit offset (preadv/pwritev) or -1 for the file's own.
std::int64_t do_vectors(File* f, bool write, std::uint64_t iov, std::uint64_t count, std::int64_t pos, std::uint64_t total) {
    File::WriteTurn turn(write && f->kind() == File::Kind::Console);   // the console sees one write
    std::uint64_t done = 0;
    for (std::uint64_t i = 0; i < count && done < total; ++i) {
        Iovec v;
        if (!get_user(v, iov + i * sizeof(Iovec)).ok()) return done ? static_cast<std::int64_t>(done) : -kEFAULT;
        std::uint64_t len = v.len < total - done ? v.len : total - done;
        if (len == 0) continue;
        std::int64_t r;
        if (pos >= 0) {
            const std::uint64_t at = static_cast<std::uint64_t>(pos) + done;
            r = write ? f->pwrite(v.base, len, at) : f->pread(v.base, len, at);
        } else if (write) {
            r = f->write(v.base, len);
        } else {
            // Later vectors of a pipe or the console take what is there: a readv waits only once.
            r = done ? f->read_more(v.base, len) : f->read(v.base, len);
            if (r == -kEAGAIN && done) break;
        }
        if (r < 0) return done ? static_cast<std::int64_t>(done) : r;
        done += static_cast<std::uint64_t>(r);
        if (static_cast<std::uint64_t>(r) < len) break;
    }
    return static_cast<std::int64_t>(done);
}

std::int64_t vectored(Process* p, std::uint64_t fd, bool write, std::uint64_t iov, std::uint64_t count, std::int64_t pos,
                      bool positioned) {
    if (positioned && pos < 0) return -kEINVAL;
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (positioned && f->kind() != File::Kind::Inode) return -kESPIPE;
    const std::int64_t total = check_vectors(iov, count);
    if (total < 0) return total;
    if (write ? !f->writable() : !f->readable()) return -kEBADF;
    if (total == 0) return 0;
    return do_vectors(f, write, iov, count, positioned ? pos : -1, static_cast<std::uint64_t>(total));
}

}  // namespace

std::int64_t sys_read(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (!f->readable()) return -kEBADF;
    if (!user_range_ok(buf, n)) return -kEFAULT;
    return f->read(buf, n);
}

std::int64_t sys_write(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (!f->writable()) return -kEBADF;
    if (!user_range_ok(buf, n)) return -kEFAULT;
    return f->write(buf, n);
}

std::int64_t sys_pread64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n, std::int64_t pos) {
    if (pos < 0) return -kEINVAL;
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (f->kind() != File::Kind::Inode) return -kESPIPE;
    if (!f->readable()) return -kEBADF;
    if (!user_range_ok(buf, n)) return -kEFAULT;
    return f->pread(buf, n, static_cast<std::uint64_t>(pos));
}

std::int64_t sys_pwrite64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n, std::int64_t pos) {
    if (pos < 0) return -kEINVAL;
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (f->kind() != File::Kind::Inode) return -kESPIPE;
    if (!f->writable()) return -kEBADF;
    if (!user_range_ok(buf, n)) return -kEFAULT;
    return f->pwrite(buf, n, static_cast<std::uint64_t>(pos));
}

std::int64_t sys_readv(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count) {
    return vectored(p, fd, false, iov, count, -1, false);
}
std::int64_t sys_writev(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count) {
    return vectored(p, fd, true, iov, count, -1, false);
}
std::int64_t sys_preadv(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count, std::int64_t pos) {
    return vectored(p, fd, false, iov, count, pos, true);
}
std::int64_t sys_pwritev(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count, std::int64_t pos) {
    return vectored(p, fd, true, iov, count, pos, true);
}

std::int64_t sys_lseek(Process* p, std::uint64_t fd, std::int64_t offset, std::uint64_t whence) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    if (whence > static_cast<std::uint64_t>(kSEEK_HOLE)) return -kEINVAL;   // before the file's own checks
    return f->seek(offset, static_cast<int>(whence));
}

std::int64_t sys_getdents64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t count) {
    File* f = io_file(p, fd);
    if (!f) return -kEBADF;
    const std::uint64_t n = count & 0xffff'ffffu;   // an unsigned int in Linux
    if (f->kind() == File::Kind::Inode && !user_range_ok(buf, n)) return -kEFAULT;
    return f->getdents(buf, n);
}

// sendfile: from a file (its offset, or *user_offset which is then updated) to any writable file,
// through a page-sized kernel buffer. The input's offset moves by what was written.
std::int64_t sys_sendfile(Process* p, std::uint64_t out_fd, std::uint64_t in_fd, std::uint64_t user_offset, std::uint64_t count) {
    std::int64_t pos = 0;
    if (user_offset && !get_user(pos, user_offset).ok()) return -kEFAULT;
    File* in = io_file(p, in_fd);
    if (!in || !in->readable()) return -kEBADF;
    if (user_offset && in->kind() != File::Kind::Inode) return -kESPIPE;
    if (!user_offset) pos = static_cast<std::int64_t>(in->offset());
    if (pos < 0) return -kEINVAL;
    File* out = io_file(p, out_fd);
    if (!out || !out->writable()) return -kEBADF;
    // Only files can be read this way (Linux: pipes and terminals have no splice_read here), and an
    // appending output is refused as Linux's do_splice_direct does.
    if (in->kind() != File::Kind::Inode) return -kEINVAL;
    if (out->kind() == File::Kind::Inode && (out->status_flags() & kO_APPEND)) return -kEINVAL;
    if (count > kMaxRwCount) count = kMaxRwCount;
    constexpr std::size_t kChunk = 4096;
    char* buf = count ? new char[kChunk] : nullptr;
    if (count && !buf) return -kENOMEM;
    std::uint64_t done = 0;
    std::int64_t error = 0;
    auto at = static_cast<std::uint64_t>(pos);
    while (done < count) {
        if (done && sched::current()->kill_pending) break;
        const std::size_t want = count - done < kChunk ? count - done : kChunk;
        std::uint64_t read_at = at;
        const std::int64_t r = in->kernel_io(false, buf, want, &read_at);
        if (r <= 0) {
            error = r;
            break;
        }
        const std::int64_t w = out->write_kernel(buf, static_cast<std::size_t>(r));
        if (w <= 0) {
            error = w;
            break;
        }
        done += static_cast<std::uint64_t>(w);
        at += static_cast<std::uint64_t>(w);
        if (w < r || static_cast<std::size_t>(r) < want) break;
    }
    delete[] buf;
    if (user_offset) {
        if (!put_user(user_offset, static_cast<std::int64_t>(at)).ok()) return -kEFAULT;
    } else if (done) {
        in->set_offset(at);
    }
    return done ? static_cast<std::int64_t>(done) : error;
}

}  // namespace kernel
