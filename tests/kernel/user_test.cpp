// Kernel suite `user`: user programs run from inside the kernel, so the kernel can check what no
// program can see: after a fork bomb and a system-call fuzzer every frame and heap byte is back.
#include "kernel/kernel_stack.h"
#include "kernel/ktest.h"
#include "kernel/memory.h"
#include "kernel/process.h"
#include "sched/scheduler.h"

namespace {

struct Snapshot {
    std::size_t frames, heap_bytes, tasks, processes;
    static Snapshot take() {
        kernel::kernel_stack_drain_cache();
        kernel::memory::drain_frame_cache();
        const auto s = kernel::memory::stats();
        return {s.free_frames + s.heap_pages, s.heap_bytes_in_use, sched::task_count(), kernel::process_count()};
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

}  // namespace

KTEST(user, fork_bomb_and_fuzzer_leave_every_frame_behind) {
    const Snapshot before = Snapshot::take();
    // All of test_process but the orphan case (it expects an init to adopt orphans; the kernel has
    // none here); it includes the fork bomb, which stops at the process limit with EAGAIN.
    KT_EXPECT_EQ(run("/bin/test_process", "fork", "wait4", "zombie", "exec", "sigkill"), 0);
    KT_EXPECT_EQ(run("/bin/test_fuzz"), 0);     // thousands of random system calls in children
    KT_EXPECT_EQ(run("/bin/forktree"), 0);
    // Orphans (there is no init here) become the kernel's children: reap them as they finish.
    int status;
    while (kernel::wait_child(nullptr, -1, &status, 0) > 0) {
    }
    sched::yield();
    const Snapshot after = Snapshot::take();
    KT_EXPECT_EQ(after.frames, before.frames);
    KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
    KT_EXPECT_EQ(after.tasks, before.tasks);
    KT_EXPECT_EQ(after.processes, before.processes);
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
