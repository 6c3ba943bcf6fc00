// Kernel suite `user`: user programs run from inside the kernel, so the kernel can check what no
// program can see: after a fork bomb and a system-call fuzzer every frame and heap byte is back.
#include "hal/timer.h"
#include "kernel/kernel_stack.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/fs/rootfs.h"
#include "kernel/memory.h"
#include "kernel/process/process.h"
#include "sched/scheduler.h"

namespace {

struct Snapshot {
    std::size_t frames, heap_bytes, tasks, processes;
    static Snapshot take() {
        kernel::kernel_stack_drain_cache();
        kernel::memory::drain_frame_cache();
        const auto s = kernel::memory::stats();
        // execmap: the initramfs's page cache counts as free (a program's first exec fills it for good).
        return {s.free_frames + s.heap_pages + kernel::fs::RootFs::cached_pages(), s.heap_bytes_in_use,
                sched::task_count(), kernel::process_count()};
    }
};

// Runs a program to completion as a child of the kernel; returns its wait status (or -1).
// Extra arguments select test cases (the user test runner's name filters).
int run(const char* path, const char* f1 = nullptr, const char* f2 = nullptr, const char* f3 = nullptr,
        const char* f4 = nullptr, const char* f5 = nullptr) {
    const char* argv[] = {path, f1, f2, f3, f4, f5, nullptr};
    const char* envp[] = {"HOME=/", nullptr};
    auto p = kernel::spawn_process(path, argv, envp, nullptr);
    if (!p.ok()) return -1;
    const int pid = p.value()->pid;
    int status = -1;
    if (kernel::wait_child(nullptr, pid, &status, 0) != pid) return -1;
    return status;
}

// Processes a test did not start are not its own: typed at the console (`test user`), the monitor's
// background jobs are the kernel's children too. A test waits only for the pids it started and for
// kernel children with a pid above the highest at its start (its programs' orphans: with no init
// they become the kernel's), and it counts memory again when one of the others ended meanwhile.
int highest_pid() {
    int highest = 0;
    kernel::for_each_process([](const kernel::Process& p, void* ctx) {
        int& h = *static_cast<int*>(ctx);
        if (p.pid > h) h = p.pid;
    }, &highest);
    return highest;
}

void reap_orphans_above(int boundary) {
    struct Search {
        int boundary, found;
    };
    for (;;) {
        Search s{boundary, 0};
        kernel::for_each_process([](const kernel::Process& p, void* ctx) {
            auto& s = *static_cast<Search*>(ctx);
            if (!s.found && !p.parent && p.pid > s.boundary) s.found = p.pid;
        }, &s);
        if (!s.found) return;
        int status;
        (void)kernel::wait_child(nullptr, s.found, &status, 0);
    }
}

// Which of the processes up to `boundary` exist and which have ended (a hash of the pairs).
std::uint64_t others_state(int boundary) {
    struct State {
        int boundary;
        std::uint64_t hash;
    } st{boundary, 0};
    kernel::for_each_process([](const kernel::Process& p, void* ctx) {
        auto& st = *static_cast<State*>(ctx);
        if (p.pid <= st.boundary) st.hash = st.hash * 1000003 + static_cast<std::uint64_t>(p.pid) * 2 + p.zombie;
    }, &st);
    return st.hash;
}

// Runs workload() and checks that every frame, heap byte, task and process it used is back. A
// process the test did not start that ends meanwhile frees its memory too: then the check is made
// again (three tries) rather than blamed on the workload.
template <typename Workload>
void expect_everything_back(kernel::ktest::Context& kt, Workload workload) {
    for (int attempt = 1;; ++attempt) {
        const int boundary = highest_pid();
        const std::uint64_t others = others_state(boundary);
        const Snapshot before = Snapshot::take();
        workload();
        reap_orphans_above(boundary);
        sched::yield();
        const Snapshot after = Snapshot::take();
        if (others_state(boundary) != others && attempt < 3) {
            kernel::kprintf("    a process the test did not start ended meanwhile: measuring again\n");
            continue;
        }
        KT_EXPECT_EQ(after.frames, before.frames);
        KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
        KT_EXPECT_EQ(after.tasks, before.tasks);
        KT_EXPECT_EQ(after.processes, before.processes);
        return;
    }
}

}  // namespace

KTEST(user, fork_bomb_and_fuzzer_leave_every_frame_behind) {
    expect_everything_back(kt, [&] {
        // All of test_process but the orphan case (it expects an init to adopt orphans; the kernel has
        // none here); it includes the fork bomb, which stops at the process limit with EAGAIN.
        KT_EXPECT_EQ(run("/bin/test_process", "fork", "wait4", "zombie", "exec", "sigkill"), 0);
        KT_EXPECT_EQ(run("/bin/test_fuzz"), 0);     // thousands of random system calls in children
        KT_EXPECT_EQ(run("/bin/forktree"), 0);
    });
}

// fmmap: file mappings (shared, private, forked, truncated under the map, unlinked while mapped)
// give back every frame once the maps and the files are gone: a file's page goes with its last user.
KTEST(user, file_mappings_leave_every_frame_behind) {
    auto suite = [&] {
        KT_EXPECT_EQ(run("/bin/test_mmap_file", "shared_map", "two_processes", "private", "munmap", "past_the_end"), 0);
        KT_EXPECT_EQ(run("/bin/test_mmap_file", "truncated", "outlives", "msync", "errors", "exec_drops"), 0);
    };
    // Once before counting: the initramfs keeps the pages mmap asked of a program file (its page
    // cache), and /tmp's directory keeps the room its first files took.
    suite();
    expect_everything_back(kt, suite);
}

// As `run /bin/spin &` and `run /bin/sleep 20 &` at the console, then `test user`: the test must not
// wait for the endless job (it never ends), reap the other one (the console reports it) or count
// what either holds or frees.
KTEST(user, processes_the_test_did_not_start_are_neither_reaped_nor_counted) {
    const char* spin_argv[] = {"spin", nullptr};
    const char* sleep_argv[] = {"sleep", "20", nullptr};
    const char* envp[] = {nullptr};
    auto spin = kernel::spawn_process("/bin/spin", spin_argv, envp, nullptr);
    KT_ASSERT(spin.ok());
    const int spin_pid = spin.value()->pid;
    auto sleeper = kernel::spawn_process("/bin/sleep", sleep_argv, envp, nullptr);
    KT_ASSERT(sleeper.ok());
    const int sleep_pid = sleeper.value()->pid;
    // With several CPUs both start at once on other CPUs, and their start-up (page faults, the first
    // system calls) would land inside the measurement: wait until sleep (20 ms) sleeps or has exited
    // and spin has run a few ticks in its loop. Neither is reaped before the test waits for it, so
    // their tasks stay.
    const std::uint64_t spin_task = spin.value()->task->id, sleep_task = sleeper.value()->task->id;
    const std::uint64_t give_up = hal::timer::uptime_ns() + kernel::ktest::kHangGuardNs;
    for (;;) {
        auto a = sched::task_info(spin_task), b = sched::task_info(sleep_task);
        KT_ASSERT(a.ok() && b.ok());
        const sched::TaskState sleeping = b.value().state;
        if (a.value().ticks >= 3 && (sleeping == sched::TaskState::Blocked || sleeping == sched::TaskState::Zombie)) break;
        KT_ASSERT(hal::timer::uptime_ns() < give_up);
        sched::sleep_ns(1'000'000);
    }

    expect_everything_back(kt, [&] {
        KT_EXPECT_EQ(run("/bin/forktree", "2"), 0);
        KT_EXPECT_EQ(run("/bin/hello"), 0);
    });

    KT_EXPECT(kernel::process_exists(spin_pid));  // not reaped
    int status = -1;
    KT_EXPECT_EQ(kernel::wait_child(nullptr, sleep_pid, &status, 0), sleep_pid);  // still ours to reap
    KT_EXPECT_EQ(status, 0);
    KT_EXPECT_EQ(kernel::sys_kill(spin_pid, 15), 0);
    KT_EXPECT_EQ(kernel::wait_child(nullptr, spin_pid, &status, 0), spin_pid);
    KT_EXPECT_EQ(status, 15);  // killed by SIGTERM
}

KTEST(user, a_missing_or_invalid_program_is_refused_cleanly) {
    const Snapshot before = Snapshot::take();
    const char* argv[] = {"x", nullptr};
    KT_EXPECT(!kernel::spawn_process("/bin/does-not-exist", argv, argv + 1, nullptr).ok());
    KT_EXPECT(!kernel::spawn_process("/bin/notelf", argv, argv + 1, nullptr).ok());
    KT_EXPECT(!kernel::spawn_process("/bin", argv, argv + 1, nullptr).ok());
    const Snapshot after = Snapshot::take();
    KT_EXPECT_EQ(after.frames, before.frames);
    KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
}
