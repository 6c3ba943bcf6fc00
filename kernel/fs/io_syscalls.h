// The descriptor and file I/O system calls (syscall.cpp's table dispatches to them): Linux's
// results and errno values, checked in the order Linux checks them.
#pragma once

#include <cstdint>

namespace kernel {

struct Process;

// io_syscalls.cpp: reading and writing.
std::int64_t sys_read(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n);
std::int64_t sys_write(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n);
std::int64_t sys_pread64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n, std::int64_t pos);
std::int64_t sys_pwrite64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t n, std::int64_t pos);
std::int64_t sys_readv(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count);
std::int64_t sys_writev(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count);
std::int64_t sys_preadv(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count, std::int64_t pos);
std::int64_t sys_pwritev(Process* p, std::uint64_t fd, std::uint64_t iov, std::uint64_t count, std::int64_t pos);
std::int64_t sys_lseek(Process* p, std::uint64_t fd, std::int64_t offset, std::uint64_t whence);
std::int64_t sys_getdents64(Process* p, std::uint64_t fd, std::uint64_t buf, std::uint64_t count);
std::int64_t sys_sendfile(Process* p, std::uint64_t out_fd, std::uint64_t in_fd, std::uint64_t user_offset, std::uint64_t count);

// io_syscalls_file.cpp: sizes, sync, locks.
std::int64_t sys_ftruncate(Process* p, std::uint64_t fd, std::int64_t length);
std::int64_t sys_fallocate(Process* p, std::uint64_t fd, std::uint64_t mode, std::int64_t offset, std::int64_t len);
std::int64_t sys_fsync(Process* p, std::uint64_t fd);
std::int64_t sys_flock(Process* p, std::uint64_t fd, std::uint64_t op);

// io_syscalls_fd.cpp: the descriptor table.
std::int64_t sys_close(Process* p, std::uint64_t fd);
std::int64_t sys_close_range(Process* p, std::uint64_t first, std::uint64_t last, std::uint64_t flags);
std::int64_t sys_dup(Process* p, std::uint64_t fd);
std::int64_t sys_dup3(Process* p, std::uint64_t oldfd, std::uint64_t newfd, std::uint64_t flags);
std::int64_t sys_pipe2(Process* p, std::uint64_t user_fds, std::uint64_t flags);
std::int64_t sys_fcntl(Process* p, std::uint64_t fd, std::uint64_t cmd, std::uint64_t arg);

}  // namespace kernel
