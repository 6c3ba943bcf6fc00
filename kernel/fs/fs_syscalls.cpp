// Descriptors and initramfs paths as Linux's stat family and ioctl see them. The initramfs is the
// whole file system, read-only, with "/" as every process's working directory; no descriptor is a
// directory, so a descriptor as the base of a relative path is ENOTDIR.
#include "kernel/fs/fs_syscalls.h"

#include "kernel/fs/file.h"
#include "kernel/fs/initramfs.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/fs/path_lookup.h"
#include "kernel/process/process.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

namespace {

using namespace abi;

// The initramfs's (anonymous) device, like Linux's rootfs.
constexpr std::uint64_t kRootfsDev = encode_dev(0, 1);

// A path from user space and the scratch space lookup_path needs, on the heap (12 KiB: too much for
// a 16 KiB kernel stack).
class PathBuffers {
public:
    PathBuffers() : m_mem(new char[3 * kPathMax]) {}
    ~PathBuffers() { delete[] m_mem; }
    PathBuffers(const PathBuffers&) = delete;
    PathBuffers& operator=(const PathBuffers&) = delete;
    bool ok() const { return m_mem != nullptr; }
    char* path() { return m_mem; }
    char* scratch() { return m_mem + kPathMax; }

private:
    char* m_mem;
};

std::int64_t copy_path(PathBuffers& b, std::uint64_t user_path) {
    if (!b.ok()) return -kENOMEM;
    auto r = copy_string_from_user(b.path(), user_path, kPathMax);
    if (!r.ok()) return r.error() == lib::Error::Fault ? -kEFAULT : -kENAMETOOLONG;
    return 0;
}

int lookup_errno(lib::Error e) {
    switch (e) {
    case lib::Error::NotDirectory: return -kENOTDIR;
    case lib::Error::OutOfRange: return -kENAMETOOLONG;
    case lib::Error::TooManyLinks: return -kELOOP;
    default: return -kENOENT;
    }
}

// Resolves a non-empty path given to an *at() call.
std::int64_t lookup_at(Process* p, int dirfd, PathBuffers& b, FollowLast follow, CpioEntry& out) {
    if (b.path()[0] != '/' && dirfd != kAT_FDCWD) {
        if (dirfd < 0 || !p->fd_at(static_cast<std::uint64_t>(dirfd))) return -kEBADF;
        return -kENOTDIR;
    }
    const CpioArchive* fs = initramfs::archive();
    if (!fs) return -kENOENT;
    auto r = lookup_path(*fs, b.path(), follow, b.scratch());
    if (!r.ok()) return lookup_errno(r.error());
    out = r.value();
    return 0;
}

Stat stat_of(const CpioEntry& e) {
    Stat st{};
    st.st_dev = kRootfsDev;
    st.st_ino = e.ino;
    st.st_mode = e.mode;
    st.st_nlink = e.nlink ? e.nlink : 1;
    st.st_uid = e.uid;
    st.st_gid = e.gid;
    st.st_rdev = encode_dev(e.rdev_major, e.rdev_minor);
    st.st_size = static_cast<std::int64_t>(e.size);
    st.st_blksize = 4096;
    st.st_blocks = static_cast<std::int64_t>((e.size + 4095) / 4096 * 8);  // 512-byte units of whole pages, as ramfs
    // Unpacking keeps the archive's mtime (and sets atime to it); ctime is the unpacking, at boot
    // (left 0 here: the kernel does not note the boot's realtime).
    st.st_atime_sec = st.st_mtime_sec = e.mtime;
    return st;
}

std::int64_t put_stat(std::uint64_t user_stat, const Stat& st) {
    return put_user(user_stat, st).ok() ? 0 : -kEFAULT;
}

}  // namespace

std::int64_t sys_ioctl(Process* p, std::uint64_t fd, std::uint64_t request, std::uint64_t arg) {
    File* f = p->fd_at(fd);
    if (!f) return -kEBADF;
    return f->ioctl(static_cast<std::uint32_t>(request), arg);  // Linux's cmd is an unsigned int
}

std::int64_t sys_fstat(Process* p, std::uint64_t fd, std::uint64_t user_stat) {
    File* f = p->fd_at(fd);
    if (!f) return -kEBADF;
    return put_stat(user_stat, f->stat());
}

std::int64_t sys_newfstatat(Process* p, int dirfd, std::uint64_t user_path, std::uint64_t user_stat, std::uint64_t flags) {
    if (flags & ~static_cast<std::uint64_t>(kAT_SYMLINK_NOFOLLOW | kAT_NO_AUTOMOUNT | kAT_EMPTY_PATH)) return -kEINVAL;
    PathBuffers b;
    if (std::int64_t e = copy_path(b, user_path); e < 0) return e;
    if (b.path()[0] == '\0') {
        if (!(flags & kAT_EMPTY_PATH)) return -kENOENT;
        if (dirfd != kAT_FDCWD) return dirfd < 0 ? -kEBADF : sys_fstat(p, static_cast<std::uint64_t>(dirfd), user_stat);
        b.path()[0] = '/', b.path()[1] = '\0';  // the working directory
    }
    CpioEntry e;
    const FollowLast follow = (flags & kAT_SYMLINK_NOFOLLOW) ? FollowLast::No : FollowLast::Yes;
    if (std::int64_t r = lookup_at(p, dirfd, b, follow, e); r < 0) return r;
    return put_stat(user_stat, stat_of(e));
}

std::int64_t sys_readlinkat(Process* p, int dirfd, std::uint64_t user_path, std::uint64_t user_buf, std::int64_t size) {
    if (size <= 0) return -kEINVAL;  // Linux checks this first
    PathBuffers b;
    if (std::int64_t e = copy_path(b, user_path); e < 0) return e;
    if (b.path()[0] == '\0') {  // names the descriptor itself, which is never a link here
        if (dirfd != kAT_FDCWD && (dirfd < 0 || !p->fd_at(static_cast<std::uint64_t>(dirfd)))) return -kEBADF;
        return -kENOENT;
    }
    CpioEntry e;
    if (std::int64_t r = lookup_at(p, dirfd, b, FollowLast::No, e); r < 0) return r;
    if (!is_symlink(e)) return -kEINVAL;
    const std::size_t n = e.size < static_cast<std::uint64_t>(size) ? e.size : static_cast<std::size_t>(size);
    if (!copy_to_user(user_buf, e.data, n).ok()) return -kEFAULT;
    return static_cast<std::int64_t>(n);  // no NUL appended, as Linux
}

}  // namespace kernel
