// What the file-system system calls share (open_syscall.cpp, path_syscalls_*.cpp, stat_syscalls.cpp,
// mount_syscalls.cpp): user paths copied to the heap, the start of an *at() walk, descriptors as
// places, and Linux's small permission rules (read-only mounts, ownership, new files' owners).
// Kernel only; everything here runs in process context and takes the VFS lock where it says so.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/clock.h"
#include "kernel/fs/file.h"
#include "kernel/fs/vfs.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel::fsc {

using fs::ErrorOr;
using fs::Inode;
using fs::Path;

// An owned Path for code that holds the VFS lock: its reference is dropped with put_locked, so it
// must go before the lock is released (declare it inside the fs::Guard's scope).
class HeldPath {
public:
    HeldPath() = default;
    explicit HeldPath(Path p) : m_p(p) {}   // takes over one reference
    HeldPath(HeldPath&& o) : m_p(o.m_p) { o.m_p = {}; }
    HeldPath& operator=(HeldPath&& o) {
        if (this != &o) {
            reset();
            m_p = o.m_p;
            o.m_p = {};
        }
        return *this;
    }
    ~HeldPath() { reset(); }
    HeldPath(const HeldPath&) = delete;
    HeldPath& operator=(const HeldPath&) = delete;
    void reset() {
        if (m_p.inode) m_p.inode->put_locked();
        m_p = {};
    }
    const Path& get() const { return m_p; }
    Inode* inode() const { return m_p.inode; }
    fs::Mount* mnt() const { return m_p.mnt; }
    explicit operator bool() const { return m_p.inode != nullptr; }
    Path release() {   // gives the reference up to the caller
        const Path p = m_p;
        m_p = {};
        return p;
    }

private:
    Path m_p;
};

// A path from user space, as Linux's getname: EFAULT, ENAMETOOLONG at PATH_MAX, ENOENT for ""
// unless empty_ok. Short paths (nearly all) stay in the object, on the stack; a longer one moves to
// the heap (PATH_MAX is too much for a 16 KiB kernel stack). Copied a small chunk at a time, so a
// short path costs its own length, not the rest of its page.
class UserPath {
public:
    UserPath() = default;
    ~UserPath();
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;
    std::int64_t copy(std::uint64_t user, bool empty_ok = false);   // 0 or -errno
    const char* str() const { return m_buf; }
    bool empty() const { return m_buf[0] == '\0'; }

private:
    static constexpr std::size_t kInline = 256;
    char* m_buf = m_inline;
    alignas(8) char m_inline[kInline];   // not zeroed: copy() writes what is read
};

// The place a descriptor names (its inode and mount), not referenced: the descriptor's file holds
// it, and a process is single-threaded, so nothing closes the descriptor during its own system
// call. A console or pipe has none (inode null).
Path file_path(File* f);
// Whether the descriptor was opened with O_PATH (such descriptors serve only as places: fchmod,
// fchown, utimensat and friends give EBADF).
bool file_is_opath(File* f);

// Where an *at() walk starts: the process's root, and its cwd or dirfd's directory for a relative
// path. Linux's path_init order: an absolute path ignores dirfd; else EBADF for a bad dirfd, then
// ENOTDIR when it is no directory and the path is not empty.
class AtStart {
public:
    std::int64_t init(Process* p, int dirfd, const char* path);   // 0 or -errno
    const fs::WalkStart& get() const { return m_start; }
    // The descriptor's file when dirfd named one (AT_EMPTY_PATH on a console or pipe).
    File* dir_file() const { return m_file; }

private:
    fs::WalkStart m_start{};
    File* m_file = nullptr;
};

// The walk and walk_parent of vfs.h with their results owned.
ErrorOr<Path> walk_at(const AtStart& s, const char* path, unsigned flags);

// An *at() call's path (copied already) resolved to a place, the VFS lock held: AT_EMPTY_PATH
// (empty_path, with an empty path) gives dirfd's own place; follow says whether a final symbolic
// link is followed. `file` is set instead when the place is a descriptor that has none (a console
// or a pipe): the caller then works on the File.
struct Resolved {
    HeldPath place;
    File* file = nullptr;
};
std::int64_t resolve_at(Process* p, int dirfd, const UserPath& path, bool follow, bool empty_path, Resolved& out);

// Linux's rules, all with the VFS lock held.
bool read_only(const Path& p);                    // the mount or its superblock is read-only
// inode_permission: EROFS for writing a regular file, directory or symlink on a read-only mount,
// then the mode bits for cred.
int may_access(const fs::Credentials& cred, const Path& p, int mask);
bool is_owner_or_root(const fs::Credentials& cred, const Inode* inode);   // inode_owner_or_capable
bool capable(const fs::Credentials& cred);        // the capabilities root holds (euid 0)
// Whether an inode is some mount's mount point (EBUSY for unlink, rmdir and rename).
bool is_mountpoint(const Inode* inode);
// The owner, group and mode a new inode in `dir` gets (inode_init_owner): fsuid, and fsgid or the
// directory's group when it is setgid (a new directory inherits the bit).
struct NewOwner {
    std::uint32_t uid, gid, mode;
};
NewOwner new_owner(const fs::Credentials& cred, const Inode* dir, std::uint32_t mode);
// Removing or replacing `victim` in `dir` (may_delete): search/write permission, the sticky rule,
// ENOTDIR/EISDIR against is_dir, EBUSY for a mount point.
int may_delete(const fs::Credentials& cred, const Path& dir, const Inode* victim, bool is_dir);
// Creating in `dir` (may_create): write and search permission.
int may_create(const fs::Credentials& cred, const Path& dir);
// Whether a directory has entries besides "." and "..".
bool dir_has_entries(Inode* dir);

using fs::now;   // the inode clock (clock.h)

// What walk_parent's last component is (Linux's LAST_NORM, LAST_ROOT for "/", LAST_DOT, LAST_DOTDOT).
enum class Last { Normal, Root, Dot, DotDot };
Last last_kind(const char* name, std::size_t len);

// A walk_parent result owned under the VFS lock.
struct ParentAt {
    HeldPath dir;
    const char* name = nullptr;
    std::size_t len = 0;
    bool trailing_slash = false;
    Last kind = Last::Normal;
};
std::int64_t parent_at(const AtStart& at, const char* path, ParentAt& out);

// filename_create (mkdir, mknod, symlink, link), the VFS lock held: the parent of a new name.
// EEXIST for "/", "." and ".." and for a name that exists (before EROFS), ENOENT for a missing
// name with a trailing slash unless want_dir, then EROFS, then may_create's ENOENT/EACCES.
std::int64_t filename_create(Process* p, int dirfd, const char* path, bool want_dir, ParentAt& out);

// Copies a NUL-terminated string (a mount's file-system type, its source) of at most max-1 bytes.
std::int64_t copy_short_string(char* dst, std::uint64_t user, std::size_t max);

}  // namespace kernel::fsc
