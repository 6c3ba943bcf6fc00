// openat: Linux's build_open_flags, path_openat and may_open over the VFS, then File::open_inode.
// Creation follows a dangling symbolic link to create its target, as Linux does; O_TMPFILE makes an
// unnamed tmpfs file; O_PATH opens a place without access checks.
#include "kernel/fs/file_mmap.h"
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

constexpr int kValidOpenFlags = kO_ACCMODE | kO_CREAT | kO_EXCL | kO_NOCTTY | kO_TRUNC | kO_APPEND | kO_NONBLOCK |
                                kO_DSYNC | kO_ASYNC | kO_DIRECT | kO_LARGEFILE | kO_DIRECTORY | kO_NOFOLLOW |
                                kO_NOATIME | kO_CLOEXEC | kO_PATH | kO__TMPFILE | kO_SYNC;
constexpr int kOpathFlags = kO_DIRECTORY | kO_NOFOLLOW | kO_PATH | kO_CLOEXEC;

struct OpenRequest {
    int flags;
    std::uint32_t mode;   // permission bits asked for a new file
    int acc;              // fs::kMayRead/kMayWrite
};

// may_open for a file that existed (a new one is opened whatever its mode, as Linux does).
std::int64_t may_open(const fs::Credentials& cred, const Path& place, OpenRequest& rq) {
    const Inode* i = place.inode;
    switch (i->mode & kS_IFMT) {
    case kS_IFLNK: return -kELOOP;
    case kS_IFDIR:
        if (rq.acc & fs::kMayWrite) return -kEISDIR;
        break;
    case kS_IFCHR:
    case kS_IFBLK:
    case kS_IFIFO:
    case kS_IFSOCK: rq.flags &= ~kO_TRUNC; break;   // nothing to truncate
    default: break;
    }
    if (int e = may_access(cred, place, rq.acc); e < 0) return e;
    if ((rq.flags & kO_NOATIME) && !is_owner_or_root(cred, i)) return -kEPERM;
    return 0;
}

// O_TRUNC on an existing regular file (handle_truncate): size 0, mtime and ctime now, and the
// set-user-ID bit (and set-group-ID with group execute) dropped unless root truncates.
std::int64_t truncate_opened(const fs::Credentials& cred, Inode* i) {
    if (i->size != 0) file_maps_truncate(i, 0);   // fmmap: the mapped pages go first (SIGBUS after)
    if (std::int64_t e = i->truncate(0); e < 0) return e;
    i->mtime = i->ctime = now();
    if (cred.euid != 0) {
        i->mode &= ~kS_ISUID;
        if (i->mode & kS_IXGRP) i->mode &= ~kS_ISGID;
    }
    return 0;
}

// The unnamed file of O_TMPFILE: made under a name nobody can see (the VFS lock is held from
// creation to unlinking), then unlinked, so that only the open file holds it. Only tmpfs has them
// (Linux: EOPNOTSUPP for a file system without a tmpfile operation).
ErrorOr<Inode*> make_tmpfile(Process* p, const Path& dir, std::uint32_t mode) {
    if (read_only(dir)) return ErrorOr<Inode*>::error(kEROFS);
    if (int e = may_create(p->cred, dir); e < 0) return ErrorOr<Inode*>::error(-e);
    const char* type = dir.inode->sb->type_name();
    if (!(type[0] == 't' && type[1] == 'm' && type[2] == 'p' && type[3] == 'f' && type[4] == 's' && type[5] == 0))
        return ErrorOr<Inode*>::error(kEOPNOTSUPP);
    const NewOwner o = new_owner(p->cred, dir.inode, kS_IFREG | (mode & ~p->umask & 07777));
    static std::uint64_t s_serial;   // under the VFS lock
    for (int attempt = 0; attempt < 16; ++attempt) {
        char name[32] = ".o_tmpfile.";
        std::uint64_t n = ++s_serial;
        std::size_t len = 11;
        char digits[20];
        int d = 0;
        do digits[d++] = static_cast<char>('0' + n % 10), n /= 10;
        while (n);
        while (d) name[len++] = digits[--d];
        auto r = dir.inode->create(name, len, o.mode, 0, o.uid, o.gid);
        if (!r.ok() && r.errno_value() == kEEXIST) continue;
        if (!r.ok()) return r;
        if (std::int64_t e = dir.inode->unlink(name, len); e < 0) {
            r.value()->put_locked();
            return ErrorOr<Inode*>::error(static_cast<int>(-e));
        }
        return r;
    }
    return ErrorOr<Inode*>::error(kEEXIST);
}

// O_CREAT: the parent's entry is created unless it exists; a symbolic link found there is
// followed (its target created if missing) unless O_NOFOLLOW. `created` says the file is new.
std::int64_t open_create(Process* p, const AtStart& at, const char* path, OpenRequest& rq, HeldPath& out, bool& created) {
    fs::WalkStart start = at.get();
    HeldPath base;                       // the directory a followed link's target is relative to
    char* link = nullptr;               // a followed link's target (heap: up to PATH_MAX)
    struct Free {
        char*& p;
        ~Free() { delete[] p; }
    } free_link{link};
    const char* cur = path;
    for (int links = 0;; ) {
        auto pr = fs::walk_parent(start, cur);
        if (!pr.ok()) return -pr.errno_value();
        const fs::Parent parent = pr.value();
        HeldPath dir(parent.dir);
        const bool dots = parent.len == 0 || (parent.name[0] == '.' && (parent.len == 1 || (parent.len == 2 && parent.name[1] == '.')));
        if (dots) {   // "/", "." or "..": a directory (Linux resolves it first: its errors win)
            auto w = fs::walk(start, cur, fs::kFollowLast);
            if (!w.ok()) return -w.errno_value();
            HeldPath(w.value()).reset();
            return -kEISDIR;
        }
        if (parent.trailing_slash) return -kEISDIR;
        auto child = dir.inode()->lookup(parent.name, parent.len);
        if (!child.ok() && child.errno_value() != kENOENT) return -child.errno_value();
        if (!child.ok()) {
            if (read_only(dir.get())) return -kEROFS;
            if (int e = may_create(p->cred, dir.get()); e < 0) return e;
            const NewOwner o = new_owner(p->cred, dir.inode(), kS_IFREG | (rq.mode & ~p->umask & 07777));
            auto made = dir.inode()->create(parent.name, parent.len, o.mode, 0, o.uid, o.gid);
            if (!made.ok()) return -made.errno_value();
            out = HeldPath(Path{dir.mnt(), made.value()});
            created = true;
            return 0;
        }
        Inode* found = child.value();
        if (rq.flags & kO_EXCL) {
            found->put_locked();
            return -kEEXIST;
        }
        if (found->is_symlink() && !(rq.flags & kO_NOFOLLOW)) {
            if (++links > fs::kMaxSymlinks) {
                found->put_locked();
                return -kELOOP;
            }
            std::size_t len = 0;
            auto t = found->link_target(len);
            if (!t.ok() || len >= fs::kPathMax) {
                found->put_locked();
                return t.ok() ? -kENAMETOOLONG : -t.errno_value();
            }
            if (!link && !(link = new char[fs::kPathMax])) {
                found->put_locked();
                return -kENOMEM;
            }
            for (std::size_t i = 0; i < len; ++i) link[i] = t.value()[i];
            link[len] = '\0';
            found->put_locked();
            if (len == 0) return -kENOENT;
            base = static_cast<HeldPath&&>(dir);
            start.base = base.get();
            cur = link;
            continue;
        }
        found->put_locked();
        // The entry as the walk sees it (a mount point's mounted root); the last component is no
        // symbolic link to follow now, or O_NOFOLLOW stops at it (may_open: ELOOP).
        auto w = fs::walk(start, cur, 0);
        if (!w.ok()) return -w.errno_value();
        out = HeldPath(w.value());
        if (out.inode()->is_dir()) return -kEISDIR;
        return 0;
    }
}

// The VFS part of openat: the place to open, checked. rq.flags may lose O_TRUNC (devices).
std::int64_t open_place(Process* p, int dirfd, const char* path, OpenRequest& rq, HeldPath& out) {
    AtStart at;
    if (std::int64_t e = at.init(p, dirfd, path); e < 0) return e;
    const unsigned follow = (rq.flags & kO_NOFOLLOW) ? 0u : static_cast<unsigned>(fs::kFollowLast);
    // O_DIRECTORY does not make a final symbolic link followed (a trailing "/" does: the walk's
    // business); a link that stays is then ENOTDIR, as Linux's do_open says.
    if (rq.flags & kO_PATH) {
        auto w = walk_at(at, path, follow);
        if (!w.ok()) return -w.errno_value();
        out = HeldPath(w.value());
        if ((rq.flags & kO_DIRECTORY) && !out.inode()->is_dir()) return -kENOTDIR;
        return 0;
    }
    if (rq.flags & kO__TMPFILE) {
        auto w = walk_at(at, path, fs::kFollowLast | fs::kMustBeDir);
        if (!w.ok()) return -w.errno_value();
        HeldPath dir(w.value());
        if (!dir.inode()->is_dir()) return -kENOTDIR;
        auto made = make_tmpfile(p, dir.get(), rq.mode);
        if (!made.ok()) return -made.errno_value();
        out = HeldPath(Path{dir.mnt(), made.value()});
        return 0;
    }
    bool created = false;
    if (rq.flags & kO_CREAT) {
        if (std::int64_t e = open_create(p, at, path, rq, out, created); e < 0) return e;
    } else {
        auto w = walk_at(at, path, follow);
        if (!w.ok()) return -w.errno_value();
        out = HeldPath(w.value());
    }
    if (created) return 0;
    if ((rq.flags & kO_DIRECTORY) && !out.inode()->is_dir()) return -kENOTDIR;
    if (std::int64_t e = may_open(p->cred, out.get(), rq); e < 0) return e;
    if ((rq.flags & kO_TRUNC) && out.inode()->is_reg()) return truncate_opened(p->cred, out.inode());
    return 0;
}

}  // namespace

std::int64_t sys_openat(Process* p, arch::TrapFrame& f) {
    const int dirfd = static_cast<int>(f.x[0]);
    // build_open_how: openat ignores unknown flags; O_PATH keeps only the flags it allows; the mode
    // counts only with O_CREAT or O_TMPFILE.
    OpenRequest rq{static_cast<int>(f.x[2]) & kValidOpenFlags, static_cast<std::uint32_t>(f.x[3]) & 07777, 0};
    if (rq.flags & kO_PATH) rq.flags &= kOpathFlags;
    if (!(rq.flags & (kO_CREAT | kO__TMPFILE))) rq.mode = 0;
    // build_open_flags.
    if ((rq.flags & (kO_DIRECTORY | kO_CREAT)) == (kO_DIRECTORY | kO_CREAT)) return -kEINVAL;
    static constexpr int kAccMode[4] = {fs::kMayRead, fs::kMayWrite, fs::kMayRead | fs::kMayWrite,
                                        fs::kMayRead | fs::kMayWrite};
    rq.acc = kAccMode[rq.flags & kO_ACCMODE];
    if (rq.flags & kO__TMPFILE) {
        if (!(rq.flags & kO_DIRECTORY) || !(rq.acc & fs::kMayWrite)) return -kEINVAL;
    }
    if (rq.flags & kO_PATH) rq.acc = 0;
    if (rq.flags & kO_TRUNC) rq.acc |= fs::kMayWrite;
    if ((rq.flags & kO_CREAT) && (rq.flags & kO_EXCL)) rq.flags |= kO_NOFOLLOW;

    UserPath path;
    if (std::int64_t e = path.copy(f.x[1]); e < 0) return e;
    const int fd = p->fds.find_free(0, p->nofile_limit());   // room made for it
    if (fd < 0) return fd;   // -EMFILE, or -ENOMEM
    Path place;
    {
        fs::Guard g;
        HeldPath held;
        if (std::int64_t e = open_place(p, dirfd, path.str(), rq, held); e < 0) return e;
        place = held.release();
    }
    // The open file takes the place's reference over. O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC have
    // done their work; the file keeps the access mode and status flags.
    auto file = File::open_inode(place, rq.flags & ~(kO_CREAT | kO_EXCL | kO_NOCTTY | kO_TRUNC | kO_CLOEXEC));
    if (!file.ok()) return -file.errno_value();
    p->set_fd(fd, file.value(), (rq.flags & kO_CLOEXEC) != 0);
    return fd;
}

}  // namespace kernel
