// The stat family over the VFS: newfstatat, fstat, statx, statfs, fstatfs. Attributes come from the
// inode (inode.h) as the VFS keeps them; st_dev is the superblock's, st_blocks counts 512-byte
// units as tmpfs allocates them (whole pages for file data, none for directories and short links).
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

int as_int(std::uint64_t v) { return static_cast<int>(v); }

// tmpfs's allocation: a page per 4 KiB of data; a symbolic link's target lives in the inode when
// shorter than 128 bytes (SHORT_SYMLINK_LEN), else in a page.
std::uint64_t blocks_of(const Inode* i) {
    if (i->is_reg()) return (i->size + 4095) / 4096 * 8;
    if (i->is_symlink()) return i->size >= 128 ? 8 : 0;
    return 0;
}

// Every field is written (no zeroing pass first: stat is the hottest call here).
Stat stat_of(const Inode* i) {
    Stat st;
    st.pad1 = 0;
    st.pad2 = 0;
    st.unused4 = st.unused5 = 0;
    st.st_dev = i->sb->dev;
    st.st_ino = i->ino;
    st.st_mode = i->mode;
    st.st_nlink = i->nlink;
    st.st_uid = i->uid;
    st.st_gid = i->gid;
    st.st_rdev = i->rdev;
    st.st_size = static_cast<std::int64_t>(i->size);
    st.st_blksize = 4096;
    st.st_blocks = static_cast<std::int64_t>(blocks_of(i));
    st.st_atime_sec = i->atime.sec;
    st.st_atime_nsec = static_cast<std::uint64_t>(i->atime.nsec);
    st.st_mtime_sec = i->mtime.sec;
    st.st_mtime_nsec = static_cast<std::uint64_t>(i->mtime.nsec);
    st.st_ctime_sec = i->ctime.sec;
    st.st_ctime_nsec = static_cast<std::uint64_t>(i->ctime.nsec);
    return st;
}

std::int64_t put_stat(std::uint64_t user, const Stat& st) { return put_user(user, st).ok() ? 0 : -kEFAULT; }

// What fstat says about a descriptor: its inode, or (a console or pipe without one) the file's own.
Stat stat_of_file(File* f) {
    const Path place = file_path(f);
    if (!place.inode) return f->stat();
    fs::Guard g;
    return stat_of(place.inode);
}

// Resolves an *at() path for the stat calls; st gets the result. flags: AT_SYMLINK_NOFOLLOW and
// AT_EMPTY_PATH. A mount id comes too (statx).
struct StatResult {
    Stat st;
    std::uint64_t mnt_id;
};

std::uint64_t mount_id(const fs::Mount* m) {
    struct Q {
        const fs::Mount* m;
        std::uint64_t index, found;
    } q{m, 0, 0};
    fs::for_each_mount(
        [](const fs::Mount& mount, void* ctx) {
            auto* q = static_cast<Q*>(ctx);
            ++q->index;
            if (&mount == q->m) q->found = q->index;
        },
        &q);
    return q.found;   // 1 for the root mount, then in mount order
}

std::int64_t stat_at(Process* p, int dirfd, const UserPath& path, unsigned flags, StatResult& out, bool want_mnt_id) {
    fs::Guard g;
    Resolved r;
    if (std::int64_t e = resolve_at(p, dirfd, path, !(flags & kAT_SYMLINK_NOFOLLOW), (flags & kAT_EMPTY_PATH) != 0, r); e < 0)
        return e;
    if (!r.place) {
        out.st = r.file->stat();
        out.mnt_id = 0;
        return 0;
    }
    out.st = stat_of(r.place.inode());
    out.mnt_id = want_mnt_id ? mount_id(r.place.mnt()) : 0;
    return 0;
}

}  // namespace

std::int64_t sys_fstat(Process* p, arch::TrapFrame& f) {
    File* file = p->fd_at(f.x[0]);
    if (!file) return -kEBADF;
    return put_stat(f.x[1], stat_of_file(file));
}

std::int64_t sys_newfstatat(Process* p, arch::TrapFrame& f) {
    const unsigned flags = static_cast<unsigned>(f.x[3]);
    if (flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_NO_AUTOMOUNT | kAT_EMPTY_PATH)) return -kEINVAL;
    UserPath path;
    if (std::int64_t e = path.copy(f.x[1], (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
    StatResult r;
    if (std::int64_t e = stat_at(p, as_int(f.x[0]), path, flags, r, false); e < 0) return e;
    return put_stat(f.x[2], r.st);
}

std::int64_t sys_statx(Process* p, arch::TrapFrame& f) {
    const unsigned flags = static_cast<unsigned>(f.x[2]);
    const auto mask = static_cast<std::uint32_t>(f.x[3]);
    if ((flags & kAT_STATX_SYNC_TYPE) == kAT_STATX_SYNC_TYPE) return -kEINVAL;
    if (mask & kSTATX__RESERVED) return -kEINVAL;
    if (flags & ~(kAT_SYMLINK_NOFOLLOW | kAT_NO_AUTOMOUNT | kAT_EMPTY_PATH | kAT_STATX_SYNC_TYPE)) return -kEINVAL;
    UserPath path;
    StatResult r;
    if (f.x[1] == 0 && (flags & kAT_EMPTY_PATH) && as_int(f.x[0]) >= 0) {   // a null path: the descriptor (Linux 6.11)
        File* file = p->fd_at(f.x[0]);
        if (!file) return -kEBADF;
        r.st = stat_of_file(file);
        const Path place = file_path(file);
        fs::Guard g;
        r.mnt_id = place.inode ? mount_id(place.mnt) : 0;
    } else {
        if (std::int64_t e = path.copy(f.x[1], (flags & kAT_EMPTY_PATH) != 0); e < 0) return e;
        if (std::int64_t e = stat_at(p, as_int(f.x[0]), path, flags, r, true); e < 0) return e;
    }
    Statx sx{};
    sx.stx_mask = kSTATX_BASIC_STATS | kSTATX_MNT_ID;   // no birth time is kept
    sx.stx_blksize = static_cast<std::uint32_t>(r.st.st_blksize);
    sx.stx_nlink = r.st.st_nlink;
    sx.stx_uid = r.st.st_uid;
    sx.stx_gid = r.st.st_gid;
    sx.stx_mode = static_cast<std::uint16_t>(r.st.st_mode);
    sx.stx_ino = r.st.st_ino;
    sx.stx_size = static_cast<std::uint64_t>(r.st.st_size);
    sx.stx_blocks = static_cast<std::uint64_t>(r.st.st_blocks);
    sx.stx_atime = {r.st.st_atime_sec, static_cast<std::uint32_t>(r.st.st_atime_nsec), 0};
    sx.stx_mtime = {r.st.st_mtime_sec, static_cast<std::uint32_t>(r.st.st_mtime_nsec), 0};
    sx.stx_ctime = {r.st.st_ctime_sec, static_cast<std::uint32_t>(r.st.st_ctime_nsec), 0};
    sx.stx_rdev_major = dev_major(r.st.st_rdev);
    sx.stx_rdev_minor = dev_minor(r.st.st_rdev);
    sx.stx_dev_major = dev_major(r.st.st_dev);
    sx.stx_dev_minor = dev_minor(r.st.st_dev);
    sx.stx_mnt_id = r.mnt_id;
    return put_user(f.x[4], sx).ok() ? 0 : -kEFAULT;
}

namespace {

constexpr std::int64_t kPipefsMagic = 0x50495045;

Statfs statfs_of(const Path& place) {
    const fs::FsStats s = place.inode->sb->stats();
    Statfs out{};
    out.f_type = static_cast<std::int64_t>(s.type_magic);
    out.f_bsize = static_cast<std::int64_t>(s.block_size);
    out.f_blocks = s.blocks;
    out.f_bfree = s.blocks_free;
    out.f_bavail = s.blocks_avail;
    out.f_files = s.files;
    out.f_ffree = s.files_free;
    out.f_fsid[0] = static_cast<std::int32_t>(place.inode->sb->dev);
    out.f_namelen = static_cast<std::int64_t>(s.name_max);
    out.f_frsize = static_cast<std::int64_t>(s.block_size);
    const std::uint64_t mf = place.mnt ? place.mnt->flags : 0;
    out.f_flags = kST_VALID | ((read_only(place)) ? kST_RDONLY : 0) | ((mf & kMS_NOSUID) ? kST_NOSUID : 0) |
                  ((mf & kMS_NODEV) ? kST_NODEV : 0) | ((mf & kMS_NOEXEC) ? kST_NOEXEC : 0);
    return out;
}

}  // namespace

std::int64_t sys_statfs(Process* p, arch::TrapFrame& f) {
    UserPath path;
    if (std::int64_t e = path.copy(f.x[0]); e < 0) return e;
    Statfs out;
    {
        fs::Guard g;
        Resolved r;
        if (std::int64_t e = resolve_at(p, kAT_FDCWD, path, true, false, r); e < 0) return e;
        out = statfs_of(r.place.get());
    }
    return put_user(f.x[1], out).ok() ? 0 : -kEFAULT;
}

std::int64_t sys_fstatfs(Process* p, arch::TrapFrame& f) {
    File* file = p->fd_at(f.x[0]);
    if (!file) return -kEBADF;
    Statfs out{};
    const Path place = file_path(file);
    if (place.inode) {
        fs::Guard g;
        out = statfs_of(place);
    } else {   // a pipe (pipefs) or the console without an inode: pipefs's figures, all zero
        out.f_type = kPipefsMagic;
        out.f_bsize = out.f_frsize = 4096;
        out.f_namelen = 255;
        out.f_flags = kST_VALID;
    }
    return put_user(f.x[1], out).ok() ? 0 : -kEFAULT;
}

}  // namespace kernel
