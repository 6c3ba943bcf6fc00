// What the walk, mount and path_of code share inside the VFS (not for file systems or system calls).
// Everything here is called with the VFS lock held.
#pragma once

#include "kernel/fs/vfs.h"

namespace kernel::fs::detail {

// The mount whose mount point is `p` (a directory seen through p.mnt), or null.
Mount* mount_on(const Path& p);
// Whether p is the root of its mount.
inline bool is_mount_root(const Path& p) { return p.mnt && p.inode == p.mnt->sb->root(); }
inline bool same(const Path& a, const Path& b) { return a.mnt == b.mnt && a.inode == b.inode; }
// The place ".." names from p, as Linux's follow_dotdot: p itself at `root`; from a mount's root,
// the mount point's parent (climbing as many mounts as are stacked); else the parent directory.
// Not referenced.
Path parent_of(const Path& root, Path p);
// Host tests only: unmounts everything, the root too, and deletes the file systems.
void reset_mounts_for_tests();

}  // namespace kernel::fs::detail
