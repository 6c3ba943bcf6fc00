// Raw Linux AArch64 system calls: `svc #0` with the number in x8, arguments in x0-x5 and the result
// in x0, where -4095..-1 means -errno. Each wrapper returns the raw result (no errno variable), so
// tests compare it against -EBADF etc. directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "user/lib/abi.h"

namespace user {

// The one place that issues `svc #0`. Unused argument registers are passed as 0, which Linux ignores.
inline long syscall6(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0) {
    register long x8 asm("x8") = nr;
    register long x0 asm("x0") = a0;
    register long x1 asm("x1") = a1;
    register long x2 asm("x2") = a2;
    register long x3 asm("x3") = a3;
    register long x4 asm("x4") = a4;
    register long x5 asm("x5") = a5;
    asm volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
    return x0;
}

constexpr bool is_error(long result) { return result < 0 && result >= -kMaxErrno; }

template <typename T>
inline long arg(T v) {
    if constexpr (std::is_pointer_v<T>) return static_cast<long>(reinterpret_cast<std::uintptr_t>(v));
    else return static_cast<long>(v);
}

inline long read(int fd, void* buf, std::size_t n) { return syscall6(SYS_read, fd, arg(buf), arg(n)); }
inline long write(int fd, const void* buf, std::size_t n) { return syscall6(SYS_write, fd, arg(buf), arg(n)); }
inline long writev(int fd, const Iovec* iov, int iovcnt) { return syscall6(SYS_writev, fd, arg(iov), iovcnt); }
inline long close(int fd) { return syscall6(SYS_close, fd); }
inline long dup(int fd) { return syscall6(SYS_dup, fd); }
inline long dup3(int oldfd, int newfd, int flags) { return syscall6(SYS_dup3, oldfd, newfd, flags); }
inline long pipe2(int fds[2], int flags) { return syscall6(SYS_pipe2, arg(fds), flags); }
inline long fcntl(int fd, int cmd, long a = 0) { return syscall6(SYS_fcntl, fd, cmd, a); }
inline long ioctl(int fd, unsigned long request, const void* argp) { return syscall6(SYS_ioctl, fd, arg(request), arg(argp)); }
inline long fstat(int fd, Stat* st) { return syscall6(SYS_fstat, fd, arg(st)); }
inline long newfstatat(int dirfd, const char* path, Stat* st, int flags) {
    return syscall6(SYS_newfstatat, dirfd, arg(path), arg(st), flags);
}
inline long readlinkat(int dirfd, const char* path, char* buf, std::size_t size) {
    return syscall6(SYS_readlinkat, dirfd, arg(path), arg(buf), arg(size));
}

// --- The path system calls (user/tests/test_fs*.cpp). ---
inline long openat(int dirfd, const char* path, int flags, unsigned mode = 0) {
    return syscall6(SYS_openat, dirfd, arg(path), flags, mode);
}
inline long open(const char* path, int flags, unsigned mode = 0) { return openat(AT_FDCWD, path, flags, mode); }
inline long mkdirat(int dirfd, const char* path, unsigned mode) { return syscall6(SYS_mkdirat, dirfd, arg(path), mode); }
inline long mknodat(int dirfd, const char* path, unsigned mode, unsigned dev) {
    return syscall6(SYS_mknodat, dirfd, arg(path), mode, dev);
}
inline long unlinkat(int dirfd, const char* path, int flags) { return syscall6(SYS_unlinkat, dirfd, arg(path), flags); }
inline long symlinkat(const char* target, int dirfd, const char* path) {
    return syscall6(SYS_symlinkat, arg(target), dirfd, arg(path));
}
inline long linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) {
    return syscall6(SYS_linkat, olddirfd, arg(oldpath), newdirfd, arg(newpath), flags);
}
inline long renameat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath) {
    return syscall6(SYS_renameat, olddirfd, arg(oldpath), newdirfd, arg(newpath));
}
inline long renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, unsigned flags) {
    return syscall6(SYS_renameat2, olddirfd, arg(oldpath), newdirfd, arg(newpath), flags);
}
inline long faccessat(int dirfd, const char* path, int mode) { return syscall6(SYS_faccessat, dirfd, arg(path), mode); }
inline long faccessat2(int dirfd, const char* path, int mode, int flags) {
    return syscall6(SYS_faccessat2, dirfd, arg(path), mode, flags);
}
inline long fchmodat(int dirfd, const char* path, unsigned mode) { return syscall6(SYS_fchmodat, dirfd, arg(path), mode); }
inline long fchmod(int fd, unsigned mode) { return syscall6(SYS_fchmod, fd, mode); }
inline long fchownat(int dirfd, const char* path, unsigned uid, unsigned gid, int flags) {
    return syscall6(SYS_fchownat, dirfd, arg(path), uid, gid, flags);
}
inline long fchown(int fd, unsigned uid, unsigned gid) { return syscall6(SYS_fchown, fd, uid, gid); }
inline long utimensat(int dirfd, const char* path, const Timespec* times, int flags) {
    return syscall6(SYS_utimensat, dirfd, arg(path), arg(times), flags);
}
inline long truncate(const char* path, long length) { return syscall6(SYS_truncate, arg(path), length); }
inline long statx(int dirfd, const char* path, int flags, unsigned mask, Statx* buf) {
    return syscall6(SYS_statx, dirfd, arg(path), flags, mask, arg(buf));
}
inline long statfs(const char* path, Statfs* buf) { return syscall6(SYS_statfs, arg(path), arg(buf)); }
inline long fstatfs(int fd, Statfs* buf) { return syscall6(SYS_fstatfs, fd, arg(buf)); }
inline long chdir(const char* path) { return syscall6(SYS_chdir, arg(path)); }
inline long fchdir(int fd) { return syscall6(SYS_fchdir, fd); }
inline long chroot(const char* path) { return syscall6(SYS_chroot, arg(path)); }
inline long getcwd(char* buf, std::size_t size) { return syscall6(SYS_getcwd, arg(buf), arg(size)); }
inline long umask(unsigned mask) { return syscall6(SYS_umask, mask); }
inline long mount(const char* source, const char* target, const char* type, unsigned long flags, const void* data) {
    return syscall6(SYS_mount, arg(source), arg(target), arg(type), arg(flags), arg(data));
}
inline long umount2(const char* target, int flags) { return syscall6(SYS_umount2, arg(target), flags); }
inline long sync() { return syscall6(SYS_sync); }
// --- end of the path system calls' block ---

// exit ends the calling thread, exit_group the whole process; with one thread they are the same.
[[noreturn]] inline void exit(int status) {
    syscall6(SYS_exit, status);
    __builtin_unreachable();
}
[[noreturn]] inline void exit_group(int status) {
    syscall6(SYS_exit_group, status);
    __builtin_unreachable();
}

inline long wait4(int pid, int* status, int options, void* rusage = nullptr) {
    return syscall6(SYS_wait4, pid, arg(status), options, arg(rusage));
}
// arm64's clone argument order puts tls before child_tid: flags, newsp, parent_tid, tls, child_tid
// (glibc's aarch64 clone.S and _Fork pass the child's tid address in x4).
inline long clone(unsigned long flags, void* newsp, int* parent_tid, unsigned long tls, int* child_tid) {
    return syscall6(SYS_clone, arg(flags), arg(newsp), arg(parent_tid), arg(tls), arg(child_tid));
}
// fork as a clone that shares nothing and reports its death with SIGCHLD (glibc adds the tid flags).
inline long fork() { return clone(SIGCHLD, nullptr, nullptr, 0, nullptr); }
inline long execve(const char* path, const char* const* argv, const char* const* envp) {
    return syscall6(SYS_execve, arg(path), arg(argv), arg(envp));
}

inline long getpid() { return syscall6(SYS_getpid); }
inline long getppid() { return syscall6(SYS_getppid); }
inline long gettid() { return syscall6(SYS_gettid); }
inline long getuid() { return syscall6(SYS_getuid); }
inline long geteuid() { return syscall6(SYS_geteuid); }
inline long getgid() { return syscall6(SYS_getgid); }
inline long getegid() { return syscall6(SYS_getegid); }
inline long set_tid_address(int* tidptr) { return syscall6(SYS_set_tid_address, arg(tidptr)); }

inline long sched_yield() { return syscall6(SYS_sched_yield); }
// CPU affinity: the mask is an array of unsigned long, bit n for CPU n (Linux's cpu_set_t layout).
// getaffinity returns the bytes the kernel wrote (its mask size, at most len), setaffinity 0.
inline long sched_setaffinity(int pid, std::size_t len, const unsigned long* mask) {
    return syscall6(SYS_sched_setaffinity, pid, arg(len), arg(mask));
}
inline long sched_getaffinity(int pid, std::size_t len, unsigned long* mask) {
    return syscall6(SYS_sched_getaffinity, pid, arg(len), arg(mask));
}
// The CPU (and NUMA node) the caller runs on; either pointer may be null.
inline long getcpu(unsigned* cpu, unsigned* node) { return syscall6(SYS_getcpu, arg(cpu), arg(node), 0); }
inline long nanosleep(const Timespec* req, Timespec* rem) { return syscall6(SYS_nanosleep, arg(req), arg(rem)); }
inline long clock_gettime(int clock, Timespec* ts) { return syscall6(SYS_clock_gettime, clock, arg(ts)); }
inline long uname(Utsname* buf) { return syscall6(SYS_uname, arg(buf)); }

// brk returns the new break on success and the unchanged current break on failure (never -errno).
inline long brk(void* addr) { return syscall6(SYS_brk, arg(addr)); }
inline long mmap(void* addr, std::size_t len, int prot, int flags, int fd, long offset) {
    return syscall6(SYS_mmap, arg(addr), arg(len), prot, flags, fd, offset);
}
inline long munmap(void* addr, std::size_t len) { return syscall6(SYS_munmap, arg(addr), arg(len)); }
inline long mprotect(void* addr, std::size_t len, int prot) { return syscall6(SYS_mprotect, arg(addr), arg(len), prot); }

inline long kill(int pid, int sig) { return syscall6(SYS_kill, pid, sig); }
inline long tkill(int tid, int sig) { return syscall6(SYS_tkill, tid, sig); }
inline long tgkill(int tgid, int tid, int sig) { return syscall6(SYS_tgkill, tgid, tid, sig); }
inline long set_robust_list(void* head, std::size_t len) { return syscall6(SYS_set_robust_list, arg(head), arg(len)); }
inline long prlimit64(int pid, int resource, const Rlimit* new_limit, Rlimit* old_limit) {
    return syscall6(SYS_prlimit64, pid, resource, arg(new_limit), arg(old_limit));
}
inline long clock_nanosleep(int clock, int flags, const Timespec* req, Timespec* rem) {
    return syscall6(SYS_clock_nanosleep, clock, flags, arg(req), arg(rem));
}
inline long gettimeofday(Timeval* tv, void* tz) { return syscall6(SYS_gettimeofday, arg(tv), arg(tz)); }
inline long reboot(unsigned magic1, unsigned magic2, unsigned cmd, void* a) {
    return syscall6(SYS_reboot, magic1, magic2, cmd, arg(a));
}
inline long getrandom(void* buf, std::size_t len, unsigned flags) {
    return syscall6(SYS_getrandom, arg(buf), arg(len), flags);
}
// cred: identities (uid_t/gid_t are unsigned 32-bit; -1 means "unchanged" in the re/res forms) and prctl.
inline long getresuid(unsigned* r, unsigned* e, unsigned* s) { return syscall6(SYS_getresuid, arg(r), arg(e), arg(s)); }
inline long getresgid(unsigned* r, unsigned* e, unsigned* s) { return syscall6(SYS_getresgid, arg(r), arg(e), arg(s)); }
inline long setuid(unsigned uid) { return syscall6(SYS_setuid, uid); }
inline long setgid(unsigned gid) { return syscall6(SYS_setgid, gid); }
inline long setreuid(unsigned r, unsigned e) { return syscall6(SYS_setreuid, r, e); }
inline long setregid(unsigned r, unsigned e) { return syscall6(SYS_setregid, r, e); }
inline long setresuid(unsigned r, unsigned e, unsigned s) { return syscall6(SYS_setresuid, r, e, s); }
inline long setresgid(unsigned r, unsigned e, unsigned s) { return syscall6(SYS_setresgid, r, e, s); }
inline long setfsuid(unsigned uid) { return syscall6(SYS_setfsuid, uid); }
inline long setfsgid(unsigned gid) { return syscall6(SYS_setfsgid, gid); }
inline long getgroups(int size, unsigned* list) { return syscall6(SYS_getgroups, size, arg(list)); }
inline long setgroups(long size, const unsigned* list) { return syscall6(SYS_setgroups, size, arg(list)); }
inline long prctl(int option, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0) {
    return syscall6(SYS_prctl, option, a2, a3, a4, a5);
}

// Blocks one signal where signals exist; a kernel without them answers -ENOSYS, which callers ignore.
inline long block_signal(int sig) {
    std::uint64_t set = 1ull << (sig - 1);
    return syscall6(SYS_rt_sigprocmask, SIG_BLOCK, arg(&set), 0, 8);
}

// --- Descriptors and file I/O (fdio) ---
inline long pread64(int fd, void* buf, std::size_t n, long off) { return syscall6(SYS_pread64, fd, arg(buf), arg(n), off); }
inline long pwrite64(int fd, const void* buf, std::size_t n, long off) {
    return syscall6(SYS_pwrite64, fd, arg(buf), arg(n), off);
}
inline long readv(int fd, const Iovec* iov, int iovcnt) { return syscall6(SYS_readv, fd, arg(iov), iovcnt); }
inline long preadv(int fd, const Iovec* iov, int iovcnt, long off) { return syscall6(SYS_preadv, fd, arg(iov), iovcnt, off, 0); }
inline long pwritev(int fd, const Iovec* iov, int iovcnt, long off) {
    return syscall6(SYS_pwritev, fd, arg(iov), iovcnt, off, 0);
}
inline long lseek(int fd, long off, int whence) { return syscall6(SYS_lseek, fd, off, whence); }
inline long getdents64(int fd, void* buf, std::size_t n) { return syscall6(SYS_getdents64, fd, arg(buf), arg(n)); }
inline long ftruncate(int fd, long len) { return syscall6(SYS_ftruncate, fd, len); }
inline long fallocate(int fd, int mode, long off, long len) { return syscall6(SYS_fallocate, fd, mode, off, len); }
inline long fsync(int fd) { return syscall6(SYS_fsync, fd); }
inline long fdatasync(int fd) { return syscall6(SYS_fdatasync, fd); }
inline long sendfile(int out_fd, int in_fd, long* offset, std::size_t count) {
    return syscall6(SYS_sendfile, out_fd, in_fd, arg(offset), arg(count));
}
inline long flock(int fd, int op) { return syscall6(SYS_flock, fd, op); }
inline long close_range(unsigned first, unsigned last, unsigned flags) { return syscall6(SYS_close_range, first, last, flags); }
// --- end fdio ---
// procdev
inline long sysinfo(Sysinfo* info) { return syscall6(SYS_sysinfo, arg(info)); }

}  // namespace user
