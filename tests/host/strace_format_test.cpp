// strace='s lines against what strace prints for the same calls (strace 6.1 on Linux arm64, -s 32).
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "kernel/syscall/strace_format.h"

namespace {

namespace st = kernel::strace;

// A fake user address space: byte ranges at addresses, everything else unreadable.
struct FakeMemory {
    std::map<std::uint64_t, std::vector<unsigned char>> regions;
    std::uint64_t next = 0x10000;

    std::uint64_t add(const void* data, std::size_t n) {
        const std::uint64_t at = next;
        regions[at].assign(static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + n);
        next += (n + 0x1000) & ~std::uint64_t{0xfff};  // a gap after each: reading past its end fails
        return at;
    }
    std::uint64_t str(const std::string& s) { return add(s.c_str(), s.size() + 1); }
    std::uint64_t bytes(const std::string& s) { return add(s.data(), s.size()); }
    std::uint64_t words(const std::vector<std::uint64_t>& w) { return add(w.data(), w.size() * 8); }

    static std::size_t read(void* ctx, std::uint64_t addr, void* dst, std::size_t n) {
        auto* self = static_cast<FakeMemory*>(ctx);
        auto it = self->regions.upper_bound(addr);
        if (it == self->regions.begin()) return 0;
        --it;
        const std::uint64_t off = addr - it->first;
        if (off >= it->second.size()) return 0;
        const std::size_t got = std::min<std::size_t>(n, it->second.size() - off);
        std::memcpy(dst, it->second.data() + off, got);
        return got;
    }
    st::Memory memory() { return st::Memory{read, this}; }
};

constexpr std::uint64_t kOpenat = 56, kClose = 57, kPipe2 = 59, kRead = 63, kWrite = 64, kWritev = 66,
                        kFstat = 80, kExitGroup = 94, kWait4 = 260, kClone = 220, kExecve = 221, kMmap = 222,
                        kBrk = 214, kFcntl = 25, kUmask = 166, kNanosleep = 101, kNewfstatat = 79, kKill = 129;
constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(-100);

std::string line(FakeMemory& m, std::uint64_t nr, std::vector<std::uint64_t> a, std::int64_t result, int pid = 12) {
    a.resize(6, 0);
    char buf[512];
    const std::size_t n = st::format_line(buf, sizeof buf, pid, nr, a.data(), result, m.memory());
    EXPECT_EQ(n, std::strlen(buf));
    return std::string(buf, n);
}

// The result starts at column 40 when the call is shorter, as strace's.
std::string padded(const std::string& call, const std::string& result) {
    std::string s = call + " ";
    while (s.size() < st::kResultColumn) s += ' ';
    return s + "= " + result + "\n";
}

TEST(StraceFormatTest, OpenatAsTheIssueShowsIt) {
    FakeMemory m;
    const auto path = m.str("/etc/passwd");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, path, 0}, 3), "[pid 12] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, path, 0}, -2),
              "[pid 12] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
}

TEST(StraceFormatTest, OpenFlagsAndTheModeOnlyWhenCreating) {
    FakeMemory m;
    const auto p = m.str("/tmp/f");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, p, 01 | 0100 | 01000, 0644}, 4),
              "[pid 12] openat(AT_FDCWD, \"/tmp/f\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, p, 0 | 04000 | 02000000 | 040000, 0777}, 3),
              "[pid 12] openat(AT_FDCWD, \"/tmp/f\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3\n");
    EXPECT_EQ(line(m, kOpenat, {5, p, 02 | 020040000, 0600}, 3),
              "[pid 12] openat(5, \"/tmp/f\", O_RDWR|O_TMPFILE, 0600) = 3\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, p, 02 | 0x80000000ull}, -22),
              "[pid 12] openat(AT_FDCWD, \"/tmp/f\", O_RDWR|0x80000000) = -1 EINVAL (Invalid argument)\n");
}

TEST(StraceFormatTest, WriteBuffersAreQuotedAndCutAt32) {
    FakeMemory m;
    const auto hello = m.bytes("hello\n");
    EXPECT_EQ(line(m, kWrite, {1, hello, 6}, 6, 1), padded("[pid 1] write(1, \"hello\\n\", 6)", "6"));
    const std::string long_text = "0123456789abcdefghijklmnopqrstuvwxyz";
    const auto l = m.bytes(long_text);
    EXPECT_EQ(line(m, kWrite, {1, l, 36}, 36, 1),
              "[pid 1] write(1, \"0123456789abcdefghijklmnopqrstuv\"..., 36) = 36\n");
    EXPECT_EQ(line(m, kWrite, {1, l, 32}, 32, 1),
              "[pid 1] write(1, \"0123456789abcdefghijklmnopqrstuv\", 32) = 32\n");
    EXPECT_EQ(line(m, kWrite, {1, 0xdead0000, 3}, -14, 1), padded("[pid 1] write(1, 0xdead0000, 3)", "-1 EFAULT (Bad address)"));
}

// strace's string_quote: C escapes, octal otherwise, three digits only when a digit follows.
TEST(StraceFormatTest, EscapesAsStrace) {
    FakeMemory m;
    const std::string bin("\t\"\\\x01" "2\x01" "a\x1b\x7f\xff\0z", 12);
    const auto b = m.bytes(bin);
    EXPECT_EQ(line(m, kWrite, {2, b, bin.size()}, 12),
              "[pid 12] write(2, \"\\t\\\"\\\\\\0012\\1a\\33\\177\\377\\0z\", 12) = 12\n");
}

TEST(StraceFormatTest, ReadShowsWhatWasReadAndOnlyAfterSuccess) {
    FakeMemory m;
    const auto buf = m.bytes("root:x:0:0\nmore that was not read");
    EXPECT_EQ(line(m, kRead, {3, buf, 4096}, 11), padded("[pid 12] read(3, \"root:x:0:0\\n\", 4096)", "11"));
    EXPECT_EQ(line(m, kRead, {3, buf, 4096}, 0), padded("[pid 12] read(3, \"\", 4096)", "0"));
    EXPECT_EQ(line(m, kRead, {9, buf, 4096}, -9), padded("[pid 12] read(9, 0x10000, 4096)", "-1 EBADF (Bad file descriptor)"));
}

TEST(StraceFormatTest, Mmap) {
    FakeMemory m;
    EXPECT_EQ(line(m, kMmap, {0, 8192, 3, 0x22, static_cast<std::uint64_t>(-1), 0}, 0xffff8b7f0000),
              "[pid 12] mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xffff8b7f0000\n");
    EXPECT_EQ(line(m, kMmap, {0x400000, 4096, 0, 0x12, 3, 0x1000}, -12),
              "[pid 12] mmap(0x400000, 4096, PROT_NONE, MAP_PRIVATE|MAP_FIXED, 3, 0x1000) = -1 ENOMEM (Cannot allocate memory)\n");
    EXPECT_EQ(line(m, kBrk, {0}, 0x5dab28), padded("[pid 12] brk(NULL)", "0x5dab28"));
}

TEST(StraceFormatTest, CloneAsOnArm64) {
    FakeMemory m;
    EXPECT_EQ(line(m, kClone, {0x01200011, 0, 0, 0, 0xffff9b5e10f0}, 43),
              "[pid 12] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
              "child_tidptr=0xffff9b5e10f0) = 43\n");
    EXPECT_EQ(line(m, kClone, {0x11, 0x7fff0000}, -11),
              "[pid 12] clone(child_stack=0x7fff0000, flags=SIGCHLD) = -1 EAGAIN (Resource temporarily unavailable)\n");
    EXPECT_EQ(line(m, kClone, {0x00010900}, -22),
              "[pid 12] clone(child_stack=NULL, flags=CLONE_VM|CLONE_SIGHAND|CLONE_THREAD) = -1 EINVAL (Invalid argument)\n");
}

TEST(StraceFormatTest, Wait4Status) {
    FakeMemory m;
    const int exited3 = 3 << 8, killed = 9, core = 11 | 0x80, stopped = (19 << 8) | 0x7f;
    const auto s1 = m.add(&exited3, 4), s2 = m.add(&killed, 4), s3 = m.add(&core, 4), s4 = m.add(&stopped, 4);
    const auto minus1 = static_cast<std::uint64_t>(-1);
    EXPECT_EQ(line(m, kWait4, {minus1, s1, 0, 0}, 43),
              "[pid 12] wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 43\n");
    EXPECT_EQ(line(m, kWait4, {43, s2, 1, 0}, 43),
              "[pid 12] wait4(43, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], WNOHANG, NULL) = 43\n");
    EXPECT_EQ(line(m, kWait4, {minus1, s3, 0x40000002, 0}, 7),
              "[pid 12] wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], WUNTRACED|__WALL, NULL) = 7\n");
    EXPECT_EQ(line(m, kWait4, {minus1, s4, 2, 0}, 7),
              "[pid 12] wait4(-1, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WUNTRACED, NULL) = 7\n");
    EXPECT_EQ(line(m, kWait4, {minus1, s1, 1, 0}, 0), padded("[pid 12] wait4(-1, 0x10000, WNOHANG, NULL)", "0"));
    EXPECT_EQ(line(m, kWait4, {minus1, 0, 0, 0}, -10),
              padded("[pid 12] wait4(-1, NULL, 0, NULL)", "-1 ECHILD (No child processes)"));
}

TEST(StraceFormatTest, ExecveFormattedBeforeTheCall) {
    FakeMemory m;
    const auto path = m.str("/bin/ls");
    const auto argv = m.words({m.str("ls"), m.str("-l"), m.str(std::string(40, 'x')), 0});
    const auto envp = m.words({m.str("HOME=/"), m.str("PATH=/bin"), 0});
    char buf[512];
    st::Line out(buf, sizeof buf);
    const std::uint64_t a[6] = {path, argv, envp};
    st::format_call(out, kExecve, a, false, 0, m.memory());
    st::format_result(out, kExecve, 0);
    EXPECT_EQ(std::string(out.text()),
              "execve(\"/bin/ls\", [\"ls\", \"-l\", \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"...], 0x"
              + ([&] { char h[32]; std::snprintf(h, sizeof h, "%llx", static_cast<unsigned long long>(envp)); return std::string(h); })()
              + " /* 2 vars */) = 0");
}

TEST(StraceFormatTest, ExitDoesNotReturn) {
    FakeMemory m;
    char buf[128];
    st::Line out(buf, sizeof buf);
    const std::uint64_t a[6] = {3};
    st::format_call(out, kExitGroup, a, false, 0, m.memory());
    st::format_no_return(out);
    EXPECT_EQ(std::string(out.text()), "exit_group(3)                           = ?");
}

TEST(StraceFormatTest, StructuresTheNextStepDependsOn) {
    FakeMemory m;
    unsigned char st_reg[128] = {}, st_chr[128] = {};
    const std::uint32_t reg = 0100644, chr = 020620;
    const std::uint64_t size = 1234, rdev = (5 << 8) | 1;
    std::memcpy(st_reg + 16, &reg, 4);
    std::memcpy(st_reg + 48, &size, 8);
    std::memcpy(st_chr + 16, &chr, 4);
    std::memcpy(st_chr + 32, &rdev, 8);
    const auto r = m.add(st_reg, sizeof st_reg), c = m.add(st_chr, sizeof st_chr);
    EXPECT_EQ(line(m, kFstat, {3, r}, 0), "[pid 12] fstat(3, {st_mode=S_IFREG|0644, st_size=1234, ...}) = 0\n");
    EXPECT_EQ(line(m, kFstat, {0, c}, 0), "[pid 12] fstat(0, {st_mode=S_IFCHR|0620, st_rdev=makedev(0x5, 0x1), ...}) = 0\n");
    const auto p = m.str("/etc/motd");
    EXPECT_EQ(line(m, kNewfstatat, {kAtFdcwd, p, r, 0x100}, -2),
              "[pid 12] newfstatat(AT_FDCWD, \"/etc/motd\", 0x10000, AT_SYMLINK_NOFOLLOW) = -1 ENOENT (No such file or directory)\n");
    const int fds[2] = {3, 4};
    const auto f = m.add(fds, sizeof fds);
    EXPECT_EQ(line(m, kPipe2, {f, 02000000}, 0), padded("[pid 12] pipe2([3, 4], O_CLOEXEC)", "0"));
    const std::int64_t ts[2] = {1, 500};
    const auto t = m.add(ts, sizeof ts);
    EXPECT_EQ(line(m, kNanosleep, {t, 0}, 0), "[pid 12] nanosleep({tv_sec=1, tv_nsec=500}, NULL) = 0\n");
    const std::uint64_t iov[4] = {m.bytes("ab"), 2, m.bytes("c\n"), 2};
    EXPECT_EQ(line(m, kWritev, {1, m.add(iov, sizeof iov), 2}, 4),
              "[pid 12] writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\\n\", iov_len=2}], 2) = 4\n");
}

TEST(StraceFormatTest, SmallerDecoders) {
    FakeMemory m;
    EXPECT_EQ(line(m, kFcntl, {3, 1}, 1), padded("[pid 12] fcntl(3, F_GETFD)", "1"));
    EXPECT_EQ(line(m, kFcntl, {3, 2, 1}, 0), padded("[pid 12] fcntl(3, F_SETFD, FD_CLOEXEC)", "0"));
    EXPECT_EQ(line(m, kFcntl, {3, 1030, 10}, 10), padded("[pid 12] fcntl(3, F_DUPFD_CLOEXEC, 10)", "10"));
    EXPECT_EQ(line(m, kUmask, {022}, 0), padded("[pid 12] umask(022)", "000"));
    EXPECT_EQ(line(m, kKill, {5, 15}, 0), padded("[pid 12] kill(5, SIGTERM)", "0"));
    EXPECT_EQ(line(m, kClose, {3}, -9), padded("[pid 12] close(3)", "-1 EBADF (Bad file descriptor)"));
    const auto p = m.str("/tmp");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, p, 0}, -4096), "[pid 12] openat(AT_FDCWD, \"/tmp\", O_RDONLY) = -4096\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, p, 0}, -600),
              "[pid 12] openat(AT_FDCWD, \"/tmp\", O_RDONLY) = -1 (errno 600)\n");
}

TEST(StraceFormatTest, UnknownCallsByNumberAndUnreadablePointersAsHex) {
    FakeMemory m;
    EXPECT_EQ(line(m, 500, {1, 2, 3, 4, 5, 6}, -38),
              "[pid 12] syscall_0x1f4(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)\n");
    EXPECT_EQ(line(m, 1, {7, 0}, -38),
              "[pid 12] io_destroy(0x7, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, 0, 0}, -14), "[pid 12] openat(AT_FDCWD, NULL, O_RDONLY) = -1 EFAULT (Bad address)\n");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, 0xffff000000001000ull, 0}, -14),
              "[pid 12] openat(AT_FDCWD, 0xffff000000001000, O_RDONLY) = -1 EFAULT (Bad address)\n");
}

// A string running into unreadable memory shows what was readable; a path longer than the line is
// cut with "...)" and the result still follows.
TEST(StraceFormatTest, HolesAndOverlongLines) {
    FakeMemory m;
    const auto unterminated = m.bytes("/etc/pa");
    EXPECT_EQ(line(m, kOpenat, {kAtFdcwd, unterminated, 0}, -14),
              "[pid 12] openat(AT_FDCWD, \"/etc/pa\", O_RDONLY) = -1 EFAULT (Bad address)\n");
    const auto huge = m.str("/" + std::string(3000, 'd'));
    const std::string l = line(m, kOpenat, {kAtFdcwd, huge, 0}, -36);
    EXPECT_LT(l.size(), 512u);
    EXPECT_NE(l.find("dddd...) = -1 ENAMETOOLONG (File name too long)\n"), std::string::npos) << l;
}

TEST(StraceFormatTest, TheTableIsSortedAndNamesTheCallsTheKernelKnows) {
    const std::map<std::uint64_t, std::string> known = {
        {23, "dup"}, {24, "dup3"}, {25, "fcntl"}, {29, "ioctl"}, {56, "openat"}, {57, "close"}, {59, "pipe2"},
        {61, "getdents64"}, {62, "lseek"}, {63, "read"}, {64, "write"}, {66, "writev"}, {78, "readlinkat"},
        {79, "newfstatat"}, {80, "fstat"}, {93, "exit"}, {94, "exit_group"}, {96, "set_tid_address"},
        {99, "set_robust_list"}, {101, "nanosleep"}, {113, "clock_gettime"}, {115, "clock_nanosleep"},
        {122, "sched_setaffinity"}, {123, "sched_getaffinity"}, {124, "sched_yield"}, {129, "kill"},
        {130, "tkill"}, {131, "tgkill"}, {134, "rt_sigaction"}, {142, "reboot"}, {160, "uname"},
        {168, "getcpu"}, {169, "gettimeofday"}, {172, "getpid"}, {178, "gettid"}, {214, "brk"}, {215, "munmap"},
        {220, "clone"}, {221, "execve"}, {222, "mmap"}, {226, "mprotect"}, {260, "wait4"}, {261, "prlimit64"},
        {278, "getrandom"}, {291, "statx"}, {293, "rseq"}, {435, "clone3"}, {439, "faccessat2"}};
    for (const auto& [nr, name] : known) {
        const st::CallInfo* ci = st::call_info(nr);
        ASSERT_NE(ci, nullptr) << nr;
        EXPECT_EQ(ci->name, name);
        EXPECT_EQ(ci->nr, nr);
        EXPECT_NE(ci->nargs, st::kUnknownArgs) << name;  // each of these has its arguments described
    }
    int named = 0;
    for (std::uint64_t nr = 0; nr < 1024; ++nr) {
        const st::CallInfo* ci = st::call_info(nr);
        if (!ci) continue;
        ++named;
        EXPECT_EQ(ci->nr, nr);
        EXPECT_TRUE(ci->nargs == st::kUnknownArgs || ci->nargs <= 6) << ci->name;
    }
    EXPECT_GT(named, 300);
    EXPECT_EQ(st::call_info(244), nullptr);  // arch-specific range: none on arm64
    EXPECT_STREQ(st::errno_name(2), "ENOENT");
    EXPECT_STREQ(st::errno_message(39), "Directory not empty");
    EXPECT_EQ(st::errno_name(0), nullptr);
}

}  // namespace
