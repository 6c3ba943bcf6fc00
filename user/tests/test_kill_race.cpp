// test_kill_race: kill, fork, exit and wait racing from several processes, bounded by iteration
// counts (never by time), then the system must be whole: every child reaped (ECHILD), no process
// left but init and the test, and as many processes can be created as before.
// Nothing here assumes one CPU: every hand-over between processes goes through a pipe or wait4.
//
// Under qemu-user (a Linux host, as root) a pid range is other programs' pids: the tests that kill
// ranges of pids are skipped there, and the others only kill their own unreaped children.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr long kPage = 4096;

// Forks children that block on a pipe until fork fails (at most `cap`), then kills and reaps them
// all. Returns how many could be created: the same figure before and after a race means no process
// (nor its slot in the kernel's count) leaked. -1 if a child died otherwise or was not reaped.
long fork_capacity() {
    constexpr long kCap = 1024;
    static long pids[kCap];
    int gate[2];
    if (pipe2(gate, 0) != 0) return -1;
    long n = 0;
    for (; n < kCap; ++n) {
        const long pid = fork();
        if (pid == 0) {
            char c;
            read(gate[0], &c, 1);   // blocks until killed: the parent keeps the write end open
            exit_group(0);
        }
        if (pid < 0) break;
        pids[n] = pid;
    }
    // Each must come back exactly once, killed (also one still in its first instructions).
    long reaped = 0, bad = 0;
    for (long i = 0; i < n; ++i) bad += kill(static_cast<int>(pids[i]), SIGKILL) != 0;
    for (;;) {
        int status = 0;
        const long r = wait4(-1, &status, 0);
        if (r < 0) {
            bad += r != -ECHILD;
            break;
        }
        bad += !killed_by(status, SIGKILL);
        ++reaped;
    }
    close(gate[0]);
    close(gate[1]);
    if (bad || reaped != n) {
        note("fork_capacity: forked %ld, reaped %ld, %ld unexpected", n, reaped, bad);
        return -1;
    }
    return n;
}

// True when no process but init and the caller exists (kill(-1, 0) finds nobody). Orphans that
// init has not reaped yet still count, so this retries a bounded number of times, yielding.
bool alone_with_init() {
    for (int i = 0; i < 2000; ++i) {
        if (kill(-1, 0) == -ESRCH) return true;
        sleep_ms(1);
    }
    return false;
}

bool allowed_death(int status) {
    return exited_with(status, 0) || killed_by(status, SIGKILL) || killed_by(status, SIGTERM);
}

// The system is healthy after a race: no child left to reap, nobody else alive, the same capacity.
void check_healthy_after(long capacity_before) {
    int status = 0;
    CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);
    if (getppid() != 1) {   // run from the console rather than as init: other processes may exist
        note("not run as init's child: the process-count checks are skipped");
        return;
    }
    CHECK(alone_with_init());
    const long after = fork_capacity();
    CHECK_EQ(after, capacity_before);
}


constexpr int kRounds = 150;
constexpr int kMaxUnreaped = 40;   // 4 workers x 40 children stay well below the kernel's 256 processes

// One worker of workers_race_kill_fork_exit_and_wait; returns its exit status (0: all well).
// spare_up_to > 0: also kill pids just past the newest child, except the workers (<= spare_up_to).
int race_worker(int w, int gate, int spare_up_to) {
    Rng rng(0x5eed0000u + static_cast<unsigned>(w));
    long mine[kRounds] = {};
    bool reaped[kRounds] = {};
    int unreaped = 0;
    long bad_forks = 0, bad_deaths = 0, bad_waits = 0;
    auto reap = [&](long got, int status) {
        for (int i = 0; i < kRounds; ++i)
            if (mine[i] == got && !reaped[i]) {
                reaped[i] = true;
                --unreaped;
                bad_deaths += !allowed_death(status);
                return;
            }
        ++bad_waits;   // not one of ours, or reaped twice
    };
    for (int r = 0; r < kRounds; ++r) {
        if (unreaped >= kMaxUnreaped) {   // the oldest goes: killed (if it still runs) and reaped
            int i = 0;
            while (reaped[i] || mine[i] <= 0) ++i;
            kill(static_cast<int>(mine[i]), SIGKILL);
            int status = 0;
            const long got = wait4(static_cast<int>(mine[i]), &status, 0);
            reap(got, status);
        }
        const std::uint64_t kind = rng.below(4);
        const long pid = fork();
        if (pid == 0) {
            switch (kind) {
            case 0: exit_group(0);
            case 1:
                for (int y = 0; y < 5; ++y) sched_yield();
                exit_group(0);
            case 2:
                if (fork() == 0) {   // an orphan: init reaps it
                    sched_yield();
                    exit_group(0);
                }
                exit_group(0);
            default: {
                char c;
                read(gate, &c, 1);   // until killed (gate is never written)
                exit_group(0);
            }
            }
        }
        mine[r] = pid;
        if (pid < 0) {
            ++bad_forks;
            continue;
        }
        ++unreaped;
        if (spare_up_to > 0) {   // a few pids at and just past the newest: some are still being forked
            for (int k = 0; k < 3; ++k) {
                const int target = static_cast<int>(pid) + 3 - static_cast<int>(rng.below(8));
                if (target > spare_up_to) kill(target, rng.below(2) ? SIGKILL : SIGTERM);
            }
        }
        const int victim = static_cast<int>(rng.below(static_cast<std::uint64_t>(r) + 1));
        if (mine[victim] > 0 && !reaped[victim]) kill(static_cast<int>(mine[victim]), SIGKILL);
        if (rng.below(3) == 0) {   // reap whatever is ready
            int status = 0;
            const long got = wait4(-1, &status, WNOHANG);
            if (got > 0) reap(got, status);
            else if (got < 0) ++bad_waits;
        }
    }
    // Every child still blocked on the gate is killed, then everything is reaped exactly once.
    for (int r = 0; r < kRounds; ++r)
        if (mine[r] > 0 && !reaped[r]) kill(static_cast<int>(mine[r]), SIGKILL);
    for (int r = 0; r < kRounds; ++r) {
        if (mine[r] <= 0 || reaped[r]) continue;
        int status = 0;
        const long got = wait4(static_cast<int>(mine[r]), &status, 0);
        reap(got, status);
    }
    int status = 0;
    bad_waits += wait4(-1, &status, WNOHANG) != -ECHILD;
    if (bad_forks + bad_deaths + bad_waits + unreaped == 0) return 0;
    note("worker %d: %ld forks failed, %ld unexpected deaths, %ld unexpected waits, %d unreaped", w, bad_forks,
         bad_deaths, bad_waits, unreaped);
    return 1;
}

}  // namespace

// The probe that panicked the kernel: a child sends SIGKILL to pid+1..pid+399 over and over while its
// parent forks a process with a 96 MiB address space in a loop, so kills land on processes that
// fork is still creating (pid allocated, address space being copied, task not started yet), on
// children touching their copy-on-write pages, exiting, and on zombies.
UTEST_TIMEOUT(sigkill_storm_over_pids_that_fork_is_creating, 300000) {
    if (qemu_user()) {
        note("skipped under qemu-user: it kills a range of pids, which on a host are other programs");
        return;
    }
    const long capacity = getppid() == 1 ? fork_capacity() : -1;
    REQUIRE(getppid() != 1 || capacity > 0);
    constexpr long kLen = 96l << 20;
    const long area = mmap(nullptr, kLen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(area));
    auto* mem = reinterpret_cast<volatile char*>(area);
    for (long off = 0; off < kLen; off += kPage) mem[off] = 1;   // every page present: fork copies 96 MiB of PTEs

    int ready[2];
    REQUIRE(pipe2(ready, 0) == 0);
    const long killer = fork();
    REQUIRE(killer >= 0);
    if (killer == 0) {
        const int me = static_cast<int>(getpid());
        write(ready[1], "k", 1);
        // Bounded: the parent kills us once its forks are done; this only stops a runaway.
        for (int round = 0; round < 200000; ++round)
            for (int k = 1; k <= 399; ++k) kill(me + k, SIGKILL);
        exit_group(0);
    }
    char c;
    REQUIRE(read(ready[0], &c, 1) == 1);
    constexpr int kForks = 150;   // pids killer+1..killer+150: inside the killer's range
    long forked = 0, bad = 0, exited = 0, killed = 0;
    for (int i = 0; i < kForks; ++i) {
        const long pid = fork();
        if (pid == 0) {
            switch (i % 3) {
            case 0: exit_group(0);
            case 1:   // copy-on-write faults while the kills arrive
                for (long off = 0; off < 64 * kPage; off += kPage) mem[off] = 2;
                exit_group(0);
            default:
                for (int y = 0; y < 20; ++y) sched_yield();
                exit_group(0);
            }
        }
        if (pid < 0) {
            ++bad;
            note("fork %d failed: %ld", i, pid);
            continue;
        }
        ++forked;
        int status = 0;
        if (wait4(static_cast<int>(pid), &status, 0) != pid) ++bad;
        else if (exited_with(status, 0)) ++exited;
        else if (killed_by(status, SIGKILL)) ++killed;
        else ++bad;
    }
    CHECK_EQ(kill(static_cast<int>(killer), SIGKILL), 0l);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(killer), &status, 0), killer);
    CHECK(killed_by(status, SIGKILL) || exited_with(status, 0));
    note("%ld forks of a 96 MiB process: %ld exited, %ld killed", forked, exited, killed);
    CHECK_EQ(forked, static_cast<long>(kForks));
    CHECK_EQ(bad, 0l);
    for (long off = 0; off < kLen; off += 1024 * kPage) CHECK_EQ(mem[off], 1);   // the children's writes stayed theirs
    munmap(reinterpret_cast<void*>(area), kLen);
    close(ready[0]);
    close(ready[1]);
    if (capacity > 0) check_healthy_after(capacity);
}

// Several workers fork, exit, wait and kill at once: each forks children that exit at once, exit
// after yielding, leave an orphan behind (re-parented to init), or block until killed; and each
// kills pids near the newest ones (which may be another worker's children being created, running,
// exiting or zombies) and its own blocked children, then reaps everything it has.
UTEST_TIMEOUT(workers_race_kill_fork_exit_and_wait, 300000) {
    const bool ranges = !qemu_user();
    const long capacity = ranges && getppid() == 1 ? fork_capacity() : -1;
    REQUIRE(!ranges || getppid() != 1 || capacity > 0);
    constexpr int kWorkers = 4;
    int gate[2], start[2];
    REQUIRE(pipe2(gate, 0) == 0);   // never written: children blocked on it wait to be killed
    REQUIRE(pipe2(start, 0) == 0);  // the workers start together, once all exist
    long workers[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        workers[w] = fork();
        REQUIRE(workers[w] >= 0);
        if (workers[w] != 0) continue;
        close(gate[1]);
        close(start[1]);
        char go;
        if (read(start[0], &go, 1) != 1) exit_group(2);
        // The workers' pids follow each other (checked below): the range kills spare them all.
        const int last_worker = static_cast<int>(w == 0 ? getpid() : workers[0]) + kWorkers - 1;
        exit_group(race_worker(w, gate[0], ranges ? last_worker : 0));
    }
    // No other process was created meanwhile, so the workers' pids follow each other, which the
    // range kills rely on to spare them (they would otherwise end a worker and fail the test).
    for (int w = 0; w < kWorkers; ++w) CHECK(!ranges || workers[w] == workers[0] + w);
    if (current_failed()) {
        for (int w = 0; w < kWorkers; ++w) kill(static_cast<int>(workers[w]), SIGKILL);
    }
    write(start[1], "gggg", kWorkers);
    close(start[0]);
    close(start[1]);
    close(gate[0]);
    close(gate[1]);
    for (int w = 0; w < kWorkers; ++w) {
        int status = 0;
        CHECK_EQ(wait4(static_cast<int>(workers[w]), &status, 0), workers[w]);
        if (!exited_with(status, 0)) note("worker %d: %s", w, describe_status(status));
        CHECK(exited_with(status, 0));
    }
    if (capacity > 0) check_healthy_after(capacity);
    else {
        int status = 0;
        CHECK_EQ(wait4(-1, &status, WNOHANG), -ECHILD);
    }
}
