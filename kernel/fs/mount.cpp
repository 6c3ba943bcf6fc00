// The mount table (portable): a list in mount order, the root mount first. Small (a handful of
// mounts), so the walk's "is something mounted here" is a scan of it. Called with the VFS lock held.
#include "kernel/fs/vfs.h"

#include "kernel/fs/vfs_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel::fs {

namespace {
// Guarded by the VFS lock (root_path() reads s_root unlocked: it is set once, at boot).
Mount* s_mounts = nullptr;     // the list, in mount order
Mount* s_root = nullptr;
std::uint32_t s_next_minor = 1;   // anonymous device numbers (Linux's get_anon_bdev), never reused
}  // namespace

namespace detail {

Mount* mount_on(const Path& p) {
    for (Mount* m = s_mounts; m; m = m->next)
        if (m->parent == p.mnt && m->mountpoint == p.inode && m->parent) return m;
    return nullptr;
}

void reset_mounts_for_tests() {
    KASSERT(locked_by_me());
    for (Mount* m = s_mounts; m; m = m->next)
        if (m->mountpoint) m->mountpoint->put_locked();
    // Newest first: a file system is deleted after those mounted on it.
    while (s_mounts) {
        Mount** last = &s_mounts;
        while ((*last)->next) last = &(*last)->next;
        Mount* m = *last;
        *last = nullptr;
        delete m->sb;
        delete m;
    }
    s_root = nullptr;
}

}  // namespace detail

ErrorOr<Mount*> mount(SuperBlock* sb, const Path& where, std::uint64_t flags, const char* source) {
    KASSERT(locked_by_me());
    if (s_root) {
        if (!where.inode) return ErrorOr<Mount*>::error(abi::kEINVAL);
        if (!where.inode->is_dir()) return ErrorOr<Mount*>::error(abi::kENOTDIR);
        if (detail::is_mount_root(where) || detail::mount_on(where)) return ErrorOr<Mount*>::error(abi::kEBUSY);
    } else if (where.inode) {
        return ErrorOr<Mount*>::error(abi::kEINVAL);   // the first mount is the root
    }
    Mount* m = new Mount{sb, s_root ? where.mnt : nullptr, where.inode, flags, {}, nullptr};
    if (!m) return ErrorOr<Mount*>::error(abi::kENOMEM);
    const std::size_t n = source ? lib::string_length(source) : 0;
    const std::size_t k = n < sizeof m->source - 1 ? n : sizeof m->source - 1;
    if (k) lib::copy_bytes(m->source, source, k);
    m->source[k] = '\0';
    if (sb->dev == 0) sb->dev = abi::encode_dev(0, s_next_minor++);
    if (where.inode) where.inode->get();
    Mount** tail = &s_mounts;
    while (*tail) tail = &(*tail)->next;
    *tail = m;
    if (!s_root) s_root = m;
    return m;
}

std::int64_t umount(const Path& root_of_mount, int) {
    KASSERT(locked_by_me());
    const Path p = root_of_mount;
    // The caller's reference is ours now: dropped first, so that busy() counts only the others.
    // It cannot be the last: the file system holds its root.
    p.inode->put_locked();
    if (!detail::is_mount_root(p)) return -abi::kEINVAL;
    Mount* m = p.mnt;
    if (!m->parent) return -abi::kEBUSY;   // the root file system stays
    for (Mount* c = s_mounts; c; c = c->next)
        if (c->parent == m) return -abi::kEBUSY;
    if (m->sb->busy()) return -abi::kEBUSY;
    Mount** link = &s_mounts;
    while (*link != m) link = &(*link)->next;
    *link = m->next;
    m->mountpoint->put_locked();
    delete m->sb;
    delete m;
    return 0;
}

Path root_path() { return s_root ? Path{s_root, s_root->sb->root()} : Path{}; }

void for_each_mount(void (*fn)(const Mount& m, void* ctx), void* ctx) {
    KASSERT(locked_by_me());
    for (Mount* m = s_mounts; m; m = m->next) fn(*m, ctx);
}

}  // namespace kernel::fs
