// Attributes and access: readlinkat, faccessat(2), fchmod(at), fchown(at), utimensat, truncate.
// Linux's rules (fs/open.c, fs/attr.c, fs/utimes.c): EROFS before ownership checks, only root
// changes an owner, chown drops set-id bits, times need ownership or (for "now") write access.
#include "kernel/fs/file_mmap.h"
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

int as_int(std::uint64_t v) { return static_cast<int>(v); }

// A descriptor's place for fchmod/fchown/futimens: EBADF for none or an O_PATH one.
std::int64_t fd_place(Process* p, std::uint64_t fd, Path& out) {
    File* f = p->fd_at(fd);
    if (!f || file_is_opath(f)) return -kEBADF;
    out = file_path(f);
    if (!out.inode) return -kEBADF;   // a pipe or console file carries no inode here
    return 0;
}

std::int64_t chmod_common(const fs::Credentials& cred, const Path& place, std::uint32_t mode) {
    Inode* i = place.inode;
    if (read_only(place)) return -kEROFS;
    if (!is_owner_or_root(cred, i)) return -kEPERM;
    std::uint32_t bits = mode & 07777;
    if ((bits & kS_ISGID) && !cred.in_group(i->gid) && cred.fsuid != 0) bits &= ~kS_ISGID;   // CAP_FSETID
    i->mode = (i->mode & kS_IFMT) | bits;
    i->ctime = now();
    return 0;
}

std::int64_t chown_common(const fs::Credentials& cred, const Path& place, std::uint32_t uid, std::uint32_t gid) {
    Inode* i = place.inode;
    if (read_only(place)) return -kEROFS;
    constexpr std::uint32_t kKeep = 0xffff'ffffu;
    const bool root = cred.fsuid == 0;   // CAP_CHOWN
    if (uid != kKeep && !root && !(cred.fsuid == i->uid && uid == i->uid)) return -kEPERM;
    if (gid != kKeep && !root && !(cred.fsuid == i->uid && (gid == i->gid || cred.in_group(gid)))) return -kEPERM;
    if (!i->is_dir()) {
        // ATTR_KILL_SUID, and ATTR_KILL_SGID for a group-executable set-group-ID file (one without
        // group execute keeps it, unless the caller is neither in its group nor root).
        i->mode &= ~kS_ISUID;
        if ((i->mode & kS_ISGID) && ((i->mode & kS_IXGRP) || (!cred.in_group(i->gid) && !root))) i->mode &= ~kS_ISGID;
    }
    if (uid != kKeep) i->uid = uid;
    if (gid != kKeep) i->gid = gid;
    i->ctime = now();
    return 0;
}

}  // namespace

std::int64_t sys_readlinkat(Process* p, arch::TrapFrame& f) {
    const int size = as_int(f.x[3]);
    if (size <= 0) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1], true); e < 0) return e;
    char* buf = nullptr;
    std::size_t n = 0;
    {
        fs::Guard g;
        Resolved r;
        if (std::int64_t e = resolve_at(p, as_int(f.x[0]), path, false, true, r); e < 0) return e;
        if (!r.place || !r.place.inode()->is_symlink()) return path.empty() ? -kENOENT : -kEINVAL;
        std::size_t len = 0;
        auto t = r.place.inode()->link_target(len);
        if (!t.ok()) return -t.errno_value();
        n = len < static_cast<std::size_t>(size) ? len : static_cast<std::size_t>(size);
        // Copied out after the lock: a fault on the user buffer may sleep.
        buf = new char[n ? n : 1];
        if (!buf) return -kENOMEM;
        for (std::size_t i = 0; i < n; ++i) buf[i] = t.value()[i];
    }
    const bool ok = copy_to_user(f.x[2], buf, n).ok();
    delete[] buf;
    return ok ? static_cast<std::int64_t>(n) : -kEFAULT;   // no NUL appended, as Linux
}

namespace {

std::int64_t do_faccessat(Process* p, int dirfd, std::uint64_t user_path, std::uint32_t mode, unsigned flags) {
    if (mode & ~7u) return -kEINVAL;
    if (flags & ~(kAT_EACCESS | kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return -kEINVAL;
    // Without AT_EACCESS the real ids ask (access_override_creds), root's powers with them.
    fs::Credentials cred = p->cred;
    if (!(flags & kAT_EACCESS)) cred.fsuid = cred.ruid, cred.fsgid = cred.rgid;
    UserPath path;
    if (std::int64_t e = path.copy(user_path, (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, dirfd, path, !(flags & kAT_SYMLINK_NOFOLLOW), (flags & kAT_EMPTY_PATH) != 0, r); e < 0)
        return e;
    // A pipe or console file carries no inode here: Linux's are its opener's (a pipe 0600, the
    // console 0620), readable and writable, never executable.
    if (!r.place) return (mode & fs::kMayExec) ? -kEACCES : 0;
    const Inode* i = r.place.inode();
    if ((mode & fs::kMayExec) && i->is_reg() && r.place.mnt() && (r.place.mnt()->flags & kMS_NOEXEC)) return -kEACCES;
    return may_access(cred, r.place.get(), static_cast<int>(mode));
}

}  // namespace

std::int64_t sys_faccessat(Process* p, arch::TrapFrame& f) {
    return do_faccessat(p, as_int(f.x[0]), f.x[1], static_cast<std::uint32_t>(f.x[2]), 0);
}

std::int64_t sys_faccessat2(Process* p, arch::TrapFrame& f) {
    return do_faccessat(p, as_int(f.x[0]), f.x[1], static_cast<std::uint32_t>(f.x[2]), static_cast<unsigned>(f.x[3]));
}

std::int64_t sys_fchmodat(Process* p, arch::TrapFrame& f) {
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1]); e < 0) return e;
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, as_int(f.x[0]), path, true, false, r); e < 0) return e;
    return chmod_common(p->cred, r.place.get(), static_cast<std::uint32_t>(f.x[2]));
}

std::int64_t sys_fchmod(Process* p, arch::TrapFrame& f) {
    fs::Guard g;
    Path place;
    if (std::int64_t e = fd_place(p, f.x[0], place); e < 0) return e;
    return chmod_common(p->cred, place, static_cast<std::uint32_t>(f.x[1]));
}

std::int64_t sys_fchownat(Process* p, arch::TrapFrame& f) {
    const unsigned flags = static_cast<unsigned>(f.x[4]);
    if (flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1], (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, as_int(f.x[0]), path, !(flags & kAT_SYMLINK_NOFOLLOW), (flags & kAT_EMPTY_PATH) != 0, r);
        e < 0)
        return e;
    if (!r.place) return -kEBADF;   // a pipe or console file carries no inode here
    return chown_common(p->cred, r.place.get(), static_cast<std::uint32_t>(f.x[2]), static_cast<std::uint32_t>(f.x[3]));
}

std::int64_t sys_fchown(Process* p, arch::TrapFrame& f) {
    fs::Guard g;
    Path place;
    if (std::int64_t e = fd_place(p, f.x[0], place); e < 0) return e;
    return chown_common(p->cred, place, static_cast<std::uint32_t>(f.x[1]), static_cast<std::uint32_t>(f.x[2]));
}

namespace {

bool nsec_valid(std::int64_t ns) { return ns == kUTIME_NOW || ns == kUTIME_OMIT || (ns >= 0 && ns <= 999'999'999); }

// vfs_utimes: times null means both "now".
std::int64_t set_times(const fs::Credentials& cred, const Path& place, const Timespec* times) {
    if (times) {
        if (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec)) return -kEINVAL;
        if (times[0].tv_nsec == kUTIME_NOW && times[1].tv_nsec == kUTIME_NOW) times = nullptr;
    }
    if (read_only(place)) return -kEROFS;
    Inode* i = place.inode;
    if (!is_owner_or_root(cred, i)) {
        if (times) return -kEPERM;   // explicit times: the owner's (or root's) right
        if (int e = may_access(cred, place, fs::kMayWrite); e < 0) return e;   // "now": anyone who may write
    }
    const fs::Timestamp t = now();
    auto pick = [&](const Timespec* ts, fs::Timestamp& field) {
        if (!ts || ts->tv_nsec == kUTIME_NOW) field = t;
        else if (ts->tv_nsec != kUTIME_OMIT) field = {ts->tv_sec, ts->tv_nsec};
    };
    pick(times ? &times[0] : nullptr, i->atime);
    pick(times ? &times[1] : nullptr, i->mtime);
    i->ctime = t;
    return 0;
}

}  // namespace

std::int64_t sys_utimensat(Process* p, arch::TrapFrame& f) {
    const int dirfd = as_int(f.x[0]);
    const unsigned flags = static_cast<unsigned>(f.x[3]);
    Timespec times[2];
    const bool have_times = f.x[2] != 0;
    if (have_times) {
        if (!copy_from_user(times, f.x[2], sizeof times).ok()) return -kEFAULT;
        if (times[0].tv_nsec == kUTIME_OMIT && times[1].tv_nsec == kUTIME_OMIT) return 0;   // nothing to do, no lookup
    }
    if (f.x[1] == 0 && dirfd != kAT_FDCWD) {   // futimens: the descriptor itself
        if (flags) return -kEINVAL;
        fs::Guard g;
        Path place;
        if (std::int64_t e = fd_place(p, static_cast<std::uint64_t>(static_cast<std::uint32_t>(dirfd)), place); e < 0) return e;
        return set_times(p->cred, place, have_times ? times : nullptr);
    }
    if (flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_EMPTY_PATH)) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1], (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, dirfd, path, !(flags & kAT_SYMLINK_NOFOLLOW), (flags & kAT_EMPTY_PATH) != 0, r); e < 0)
        return e;
    if (!r.place) return -kEBADF;   // a pipe or console file carries no inode here
    return set_times(p->cred, r.place.get(), have_times ? times : nullptr);
}

std::int64_t sys_truncate(Process* p, arch::TrapFrame& f) {
    const auto length = static_cast<std::int64_t>(f.x[1]);
    if (length < 0) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[0]); e < 0) return e;
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, kAT_FDCWD, path, true, false, r); e < 0) return e;
    Inode* i = r.place.inode();
    if (i->is_dir()) return -kEISDIR;
    if (!i->is_reg()) return -kEINVAL;
    if (read_only(r.place.get())) return -kEROFS;
    if (int e = may_access(p->cred, r.place.get(), fs::kMayWrite); e < 0) return e;
    const std::uint64_t old_size = i->size;
    // fmmap: the mapped pages past the new end go first (SIGBUS after).
    if (static_cast<std::uint64_t>(length) < old_size) file_maps_truncate(i, static_cast<std::uint64_t>(length));
    if (std::int64_t e = i->truncate(static_cast<std::uint64_t>(length)); e < 0) return e;
    if (i->size != old_size) i->mtime = i->ctime = now();
    if (p->cred.euid != 0 && (i->mode & (kS_ISUID | kS_ISGID))) {   // should_remove_suid without CAP_FSETID
        i->mode &= ~kS_ISUID;
        if (i->mode & kS_IXGRP) i->mode &= ~kS_ISGID;
        i->ctime = now();
    }
    return 0;
}

}  // namespace kernel
