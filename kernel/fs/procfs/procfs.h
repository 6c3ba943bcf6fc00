// /proc: Linux's proc file system (mounted at /proc at boot, and wherever `mount -t proc` puts
// another instance). Files are generated from the kernel's state when read; see kernel/fs/procfs/.
#pragma once

#include "kernel/fs/inode.h"

namespace kernel::fs {

// A new proc instance (its own st_dev); null when out of memory. Freed by its last unmount.
SuperBlock* make_procfs();

}  // namespace kernel::fs
