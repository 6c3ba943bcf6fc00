// The Linux AArch64 user ABI as seen from user space: system-call numbers, errno values, signals,
// flags, wait-status decoding and the structures the calls exchange.

// Values are the Linux ones (asm-generic/unistd.h, errno-base.h, arm64 fcntl.h); names are spelled
// as in the Linux headers (an exception to kConstant naming) so each can be grepped against them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace user {

// System-call numbers (asm-generic/unistd.h, used by arm64).
inline constexpr long SYS_getcwd = 17;
inline constexpr long SYS_dup = 23;
inline constexpr long SYS_dup3 = 24;
inline constexpr long SYS_fcntl = 25;
inline constexpr long SYS_ioctl = 29;
inline constexpr long SYS_openat = 56;
inline constexpr long SYS_close = 57;
inline constexpr long SYS_pipe2 = 59;
inline constexpr long SYS_read = 63;
inline constexpr long SYS_write = 64;
inline constexpr long SYS_writev = 66;
inline constexpr long SYS_readlinkat = 78;
inline constexpr long SYS_newfstatat = 79;
inline constexpr long SYS_fstat = 80;
inline constexpr long SYS_exit = 93;
inline constexpr long SYS_exit_group = 94;
inline constexpr long SYS_set_tid_address = 96;
inline constexpr long SYS_set_robust_list = 99;
inline constexpr long SYS_nanosleep = 101;
inline constexpr long SYS_clock_gettime = 113;
inline constexpr long SYS_clock_nanosleep = 115;
inline constexpr long SYS_sched_setaffinity = 122;
inline constexpr long SYS_sched_getaffinity = 123;
inline constexpr long SYS_sched_yield = 124;
inline constexpr long SYS_kill = 129;
inline constexpr long SYS_tkill = 130;
inline constexpr long SYS_tgkill = 131;
inline constexpr long SYS_rt_sigprocmask = 135;
inline constexpr long SYS_reboot = 142;
inline constexpr long SYS_uname = 160;
inline constexpr long SYS_getcpu = 168;
inline constexpr long SYS_gettimeofday = 169;
inline constexpr long SYS_getpid = 172;
inline constexpr long SYS_getppid = 173;
inline constexpr long SYS_getuid = 174;
inline constexpr long SYS_geteuid = 175;
inline constexpr long SYS_getgid = 176;
inline constexpr long SYS_getegid = 177;
inline constexpr long SYS_gettid = 178;
inline constexpr long SYS_brk = 214;
inline constexpr long SYS_munmap = 215;
inline constexpr long SYS_clone = 220;
inline constexpr long SYS_execve = 221;
inline constexpr long SYS_mmap = 222;
inline constexpr long SYS_mprotect = 226;
inline constexpr long SYS_wait4 = 260;
inline constexpr long SYS_prlimit64 = 261;
inline constexpr long SYS_getrandom = 278;
// cred: identities and prctl
inline constexpr long SYS_setregid = 143;
inline constexpr long SYS_setgid = 144;
inline constexpr long SYS_setreuid = 145;
inline constexpr long SYS_setuid = 146;
inline constexpr long SYS_setresuid = 147;
inline constexpr long SYS_getresuid = 148;
inline constexpr long SYS_setresgid = 149;
inline constexpr long SYS_getresgid = 150;
inline constexpr long SYS_setfsuid = 151;
inline constexpr long SYS_setfsgid = 152;
inline constexpr long SYS_getgroups = 158;
inline constexpr long SYS_setgroups = 159;
inline constexpr long SYS_prctl = 167;
inline constexpr int PR_SET_PDEATHSIG = 1;
inline constexpr int PR_GET_PDEATHSIG = 2;
inline constexpr int PR_GET_DUMPABLE = 3;
inline constexpr int PR_SET_DUMPABLE = 4;
inline constexpr int PR_GET_KEEPCAPS = 7;
inline constexpr int PR_SET_KEEPCAPS = 8;
inline constexpr int PR_SET_NAME = 15;
inline constexpr int PR_GET_NAME = 16;
inline constexpr int PR_CAPBSET_READ = 23;
inline constexpr int PR_SET_NO_NEW_PRIVS = 38;
inline constexpr int PR_GET_NO_NEW_PRIVS = 39;
inline constexpr unsigned long AT_EUID = 12;
inline constexpr unsigned long AT_GID = 13;
inline constexpr unsigned long AT_EGID = 14;
inline constexpr unsigned long AT_SECURE = 23;

// errno values (asm-generic/errno-base.h, errno.h). System calls return -errno.
inline constexpr long EPERM = 1;
inline constexpr long ENOENT = 2;
inline constexpr long ESRCH = 3;
inline constexpr long EINTR = 4;
inline constexpr long EIO = 5;
inline constexpr long E2BIG = 7;
inline constexpr long ENOEXEC = 8;
inline constexpr long EBADF = 9;
inline constexpr long ECHILD = 10;
inline constexpr long EAGAIN = 11;
inline constexpr long ENOMEM = 12;
inline constexpr long EACCES = 13;
inline constexpr long EFAULT = 14;
inline constexpr long EBUSY = 16;
inline constexpr long EEXIST = 17;
inline constexpr long ENOTDIR = 20;
inline constexpr long EISDIR = 21;
inline constexpr long EINVAL = 22;
inline constexpr long ENFILE = 23;
inline constexpr long EMFILE = 24;
inline constexpr long ENOTTY = 25;
inline constexpr long ESPIPE = 29;
inline constexpr long EPIPE = 32;
inline constexpr long ERANGE = 34;
inline constexpr long ENAMETOOLONG = 36;
inline constexpr long ENOSYS = 38;
inline constexpr long ELOOP = 40;
inline constexpr long EOPNOTSUPP = 95;
inline constexpr long kMaxErrno = 4095;   // results in [-4095, -1] are errors (Linux IS_ERR_VALUE)

// Signals (asm-generic/signal.h).
inline constexpr int SIGHUP = 1;
inline constexpr int SIGINT = 2;
inline constexpr int SIGQUIT = 3;
inline constexpr int SIGILL = 4;
inline constexpr int SIGTRAP = 5;
inline constexpr int SIGABRT = 6;
inline constexpr int SIGBUS = 7;
inline constexpr int SIGFPE = 8;
inline constexpr int SIGKILL = 9;
inline constexpr int SIGUSR1 = 10;
inline constexpr int SIGSEGV = 11;
inline constexpr int SIGUSR2 = 12;
inline constexpr int SIGPIPE = 13;
inline constexpr int SIGALRM = 14;
inline constexpr int SIGTERM = 15;
inline constexpr int SIGCHLD = 17;
inline constexpr int SIGCONT = 18;
inline constexpr int SIGSTOP = 19;
inline constexpr int kNumSignals = 64;    // valid signal numbers are 1..64 (0 only probes)
inline constexpr int SIG_BLOCK = 0;

// clone flags (include/uapi/linux/sched.h); the low byte is the exit signal.
inline constexpr unsigned long CLONE_VM = 0x00000100;
inline constexpr unsigned long CLONE_FS = 0x00000200;
inline constexpr unsigned long CLONE_FILES = 0x00000400;
inline constexpr unsigned long CLONE_SIGHAND = 0x00000800;
inline constexpr unsigned long CLONE_THREAD = 0x00010000;
inline constexpr unsigned long CLONE_SETTLS = 0x00080000;
inline constexpr unsigned long CLONE_PARENT_SETTID = 0x00100000;
inline constexpr unsigned long CLONE_CHILD_CLEARTID = 0x00200000;
inline constexpr unsigned long CLONE_CHILD_SETTID = 0x01000000;

// wait4 options and status decoding (the encoding of include/uapi/linux/wait.h and glibc's macros).
inline constexpr int WNOHANG = 1;
inline constexpr int WUNTRACED = 2;
constexpr int wtermsig(int status) { return status & 0x7f; }
constexpr bool wifexited(int status) { return wtermsig(status) == 0; }
constexpr int wexitstatus(int status) { return (status >> 8) & 0xff; }
constexpr bool wifsignaled(int status) { return wtermsig(status) != 0 && wtermsig(status) != 0x7f; }
constexpr bool wcoredump(int status) { return (status & 0x80) != 0; }

// open/pipe2/dup3 flags (arm64 values: O_DIRECT differs from the generic header).
inline constexpr int O_RDONLY = 0;
inline constexpr int O_WRONLY = 1;
inline constexpr int O_NONBLOCK = 04000;
inline constexpr int O_DIRECT = 0200000;
inline constexpr int O_CLOEXEC = 02000000;
inline constexpr int O_RDWR = 2;
inline constexpr int O_APPEND = 02000;

// fcntl commands (asm-generic/fcntl.h, linux/fcntl.h).
inline constexpr int F_DUPFD = 0;
inline constexpr int F_GETFD = 1;
inline constexpr int F_SETFD = 2;
inline constexpr int F_GETFL = 3;
inline constexpr int F_SETFL = 4;
inline constexpr int F_DUPFD_CLOEXEC = 1030;
inline constexpr int F_GETPIPE_SZ = 1032;
inline constexpr int FD_CLOEXEC = 1;

// mmap (asm-generic/mman-common.h).
inline constexpr int PROT_NONE = 0;
inline constexpr int PROT_READ = 1;
inline constexpr int PROT_WRITE = 2;
inline constexpr int PROT_EXEC = 4;
inline constexpr int MAP_SHARED = 0x01;
inline constexpr int MAP_PRIVATE = 0x02;
inline constexpr int MAP_FIXED = 0x10;
inline constexpr int MAP_ANONYMOUS = 0x20;
inline constexpr int MAP_FIXED_NOREPLACE = 0x100000;  // as MAP_FIXED, but EEXIST instead of replacing

// *at() calls (include/uapi/linux/fcntl.h).
inline constexpr int AT_FDCWD = -100;
inline constexpr int AT_SYMLINK_NOFOLLOW = 0x100;
inline constexpr int AT_EMPTY_PATH = 0x1000;

// struct stat on arm64 (asm-generic/stat.h) and the file types of st_mode.
struct Stat {
    unsigned long st_dev, st_ino;
    unsigned st_mode, st_nlink, st_uid, st_gid;
    unsigned long st_rdev, pad1;
    long st_size;
    int st_blksize, pad2;
    long st_blocks;
    long st_atime_sec;
    unsigned long st_atime_nsec;
    long st_mtime_sec;
    unsigned long st_mtime_nsec;
    long st_ctime_sec;
    unsigned long st_ctime_nsec;
    unsigned unused4, unused5;
};
static_assert(sizeof(Stat) == 128);
inline constexpr unsigned S_IFMT = 0170000;
inline constexpr unsigned S_IFIFO = 0010000;
inline constexpr unsigned S_IFCHR = 0020000;
inline constexpr unsigned S_IFDIR = 0040000;
inline constexpr unsigned S_IFREG = 0100000;
inline constexpr unsigned S_IFLNK = 0120000;
constexpr unsigned dev_major(unsigned long dev) { return static_cast<unsigned>((dev >> 8) & 0xfff); }
constexpr unsigned dev_minor(unsigned long dev) { return static_cast<unsigned>((dev & 0xff) | ((dev >> 12) & 0xfff00)); }

// Terminal ioctls and the kernel's struct termios (asm-generic/termbits.h, 36 bytes on arm64).
inline constexpr unsigned long TCGETS = 0x5401;
inline constexpr unsigned long TCSETS = 0x5402;
inline constexpr unsigned long TCSETSW = 0x5403;
inline constexpr unsigned long TCSETSF = 0x5404;
inline constexpr unsigned long TIOCGWINSZ = 0x5413;
inline constexpr unsigned long TIOCSWINSZ = 0x5414;
inline constexpr unsigned long FIONREAD = 0x541b;
struct Termios {
    unsigned c_iflag, c_oflag, c_cflag, c_lflag;
    unsigned char c_line;
    unsigned char c_cc[19];
};
static_assert(sizeof(Termios) == 36);
struct Winsize {
    unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};
inline constexpr unsigned ICRNL = 0000400;
inline constexpr unsigned OPOST = 0000001;
inline constexpr unsigned ONLCR = 0000004;
inline constexpr unsigned CSIZE = 0000060;
inline constexpr unsigned CS8 = 0000060;
inline constexpr unsigned CREAD = 0000200;
inline constexpr unsigned ISIG = 0000001;
inline constexpr unsigned ICANON = 0000002;
inline constexpr unsigned ECHO = 0000010;
inline constexpr int VTIME = 5;
inline constexpr int VMIN = 6;

// Clocks (include/uapi/linux/time.h).
inline constexpr int CLOCK_REALTIME = 0;
inline constexpr int CLOCK_MONOTONIC = 1;
inline constexpr int CLOCK_PROCESS_CPUTIME_ID = 2;
inline constexpr int CLOCK_THREAD_CPUTIME_ID = 3;
inline constexpr int CLOCK_MONOTONIC_RAW = 4;
inline constexpr int CLOCK_BOOTTIME = 7;
inline constexpr int TIMER_ABSTIME = 1;

struct Timeval {
    long tv_sec;
    long tv_usec;
};

// Resource limits (asm-generic/resource.h).
inline constexpr int RLIMIT_STACK = 3;
inline constexpr int RLIMIT_CORE = 4;
inline constexpr int RLIMIT_NPROC = 6;
inline constexpr int RLIMIT_NOFILE = 7;
inline constexpr int RLIMIT_AS = 9;
inline constexpr int RLIM_NLIMITS = 16;
inline constexpr unsigned long RLIM_INFINITY = ~0ul;
struct Rlimit {
    unsigned long rlim_cur, rlim_max;
};

// getrandom flags.
inline constexpr unsigned GRND_NONBLOCK = 1;
inline constexpr unsigned GRND_RANDOM = 2;

// reboot magic numbers (include/uapi/linux/reboot.h). Only ever used with a wrong magic in tests.
inline constexpr unsigned LINUX_REBOOT_MAGIC1 = 0xfee1dead;
inline constexpr unsigned LINUX_REBOOT_MAGIC2 = 672274793;
inline constexpr unsigned LINUX_REBOOT_CMD_POWER_OFF = 0x4321fedc;

// Auxiliary-vector types (linux/auxvec.h).
inline constexpr unsigned long AT_NULL = 0;
inline constexpr unsigned long AT_PHDR = 3;
inline constexpr unsigned long AT_PHNUM = 5;
inline constexpr unsigned long AT_PAGESZ = 6;
inline constexpr unsigned long AT_ENTRY = 9;
inline constexpr unsigned long AT_UID = 11;
inline constexpr unsigned long AT_HWCAP = 16;
inline constexpr unsigned long AT_CLKTCK = 17;
inline constexpr unsigned long AT_RANDOM = 25;
inline constexpr unsigned long AT_EXECFN = 31;

inline constexpr int kStdin = 0;
inline constexpr int kStdout = 1;
inline constexpr int kStderr = 2;
inline constexpr std::size_t kPipeBuf = 4096;   // POSIX PIPE_BUF on Linux: writes up to this are atomic
inline constexpr std::size_t kIovMax = 1024;    // UIO_MAXIOV

struct Timespec {
    long tv_sec;
    long tv_nsec;
};
static_assert(sizeof(Timespec) == 16);

struct Iovec {
    const void* iov_base;
    std::size_t iov_len;
};
static_assert(sizeof(Iovec) == 16);

struct Utsname {
    static constexpr std::size_t kLen = 65;   // __NEW_UTS_LEN + 1
    char sysname[kLen];
    char nodename[kLen];
    char release[kLen];
    char version[kLen];
    char machine[kLen];
    char domainname[kLen];
};
static_assert(sizeof(Utsname) == 390);

// --- The path system calls (user/tests/test_fs*.cpp): numbers, errno values, flags, structures. ---
inline constexpr long SYS_mknodat = 33;
inline constexpr long SYS_mkdirat = 34;
inline constexpr long SYS_unlinkat = 35;
inline constexpr long SYS_symlinkat = 36;
inline constexpr long SYS_linkat = 37;
inline constexpr long SYS_renameat = 38;
inline constexpr long SYS_umount2 = 39;
inline constexpr long SYS_mount = 40;
inline constexpr long SYS_statfs = 43;
inline constexpr long SYS_fstatfs = 44;
inline constexpr long SYS_truncate = 45;
inline constexpr long SYS_faccessat = 48;
inline constexpr long SYS_chdir = 49;
inline constexpr long SYS_fchdir = 50;
inline constexpr long SYS_chroot = 51;
inline constexpr long SYS_fchmod = 52;
inline constexpr long SYS_fchmodat = 53;
inline constexpr long SYS_fchownat = 54;
inline constexpr long SYS_fchown = 55;
inline constexpr long SYS_sync = 81;
inline constexpr long SYS_utimensat = 88;
inline constexpr long SYS_umask = 166;
inline constexpr long SYS_renameat2 = 276;
inline constexpr long SYS_statx = 291;
inline constexpr long SYS_faccessat2 = 439;
inline constexpr long EXDEV = 18;
inline constexpr long EROFS = 30;
inline constexpr long EMLINK = 31;
inline constexpr long ENOTEMPTY = 39;
inline constexpr int O_CREAT = 0100;
inline constexpr int O_EXCL = 0200;
inline constexpr int O_NOCTTY = 0400;
inline constexpr int O_TRUNC = 01000;
inline constexpr int O_DIRECTORY = 040000;
inline constexpr int O_NOFOLLOW = 0100000;
inline constexpr int O_NOATIME = 01000000;
inline constexpr int O_TMPFILE = 020000000 | O_DIRECTORY;
inline constexpr int AT_REMOVEDIR = 0x200;
inline constexpr int AT_EACCESS = 0x200;
inline constexpr int AT_SYMLINK_FOLLOW = 0x400;
inline constexpr int AT_STATX_FORCE_SYNC = 0x2000;
inline constexpr int AT_STATX_DONT_SYNC = 0x4000;
inline constexpr int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;
inline constexpr unsigned RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
inline constexpr long UTIME_NOW = (1l << 30) - 1;
inline constexpr long UTIME_OMIT = (1l << 30) - 2;
inline constexpr unsigned S_IFBLK = 0060000;
inline constexpr unsigned S_IFSOCK = 0140000;
inline constexpr unsigned S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;
inline constexpr unsigned long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
                               MS_BIND = 4096;
inline constexpr int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;
inline constexpr unsigned STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000, STATX__RESERVED = 0x80000000u;
inline constexpr long TMPFS_MAGIC = 0x01021994;
struct StatxTimestamp {
    long tv_sec;
    unsigned tv_nsec;
    int reserved;
};
struct Statx {
    unsigned stx_mask, stx_blksize;
    unsigned long stx_attributes;
    unsigned stx_nlink, stx_uid, stx_gid;
    unsigned short stx_mode, spare0;
    unsigned long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    unsigned stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    unsigned long stx_mnt_id;
    unsigned stx_dio_mem_align, stx_dio_offset_align;
    unsigned long spare3[12];
};
static_assert(sizeof(Statx) == 256);
struct Statfs {
    long f_type, f_bsize;
    unsigned long f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int f_fsid[2];
    long f_namelen, f_frsize, f_flags;
    long f_spare[4];
};
static_assert(sizeof(Statfs) == 120);
inline constexpr long ST_RDONLY = 1;
// --- end of the path system calls' block ---

// A kernel-half address (TTBR1 range) and an unmapped low user address, for EFAULT checks.
inline constexpr std::uintptr_t kKernelAddress = 0xffff000000000000ull;
inline constexpr std::uintptr_t kUnmappedUserAddress = 0x10;

// --- Descriptors and file I/O (fdio) ---
inline constexpr long SYS_flock = 32;
inline constexpr long SYS_ftruncate = 46;
inline constexpr long SYS_fallocate = 47;
inline constexpr long SYS_getdents64 = 61;
inline constexpr long SYS_lseek = 62;
inline constexpr long SYS_readv = 65;
inline constexpr long SYS_pread64 = 67;
inline constexpr long SYS_pwrite64 = 68;
inline constexpr long SYS_preadv = 69;
inline constexpr long SYS_pwritev = 70;
inline constexpr long SYS_sendfile = 71;
inline constexpr long SYS_fsync = 82;
inline constexpr long SYS_fdatasync = 83;
inline constexpr long SYS_close_range = 436;
inline constexpr long ENXIO = 6;
inline constexpr long ENODEV = 19;
inline constexpr long EFBIG = 27;
inline constexpr long EDEADLK = 35;
inline constexpr long EOVERFLOW = 75;
inline constexpr long EWOULDBLOCK = EAGAIN;
inline constexpr int O_ACCMODE = 3;
inline constexpr int O_LARGEFILE = 0400000;
inline constexpr int O_PATH = 010000000;
inline constexpr int SEEK_SET = 0;
inline constexpr int SEEK_CUR = 1;
inline constexpr int SEEK_END = 2;
inline constexpr int SEEK_DATA = 3;
inline constexpr int SEEK_HOLE = 4;
inline constexpr int F_GETLK = 5;
inline constexpr int F_SETLK = 6;
inline constexpr int F_SETLKW = 7;
inline constexpr int F_OFD_GETLK = 36;
inline constexpr int F_OFD_SETLK = 37;
inline constexpr int F_OFD_SETLKW = 38;
inline constexpr short F_RDLCK = 0;
inline constexpr short F_WRLCK = 1;
inline constexpr short F_UNLCK = 2;
struct Flock {   // struct flock on 64-bit Linux
    short l_type, l_whence;
    long l_start, l_len;
    int l_pid;
};
static_assert(sizeof(Flock) == 32);
inline constexpr int LOCK_SH = 1;
inline constexpr int LOCK_EX = 2;
inline constexpr int LOCK_NB = 4;
inline constexpr int LOCK_UN = 8;
inline constexpr int FALLOC_FL_KEEP_SIZE = 1;
inline constexpr int FALLOC_FL_PUNCH_HOLE = 2;
inline constexpr int FALLOC_FL_COLLAPSE_RANGE = 8;
inline constexpr int FALLOC_FL_ZERO_RANGE = 0x10;
inline constexpr unsigned CLOSE_RANGE_UNSHARE = 2;
inline constexpr unsigned CLOSE_RANGE_CLOEXEC = 4;
inline constexpr unsigned char DT_DIR = 4;
inline constexpr unsigned char DT_REG = 8;
inline constexpr unsigned char DT_LNK = 10;
// --- end fdio ---
// ---- procdev: sysinfo(2).
inline constexpr long SYS_sysinfo = 179;
struct Sysinfo {
    long uptime;
    unsigned long loads[3];
    unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    unsigned short procs, pad;
    unsigned long totalhigh, freehigh;
    unsigned mem_unit;
    char f[4];
};
static_assert(sizeof(Sysinfo) == 112);

}  // namespace user
