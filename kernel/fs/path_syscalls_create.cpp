// New names and removing them: mkdirat, mknodat, symlinkat, linkat, unlinkat. Checks in Linux's
// order (fs/namei.c: filename_create, may_create, may_delete, vfs_*), then the directory's own
// operation (inode.h).
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

int as_int(std::uint64_t v) { return static_cast<int>(v); }

// mknod's file types: directories are mkdir's (EPERM), unknown types EINVAL; 0 is a regular file.
int may_mknod(std::uint32_t mode) {
    switch (mode & kS_IFMT) {
    case 0:
    case kS_IFREG:
    case kS_IFCHR:
    case kS_IFBLK:
    case kS_IFIFO:
    case kS_IFSOCK: return 0;
    case kS_IFDIR: return -kEPERM;
    default: return -kEINVAL;
    }
}

// sysctl fs.protected_hardlinks = 1 (what Debian and most distributions set): someone who does not
// own a file may link it only if it is a regular file without set-id execution that they may read
// and write.
int may_linkat(const fs::Credentials& cred, const Path& src) {
    const Inode* i = src.inode;
    if (is_owner_or_root(cred, i)) return 0;
    if (!i->is_reg() || (i->mode & kS_ISUID) || (i->mode & (kS_ISGID | kS_IXGRP)) == (kS_ISGID | kS_IXGRP)) return -kEPERM;
    if (may_access(cred, src, fs::kMayRead | fs::kMayWrite) < 0) return -kEPERM;
    return 0;
}

}  // namespace

std::int64_t sys_mkdirat(Process* p, arch::TrapFrame& f) {
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1]); e < 0) return e;
    const std::uint32_t mode = static_cast<std::uint32_t>(f.x[2]) & ~p->umask & 01777;
    fs::Guard g;
    ParentAt at;
    if (std::int64_t e = filename_create(p, as_int(f.x[0]), path.str(), true, at); e < 0) return e;
    const NewOwner o = new_owner(p->cred, at.dir.inode(), kS_IFDIR | mode);
    auto r = at.dir.inode()->mkdir(at.name, at.len, o.mode, o.uid, o.gid);
    if (!r.ok()) return -r.errno_value();
    r.value()->put_locked();
    return 0;
}

std::int64_t sys_mknodat(Process* p, arch::TrapFrame& f) {
    std::uint32_t mode = static_cast<std::uint16_t>(f.x[2]);   // umode_t
    const std::uint64_t dev = static_cast<std::uint32_t>(f.x[3]);
    if (int e = may_mknod(mode); e < 0) return e;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1]); e < 0) return e;
    mode &= ~p->umask;
    if ((mode & kS_IFMT) == 0) mode |= kS_IFREG;
    const std::uint32_t type = mode & kS_IFMT;
    fs::Guard g;
    ParentAt at;
    if (std::int64_t e = filename_create(p, as_int(f.x[0]), path.str(), false, at); e < 0) return e;
    if ((type == kS_IFCHR || type == kS_IFBLK) && !capable(p->cred)) return -kEPERM;   // CAP_MKNOD
    const NewOwner o = new_owner(p->cred, at.dir.inode(), type | (mode & 07777));
    auto r = at.dir.inode()->create(at.name, at.len, o.mode, (type == kS_IFCHR || type == kS_IFBLK) ? dev : 0, o.uid, o.gid);
    if (!r.ok()) return -r.errno_value();
    r.value()->put_locked();
    return 0;
}

std::int64_t sys_symlinkat(Process* p, arch::TrapFrame& f) {
    UserPath target, path;
    if (std::int64_t e = target.copy(f.x[0]); e < 0) return e;
    if (std::int64_t e = path.copy(f.x[2]); e < 0) return e;
    fs::Guard g;
    ParentAt at;
    if (std::int64_t e = filename_create(p, as_int(f.x[1]), path.str(), false, at); e < 0) return e;
    std::size_t len = 0;
    while (target.str()[len]) ++len;
    auto r = at.dir.inode()->symlink(at.name, at.len, target.str(), len, p->cred.fsuid, p->cred.fsgid);
    if (!r.ok()) return -r.errno_value();
    r.value()->put_locked();
    return 0;
}

std::int64_t sys_linkat(Process* p, arch::TrapFrame& f) {
    const unsigned flags = static_cast<unsigned>(f.x[4]);
    if (flags & ~(kAT_SYMLINK_FOLLOW | kAT_EMPTY_PATH)) return -kEINVAL;
    UserPath old_path, new_path;
    if (std::int64_t e = old_path.copy(f.x[1], (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
    fs::Guard g;
    Resolved src;
    if (std::int64_t e = resolve_at(p, as_int(f.x[0]), old_path, (flags & kAT_SYMLINK_FOLLOW) != 0,
                                    (flags & kAT_EMPTY_PATH) != 0, src);
        e < 0)
        return e;
    if (std::int64_t e = new_path.copy(f.x[3]); e < 0) return e;
    ParentAt at;
    if (std::int64_t e = filename_create(p, as_int(f.x[2]), new_path.str(), false, at); e < 0) return e;
    if (!src.place || src.place.mnt() != at.dir.mnt()) return -kEXDEV;   // a pipe lives on no mount here
    if (int e = may_linkat(p->cred, src.place.get()); e < 0) return e;
    Inode* inode = src.place.inode();
    if (inode->sb != at.dir.inode()->sb) return -kEXDEV;
    if (inode->is_dir()) return -kEPERM;
    if (inode->nlink == 0) return -kENOENT;   // an unlinked (or O_TMPFILE) file
    return at.dir.inode()->link(at.name, at.len, inode);
}

namespace {

std::int64_t do_rmdir(Process* p, int dirfd, const char* path) {
    AtStart start;
    if (std::int64_t e = start.init(p, dirfd, path); e < 0) return e;
    ParentAt at;
    if (std::int64_t e = parent_at(start, path, at); e < 0) return e;
    switch (at.kind) {
    case Last::DotDot: return -kENOTEMPTY;
    case Last::Dot: return -kEINVAL;
    case Last::Root: return -kEBUSY;
    case Last::Normal: break;
    }
    if (read_only(at.dir.get())) return -kEROFS;
    auto child = at.dir.inode()->lookup(at.name, at.len);
    if (!child.ok()) return -child.errno_value();
    HeldPath victim(Path{at.dir.mnt(), child.value()});
    if (int e = may_delete(p->cred, at.dir.get(), victim.inode(), true); e < 0) return e;
    if (is_mountpoint(victim.inode())) return -kEBUSY;
    return at.dir.inode()->rmdir(at.name, at.len);
}

std::int64_t do_unlink(Process* p, int dirfd, const char* path) {
    AtStart start;
    if (std::int64_t e = start.init(p, dirfd, path); e < 0) return e;
    ParentAt at;
    if (std::int64_t e = parent_at(start, path, at); e < 0) return e;
    if (at.kind != Last::Normal) return -kEISDIR;
    if (read_only(at.dir.get())) return -kEROFS;
    auto child = at.dir.inode()->lookup(at.name, at.len);
    if (!child.ok()) return -child.errno_value();
    HeldPath victim(Path{at.dir.mnt(), child.value()});
    if (at.trailing_slash) return victim.inode()->is_dir() ? -kEISDIR : -kENOTDIR;
    if (int e = may_delete(p->cred, at.dir.get(), victim.inode(), false); e < 0) return e;
    if (is_mountpoint(victim.inode())) return -kEBUSY;
    return at.dir.inode()->unlink(at.name, at.len);
}

}  // namespace

std::int64_t sys_unlinkat(Process* p, arch::TrapFrame& f) {
    const unsigned flags = static_cast<unsigned>(f.x[2]);
    if (flags & ~kAT_REMOVEDIR) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1]); e < 0) return e;
    fs::Guard g;
    return (flags & kAT_REMOVEDIR) ? do_rmdir(p, as_int(f.x[0]), path.str()) : do_unlink(p, as_int(f.x[0]), path.str());
}

}  // namespace kernel
