// The name space at boot: the initramfs as the root (rootfs, read-only), a tmpfs at /tmp, and the
// other boot mounts (fs_init.cpp lists them).
#pragma once

namespace kernel::fs {

// Called once by kmain after initramfs::init, before any process exists. Panics when out of memory.
void init();

}  // namespace kernel::fs
