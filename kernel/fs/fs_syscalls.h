// File-system system calls over descriptors and initramfs paths: ioctl, fstat, newfstatat and
// readlinkat (syscall.cpp dispatches). Results are values or -errno, as the calls return them.
#pragma once

#include <cstdint>

namespace kernel {

struct Process;

std::int64_t sys_ioctl(Process* p, std::uint64_t fd, std::uint64_t request, std::uint64_t arg);
std::int64_t sys_fstat(Process* p, std::uint64_t fd, std::uint64_t user_stat);
std::int64_t sys_newfstatat(Process* p, int dirfd, std::uint64_t user_path, std::uint64_t user_stat, std::uint64_t flags);
std::int64_t sys_readlinkat(Process* p, int dirfd, std::uint64_t user_path, std::uint64_t user_buf, std::int64_t size);

}  // namespace kernel
