// bench: user-space benchmarks of system calls, yields between processes, pipe round trips, fork
// and 4 KiB file reads, timed with CNTVCT_EL0.   bench [syscall|proc_yield|pipe|fork|read_4k ...]
// (all without arguments) and, only when named, the real-time scaling work of make bench-smp:
// scale_cpu, scale_pipe.

// EL0 may read CNTVCT_EL0 (as on Linux); PMCCNTR_EL0 traps at EL0 unless the kernel opens it. Counter
// ticks become nanoseconds of virtual time (ticks * 1e9 / CNTFRQ). Under `-icount shift=0` one
// instruction is one ns of virtual time, so those are instructions (16 per tick at QEMU 7.2's
// 62.5 MHz) and each line reads "bench NAME: X instructions/op": that count over the operations,
// minus an empty loop. Without -icount virtual time follows the host clock: the same figure is
// host nanoseconds, printed as "X ns/op", and does not repeat exactly. Which case holds is measured
// (icount_exact), as the kernel's bench runner does with its cycle counter.
#include "user/lib/user.h"

using namespace user;

namespace {

std::uint64_t s_ns_per_tick_x1000 = 16000;   // replaced from CNTFRQ_EL0 in main

// Counter ticks -> ns of virtual time (instructions under icount), rounded.
std::uint64_t ticks_to_insns(std::uint64_t ticks) { return (ticks * s_ns_per_tick_x1000 + 500) / 1000; }

// Ticks an empty loop of `iterations` takes, subtracted from every figure.
std::uint64_t empty_loop_ticks(long iterations) {
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < iterations; ++i) asm volatile("" ::: "memory");
    return read_cntvct() - t0;
}

std::uint64_t per_op(std::uint64_t ticks, long iterations, long ops) {
    const std::uint64_t empty = empty_loop_ticks(iterations);
    const std::uint64_t net = ticks > empty ? ticks - empty : 0;
    return (ticks_to_insns(net) + static_cast<std::uint64_t>(ops) / 2) / static_cast<std::uint64_t>(ops);
}

// Ticks of a loop of exactly 2 instructions per iteration.
std::uint64_t timed_loop(std::uint64_t n) {
    const std::uint64_t t0 = read_cntvct();
    asm volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n) : : "cc");
    return read_cntvct() - t0;
}

// Under -icount shift=0 the difference of two such loops is exactly their extra instructions in ns
// (to a tick either way: both ends are read at tick granularity); host time never matches it that
// closely. An interrupt inside a loop only adds time, so a few tries settle it.
bool icount_exact(std::uint64_t freq) {
    constexpr std::uint64_t kShort = 100000, kLong = 300000;
    const std::uint64_t expected = 2 * (kLong - kShort) * freq / 1000000000ull;
    for (int attempt = 0; attempt < 3; ++attempt) {
        const std::uint64_t a = timed_loop(kShort), b = timed_loop(kLong);
        const std::uint64_t diff = b > a ? b - a : 0;
        if (diff + 1 >= expected && diff <= expected + 1) return true;
    }
    return false;
}

[[noreturn]] void fail(const char* what, long r) { die("%s failed: %ld", what, r); }

long bench_syscall() {
    constexpr long kIters = 10000;
    for (long i = 0; i < kIters / 10; ++i) getppid();
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) getppid();
    return static_cast<long>(per_op(read_cntvct() - t0, kIters, kIters));
}

// Blocks until the other side has written one byte.
void await_byte(int fd) {
    char c;
    const long r = read(fd, &c, 1);
    if (r != 1) fail("pipe read", r);
}
void send_byte(int fd) {
    const char c = 'x';
    const long r = write(fd, &c, 1);
    if (r != 1) fail("pipe write", r);
}

void reap(long pid) {
    int status = 0;
    const long r = wait4(static_cast<int>(pid), &status, 0);
    if (r != pid || !wifexited(status) || wexitstatus(status) != 0) fail("child", status);
}

// Two processes calling sched_yield in turn (one CPU: every yield switches to the other).
// Per yield: both processes' yields over the elapsed time.
long bench_proc_yield() {
    constexpr long kIters = 2000;
    int ready[2];
    if (const long r = pipe2(ready, 0); r != 0) fail("pipe2", r);
    const long pid = fork();
    if (pid < 0) fail("fork", pid);
    if (pid == 0) {
        send_byte(ready[1]);
        for (long i = 0; i < kIters + kIters / 10; ++i) sched_yield();
        exit_group(0);
    }
    await_byte(ready[0]);
    for (long i = 0; i < kIters / 10; ++i) sched_yield();   // warm-up, the child yields as well
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) sched_yield();
    const std::uint64_t ticks = read_cntvct() - t0;
    reap(pid);
    close(ready[0]);
    close(ready[1]);
    return static_cast<long>(per_op(ticks, kIters, 2 * kIters));
}

// One byte to the child over one pipe, and back over another: per round trip.
long bench_pipe() {
    constexpr long kIters = 2000;
    int to_child[2], to_parent[2];
    if (const long r = pipe2(to_child, 0); r != 0) fail("pipe2", r);
    if (const long r = pipe2(to_parent, 0); r != 0) fail("pipe2", r);
    const long pid = fork();
    if (pid < 0) fail("fork", pid);
    if (pid == 0) {
        for (long i = 0; i < kIters + kIters / 10; ++i) {
            await_byte(to_child[0]);
            send_byte(to_parent[1]);
        }
        exit_group(0);
    }
    for (long i = 0; i < kIters / 10; ++i) send_byte(to_child[1]), await_byte(to_parent[0]);
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) send_byte(to_child[1]), await_byte(to_parent[0]);
    const std::uint64_t ticks = read_cntvct() - t0;
    reap(pid);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    return static_cast<long>(per_op(ticks, kIters, kIters));
}

// fork, the child exits at once, the parent waits for it: per fork.
long bench_fork() {
    constexpr long kIters = 2000;
    auto once = [] {
        const long pid = fork();
        if (pid == 0) exit_group(0);
        if (pid < 0) fail("fork", pid);
        reap(pid);
    };
    for (long i = 0; i < kIters / 10; ++i) once();
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) once();
    return static_cast<long>(per_op(read_cntvct() - t0, kIters, kIters));
}

// pread of 4 KiB from a tmpfs file (in /tmp; page-aligned buffer and offset): per read. The file
// is made, filled and removed here; openat and unlinkat by their numbers (56, 35).
long bench_read_4k() {
    constexpr long kIters = 2000;
    constexpr int kOCreatRdwr = 0100 | 02;
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bench_read_4k_%ld", getpid());
    const long fd = syscall6(56, AT_FDCWD, reinterpret_cast<long>(path), kOCreatRdwr, 0600);
    if (fd < 0) fail("openat /tmp", fd);
    alignas(4096) static char buf[4096];
    for (int i = 0; i < 4; ++i)
        if (const long r = pwrite64(static_cast<int>(fd), buf, sizeof buf, i * 4096l); r != 4096) fail("pwrite64", r);
    for (long i = 0; i < kIters / 10; ++i) pread64(static_cast<int>(fd), buf, sizeof buf, (i & 3) * 4096);
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i)
        if (pread64(static_cast<int>(fd), buf, sizeof buf, (i & 3) * 4096) != 4096) fail("pread64", i);
    const std::uint64_t ticks = read_cntvct() - t0;
    close(static_cast<int>(fd));
    syscall6(35, AT_FDCWD, reinterpret_cast<long>(path), 0);
    return static_cast<long>(per_op(ticks, kIters, kIters));
}

// --- The path system calls (paths): open+close and newfstatat of an initramfs file, and
// create+close+unlink of a file on /tmp (tmpfs). Per operation (one open and its close; one stat;
// one create, its close and the unlink).
long bench_open_close() {
    constexpr long kIters = 2000;
    auto once = [] {
        const long fd = open("/etc/motd", O_RDONLY);
        if (fd < 0) fail("open /etc/motd", fd);
        close(static_cast<int>(fd));
    };
    for (long i = 0; i < kIters / 10; ++i) once();
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) once();
    return static_cast<long>(per_op(read_cntvct() - t0, kIters, kIters));
}

long bench_stat() {
    constexpr long kIters = 2000;
    Stat st;
    for (long i = 0; i < kIters / 10; ++i) newfstatat(AT_FDCWD, "/etc/motd", &st, 0);
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i)
        if (const long r = newfstatat(AT_FDCWD, "/etc/motd", &st, 0); r != 0) fail("newfstatat /etc/motd", r);
    return static_cast<long>(per_op(read_cntvct() - t0, kIters, kIters));
}

long bench_create_unlink() {
    constexpr long kIters = 1000;
    char name[64];
    snprintf(name, sizeof name, "/tmp/bench.%ld", getpid());
    auto once = [&name] {
        const long fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) fail("create in /tmp", fd);
        close(static_cast<int>(fd));
        if (const long r = unlinkat(AT_FDCWD, name, 0); r != 0) fail("unlink in /tmp", r);
    };
    for (long i = 0; i < kIters / 10; ++i) once();
    const std::uint64_t t0 = read_cntvct();
    for (long i = 0; i < kIters; ++i) once();
    return static_cast<long>(per_op(read_cntvct() - t0, kIters, kIters));
}
// --- end of the path system calls' benchmarks ---

// Scaling work, timed in real time (make bench-smp boots it at -smp 1 and -smp 2 and divides): the
// same fixed work whatever the CPU count, so the ratio of elapsed times is the speed-up. Not in the
// default set: under -icount one host thread runs every CPU and there is nothing to measure.

std::uint64_t elapsed_since(std::uint64_t t0) { return monotonic_ns() - t0; }

// Forks `n` children running body(i), waits for all of them; returns the elapsed ns.
std::uint64_t run_children(int n, void (*body)(int)) {
    long pids[8];
    const std::uint64_t t0 = monotonic_ns();
    for (int i = 0; i < n; ++i) {
        pids[i] = fork();
        if (pids[i] < 0) fail("fork", pids[i]);
        if (pids[i] == 0) {
            body(i);
            exit_group(0);
        }
    }
    for (int i = 0; i < n; ++i) reap(pids[i]);
    return elapsed_since(t0);
}

// A CPU-bound process: a fixed count of loop iterations, no system call inside.
void spin_work(int) {
    std::uint64_t n = 400'000'000;
    asm volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n) : : "cc");
}

// A ping-pong pair: the parent process of the pair sends one byte, its child answers.
void pingpong_pair(int) {
    constexpr long kRounds = 20000;
    int to_child[2], to_parent[2];
    if (const long r = pipe2(to_child, 0); r != 0) fail("pipe2", r);
    if (const long r = pipe2(to_parent, 0); r != 0) fail("pipe2", r);
    const long pid = fork();
    if (pid < 0) fail("fork", pid);
    if (pid == 0) {
        for (long i = 0; i < kRounds; ++i) await_byte(to_child[0]), send_byte(to_parent[1]);
        exit_group(0);
    }
    for (long i = 0; i < kRounds; ++i) send_byte(to_child[1]), await_byte(to_parent[0]);
    reap(pid);
}

void print_elapsed(const char* name, const char* what, std::uint64_t ns) {
    printf("scale %s: %s in %lu ns\n", name, what, static_cast<unsigned long>(ns));
}
long scale_cpu() {
    print_elapsed("cpu", "2 CPU-bound processes", run_children(2, spin_work));
    return 0;
}
long scale_pipe() {
    print_elapsed("pipe", "2 pipe ping-pong pairs (4 processes)", run_children(2, pingpong_pair));
    return 0;
}

struct Bench {
    const char* name;
    long (*fn)();
};
constexpr Bench kBenches[] = {
    {"syscall", bench_syscall},
    {"proc_yield", bench_proc_yield},
    {"pipe", bench_pipe},
    {"fork", bench_fork},
    {"read_4k", bench_read_4k},
    {"open_close", bench_open_close},   // paths
    {"stat", bench_stat},
    {"create_unlink", bench_create_unlink},
};
// Only when named; they print "scale NAME: ... in X ns" lines of their own.
constexpr Bench kScaling[] = {
    {"scale_cpu", scale_cpu},
    {"scale_pipe", scale_pipe},
};

}  // namespace

int main(int argc, char** argv, char**) {
    const std::uint64_t freq = read_cntfrq();
    if (freq == 0) die("CNTFRQ_EL0 reads 0");
    s_ns_per_tick_x1000 = 1000000000000ull / freq;
    const bool exact = icount_exact(freq);
    const char* unit = exact ? "instructions" : "ns";
    if (exact)
        printf("bench: CNTVCT at %lu Hz: %lu.%03lu instructions per tick under -icount shift=0\n",
               static_cast<unsigned long>(freq), static_cast<unsigned long>(s_ns_per_tick_x1000 / 1000),
               static_cast<unsigned long>(s_ns_per_tick_x1000 % 1000));
    else
        printf("bench: not under -icount: figures are nanoseconds of host time (CNTVCT at %lu Hz), "
               "not instructions\n", static_cast<unsigned long>(freq));
    int ran = 0;
    for (const Bench& b : kBenches) {
        bool want = argc <= 1;
        for (int i = 1; i < argc; ++i) want = want || str_eq(argv[i], b.name) || str_eq(argv[i], "all");
        if (!want) continue;
        printf("bench %s: %ld %s/op\n", b.name, b.fn(), unit);
        ++ran;
    }
    for (const Bench& b : kScaling) {
        for (int i = 1; i < argc; ++i)
            if (str_eq(argv[i], b.name)) {
                b.fn();
                ++ran;
                break;
            }
    }
    if (ran == 0)
        die("no such benchmark; have: syscall proc_yield pipe fork read_4k open_close stat create_unlink scale_cpu "
            "scale_pipe");
    return 0;
}
