// renameat and renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT), with Linux's checks
// in its order (fs/namei.c do_renameat2 and vfs_rename); the move itself is the directory's
// rename operation.
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

// Whether `ancestor` is `dir` or one of its ancestors (same file system: the parent links).
bool is_ancestor(const Inode* ancestor, const Inode* dir) {
    for (const Inode* i = dir; i; i = (i->parent == i) ? nullptr : i->parent)
        if (i == ancestor) return true;
    return false;
}

struct RenameArgs {
    int old_dirfd, new_dirfd;
    const char* old_path;
    const char* new_path;
    unsigned flags;
};

std::int64_t do_rename(Process* p, const RenameArgs& a) {
    const fs::Credentials& cred = p->cred;
    AtStart old_start, new_start;
    if (std::int64_t e = old_start.init(p, a.old_dirfd, a.old_path); e < 0) return e;
    ParentAt from;
    if (std::int64_t e = parent_at(old_start, a.old_path, from); e < 0) return e;
    if (std::int64_t e = new_start.init(p, a.new_dirfd, a.new_path); e < 0) return e;
    ParentAt to;
    if (std::int64_t e = parent_at(new_start, a.new_path, to); e < 0) return e;
    if (from.dir.mnt() != to.dir.mnt()) return -kEXDEV;
    if (from.kind != Last::Normal) return -kEBUSY;
    if (to.kind != Last::Normal) return (a.flags & kRENAME_NOREPLACE) ? -kEEXIST : -kEBUSY;
    if (read_only(from.dir.get())) return -kEROFS;

    auto old_r = from.dir.inode()->lookup(from.name, from.len);
    if (!old_r.ok()) return -old_r.errno_value();
    HeldPath source(Path{from.dir.mnt(), old_r.value()});
    auto new_r = to.dir.inode()->lookup(to.name, to.len);
    if (!new_r.ok() && new_r.errno_value() != kENOENT) return -new_r.errno_value();
    HeldPath target(new_r.ok() ? Path{to.dir.mnt(), new_r.value()} : Path{});
    if (target && (a.flags & kRENAME_NOREPLACE)) return -kEEXIST;
    if (!target && (a.flags & kRENAME_EXCHANGE)) return -kENOENT;

    Inode* const old_dir = from.dir.inode();
    Inode* const new_dir = to.dir.inode();
    Inode* const src = source.inode();
    Inode* const dst = target.inode();
    const bool is_dir = src->is_dir();
    if ((a.flags & kRENAME_EXCHANGE) && !dst->is_dir() && to.trailing_slash) return -kENOTDIR;
    if (!is_dir && (from.trailing_slash || (!(a.flags & kRENAME_EXCHANGE) && to.trailing_slash))) return -kENOTDIR;
    // A directory is not moved below itself (EINVAL), nor onto one of its ancestors (which is not
    // empty: ENOTEMPTY), as lock_rename's "trap" finds them.
    if (is_dir && is_ancestor(src, new_dir)) return -kEINVAL;
    if (dst && dst->is_dir() && !(a.flags & kRENAME_EXCHANGE) && is_ancestor(dst, old_dir)) return -kENOTEMPTY;
    if ((a.flags & kRENAME_EXCHANGE) && dst->is_dir() && is_ancestor(dst, old_dir)) return -kEINVAL;

    // vfs_rename.
    if (src == dst) return 0;   // two names of one file: nothing to do
    if (int e = may_delete(cred, from.dir.get(), src, is_dir); e < 0) return e;
    if (!dst) {
        if (int e = may_create(cred, to.dir.get()); e < 0) return e;
    } else {
        const bool dst_is_dir = dst->is_dir();
        if (int e = may_delete(cred, to.dir.get(), dst, (a.flags & kRENAME_EXCHANGE) ? dst_is_dir : is_dir); e < 0) return e;
    }
    if (new_dir != old_dir) {   // a moved directory's ".." changes: it must be writable
        if (is_dir) {
            if (int e = may_access(cred, source.get(), fs::kMayWrite); e < 0) return e;
        }
        if ((a.flags & kRENAME_EXCHANGE) && dst->is_dir()) {
            if (int e = may_access(cred, target.get(), fs::kMayWrite); e < 0) return e;
        }
    }
    if (is_mountpoint(src) || (dst && is_mountpoint(dst))) return -kEBUSY;
    if (dst && dst->is_dir() && !(a.flags & kRENAME_EXCHANGE) && dir_has_entries(dst)) return -kENOTEMPTY;

    const unsigned fs_flags = a.flags & (kRENAME_NOREPLACE | kRENAME_EXCHANGE);
    if (std::int64_t e = old_dir->rename(from.name, from.len, new_dir, to.name, to.len, fs_flags); e < 0) return e;
    if (a.flags & kRENAME_WHITEOUT) {
        // A whiteout: a character device 0:0 where the old name was (what overlayfs reads). If it
        // cannot be made, the rename is undone so that the call fails whole.
        auto w = old_dir->create(from.name, from.len, kS_IFCHR, 0, cred.fsuid, cred.fsgid);
        if (!w.ok()) {
            (void)new_dir->rename(to.name, to.len, old_dir, from.name, from.len, 0);
            return -w.errno_value();
        }
        w.value()->put_locked();
    }
    return 0;
}

std::int64_t rename_call(Process* p, int old_dirfd, std::uint64_t old_user, int new_dirfd, std::uint64_t new_user,
                         unsigned flags) {
    if (flags & ~(kRENAME_NOREPLACE | kRENAME_EXCHANGE | kRENAME_WHITEOUT)) return -kEINVAL;
    if ((flags & (kRENAME_NOREPLACE | kRENAME_WHITEOUT)) && (flags & kRENAME_EXCHANGE)) return -kEINVAL;
    if ((flags & kRENAME_WHITEOUT) && !capable(p->cred)) return -kEPERM;   // CAP_MKNOD
    UserPath from, to;
    if (std::int64_t e = from.copy(old_user); e < 0) return e;
    if (std::int64_t e = to.copy(new_user); e < 0) return e;
    fs::Guard g;
    return do_rename(p, RenameArgs{old_dirfd, new_dirfd, from.str(), to.str(), flags});
}

}  // namespace

std::int64_t sys_renameat(Process* p, arch::TrapFrame& f) {
    return rename_call(p, static_cast<int>(f.x[0]), f.x[1], static_cast<int>(f.x[2]), f.x[3], 0);
}

std::int64_t sys_renameat2(Process* p, arch::TrapFrame& f) {
    return rename_call(p, static_cast<int>(f.x[0]), f.x[1], static_cast<int>(f.x[2]), f.x[3],
                       static_cast<unsigned>(f.x[4]));
}

}  // namespace kernel
