// soak: mixed process load on every CPU for a number of seconds (`soak [SECONDS]`, default 10). One
// worker per CPU in the affinity mask, pinned there, repeats rounds of: fork + exit + wait, a pipe
// ping-pong with a child, a short-lived chain of processes. Every result is checked; a lost wake-up
// hangs a round, which the caller's timeout catches (QEMU's, under CTest). Before and after, the
// processes that can exist at once are counted: the same number, or slots were lost.
// Prints "soak: N seconds, R rounds, F forks, P pipe messages: ok" and exits 0 if every check held.
#include "user/lib/user.h"

using namespace user;

namespace {

constexpr long kPingPongs = 64;   // exchanges per ping-pong round (two messages each)
constexpr int kChainDepth = 4;    // processes in a chain below the worker
constexpr unsigned kMaskLongs = 16;  // 1024 CPU ids, as glibc's cpu_set_t

struct Totals {
    long rounds = 0, forks = 0, messages = 0, failures = 0;
};

int s_worker = -1;
unsigned long s_all[kMaskLongs];  // the CPUs the program started with

void fail(Totals& t, const char* what, long detail) {
    printf("soak: worker %d: %s (%ld)\n", s_worker, what, detail);
    ++t.failures;
}

// On odd rounds a new child leaves its worker's CPU: any CPU may take it (placement, migration).
void child_start(long round) {
    if (round % 2) sched_setaffinity(0, sizeof s_all, s_all);
}

bool reap(long pid, int expect_code, Totals& t, const char* what) {
    int status = -1;
    const long r = wait4(static_cast<int>(pid), &status, 0);
    if (r != pid || !wifexited(status) || wexitstatus(status) != expect_code) {
        fail(t, what, r == pid ? status : r);
        return false;
    }
    return true;
}

void fork_exit_wait(long round, Totals& t) {
    const int code = static_cast<int>(round & 0x7f);
    const long pid = fork();
    if (pid == 0) {
        child_start(round);
        exit_group(code);
    }
    if (pid < 0) return fail(t, "fork", pid);
    ++t.forks;
    reap(pid, code, t, "fork/exit/wait status");
}

// The parent sends a number down, the child sends it back plus one: every message needs the other
// side woken, on whichever CPUs the two are.
void ping_pong(long round, Totals& t) {
    int down[2], up[2];
    if (pipe2(down, 0) || pipe2(up, 0)) return fail(t, "pipe2", 0);
    const long pid = fork();
    if (pid == 0) {
        child_start(round);
        close(down[1]);
        close(up[0]);
        for (long v; read_exact(down[0], &v, sizeof v);) {
            ++v;
            if (write(up[1], &v, sizeof v) != sizeof v) exit_group(2);
        }
        exit_group(0);  // end of file: the parent is done
    }
    close(down[0]);
    close(up[1]);
    if (pid < 0) {
        close(down[1]);
        close(up[0]);
        return fail(t, "fork", pid);
    }
    ++t.forks;
    for (long i = 0; i < kPingPongs; ++i) {
        long v = round * 1000 + i;
        if (write(down[1], &v, sizeof v) != sizeof v || !read_exact(up[0], &v, sizeof v)) {
            fail(t, "ping-pong broken at message", i);
            break;
        }
        if (v != round * 1000 + i + 1) fail(t, "ping-pong answer wrong", v);
        t.messages += 2;
    }
    close(down[1]);
    close(up[0]);
    reap(pid, 0, t, "ping-pong child status");
}

// Each process forks the next and exits with its child's code plus one: the top sees the depth.
[[noreturn]] void chain_link(int left, long round) {
    child_start(round);
    if (left == 0) exit_group(0);
    const long pid = fork();
    if (pid < 0) exit_group(100);
    if (pid == 0) chain_link(left - 1, round);
    int status = -1;
    if (wait4(static_cast<int>(pid), &status, 0) != pid || !wifexited(status)) exit_group(101);
    exit_group(wexitstatus(status) + 1);
}

void chain(long round, Totals& t) {
    const long pid = fork();
    if (pid == 0) chain_link(kChainDepth - 1, round);
    if (pid < 0) return fail(t, "fork", pid);
    if (reap(pid, kChainDepth - 1, t, "chain status")) t.forks += kChainDepth;
}

[[noreturn]] void worker(int w, unsigned cpu, std::uint64_t deadline, int result_fd) {
    s_worker = w;
    Totals t;
    unsigned long mine[kMaskLongs] = {};
    mine[cpu / 64] = 1ul << (cpu % 64);
    if (sched_setaffinity(0, sizeof mine, mine) != 0) fail(t, "pinning to CPU", cpu);
    do {  // at least one round each, however long the host keeps this CPU from running
        fork_exit_wait(t.rounds, t);
        ping_pong(t.rounds, t);
        chain(t.rounds, t);
        ++t.rounds;
    } while (t.failures == 0 && monotonic_ns() < deadline);
    write(result_fd, &t, sizeof t);
    exit_group(t.failures ? 1 : 0);
}

// How many children can exist at once: they fork until fork fails, blocked on a pipe meanwhile,
// then all are released and reaped. err: fork's failure (EAGAIN at the process limit).
long capacity(long& err) {
    int gate[2];
    if (pipe2(gate, 0)) return -1;
    long n = 0;
    for (;;) {
        const long pid = fork();
        if (pid == 0) {
            close(gate[1]);
            char c;
            read(gate[0], &c, 1);  // end of file when the gate closes
            exit_group(0);
        }
        if (pid < 0) {
            err = pid;
            break;
        }
        ++n;
    }
    close(gate[1]);
    close(gate[0]);
    for (long reaped = 0; reaped < n;) {
        int status;
        if (wait4(-1, &status, 0) < 0) return -1;
        ++reaped;
    }
    return n;
}

}  // namespace

int main(int argc, char** argv, char**) {
    long seconds = 10;
    if (argc > 1 && (!parse_long(argv[1], &seconds) || seconds < 0)) die("usage: soak [SECONDS]");
    const long got = sched_getaffinity(0, sizeof s_all, s_all);
    if (got < 8) die("sched_getaffinity: %ld", got);
    unsigned cpus[64], n = 0;
    for (unsigned c = 0; c < kMaskLongs * 64 && n < 64; ++c)
        if ((s_all[c / 64] >> (c % 64)) & 1) cpus[n++] = c;
    long err_before = 0, err_after = 0;
    const long before = capacity(err_before);
    int results[2];
    if (pipe2(results, 0)) die("pipe2");
    printf("soak: %u workers for %ld seconds\n", n, seconds);
    const std::uint64_t deadline = monotonic_ns() + static_cast<std::uint64_t>(seconds) * 1000000000ull;
    long pids[64];
    for (unsigned w = 0; w < n; ++w) {
        pids[w] = fork();
        if (pids[w] == 0) worker(static_cast<int>(w), cpus[w], deadline, results[1]);
        if (pids[w] < 0) die("fork: %ld", pids[w]);
    }
    Totals sum;
    for (unsigned w = 0; w < n; ++w) {
        Totals t;
        if (!read_exact(results[0], &t, sizeof t)) {
            printf("soak: a worker ended without its totals\n");
            ++sum.failures;
            break;
        }
        sum.rounds += t.rounds;
        sum.forks += t.forks;
        sum.messages += t.messages;
        sum.failures += t.failures;
    }
    for (unsigned left = n; left > 0;) {  // as pid 1 an orphan may come back too: not a worker
        int status;
        const long r = wait4(-1, &status, 0);
        if (r < 0) break;
        for (unsigned w = 0; w < n; ++w) {
            if (r != pids[w]) continue;
            --left;
            if (!wifexited(status) || wexitstatus(status) != 0) {
                printf("soak: worker %u (CPU %u) ended with status 0x%x\n", w, cpus[w], status);
                ++sum.failures;
            }
        }
    }
    const long after = capacity(err_after);
    printf("soak: %ld processes could exist at once before, %ld after (fork: %ld, %ld)\n", before, after, err_before,
           err_after);
    // At the process limit (EAGAIN) the count is exact; bounded by memory, nearly the same.
    const bool same = err_before == -EAGAIN && err_after == -EAGAIN ? after == before : after * 10 >= before * 9;
    if (before <= 0 || !same) ++sum.failures;
    printf("soak: %ld seconds, %ld rounds, %ld forks, %ld pipe messages: %s\n", seconds, sum.rounds, sum.forks,
           sum.messages, sum.failures ? "FAILED" : "ok");
    return sum.failures ? 1 : 0;
}
