// The descriptor table's calls: close, close_range, dup, dup3, pipe2 and fcntl.
#include "kernel/fs/file.h"
#include "kernel/fs/io_syscalls.h"
#include "kernel/fs/lock.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

namespace {

using namespace abi;

void close_file(Process* p, File* f) { f->close_by(&p->fds); }

}  // namespace

std::int64_t sys_close(Process* p, std::uint64_t fd) {
    if (!p->fd_at(fd)) return -kEBADF;
    close_file(p, p->fds.take(static_cast<unsigned>(fd)));
    return 0;
}

// CLOSE_RANGE_UNSHARE asks for a private table, which every process has already.
std::int64_t sys_close_range(Process* p, std::uint64_t first, std::uint64_t last, std::uint64_t flags) {
    first &= 0xffff'ffffu, last &= 0xffff'ffffu;   // unsigned ints in Linux
    if (flags & ~static_cast<std::uint64_t>(kCLOSE_RANGE_UNSHARE | kCLOSE_RANGE_CLOEXEC)) return -kEINVAL;
    if (first > last) return -kEINVAL;
    const std::uint64_t end = p->fds.end();
    for (std::uint64_t fd = first; fd <= last && fd < end; ++fd) {
        if (!p->fd_at(fd)) continue;
        if (flags & kCLOSE_RANGE_CLOEXEC) p->fds.set_cloexec(static_cast<unsigned>(fd), true);
        else close_file(p, p->fds.take(static_cast<unsigned>(fd)));
    }
    return 0;
}

std::int64_t sys_dup(Process* p, std::uint64_t fd) {
    File* f = p->fd_at(fd);
    if (!f) return -kEBADF;
    const int n = p->fds.find_free(0, p->nofile_limit());
    if (n < 0) return n;
    p->set_fd(n, f->get());  // dup: the new descriptor never closes on exec
    return n;
}

// Linux's order: flags, the same descriptor twice (EINVAL), newfd past RLIMIT_NOFILE, then oldfd (EBADF).
std::int64_t sys_dup3(Process* p, std::uint64_t oldfd, std::uint64_t newfd, std::uint64_t flags) {
    if (flags & ~static_cast<std::uint64_t>(kO_CLOEXEC)) return -kEINVAL;
    oldfd &= 0xffff'ffffu, newfd &= 0xffff'ffffu;   // unsigned ints in Linux
    if (oldfd == newfd) return -kEINVAL;
    if (newfd >= p->nofile_limit()) return -kEBADF;
    File* f = p->fd_at(oldfd);
    if (!f) return -kEBADF;
    if (!p->fds.reserve(static_cast<unsigned>(newfd))) return -kENOMEM;
    File* old = p->fds.set(static_cast<unsigned>(newfd), f->get(), (flags & kO_CLOEXEC) != 0);
    if (old) close_file(p, old);
    return static_cast<std::int64_t>(newfd);
}

std::int64_t sys_pipe2(Process* p, std::uint64_t user_fds, std::uint64_t flags) {
    if (flags & ~static_cast<std::uint64_t>(kO_CLOEXEC | kO_NONBLOCK)) return -kEINVAL;  // no packet mode (O_DIRECT)
    const std::uint64_t limit = p->nofile_limit();
    const int r = p->fds.find_free(0, limit);
    if (r < 0) return r;
    const int w = p->fds.find_free(static_cast<std::uint64_t>(r) + 1, limit);
    if (w < 0) return w;
    File *rf, *wf;
    if (!File::open_pipe(rf, wf, static_cast<int>(flags))) return -kENOMEM;
    const int fds[2] = {r, w};
    if (!copy_to_user(user_fds, fds, sizeof fds).ok()) {
        rf->put();
        wf->put();
        return -kEFAULT;
    }
    p->set_fd(r, rf, (flags & kO_CLOEXEC) != 0);
    p->set_fd(w, wf, (flags & kO_CLOEXEC) != 0);
    return 0;
}

std::int64_t sys_fcntl(Process* p, std::uint64_t fd, std::uint64_t cmd64, std::uint64_t arg) {
    File* f = p->fd_at(fd);
    if (!f) return -kEBADF;
    const int n = static_cast<int>(fd);
    const int cmd = static_cast<int>(cmd64);   // Linux's cmd is an unsigned int
    // An O_PATH descriptor answers only the descriptor commands and F_GETFL, as Linux.
    if (f->is_path_only() && cmd != kF_DUPFD && cmd != kF_DUPFD_CLOEXEC && cmd != kF_GETFD && cmd != kF_SETFD &&
        cmd != kF_GETFL)
        return -kEBADF;
    switch (cmd) {
    case kF_DUPFD:
    case kF_DUPFD_CLOEXEC: {
        if (arg >= p->nofile_limit()) return -kEINVAL;
        const int d = p->fds.find_free(arg, p->nofile_limit());
        if (d < 0) return d;
        p->set_fd(d, f->get(), cmd == kF_DUPFD_CLOEXEC);
        return d;
    }
    case kF_GETFD: return p->fds.cloexec(static_cast<unsigned>(n)) ? kFD_CLOEXEC : 0;
    case kF_SETFD: p->fds.set_cloexec(static_cast<unsigned>(n), (arg & kFD_CLOEXEC) != 0); return 0;
    case kF_GETFL: return f->status_flags();
    case kF_SETFL: return f->set_status_flags(static_cast<int>(arg));
    case kF_GETPIPE_SZ: return f->pipe() ? static_cast<std::int64_t>(kPipeCapacity) : -kEBADF;
    case kF_GETLK:
    case kF_OFD_GETLK: return locks::getlk(f, arg, cmd == kF_OFD_GETLK, &p->fds, p->pid);
    case kF_SETLK:
    case kF_SETLKW:
    case kF_OFD_SETLK:
    case kF_OFD_SETLKW:
        return locks::setlk(f, arg, cmd == kF_OFD_SETLK || cmd == kF_OFD_SETLKW, cmd == kF_SETLKW || cmd == kF_OFD_SETLKW,
                            &p->fds, p->pid);
    default: return -kEINVAL;  // owners, leases, seals, pipe resizing: not supported (EINVAL as unknown)
    }
}

}  // namespace kernel
