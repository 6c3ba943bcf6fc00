// The virtual file system: mounts, the path walk and the operations the system calls make on names
// (portable: compiled into the host tests with a host lock). Linux's semantics and errno values.
//
// Locking: one VFS lock (a sleeping mutex in the kernel) serialises the name space and every
// inode's state. The entry points below (walk, walk_parent, mount, umount, for_each_mount, path_of,
// PathRef's clone) are called with it held: a system call takes one Guard around its whole VFS part
// (the walk, then the inode operations on what it found), so nothing changes in between. It is not
// recursive. It is the outermost lock of the file layer: taken in process context only, never under
// a spinlock; procfs may take the process-tree lock under it. PathRef's destructor drops its
// reference with Inode::put, which takes the lock only for the last reference: so a PathRef that
// may hold the last one must go after the Guard (declare it first), or be given up with release()
// and put_locked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/credentials.h"
#include "kernel/fs/inode.h"

namespace kernel::fs {

inline constexpr std::size_t kPathMax = 4096;   // PATH_MAX, the NUL included
inline constexpr std::size_t kNameMax = 255;    // NAME_MAX
inline constexpr int kMaxSymlinks = 40;         // MAXSYMLINKS

struct Mount;

// A place in the name space: an inode as seen through a mount (".." at a mount's root climbs to
// the mount point). Holds a reference to the inode while it is owned (PathRef).
struct Path {
    Mount* mnt = nullptr;
    Inode* inode = nullptr;
};

// An owned Path: puts its inode when it goes.
class PathRef {
public:
    PathRef() = default;
    explicit PathRef(Path p) : m_p(p) {}   // takes over one reference
    PathRef(PathRef&& o) : m_p(o.m_p) { o.m_p = {}; }
    PathRef& operator=(PathRef&& o);
    ~PathRef();
    PathRef(const PathRef&) = delete;
    PathRef& operator=(const PathRef&) = delete;
    const Path& get() const { return m_p; }
    Inode* inode() const { return m_p.inode; }
    Mount* mnt() const { return m_p.mnt; }
    explicit operator bool() const { return m_p.inode != nullptr; }
    PathRef clone() const;     // another reference to the same place
    Path release();            // gives the reference up to the caller

private:
    Path m_p;
};

// What a walk starts from: the process's root (chroot) and working directory, the directory a
// *at() call names (or the cwd for AT_FDCWD), and who is asking.
struct WalkStart {
    Path root;
    Path base;
    const Credentials* cred;
};

enum WalkFlags : unsigned {
    kFollowLast = 1,      // follow a symbolic link as the last component
    kMustBeDir = 2,       // the result must be a directory (O_DIRECTORY, or a trailing "/")
    kAllowEmpty = 4,      // "" names the base itself (AT_EMPTY_PATH)
};

// The place `path` names. Errors: ENOENT, ENOTDIR, ENAMETOOLONG (a component > kNameMax or a
// path >= kPathMax), ELOOP (> kMaxSymlinks, or O_NOFOLLOW's), EACCES (a directory without search
// permission for cred).
ErrorOr<Path> walk(const WalkStart& s, const char* path, unsigned flags);

// The directory that would hold `path`'s last component, and that component (pointing into
// `path`): what create, mkdir, unlink, rename and link need. The last component may be "." or
// ".." (the callers give EEXIST/EBUSY/EINVAL as Linux does); trailing slashes are reported. A path
// of slashes only ("/") has no last component: len 0, dir the root (Linux's LAST_ROOT: mkdir gives
// EEXIST, rmdir and rename EBUSY, unlink EISDIR). Search permission on dir is checked (the last
// component will be looked up in it), write permission is the caller's to check.
struct Parent {
    Path dir;             // referenced
    const char* name;
    std::size_t len;
    bool trailing_slash;
};
ErrorOr<Parent> walk_parent(const WalkStart& s, const char* path);

// Mounts. The root is mounted once at boot (where = {} while there is none); others on
// directories (-ENOTDIR; -EBUSY when `where` is already a mount's root, or at umount when the
// mount has mounts below it or sb->busy()). Mount flags: MS_RDONLY. On success the Mount owns sb
// (umount deletes it) and holds a reference to the mount point; -ENOMEM leaves sb to the caller.
struct Mount {
    SuperBlock* sb;
    Mount* parent;          // null for the root mount
    Inode* mountpoint;      // in parent (referenced)
    std::uint64_t flags;    // MS_RDONLY...
    char source[32];        // what /proc/mounts shows first ("tmpfs", "proc", "rootfs")
    Mount* next;            // the mount list, in mount order
};
ErrorOr<Mount*> mount(SuperBlock* sb, const Path& where, std::uint64_t flags, const char* source);
// Whether changes through p must fail with EROFS: its file system is read-only, or its mount is
// MS_RDONLY (bit 0 of Mount::flags).
inline bool is_read_only(const Path& p) {
    return (p.inode && p.inode->sb->read_only) || (p.mnt && (p.mnt->flags & 1));
}
// root_of_mount carries the caller's reference (its walk's), which umount takes over in every case.
std::int64_t umount(const Path& root_of_mount, int flags);   // -EINVAL if not a mount's root; -EBUSY in use
Path root_path();           // the root mount's root, not referenced
// Calls fn for each mount in mount order (VFS lock held): /proc/mounts, df.
void for_each_mount(void (*fn)(const Mount& m, void* ctx), void* ctx);
// The absolute path of the directory `p` as seen from `root` (getcwd, /proc/<pid>/cwd): into buf,
// NUL-terminated; its length without the NUL, or -ERANGE (buf too small) / -ENAMETOOLONG / -ENOENT
// (a removed directory, as getcwd; or not a directory: only directories know their parent). A
// place outside root gives Linux's "(unreachable)/..." form.
std::int64_t path_of(const Path& root, const Path& p, char* buf, std::size_t size);

// The VFS lock (vfs_lock.cpp in the kernel: a sched::Mutex; host tests: a std::mutex).
void lock();
void unlock();
bool locked_by_me();        // for assertions
class [[nodiscard]] Guard {
public:
    Guard() { lock(); }
    ~Guard() { unlock(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
};

}  // namespace kernel::fs
