// test_process: process life cycle. fork, wait4 and its status encoding, WNOHANG, ECHILD, zombies,
// orphans re-parented to pid 1, execve (argv/envp, ENOENT, ENOEXEC, EFAULT), SIGKILL of sleeping,
// blocked and spinning children, and a fork bomb the kernel must bound.
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kKernelPtr = reinterpret_cast<const char*>(kKernelAddress);
const auto kLowPtr = reinterpret_cast<const char*>(kUnmappedUserAddress);

// Reads until end of file (or the buffer is full); returns the length, the buffer NUL-terminated.
std::size_t read_all(int fd, char* buf, std::size_t size) {
    std::size_t len = 0;
    while (len + 1 < size) {
        const long r = read(fd, buf + len, size - 1 - len);
        if (r <= 0) break;
        len += static_cast<std::size_t>(r);
    }
    buf[len] = '\0';
    // Drain the rest so a writer never blocks on a full pipe.
    char sink[256];
    while (read(fd, sink, sizeof sink) > 0) {
    }
    return len;
}

int s_global = 1234;

}  // namespace

UTEST(fork_returns_zero_in_child_and_pid_in_parent) {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0);
    const long parent = getpid();
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const long ids[2] = {getpid(), getppid()};
        write(p[1], ids, sizeof ids);
        exit_group(0);
    }
    CHECK(pid > 0 && pid != parent);
    long ids[2] = {};
    CHECK(read_exact(p[0], ids, sizeof ids));
    CHECK_EQ(ids[0], pid);
    CHECK_EQ(ids[1], parent);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK_EQ(status, 0);
    close(p[0]);
    close(p[1]);
}

UTEST(fork_copies_the_address_space) {
    int local = 77;
    const long heap = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(heap));
    auto* mem = reinterpret_cast<int*>(heap);
    *mem = 5;
    s_global = 1234;
    const int st = in_child([&] {
        CHECK_EQ(s_global, 1234);   // the child starts with the parent's values...
        CHECK_EQ(local, 77);
        CHECK_EQ(*mem, 5);
        s_global = 1, local = 2, *mem = 3;   // ...and its writes stay its own
        CHECK(s_global == 1 && local == 2 && *mem == 3);
    });
    CHECK(exited_with(st, 0));
    CHECK_EQ(s_global, 1234);
    CHECK_EQ(local, 77);
    CHECK_EQ(*mem, 5);
    munmap(mem, 4096);
}

UTEST(wait4_encodes_exit_codes) {
    for (int code : {0, 1, 42, 128, 255}) {
        const long pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) exit_group(code);
        int status = -1;
        CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
        CHECK_EQ(status, code << 8);
        CHECK(wifexited(status) && !wifsignaled(status));
        CHECK_EQ(wexitstatus(status), code);
    }
}

UTEST(wait4_reports_death_by_sigkill) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (;;) sched_yield();
    }
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK_EQ(status, SIGKILL);   // no exit code, no core dump bit
    CHECK(wifsignaled(status) && !wifexited(status));
    CHECK_EQ(wtermsig(status), SIGKILL);
}

UTEST(wait4_wnohang_does_not_block) {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        exit_group(read(p[0], &c, 1) == 1 ? 9 : 1);   // blocks until the parent writes
    }
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);
    CHECK_EQ(wait4(-1, &status, WNOHANG), 0l);
    CHECK_EQ(write(p[1], "x", 1), 1l);
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(exited_with(status, 9));
    close(p[0]);
    close(p[1]);
}

UTEST(wait4_without_children_is_echild) {
    int status = 0;
    CHECK_EQ(wait4(-1, &status, 0), -ECHILD);
    CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);
    CHECK_EQ(wait4(1, &status, 0), -ECHILD);   // pid 1 exists but is not our child
    CHECK_EQ(wait4(static_cast<int>(getppid()), &status, 0), -ECHILD);
    CHECK_EQ(wait4(0x3ffffff0, &status, 0), -ECHILD);
}

UTEST(zombie_is_collected_exactly_once) {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(3);   // its copy of the write end closes as it exits
    close(p[1]);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 0l);   // the child is exiting or a zombie now
    CHECK_EQ(kill(static_cast<int>(pid), 0), 0l);   // a zombie still exists until it is reaped
    Rlimit lim{};
    CHECK_EQ(prlimit64(static_cast<int>(pid), RLIMIT_NOFILE, nullptr, &lim), 0l);   // as Linux's lookup sees it
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(exited_with(status, 3));
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), -ECHILD);
    CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);
    CHECK_EQ(kill(static_cast<int>(pid), 0), -ESRCH);
    CHECK_EQ(prlimit64(static_cast<int>(pid), RLIMIT_NOFILE, nullptr, &lim), -ESRCH);
    close(p[0]);
}

UTEST(wait4_any_collects_every_child_once) {
    constexpr int kChildren = 6;
    long pids[kChildren];
    for (int i = 0; i < kChildren; ++i) {
        pids[i] = fork();
        REQUIRE(pids[i] >= 0);
        if (pids[i] == 0) exit_group(10 + i);
    }
    bool seen[kChildren] = {};
    for (int n = 0; n < kChildren; ++n) {
        int status = -1;
        const long r = wait4(-1, &status, 0);
        int i = 0;
        while (i < kChildren && pids[i] != r) ++i;
        REQUIRE(i < kChildren);
        CHECK(!seen[i]);
        seen[i] = true;
        CHECK(exited_with(status, 10 + i));
    }
    int status;
    CHECK_EQ(wait4(-1, &status, 0), -ECHILD);
}

UTEST(wait4_pid_waits_for_that_child_only) {
    const long quick = fork();
    REQUIRE(quick >= 0);
    if (quick == 0) exit_group(1);
    const long slow = fork();
    REQUIRE(slow >= 0);
    if (slow == 0) {
        sleep_ms(50);
        exit_group(2);
    }
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(slow), &status, 0), slow);
    CHECK(exited_with(status, 2));
    CHECK_EQ(wait4(-1, &status, 0), quick);
    CHECK(exited_with(status, 1));
}

UTEST(orphan_is_reparented_to_init) {
    int report[2], started[2];
    REQUIRE(pipe2(report, 0) == 0);
    REQUIRE(pipe2(started, 0) == 0);
    const long middle = fork();
    REQUIRE(middle >= 0);
    if (middle == 0) {
        const long grandchild = fork();
        if (grandchild == 0) {
            const long first = getppid();
            const char one = 1;
            write(started[1], &one, 1);  // the middle exits only after we saw it as our parent
            // Wait (up to ~5 s) for the middle process to exit and for us to be handed to init.
            long now = first;
            for (int i = 0; i < 500 && now == first; ++i) {
                sleep_ms(10);
                now = getppid();
            }
            const long ids[2] = {first, now};
            write(report[1], ids, sizeof ids);
            exit_group(0);
        }
        char byte;
        if (grandchild > 0) read_exact(started[0], &byte, 1);
        exit_group(grandchild > 0 ? 0 : 1);
    }
    close(report[1]);
    close(started[0]);
    close(started[1]);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(middle), &status, 0), middle);
    CHECK(exited_with(status, 0));
    long ids[2] = {};
    CHECK(read_exact(report[0], ids, sizeof ids));
    CHECK_EQ(ids[0], middle);
    CHECK_EQ(ids[1], 1l);
    CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);   // the grandchild was never ours
    close(report[0]);
}

UTEST(execve_runs_hello_with_argv_and_envp) {
    int out[2];
    REQUIRE(pipe2(out, 0) == 0);
    const long parent = getpid();
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup3(out[1], kStdout, 0);
        close(out[0]);
        close(out[1]);
        const char* argv[] = {"hello", "one", "two words", nullptr};
        const char* envp[] = {"FOO=bar", "X=1", nullptr};
        const long r = execve(path("/bin/hello"), argv, envp);
        exit_group(static_cast<int>(100 - r));   // only reached if execve failed
    }
    close(out[1]);
    char buf[2048];
    read_all(out[0], buf, sizeof buf);
    close(out[0]);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(exited_with(status, 0));
    CHECK(str_find(buf, "hello from user space\n"));
    CHECK(str_find(buf, "argc=3\n"));
    CHECK(str_find(buf, "argv[0]=hello\n"));
    CHECK(str_find(buf, "argv[1]=one\n"));
    CHECK(str_find(buf, "argv[2]=two words\n"));
    // qemu-user's loader passes the environment in reverse order; Linux keeps it.
    if (qemu_user()) {
        CHECK(str_find(buf, "=FOO=bar\n") && str_find(buf, "=X=1\n"));
    } else {
        CHECK(str_find(buf, "envp[0]=FOO=bar\n"));
        CHECK(str_find(buf, "envp[1]=X=1\n"));
    }
    CHECK(!str_find(buf, "envp[2]"));
    char ids[64];
    snprintf(ids, sizeof ids, "pid=%ld ppid=%ld\n", pid, parent);   // execve keeps the pid
    CHECK(str_find(buf, ids));
    CHECK(str_find(buf, "pagesz=4096"));
    if (current_failed()) printf("    output was:\n%s", buf);
}

// O_CLOEXEC descriptors (pipe2, dup3) close at execve, the others stay open. The child execs a
// long sleep holding both pipes' write ends: the cloexec pipe reads EOF while the child sleeps, the
// other one only after the child is killed.
UTEST(execve_closes_cloexec_descriptors_only) {
    int closing[2], kept[2];
    REQUIRE(pipe2(closing, O_CLOEXEC) == 0);
    REQUIRE(pipe2(kept, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        CHECK_EQ(dup3(kept[1], 20, O_CLOEXEC), 20l);  // a cloexec copy; kept[1] itself stays
        const char* argv[] = {"sleep", "60000", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/sleep"), argv, envp)));
    }
    close(closing[1]);
    close(kept[1]);
    char c;
    CHECK_EQ(read(closing[0], &c, 1), 0l);           // EOF: the exec closed the child's copy
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);  // and the child is still asleep
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    CHECK_EQ(read(kept[0], &c, 1), 0l);              // EOF only once the child is gone
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
    close(closing[0]);
    close(kept[0]);
}

UTEST(execve_errors_leave_the_caller_running) {
    const char* argv[] = {"x", nullptr};
    const char* envp[] = {nullptr};
    CHECK_EQ(execve(path("/bin/no-such-program"), argv, envp), -ENOENT);
    CHECK_EQ(execve(path("/no-such-dir/x"), argv, envp), -ENOENT);
    CHECK_EQ(execve(path("/bin/notelf"), argv, envp), -ENOEXEC);   // mode 0755 text without #!
    CHECK_EQ(execve(path("/bin"), argv, envp), -EACCES);            // a directory
    CHECK_EQ(execve(kKernelPtr, argv, envp), -EFAULT);
    CHECK_EQ(execve(kLowPtr, argv, envp), -EFAULT);
    CHECK_EQ(execve("", argv, envp), -ENOENT);
    CHECK_EQ(getpid(), getpid());   // still here, still working
}

UTEST(exec_forktree_runs_to_completion) {
    int out[2];
    REQUIRE(pipe2(out, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup3(out[1], kStdout, 0);
        close(out[0]);
        close(out[1]);
        const char* argv[] = {"forktree", "3", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/forktree"), argv, envp)));
    }
    close(out[1]);
    char buf[4096];
    read_all(out[0], buf, sizeof buf);
    close(out[0]);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(exited_with(status, 0));
    CHECK(str_find(buf, "forktree: 15 of 15 processes ran, ok"));
}

UTEST(sigkill_ends_a_sleeping_child) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        sleep_ms(10000);
        exit_group(0);
    }
    sleep_ms(20);
    const std::uint64_t t0 = monotonic_ns();
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
    CHECK(monotonic_ns() - t0 < 5000000000ull);   // woken, not slept out
}

UTEST(sigkill_ends_a_child_blocked_in_read) {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        read(p[0], &c, 1);
        exit_group(0);
    }
    sleep_ms(20);
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
    close(p[0]);
    close(p[1]);
}

UTEST(sigkill_ends_a_spinning_child) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        volatile unsigned long spins = 0;
        for (;;) spins = spins + 1;
    }
    sleep_ms(20);   // on one CPU, only preemption brings us back here
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
}

// kill(2)'s pids as on Linux. Process groups do not exist here yet (each process is its own), so
// the children that test them call setpgid(0, 0) first, which makes the two systems agree.
namespace {
constexpr long kSysSetpgid = 154;
constexpr int kIntMin = -2147483647 - 1;
long blocked_child(const Pipe& gate, const Pipe& ready) {   // setpgid(0, 0), a byte to ready, blocks
    const long pid = fork();
    if (pid == 0) {
        syscall6(kSysSetpgid, 0, 0);   // -ENOSYS here, which changes nothing: the group is the process
        write(ready.w, "r", 1);
        char c;
        read(gate.r, &c, 1);
        exit_group(0);
    }
    char c;
    if (pid > 0 && read(ready.r, &c, 1) != 1) return -1;
    return pid;
}
}  // namespace

UTEST(kill_looks_up_the_target_before_the_signal_number) {
    const int me = static_cast<int>(getpid());
    CHECK_EQ(kill(me, 65), -EINVAL);
    CHECK_EQ(kill(me, -1), -EINVAL);
    CHECK_EQ(kill(0, 65), -EINVAL);
    CHECK_EQ(kill(0x3fffffff, 65), -ESRCH);   // no such process: ESRCH whatever the signal
    CHECK_EQ(kill(-0x3fffffff, 0), -ESRCH);   // no such group
    CHECK_EQ(kill(kIntMin, 0), -ESRCH);       // -INT_MIN is no pid
    CHECK_EQ(kill(kIntMin, SIGKILL), -ESRCH);
    CHECK_EQ(kill(0, 0), 0l);
    Pipe gate, ready;
    REQUIRE(gate.ok() && ready.ok());
    const long pid = blocked_child(gate, ready);
    REQUIRE(pid > 0);
    CHECK_EQ(kill(-1, 0), 0l);       // someone may be signalled (the child at least)
    CHECK_EQ(kill(-1, 65), -EINVAL);
    CHECK_EQ(kill(static_cast<int>(-pid), 0), 0l);   // the child's group
    CHECK_EQ(kill(static_cast<int>(-pid), SIGKILL), 0l);
    CHECK(killed_by(wait_child(pid), SIGKILL));
    CHECK_EQ(kill(static_cast<int>(-pid), 0), -ESRCH);
}

UTEST(kill_zero_signals_the_callers_own_group) {
    const int st = in_child([] {
        syscall6(kSysSetpgid, 0, 0);   // a group of its own (Linux); here each process is one
        kill(0, SIGTERM);
        exit_group(3);   // not reached
    });
    CHECK(killed_by(st, SIGTERM));
}

// kill(-1) reaches everyone but init and the caller: on a host that is every program of the user, so
// only under this kernel, where the test's parent is init.
UTEST(kill_minus_one_signals_everyone_but_init_and_the_caller) {
    if (qemu_user() || getppid() != 1) {
        note("skipped: only as init's child under this kernel (on a host it would signal every program)");
        return;
    }
    Pipe gate, ready;
    REQUIRE(gate.ok() && ready.ok());
    long pids[3];
    for (long& pid : pids) REQUIRE((pid = blocked_child(gate, ready)) > 0);
    CHECK_EQ(kill(-1, SIGKILL), 0l);
    for (long pid : pids) CHECK(killed_by(wait_child(pid), SIGKILL));
    CHECK_EQ(kill(1, 0), 0l);   // init was spared (and so were we)
    // Nobody is left but init and us, once init has reaped the orphans earlier tests left.
    long r = 0;
    for (int i = 0; i < 2000 && (r = kill(-1, 0)) != -ESRCH; ++i) sleep_ms(1);
    CHECK_EQ(r, -ESRCH);
    CHECK_EQ(kill(-1, SIGKILL), -ESRCH);
}

// Linux never lets a signal with the default action end init (there are no handlers here, so that is
// every signal), whoever sends it. If init died here, the suite (init itself) would stop.
UTEST(init_ignores_signals_from_other_processes) {
    if (qemu_user()) {
        note("skipped under qemu-user: pid 1 is the host's init");
        return;
    }
    const int st = in_child([] {
        for (int sig : {SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGSEGV}) CHECK_EQ(kill(1, sig), 0l);
        CHECK_EQ(tkill(1, SIGABRT), 0l);
        CHECK_EQ(tgkill(1, 1, SIGKILL), 0l);
        CHECK_EQ(kill(1, 65), -EINVAL);
        for (int i = 0; i < 20; ++i) sched_yield();   // let init run to EL0, where a kill would act
        CHECK_EQ(kill(1, 0), 0l);
    });
    CHECK(exited_with(st, 0));
    CHECK_EQ(kill(1, 0), 0l);
}

// Only as pid 1 (`init=/bin/test_process --inline init_ignores`, a CTest of its own); the runner then
// goes on to print this test's result, which it could not do had a signal ended it.
UTEST(init_ignores_signals_it_sends_itself) {
    if (qemu_user() || getpid() != 1) {
        note("skipped: runs as pid 1 only (init=/bin/test_process --inline init_ignores)");
        return;
    }
    for (int sig : {SIGTERM, SIGINT, SIGKILL}) {
        CHECK_EQ(kill(1, sig), 0l);
        CHECK_EQ(kill(0, sig), 0l);
        CHECK_EQ(kill(-1, sig), -ESRCH);   // nobody but init, which is the caller
        CHECK_EQ(tkill(1, sig), 0l);
        sched_yield();
    }
}

UTEST_TIMEOUT(many_sequential_forks_succeed, 60000) {
    for (int i = 0; i < 500; ++i) {
        const long pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) exit_group(i & 0x7f);
        int status = -1;
        REQUIRE(wait4(static_cast<int>(pid), &status, 0) == pid);
        CHECK(exited_with(status, i & 0x7f));
        if (current_failed()) return;
    }
}

// Forks children that block on a pipe until fork fails. The kernel must say EAGAIN or ENOMEM before
// kForkCap children (UTEST_FORK_LIMIT=N lowers the cap, and then reaching it is accepted: on a Linux
// host as root nothing bounds the processes, so the qemu-user run sets it). Then every child is
// killed and reaped, and fork must work again.
UTEST_TIMEOUT(fork_bomb_is_bounded_and_recovers, 120000) {
    long cap = 4096;
    const char* env = getenv("UTEST_FORK_LIMIT");
    const bool capped = env && parse_long(env, &cap) && cap > 0;
    if (!capped) cap = 4096;
    const long len = ((cap * static_cast<long>(sizeof(long))) + 4095) & ~4095l;
    const long area = mmap(nullptr, static_cast<std::size_t>(len), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(area));
    auto* pids = reinterpret_cast<long*>(area);
    int gate[2], alive[2];
    REQUIRE(pipe2(gate, 0) == 0);
    REQUIRE(pipe2(alive, 0) == 0);
    long n = 0, err = 0;
    while (n < cap) {
        const long pid = fork();
        if (pid == 0) {
            char c = 'a';
            write(alive[1], &c, 1);  // every child runs (and gets an ASID) while all are alive
            read(gate[0], &c, 1);    // blocks until killed (the write end stays open in the parent)
            exit_group(0);
        }
        if (pid < 0) {
            err = pid;
            break;
        }
        pids[n++] = pid;
    }
    note("forked %ld children, then fork returned %ld", n, err);
    if (err) CHECK(err == -EAGAIN || err == -ENOMEM);
    else CHECK(capped);   // not bounded within the cap
    CHECK(n > 0);
    long started = 0;
    char buf[256];
    while (started < n) {
        const long r = read(alive[0], buf, static_cast<std::size_t>(n - started < 256 ? n - started : 256));
        if (r <= 0) break;
        started += r;
    }
    CHECK_EQ(started, n);
    long kill_failures = 0, reaped = 0, other_deaths = 0;   // counted: thousands of CHECK lines help nobody
    for (long i = 0; i < n; ++i) kill_failures += kill(static_cast<int>(pids[i]), SIGKILL) != 0;
    for (;;) {
        int status = 0;
        const long r = wait4(-1, &status, 0);
        if (r < 0) {
            CHECK_EQ(r, -ECHILD);
            break;
        }
        other_deaths += !killed_by(status, SIGKILL);
        ++reaped;
    }
    CHECK_EQ(kill_failures, 0l);
    CHECK_EQ(other_deaths, 0l);
    CHECK_EQ(reaped, n);
    close(gate[0]);
    close(gate[1]);
    close(alive[0]);
    close(alive[1]);
    munmap(pids, static_cast<std::size_t>(len));
    // Everything is released again: fork, exec and exit work.
    CHECK(exited_with(in_child([] { exit_group(7); }), 7));
    const int st = in_child([] {
        const char* argv[] = {"sleep", "1", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/sleep"), argv, envp)));
    });
    CHECK(exited_with(st, 0));
}
