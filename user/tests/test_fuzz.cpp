// test_fuzz: a seeded random system-call fuzzer run in forked children, then checks that fork,
// wait, pipes, exec and memory still work.

// Each child makes a run of calls with random numbers (0..500) and random arguments (pointers good,
// unmapped and kernel-half, small and huge integers); the parent kills any child that blocks for
// too long. Every result must be a value or -1..-4095, and the child must still be itself
// afterwards. Reproduce with UTEST_FUZZ_SEED=N (printed); UTEST_FUZZ_CHILDREN and UTEST_FUZZ_CALLS
// change the amount; UTEST_FUZZ_ONLY=I runs only child I and logs its calls.
//
// Calls that could harm the machine when this runs on a real Linux host as root (under qemu-aarch64)
// are never made: file-system changes, mounts, clocks, modules, reboot, ptrace, sockets, SysV IPC,
// keys, signals to other processes, scheduling of other processes, new processes (clone, execve).
// A kernel without them answers -ENOSYS anyway, so the kernel loses no coverage that matters.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr long kMaxNr = 500;
constexpr std::size_t kScratch = 64 * 1024;
constexpr long kChildTimeoutMs = 300;

// Exit codes of a fuzz child (random exit calls are limited to 0..63).
constexpr int kDone = 100;
constexpr int kBadResult = 101;
constexpr int kLostIdentity = 102;
constexpr int kSetupFailed = 103;

bool denied(long nr) {
    static constexpr short kDenied[] = {
        5,   6,   7,   14,  15,  16,             // set/remove extended attributes
        30,                                      // ioprio_set (of any process)
        33,  34,  35,  36,  37,  38,  39,  40,  41,   // mknod, mkdir, unlink, symlink, link, rename, mounts
        45,  46,  47,                            // truncate, ftruncate, fallocate
        51,  52,  53,  54,  55,  56,             // chroot, chmod, chown, openat (O_CREAT)
        58,  60,  81,  88,  89,                  // vhangup, quotactl, sync, utimensat, acct
        97,  104, 105, 106,                      // unshare, kexec_load, init/delete_module
        112, 116, 117, 118, 119, 122,            // clock_settime, syslog, ptrace, scheduling of others
        130, 131, 138, 140, 142,                 // tkill, tgkill, rt_sigqueueinfo, setpriority, reboot
        161, 162, 170, 171,                      // sethostname, setdomainname, settimeofday, adjtimex
        180, 181, 182, 183, 184, 185,            // POSIX message queues
        186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197,   // SysV IPC
        198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212,   // sockets
        217, 218, 219, 220, 221, 224, 225,       // keys, clone, execve, swapon, swapoff
        233, 238, 239, 240, 241, 242, 243,       // madvise (HWPOISON), page migration, perf, sockets
        261, 262, 263, 265, 266, 267, 268, 269,  // prlimit64, fanotify, open_by_handle_at, clock_adjtime...
        271, 273, 274, 276, 280, 281, 282, 294,  // process_vm_writev, modules, sched_setattr, renameat2, bpf...
        424, 425, 426, 427, 428, 429, 430, 431, 432, 433,   // pidfd_send_signal, io_uring, mount API
        435, 437, 438, 440, 442, 443, 448,       // clone3, openat2, pidfd_getfd, process_madvise...
    };
    if (nr >= 451) return true;   // newer than this list: unknown, so not called
    for (short d : kDenied)
        if (d == nr) return true;
    return false;
}

constexpr int kLogFd = 63;   // where a logging child keeps its stdout (random fds are mostly < 16)

struct Fuzzer {
    Rng rng;
    unsigned char* scratch;
    long pid;
    bool log;
    bool sign_extended_ids;   // qemu-user: uids and gids come back sign-extended

    long arg() {
        switch (rng.below(11)) {
        case 0: return 0;
        case 1: return static_cast<long>(rng.below(16));
        case 2: return -1;
        case 3: return reinterpret_cast<long>(scratch + rng.below(kScratch));
        case 4: return static_cast<long>(kKernelAddress + rng.below(1ull << 40));
        case 5: return static_cast<long>(kUnmappedUserAddress);
        case 6: return static_cast<long>(rng.next());
        case 7: return static_cast<long>(rng.next() & 0xffffffff);
        case 8: return static_cast<long>(4096 * rng.below(16));
        case 9: return reinterpret_cast<long>(scratch + kScratch - rng.below(16));   // runs off the end
        default: {
            static constexpr long kEdges[] = {0x7fffffff, -0x80000000l, 0x7fffffffffffffffl,
                                              static_cast<long>(0x8000000000000000ull), 0xffffffffl, 4095};
            return kEdges[rng.below(sizeof kEdges / sizeof kEdges[0])];
        }
        }
    }

    // One random call; if it broke an invariant the child exits with a code that says which.
    void one_call() {
        long nr;
        do nr = static_cast<long>(rng.below(kMaxNr + 1));
        while (denied(nr));
        long a[6];
        for (long& x : a) x = arg();
        if (nr == SYS_kill) {
            a[0] = rng.below(2) ? pid : 0x3ffffff0;   // only ourselves, or nobody
            a[1] = static_cast<long>(rng.below(70));
        }
        if (nr == SYS_exit || nr == SYS_exit_group) a[0] = static_cast<long>(rng.below(64));
        if (log) dprintf(kLogFd, "fuzz: %ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)", nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        const long r = syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (log) dprintf(kLogFd, " = %ld\n", r);
        // Linux returns ids as unsigned 32-bit values; qemu-user sign-extends them, so after a
        // random setgid(0x80000000) its getgid looks like a huge negative number. The calls that
        // return an id: getuid, geteuid, getgid, getegid, setfsuid (151), setfsgid (152).
        const bool id_call = (nr >= SYS_getuid && nr <= SYS_getegid) || nr == 151 || nr == 152;
        if (r < -kMaxErrno && !(id_call && sign_extended_ids)) exit_group(kBadResult);
        if (syscall6(SYS_getpid) != pid) exit_group(kLostIdentity);
    }
};

[[noreturn]] void fuzz_child(std::uint64_t seed, long calls, bool log) {
    if (log) log = dup3(kStdout, kLogFd, 0) == kLogFd;
    for (int fd = 0; fd < 3; ++fd) close(fd);   // random writes must never reach the console
    const long m = mmap(nullptr, kScratch, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (is_error(m)) exit_group(kSetupFailed);
    Fuzzer f{Rng(seed), reinterpret_cast<unsigned char*>(m), getpid(), log, qemu_user()};
    for (std::size_t i = 0; i < kScratch; ++i) f.scratch[i] = static_cast<unsigned char>(f.rng.next());
    for (long i = 0; i < calls; ++i) f.one_call();
    exit_group(kDone);
}

long env_long(const char* name, long fallback) {
    long v;
    const char* s = getenv(name);
    return s && parse_long(s, &v) && v >= 0 ? v : fallback;
}

std::uint64_t child_seed(std::uint64_t seed, long i) { return seed * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(i) + 1; }

}  // namespace

UTEST_TIMEOUT(random_system_calls_in_children, 300000) {
    const std::uint64_t seed = static_cast<std::uint64_t>(env_long("UTEST_FUZZ_SEED", 20240601));
    const long children = env_long("UTEST_FUZZ_CHILDREN", 200);
    const long calls = env_long("UTEST_FUZZ_CALLS", 25);
    const long only = env_long("UTEST_FUZZ_ONLY", -1);
    // Only 0-2 may be inherited by the children (which close those too).
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    long done = 0, exited = 0, signaled = 0, timed_out = 0;
    for (long i = 0; i < children; ++i) {
        if (only >= 0 && i != only) continue;
        const long pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) fuzz_child(child_seed(seed, i), calls, only >= 0);
        const int st = wait_child(pid, kChildTimeoutMs);
        if (st == kTimedOut) ++timed_out;
        else if (exited_with(st, kDone)) ++done;
        else if (wifsignaled(st)) ++signaled;
        else if (wifexited(st) && wexitstatus(st) < 64) ++exited;
        else {
            check_failed("fuzz child ended normally", __FILE__, __LINE__);
            note("child %ld (UTEST_FUZZ_SEED=%lu): %s%s", i, static_cast<unsigned long>(seed), describe_status(st),
                 exited_with(st, kBadResult)     ? " (a result below -4095)"
                 : exited_with(st, kLostIdentity) ? " (getpid changed)"
                                                  : "");
        }
    }
    note("seed %lu: %ld children x %ld calls: %ld finished, %ld called exit, %ld killed by a signal, %ld timed out",
         static_cast<unsigned long>(seed), children, calls, done, exited, signaled, timed_out);
    CHECK(done > 0 || only >= 0);
    int status;
    CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);   // every child was collected
}

UTEST(fork_and_wait_still_work) {
    for (int i = 0; i < 20; ++i) CHECK(exited_with(in_child([i] { exit_group(i); }), i));
}

UTEST(pipes_still_work) {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0);
    const int st = in_child([&] {
        close(p[0]);
        for (int i = 0; i < 100; ++i) CHECK_EQ(write(p[1], "0123456789", 10), 10l);
    });
    close(p[1]);
    char buf[64];
    long total = 0;
    for (long r; (r = read(p[0], buf, sizeof buf)) > 0;) total += r;
    CHECK_EQ(total, 1000l);
    CHECK(exited_with(st, 0));
    close(p[0]);
}

UTEST(exec_and_memory_still_work) {
    const int st = in_child([] {
        const char* argv[] = {"sleep", "1", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/sleep"), argv, envp)));
    });
    CHECK(exited_with(st, 0));
    const std::size_t len = 1 << 20;
    const long m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(m));
    auto* mem = reinterpret_cast<unsigned char*>(m);
    for (std::size_t i = 0; i < len; i += 4096) CHECK_EQ(mem[i], static_cast<unsigned char>(0));
    memset(mem, 0x42, len);
    CHECK_EQ(mem[len - 1], static_cast<unsigned char>(0x42));
    CHECK_EQ(munmap(mem, len), 0l);
}
