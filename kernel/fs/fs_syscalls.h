// The system calls that work on names, over the VFS (vfs.h), and ioctl. Each takes the calling
// process and its trap frame (arguments in x0-x5, Linux AArch64 order) and returns a value or
// -errno, as Linux does; syscall.cpp's table points at them directly.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"

namespace kernel {

struct Process;

std::int64_t sys_ioctl(Process* p, std::uint64_t fd, std::uint64_t request, std::uint64_t arg);

using PathSyscall = std::int64_t(Process* p, arch::TrapFrame& f);

// open_syscall.cpp
PathSyscall sys_openat;
// path_syscalls_create.cpp: new names and removing them
PathSyscall sys_mkdirat, sys_mknodat, sys_symlinkat, sys_linkat, sys_unlinkat;
// path_syscalls_rename.cpp
PathSyscall sys_renameat, sys_renameat2;
// path_syscalls_attr.cpp: attributes and access
PathSyscall sys_readlinkat, sys_faccessat, sys_faccessat2, sys_fchmodat, sys_fchmod, sys_fchownat, sys_fchown,
    sys_utimensat, sys_truncate;
// path_syscalls_dir.cpp: where a process stands
PathSyscall sys_chdir, sys_fchdir, sys_chroot, sys_getcwd, sys_umask;
// stat_syscalls.cpp
PathSyscall sys_newfstatat, sys_fstat, sys_statx, sys_statfs, sys_fstatfs;
// mount_syscalls.cpp
PathSyscall sys_mount, sys_umount2, sys_sync;

}  // namespace kernel
