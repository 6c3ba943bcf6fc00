// Where a process stands: chdir, fchdir, chroot, getcwd and umask. The root and working directory
// are Process::root and Process::cwd, each holding a reference (fs/fs_struct.c's set_fs_root/pwd).
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

// Replaces *slot (root or cwd) by `to`, whose reference it takes over (VFS lock held).
void set_place(Path& slot, Path to) {
    const Path old = slot;
    slot = to;
    if (old.inode) old.inode->put_locked();
}

// chdir and chroot: a directory the caller may search.
std::int64_t lookup_dir(Process* p, const UserPath& path, HeldPath& out) {
    AtStart at;
    if (std::int64_t e = at.init(p, kAT_FDCWD, path.str()); e < 0) return e;
    auto w = walk_at(at, path.str(), fs::kFollowLast | fs::kMustBeDir);
    if (!w.ok()) return -w.errno_value();
    out = HeldPath(w.value());
    if (!out.inode()->is_dir()) return -kENOTDIR;
    return may_access(p->cred, out.get(), fs::kMayExec);
}

}  // namespace

std::int64_t sys_chdir(Process* p, arch::TrapFrame& f) {
    UserPath path;
    if (std::int64_t e = path.copy(f.x[0]); e < 0) return e;
    fs::Guard g;
    HeldPath dir;
    if (std::int64_t e = lookup_dir(p, path, dir); e < 0) return e;
    set_place(p->cwd, dir.release());
    return 0;
}

std::int64_t sys_fchdir(Process* p, arch::TrapFrame& f) {
    File* file = p->fd_at(f.x[0]);
    if (!file) return -kEBADF;
    fs::Guard g;
    const Path place = file_path(file);
    if (!place.inode || !place.inode->is_dir()) return -kENOTDIR;
    if (int e = may_access(p->cred, place, fs::kMayExec); e < 0) return e;
    place.inode->get();
    set_place(p->cwd, place);
    return 0;
}

std::int64_t sys_chroot(Process* p, arch::TrapFrame& f) {
    UserPath path;
    if (std::int64_t e = path.copy(f.x[0]); e < 0) return e;
    fs::Guard g;
    HeldPath dir;
    if (std::int64_t e = lookup_dir(p, path, dir); e < 0) return e;
    if (!capable(p->cred)) return -kEPERM;   // CAP_SYS_CHROOT
    set_place(p->root, dir.release());
    return 0;
}

std::int64_t sys_getcwd(Process* p, arch::TrapFrame& f) {
    const std::uint64_t size = f.x[1];
    char* buf = new char[fs::kPathMax];
    if (!buf) return -kENOMEM;
    std::int64_t len;
    {
        fs::Guard g;
        // A removed working directory has no name (d_unlinked): ENOENT.
        len = p->cwd.inode->nlink == 0 ? -kENOENT : fs::path_of(p->root, p->cwd, buf, fs::kPathMax);
    }
    std::int64_t r;
    if (len < 0) r = len;
    else if (static_cast<std::uint64_t>(len) + 1 > size) r = -kERANGE;
    else r = copy_to_user(f.x[0], buf, static_cast<std::size_t>(len) + 1).ok() ? len + 1 : -kEFAULT;
    delete[] buf;
    return r;   // the length with the NUL, as the system call (not glibc's getcwd) returns
}

std::int64_t sys_umask(Process* p, arch::TrapFrame& f) {
    const std::uint32_t old = p->umask;
    p->umask = static_cast<std::uint32_t>(f.x[0]) & 0777;
    return old;
}

}  // namespace kernel
