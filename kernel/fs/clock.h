// The time file systems stamp inodes with (CLOCK_REALTIME). clock.cpp in the kernel reads the RTC-based
// realtime clock; the host tests link a fake they can set (tests/host/vfs_host_support.h).
#pragma once

#include "kernel/fs/inode.h"

namespace kernel::fs {

Timestamp now();

}  // namespace kernel::fs
