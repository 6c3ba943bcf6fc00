// The initramfs: the cpio archive QEMU loaded with -initrd, else the project's own, linked into the
// kernel image at build time.
#pragma once

#include "kernel/fs/cpio.h"

namespace kernel::initramfs {

// Opens the archive (call once, after memory is up). Returns false if neither archive is usable.
bool init(std::uint64_t initrd_start_pa, std::uint64_t initrd_end_pa, bool has_initrd);
const CpioArchive* archive();   // nullptr when init failed
bool from_initrd();

}  // namespace kernel::initramfs
