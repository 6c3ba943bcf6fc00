// devtmpfs: /dev as Linux's devtmpfs gives it, a tmpfs holding a node for each device of the
// registry (devices.h) with Linux's names, numbers and modes. Writable like Linux's (mknod, mkdir,
// links); its nodes open their devices as any node with that number does.
#pragma once

#include "kernel/fs/inode.h"

namespace kernel::fs {

// A new devtmpfs instance with every device's node; null when out of memory. The VFS lock held.
SuperBlock* make_devtmpfs();

}  // namespace kernel::fs
