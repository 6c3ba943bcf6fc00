// The Linux AArch64 user ABI this kernel implements: system-call numbers (asm-generic/unistd.h),
// errno values, signals, wait-status encoding, auxiliary-vector tags and the structures passed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::abi {

// System-call numbers (include/uapi/asm-generic/unistd.h).
enum Sys : std::uint64_t {
    kDup = 23, kDup3 = 24, kFcntl = 25, kIoctl = 29, kClose = 57, kPipe2 = 59, kRead = 63, kWrite = 64, kWritev = 66,
    kReadlinkat = 78, kNewfstatat = 79, kFstat = 80, kExit = 93, kExitGroup = 94, kSetTidAddress = 96,
    kSetRobustList = 99, kNanosleep = 101, kClockGettime = 113, kClockNanosleep = 115, kTkill = 130, kTgkill = 131,
    kGettimeofday = 169, kSchedSetaffinity = 122, kSchedGetaffinity = 123, kGetcpu = 168,
    kSchedYield = 124, kKill = 129, kReboot = 142, kUname = 160, kGetpid = 172, kGetppid = 173,
    kGetuid = 174, kGeteuid = 175, kGetgid = 176, kGetegid = 177, kGettid = 178, kBrk = 214,
    kMunmap = 215, kClone = 220, kExecve = 221, kMmap = 222, kMprotect = 226, kWait4 = 260, kPrlimit64 = 261, kGetrandom = 278,
    // cred: identities and prctl
    kSetregid = 143, kSetgid = 144, kSetreuid = 145, kSetuid = 146, kSetresuid = 147, kGetresuid = 148,
    kSetresgid = 149, kGetresgid = 150, kSetfsuid = 151, kSetfsgid = 152, kGetgroups = 158, kSetgroups = 159,
    kPrctl = 167,
};

// errno (include/uapi/asm-generic/errno-base.h, errno.h).
enum Errno : int {
    kEPERM = 1, kENOENT = 2, kESRCH = 3, kEINTR = 4, kEIO = 5, kE2BIG = 7, kENOEXEC = 8, kEBADF = 9,
    kECHILD = 10, kEAGAIN = 11, kENOMEM = 12, kEACCES = 13, kEFAULT = 14, kEBUSY = 16, kEEXIST = 17, kENOTDIR = 20,
    kEISDIR = 21, kEINVAL = 22, kEMFILE = 24, kENOTTY = 25, kENOSPC = 28, kESPIPE = 29, kEPIPE = 32,
    kERANGE = 34, kENAMETOOLONG = 36, kENOSYS = 38, kELOOP = 40, kEOPNOTSUPP = 95,
};

// vfs (the VFS core and its file systems): the further errno values, mode bits and flags they use.
enum VfsErrno : int {
    kENXIO = 6, kEXDEV = 18, kENODEV = 19, kETXTBSY = 26, kEFBIG = 27, kEROFS = 30, kEMLINK = 31, kENOTEMPTY = 39,
};
inline constexpr std::uint32_t kS_IFBLK = 0060000, kS_IFSOCK = 0140000;
inline constexpr std::uint32_t kS_ISUID = 04000, kS_ISGID = 02000, kS_ISVTX = 01000;
inline constexpr std::uint64_t kMS_RDONLY = 1;
inline constexpr unsigned kRENAME_NOREPLACE = 1, kRENAME_EXCHANGE = 2;
inline constexpr std::uint64_t kTMPFS_MAGIC = 0x01021994, kRAMFS_MAGIC = 0x858458f6;
// vfs end.

// Signals used here.
enum Signal : int {
    kSIGHUP = 1, kSIGINT = 2, kSIGQUIT = 3, kSIGILL = 4, kSIGTRAP = 5, kSIGABRT = 6, kSIGBUS = 7, kSIGFPE = 8,
    kSIGKILL = 9, kSIGSEGV = 11, kSIGPIPE = 13, kSIGTERM = 15, kSIGCHLD = 17, kSIGCONT = 18, kSIGSTOP = 19,
    kSIGURG = 23, kSIGWINCH = 28,
};
inline constexpr int kMaxSignal = 64;

// wait4 status words: exited: code << 8; killed by a signal: the signal number.
constexpr int wait_status_exited(int code) { return (code & 0xff) << 8; }
constexpr int wait_status_signaled(int sig) { return sig & 0x7f; }
inline constexpr int kWNOHANG = 1;

// Auxiliary vector tags (include/uapi/linux/auxvec.h).
enum Auxv : std::uint64_t {
    kAT_NULL = 0, kAT_PHDR = 3, kAT_PHENT = 4, kAT_PHNUM = 5, kAT_PAGESZ = 6, kAT_BASE = 7, kAT_FLAGS = 8,
    kAT_ENTRY = 9, kAT_UID = 11, kAT_EUID = 12, kAT_GID = 13, kAT_EGID = 14, kAT_HWCAP = 16, kAT_CLKTCK = 17,
    kAT_SECURE = 23, kAT_RANDOM = 25, kAT_EXECFN = 31,
};

// clone: the exit signal in the low byte, then flags (include/uapi/linux/sched.h).
inline constexpr std::uint64_t kCSIGNAL = 0xff;
inline constexpr std::uint64_t kCLONE_PARENT_SETTID = 0x00100000, kCLONE_CHILD_CLEARTID = 0x00200000,
                               kCLONE_CHILD_SETTID = 0x01000000;

// mmap / pipe / dup3 / getrandom / clock / reboot constants.
inline constexpr int kPROT_READ = 1, kPROT_WRITE = 2, kPROT_EXEC = 4;
inline constexpr int kMAP_SHARED = 0x01, kMAP_PRIVATE = 0x02, kMAP_FIXED = 0x10, kMAP_ANONYMOUS = 0x20;
inline constexpr int kMAP_NORESERVE = 0x4000, kMAP_FIXED_NOREPLACE = 0x100000;
// open flags (arm64's fcntl.h: O_DIRECT differs from the generic value) and fcntl commands.
inline constexpr int kO_RDONLY = 0, kO_WRONLY = 1, kO_RDWR = 2, kO_APPEND = 02000, kO_NONBLOCK = 04000,
                     kO_ASYNC = 020000, kO_DIRECT = 0200000, kO_NOATIME = 01000000, kO_CLOEXEC = 02000000;
inline constexpr int kF_DUPFD = 0, kF_GETFD = 1, kF_SETFD = 2, kF_GETFL = 3, kF_SETFL = 4,
                     kF_DUPFD_CLOEXEC = 1030, kF_GETPIPE_SZ = 1032;
inline constexpr int kFD_CLOEXEC = 1;
inline constexpr unsigned kGRND_NONBLOCK = 1, kGRND_RANDOM = 2, kGRND_INSECURE = 4;
inline constexpr int kCLOCK_REALTIME = 0, kCLOCK_MONOTONIC = 1, kCLOCK_PROCESS_CPUTIME_ID = 2,
                     kCLOCK_THREAD_CPUTIME_ID = 3, kCLOCK_MONOTONIC_RAW = 4, kCLOCK_REALTIME_COARSE = 5,
                     kCLOCK_MONOTONIC_COARSE = 6, kCLOCK_BOOTTIME = 7;
inline constexpr int kTIMER_ABSTIME = 1;
inline constexpr std::uint64_t kRobustListHeadSize = 24;  // struct robust_list_head on 64-bit
inline constexpr std::uint64_t kREBOOT_MAGIC1 = 0xfee1dead;
inline constexpr std::uint64_t kREBOOT_MAGIC2 = 672274793, kREBOOT_MAGIC2A = 85072278,
                               kREBOOT_MAGIC2B = 369367448, kREBOOT_MAGIC2C = 537993216;
inline constexpr std::uint64_t kREBOOT_CMD_POWER_OFF = 0x4321fedc, kREBOOT_CMD_RESTART = 0x01234567,
                               kREBOOT_CMD_HALT = 0xcdef0123;

// *at() calls (include/uapi/linux/fcntl.h).
inline constexpr int kAT_FDCWD = -100;
inline constexpr unsigned kAT_SYMLINK_NOFOLLOW = 0x100, kAT_NO_AUTOMOUNT = 0x800, kAT_EMPTY_PATH = 0x1000;

// struct stat as arm64 has it (the generic layout, include/uapi/asm-generic/stat.h): 128 bytes.
struct Stat {
    std::uint64_t st_dev, st_ino;
    std::uint32_t st_mode, st_nlink, st_uid, st_gid;
    std::uint64_t st_rdev, pad1;
    std::int64_t st_size;
    std::int32_t st_blksize, pad2;
    std::int64_t st_blocks;
    std::int64_t st_atime_sec;
    std::uint64_t st_atime_nsec;
    std::int64_t st_mtime_sec;
    std::uint64_t st_mtime_nsec;
    std::int64_t st_ctime_sec;
    std::uint64_t st_ctime_nsec;
    std::uint32_t unused4, unused5;
};
inline constexpr std::uint32_t kS_IFMT = 0170000, kS_IFIFO = 0010000, kS_IFCHR = 0020000, kS_IFDIR = 0040000,
                               kS_IFREG = 0100000, kS_IFLNK = 0120000;
// A device number as stat reports it (new_encode_dev: 12-bit major, 20-bit minor).
constexpr std::uint64_t encode_dev(std::uint32_t major, std::uint32_t minor) {
    return (minor & 0xff) | ((major & 0xfff) << 8) | (std::uint64_t{minor & ~0xffu} << 12);
}

// --- The path system calls (kernel/fs/open_syscall.cpp, path_syscalls_*.cpp, stat_syscalls.cpp,
// mount_syscalls.cpp): their numbers, errno values, flags and structures. ---
enum PathSys : std::uint64_t {
    kGetcwd = 17, kMknodat = 33, kMkdirat = 34, kUnlinkat = 35, kSymlinkat = 36, kLinkat = 37, kRenameat = 38,
    kUmount2 = 39, kMount = 40, kStatfs = 43, kFstatfs = 44, kTruncate = 45, kFaccessat = 48, kChdir = 49,
    kFchdir = 50, kChroot = 51, kFchmod = 52, kFchmodat = 53, kFchownat = 54, kFchown = 55, kOpenat = 56,
    kSync = 81, kUtimensat = 88, kUmask = 166, kRenameat2 = 276, kStatx = 291, kFaccessat2 = 439,
};
// open(2) flags beyond those above (arm64's fcntl.h: O_DIRECTORY and O_NOFOLLOW differ from x86).
inline constexpr int kO_DSYNC = 010000, kO_SYNC = 04010000, kO__TMPFILE = 020000000,
                     kO_TMPFILE = kO__TMPFILE | 040000;   // with O_DIRECTORY
inline constexpr unsigned kAT_REMOVEDIR = 0x200, kAT_EACCESS = 0x200, kAT_SYMLINK_FOLLOW = 0x400,
                          kAT_STATX_SYNC_TYPE = 0x6000;
inline constexpr unsigned kRENAME_WHITEOUT = 4;   // NOREPLACE and EXCHANGE: vfs's block
inline constexpr std::int64_t kUTIME_NOW = (1l << 30) - 1, kUTIME_OMIT = (1l << 30) - 2;
inline constexpr std::uint32_t kS_IXGRP = 00010;
// mount(2) flags (include/uapi/linux/mount.h) and umount2's.
inline constexpr std::uint64_t kMS_NOSUID = 2, kMS_NODEV = 4, kMS_NOEXEC = 8, kMS_SYNCHRONOUS = 16,
                               kMS_REMOUNT = 32, kMS_MANDLOCK = 64, kMS_DIRSYNC = 128, kMS_NOSYMFOLLOW = 256,
                               kMS_NOATIME = 1024, kMS_NODIRATIME = 2048, kMS_BIND = 4096, kMS_MOVE = 8192,
                               kMS_REC = 16384, kMS_SILENT = 32768, kMS_POSIXACL = 1 << 16, kMS_UNBINDABLE = 1 << 17,
                               kMS_PRIVATE = 1 << 18, kMS_SLAVE = 1 << 19, kMS_SHARED = 1 << 20,
                               kMS_RELATIME = 1 << 21, kMS_KERNMOUNT = 1 << 22, kMS_I_VERSION = 1 << 23,
                               kMS_STRICTATIME = 1 << 24, kMS_LAZYTIME = 1 << 25, kMS_NOUSER = 1ul << 31,
                               kMS_MGC_VAL = 0xC0ED0000, kMS_MGC_MSK = 0xffff0000;
inline constexpr int kMNT_FORCE = 1, kMNT_DETACH = 2, kMNT_EXPIRE = 4, kUMOUNT_NOFOLLOW = 8;
// statx (include/uapi/linux/stat.h): 256 bytes.
inline constexpr std::uint32_t kSTATX_TYPE = 1, kSTATX_MODE = 2, kSTATX_NLINK = 4, kSTATX_UID = 8, kSTATX_GID = 0x10,
                               kSTATX_ATIME = 0x20, kSTATX_MTIME = 0x40, kSTATX_CTIME = 0x80, kSTATX_INO = 0x100,
                               kSTATX_SIZE = 0x200, kSTATX_BLOCKS = 0x400, kSTATX_BASIC_STATS = 0x7ff,
                               kSTATX_BTIME = 0x800, kSTATX_MNT_ID = 0x1000, kSTATX__RESERVED = 0x80000000u;
struct StatxTimestamp {
    std::int64_t tv_sec;
    std::uint32_t tv_nsec;
    std::int32_t reserved;
};
struct Statx {
    std::uint32_t stx_mask, stx_blksize;
    std::uint64_t stx_attributes;
    std::uint32_t stx_nlink, stx_uid, stx_gid;
    std::uint16_t stx_mode, spare0;
    std::uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    std::uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    std::uint64_t stx_mnt_id;
    std::uint32_t stx_dio_mem_align, stx_dio_offset_align;
    std::uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256 && offsetof(Statx, stx_ino) == 32 && offsetof(Statx, stx_atime) == 64 &&
              offsetof(Statx, stx_mtime) == 112 && offsetof(Statx, stx_rdev_major) == 128 &&
              offsetof(Statx, stx_mnt_id) == 144);
// struct statfs on 64-bit (asm-generic/statfs.h): 120 bytes.
struct Statfs {
    std::int64_t f_type, f_bsize;
    std::uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    std::int32_t f_fsid[2];
    std::int64_t f_namelen, f_frsize, f_flags;
    std::int64_t f_spare[4];
};
static_assert(sizeof(Statfs) == 120 && offsetof(Statfs, f_fsid) == 56 && offsetof(Statfs, f_flags) == 80);
inline constexpr std::int64_t kST_RDONLY = 1, kST_NOSUID = 2, kST_NODEV = 4, kST_NOEXEC = 8, kST_VALID = 0x20;
// A device number from its encoded form (new_decode_dev).
constexpr std::uint32_t dev_major(std::uint64_t dev) { return static_cast<std::uint32_t>((dev & 0xfff00) >> 8); }
constexpr std::uint32_t dev_minor(std::uint64_t dev) {
    return static_cast<std::uint32_t>((dev & 0xff) | ((dev >> 12) & 0xfff00));
}
// --- end of the path system calls' block ---

// Terminal ioctls and struct termios as the arm64 kernel takes them (asm-generic/termbits.h: no
// speed fields, 19 control characters: 36 bytes; glibc converts its larger struct).
inline constexpr std::uint32_t kTCGETS = 0x5401, kTCSETS = 0x5402, kTCSETSW = 0x5403, kTCSETSF = 0x5404,
                               kTIOCGWINSZ = 0x5413, kTIOCSWINSZ = 0x5414;
inline constexpr int kNCCS = 19;
struct Termios {
    std::uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    std::uint8_t c_line;
    std::uint8_t c_cc[kNCCS];
};
struct Winsize {
    std::uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
inline constexpr std::uint32_t kOPOST = 0000001, kONLCR = 0000004;                        // c_oflag
inline constexpr std::uint32_t kB115200 = 0010002, kCS8 = 0000060, kCREAD = 0000200, kCLOCAL = 0004000;  // c_cflag
enum Cc : int {   // c_cc indices
    kVINTR = 0, kVQUIT = 1, kVERASE = 2, kVKILL = 3, kVEOF = 4, kVTIME = 5, kVMIN = 6, kVSWTC = 7, kVSTART = 8,
    kVSTOP = 9, kVSUSP = 10, kVEOL = 11, kVREPRINT = 12, kVDISCARD = 13, kVWERASE = 14, kVLNEXT = 15, kVEOL2 = 16,
};

struct Timespec {
    std::int64_t tv_sec;
    std::int64_t tv_nsec;
};
struct Timeval {
    std::int64_t tv_sec;
    std::int64_t tv_usec;
};
struct Iovec {
    std::uint64_t base;
    std::uint64_t len;
};
struct Utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
static_assert(sizeof(Timespec) == 16 && sizeof(Timeval) == 16 && sizeof(Iovec) == 16 && sizeof(Utsname) == 390);
static_assert(sizeof(Termios) == 36 && sizeof(Winsize) == 8);
static_assert(sizeof(Stat) == 128 && offsetof(Stat, st_mode) == 16 && offsetof(Stat, st_rdev) == 32 &&
              offsetof(Stat, st_size) == 48 && offsetof(Stat, st_blksize) == 56 && offsetof(Stat, st_blocks) == 64 &&
              offsetof(Stat, st_atime_sec) == 72 && offsetof(Stat, st_mtime_sec) == 88 &&
              offsetof(Stat, st_ctime_sec) == 104 && offsetof(Stat, unused4) == 120);
inline constexpr std::uint64_t kRusageSize = 144;  // struct rusage on arm64

// Resource limits (include/uapi/asm-generic/resource.h).
enum Rlimit : int {
    kRLIMIT_CPU = 0, kRLIMIT_FSIZE = 1, kRLIMIT_DATA = 2, kRLIMIT_STACK = 3, kRLIMIT_CORE = 4, kRLIMIT_RSS = 5,
    kRLIMIT_NPROC = 6, kRLIMIT_NOFILE = 7, kRLIMIT_MEMLOCK = 8, kRLIMIT_AS = 9, kRLIMIT_LOCKS = 10,
    kRLIMIT_SIGPENDING = 11, kRLIMIT_MSGQUEUE = 12, kRLIMIT_NICE = 13, kRLIMIT_RTPRIO = 14, kRLIMIT_RTTIME = 15,
    kRLIM_NLIMITS = 16,
};
inline constexpr std::uint64_t kRLIM_INFINITY = ~std::uint64_t{0};
struct Rlimit64 {
    std::uint64_t rlim_cur, rlim_max;
};
static_assert(sizeof(Rlimit64) == 16);

// --- Descriptors and file I/O (fdio) ---
enum FdioSys : std::uint64_t {
    kFlock = 32, kFtruncate = 46, kFallocate = 47, kGetdents64 = 61, kLseek = 62, kReadv = 65, kPread64 = 67,
    kPwrite64 = 68, kPreadv = 69, kPwritev = 70, kSendfile = 71, kFsync = 82, kFdatasync = 83, kCloseRange = 436,
};
enum FdioErrno : int {   // ENXIO, ENODEV, EFBIG, EROFS: vfs's block
    kEDEADLK = 35, kENOLCK = 37, kEOVERFLOW = 75,
};
inline constexpr int kEWOULDBLOCK = kEAGAIN;
inline constexpr int kO_ACCMODE = 3, kO_CREAT = 0100, kO_EXCL = 0200, kO_NOCTTY = 0400, kO_TRUNC = 01000,
                     kO_DIRECTORY = 040000, kO_NOFOLLOW = 0100000, kO_LARGEFILE = 0400000, kO_PATH = 010000000;
inline constexpr int kSEEK_SET = 0, kSEEK_CUR = 1, kSEEK_END = 2, kSEEK_DATA = 3, kSEEK_HOLE = 4;
inline constexpr std::size_t kMaxRwCount = 0x7ffff000;   // MAX_RW_COUNT: one read or write moves at most this
inline constexpr std::uint64_t kUioMaxIov = 1024;
// fcntl record locks (asm-generic/fcntl.h, 64-bit) and flock(2).
inline constexpr int kF_GETLK = 5, kF_SETLK = 6, kF_SETLKW = 7, kF_OFD_GETLK = 36, kF_OFD_SETLK = 37,
                     kF_OFD_SETLKW = 38;
inline constexpr short kF_RDLCK = 0, kF_WRLCK = 1, kF_UNLCK = 2;
inline constexpr int kLOCK_SH = 1, kLOCK_EX = 2, kLOCK_NB = 4, kLOCK_UN = 8;
struct Flock {
    std::int16_t l_type, l_whence;
    std::int64_t l_start, l_len;
    std::int32_t l_pid;
};
static_assert(sizeof(Flock) == 32 && offsetof(Flock, l_start) == 8 && offsetof(Flock, l_pid) == 24);
// fallocate modes.
inline constexpr int kFALLOC_FL_KEEP_SIZE = 1, kFALLOC_FL_PUNCH_HOLE = 2, kFALLOC_FL_COLLAPSE_RANGE = 8,
                     kFALLOC_FL_ZERO_RANGE = 0x10, kFALLOC_FL_INSERT_RANGE = 0x20, kFALLOC_FL_UNSHARE_RANGE = 0x40;
// close_range flags.
inline constexpr unsigned kCLOSE_RANGE_UNSHARE = 2, kCLOSE_RANGE_CLOEXEC = 4;
// --- end fdio ---
// ---- procdev: sysinfo(2) (include/uapi/linux/sysinfo.h, 64-bit layout).
inline constexpr std::uint64_t kSysinfo = 179;
inline constexpr unsigned kSI_LOAD_SHIFT = 16;
struct Sysinfo {
    std::int64_t uptime;             // seconds since boot (rounded up, as Linux)
    std::uint64_t loads[3];          // 1, 5, 15 minute load averages << SI_LOAD_SHIFT
    std::uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;   // in mem_unit
    std::uint16_t procs;             // tasks
    std::uint16_t pad;
    std::uint64_t totalhigh, freehigh;
    std::uint32_t mem_unit;
    char f[4];                       // 20 - 2 * sizeof(long) - sizeof(int): 0, then the alignment
};
static_assert(sizeof(Sysinfo) == 112 && offsetof(Sysinfo, procs) == 80 && offsetof(Sysinfo, totalhigh) == 88 &&
              offsetof(Sysinfo, mem_unit) == 104);

}  // namespace kernel::abi
