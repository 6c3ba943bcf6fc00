// /proc: Linux's proc file system (mounted at /proc at boot, and wherever `mount -t proc` puts
// another instance). Files are generated from the kernel's state when read; see kernel/fs/procfs/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"

namespace kernel::fs {

// A new proc instance (its own st_dev); null when out of memory. Freed by its last unmount.
SuperBlock* make_procfs();

struct WalkStart;
// The absolute name of the file `path` names from `from`, symbolic links resolved (exec records it
// for /proc/<pid>/exe): its length, or a negative errno. The VFS lock held.
std::int64_t program_name(const WalkStart& from, const char* path, char* out, std::size_t size);

}  // namespace kernel::fs
