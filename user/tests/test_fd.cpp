// test_fd: the descriptor table. Descriptors anywhere below RLIMIT_NOFILE (dup2(0, 100), 1000),
// the limit's errors for dup3 (EBADF), F_DUPFD (EINVAL) and running out (EMFILE), close-on-exec for
// descriptors past 64, prlimit64 on RLIMIT_NOFILE (defaults, lowering, raising, who may, inherited by
// fork, set from another process) and close_range.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

Rlimit nofile() {
    Rlimit r{0, 0};
    prlimit64(0, RLIMIT_NOFILE, nullptr, &r);
    return r;
}

// Puts the soft limit back where it was when the test ends.
struct RestoreNofile {
    Rlimit saved = nofile();
    ~RestoreNofile() { prlimit64(0, RLIMIT_NOFILE, &saved, nullptr); }
};

}  // namespace

UTEST(dup2_to_a_high_descriptor_works) {
    CHECK_EQ(dup3(kStdout, 100, 0), 100l);
    CHECK_EQ(fcntl(100, F_GETFD), 0l);
    CHECK_EQ(write(100, "", 0), 0l);
    Stat a, b;
    CHECK_EQ(fstat(100, &a), 0l);
    CHECK_EQ(fstat(kStdout, &b), 0l);
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    CHECK_EQ(close(100), 0l);
    CHECK_EQ(close(100), -EBADF);
    CHECK_EQ(fcntl(100, F_GETFD), -EBADF);
}

UTEST(descriptors_up_to_the_soft_limit) {
    const Rlimit r = nofile();
    REQUIRE(r.rlim_cur >= 64 && r.rlim_cur <= (1ul << 20));
    const int top = static_cast<int>(r.rlim_cur) - 1;
    CHECK_EQ(dup3(kStdout, top, 0), static_cast<long>(top));
    CHECK_EQ(dup3(kStdout, top + 1, 0), -EBADF);          // at the limit: EBADF
    CHECK_EQ(fcntl(kStdout, F_DUPFD, static_cast<long>(top) + 1), -EINVAL);
    CHECK_EQ(fcntl(kStdout, F_DUPFD, static_cast<long>(top)), -EMFILE);   // the only one left is taken
    CHECK_EQ(close(top), 0l);
    CHECK_EQ(fcntl(kStdout, F_DUPFD, static_cast<long>(top)), static_cast<long>(top));
    CHECK_EQ(close(top), 0l);
    CHECK_EQ(dup3(kStdout, -1, 0), -EBADF);
}

UTEST(running_out_of_descriptors_is_emfile) {
    RestoreNofile restore;
    const Rlimit low{200, restore.saved.rlim_max};
    REQUIRE(prlimit64(0, RLIMIT_NOFILE, &low, nullptr) == 0);
    int opened = 0;
    long last = 0;
    for (int i = 0; i < 400; ++i) {
        last = dup(kStdout);
        if (last < 0) break;
        ++opened;
        CHECK(last < 200);
    }
    CHECK_EQ(last, -EMFILE);
    CHECK(opened >= 190);   // the runner holds only a few
    int fds[2];
    CHECK_EQ(pipe2(fds, 0), -EMFILE);
    for (int fd = 3; fd < 200; ++fd) close(fd);
    CHECK(dup(kStdout) >= 0);   // and it recovers
}

UTEST(close_on_exec_past_64_descriptors) {
    int closing[2], kept[2];
    REQUIRE(pipe2(closing, 0) == 0);
    REQUIRE(pipe2(kept, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Only high copies of the write ends survive to the exec: 70 and 900 close there, 300 stays.
        if (dup3(closing[1], 70, O_CLOEXEC) != 70 || dup3(closing[1], 900, 0) != 900 ||
            fcntl(900, F_SETFD, FD_CLOEXEC) != 0 || dup3(kept[1], 300, 0) != 300 || fcntl(70, F_GETFD) != FD_CLOEXEC ||
            fcntl(900, F_GETFD) != FD_CLOEXEC || fcntl(300, F_GETFD) != 0)
            exit_group(3);
        close(closing[0]), close(closing[1]), close(kept[0]), close(kept[1]);
        const char* argv[] = {"sleep", "60000", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/sleep"), argv, envp)));
    }
    close(closing[1]);
    close(kept[1]);
    char c;
    CHECK_EQ(read(closing[0], &c, 1), 0l);   // EOF: the exec closed 70 and 900
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    CHECK_EQ(read(kept[0], &c, 1), 0l);      // 300 stayed open until the child died
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
    close(closing[0]);
    close(kept[0]);
}

UTEST(a_fork_child_gets_a_copy_of_the_table) {
    REQUIRE(dup3(kStdout, 500, O_CLOEXEC) == 500);
    const int status = in_child([] {
        CHECK_EQ(fcntl(500, F_GETFD), static_cast<long>(FD_CLOEXEC));
        CHECK_EQ(close(500), 0l);   // its own copy
    });
    CHECK(exited_with(status, 0));
    CHECK_EQ(fcntl(500, F_GETFD), static_cast<long>(FD_CLOEXEC));   // still open here
    CHECK_EQ(close(500), 0l);
}

UTEST(prlimit_nofile_defaults_and_changes) {
    RestoreNofile restore;
    const Rlimit r = nofile();
    if (qemu_user()) note("the host's RLIMIT_NOFILE: %lu/%lu", r.rlim_cur, r.rlim_max);
    else CHECK(r.rlim_cur == 1024 && r.rlim_max == 4096);   // Linux's defaults
    // Lowered: binds new descriptors only; one already above stays usable.
    REQUIRE(dup3(kStdout, 100, 0) == 100);
    const Rlimit low{50, r.rlim_max};
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &low, nullptr), 0l);
    CHECK_EQ(nofile().rlim_cur, 50ul);
    CHECK_EQ(dup3(kStdout, 60, 0), -EBADF);
    CHECK_EQ(fcntl(kStdout, F_DUPFD, 60), -EINVAL);
    CHECK_EQ(write(100, "", 0), 0l);
    CHECK_EQ(close(100), 0l);
    // Raised back up to the hard limit; past it the soft limit is EINVAL.
    const Rlimit high{r.rlim_max, r.rlim_max};
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &high, nullptr), 0l);
    const Rlimit over{r.rlim_max + 1, r.rlim_max};
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &over, nullptr), -EINVAL);
    // Beyond fs.nr_open (1 Mi by default): EPERM even for root.
    const Rlimit huge{1024, (1ul << 20) + 1};
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &huge, nullptr), -EPERM);
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, reinterpret_cast<const Rlimit*>(kKernelAddress), nullptr), -EFAULT);
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, nullptr, reinterpret_cast<Rlimit*>(kKernelAddress)), -EFAULT);
    CHECK_EQ(prlimit64(999999, RLIMIT_NOFILE, nullptr, nullptr), -ESRCH);
}

UTEST(root_raises_the_hard_limit_and_others_only_lower_it) {
    RestoreNofile restore;
    const Rlimit r = nofile();
    const int status = in_child([r] {
        if (getuid() != 0) {
            note("skipped: not root");
            return;
        }
        const Rlimit raised{r.rlim_cur, r.rlim_max + 1000};
        const long up = prlimit64(0, RLIMIT_NOFILE, &raised, nullptr);
        if (up == -EPERM && qemu_user()) {
            note("skipped: the host withholds CAP_SYS_RESOURCE from root here");
            return;
        }
        CHECK_EQ(up, 0l);
        CHECK_EQ(nofile().rlim_max, r.rlim_max + 1000);
        CHECK_EQ(dup3(kStdout, static_cast<int>(r.rlim_cur) + 10, 0), -EBADF);   // the soft limit binds
        const Rlimit soft_up{r.rlim_max + 500, r.rlim_max + 1000};
        CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &soft_up, nullptr), 0l);
        CHECK_EQ(dup3(kStdout, static_cast<int>(r.rlim_max) + 100, 0), static_cast<long>(r.rlim_max) + 100);
        const long set = syscall6(SYS_setuid, 1000);
        if (set == -ENOSYS) {
            note("skipped: no setuid here yet");
            return;
        }
        REQUIRE(set == 0);
        const Rlimit lower{64, 128};
        CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &lower, nullptr), 0l);
        const Rlimit back{64, 256};
        CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &back, nullptr), -EPERM);   // only root raises the hard limit
        CHECK_EQ(nofile().rlim_max, 128ul);
    });
    CHECK(exited_with(status, 0));
}

UTEST(the_limit_is_inherited_and_settable_from_another_process) {
    RestoreNofile restore;
    const Rlimit low{77, restore.saved.rlim_max};
    REQUIRE(prlimit64(0, RLIMIT_NOFILE, &low, nullptr) == 0);
    Pipe go, ready;
    REQUIRE(go.ok() && ready.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        go.close_w();
        if (nofile().rlim_cur != 77) exit_group(1);
        if (write(ready.w, "r", 1) != 1) exit_group(5);
        char c;
        if (read(go.r, &c, 1) != 1) exit_group(2);
        const unsigned long now = nofile().rlim_cur;
        exit_group(now == 66 ? 0 : now == 77 ? 3 : 4);   // set by the parent meanwhile
    }
    go.close_r();
    char c;
    CHECK_EQ(read(ready.r, &c, 1), 1l);   // the child has seen the inherited limit
    const Rlimit other{66, restore.saved.rlim_max};
    Rlimit old{0, 0};
    CHECK_EQ(prlimit64(static_cast<int>(pid), RLIMIT_NOFILE, &other, &old), 0l);
    CHECK_EQ(old.rlim_cur, 77ul);
    CHECK_EQ(write(go.w, "x", 1), 1l);
    const int status = wait_child(pid);
    CHECK(exited_with(status, 0));
    if (!exited_with(status, 0)) note("child: %s", describe_status(status));
    CHECK_EQ(nofile().rlim_cur, 77ul);   // the parent's own is unchanged
}

UTEST(close_range_closes_or_marks_a_range) {
    for (int fd = 40; fd <= 50; ++fd) REQUIRE(dup3(kStdout, fd, 0) == fd);
    CHECK_EQ(close_range(42, 45, 0), 0l);
    for (int fd = 40; fd <= 50; ++fd) CHECK_EQ(fcntl(fd, F_GETFD), fd >= 42 && fd <= 45 ? -EBADF : 0l);
    CHECK_EQ(close_range(46, 47, CLOSE_RANGE_CLOEXEC), 0l);
    CHECK_EQ(fcntl(46, F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(fcntl(47, F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(fcntl(48, F_GETFD), 0l);
    CHECK_EQ(close_range(10, 5, 0), -EINVAL);
    CHECK_EQ(close_range(40, 41, 1), -EINVAL);
    CHECK_EQ(close_range(40, ~0u, 0), 0l);   // to the end of the table
    for (int fd = 40; fd <= 50; ++fd) CHECK_EQ(fcntl(fd, F_GETFD), -EBADF);
    CHECK_EQ(fcntl(kStdout, F_GETFD), 0l);
}

UTEST(dup_and_dup3_errors) {
    CHECK_EQ(dup(-1), -EBADF);
    CHECK_EQ(dup(5000), -EBADF);
    CHECK_EQ(dup3(kStdout, kStdout, 0), -EINVAL);
    CHECK_EQ(dup3(kStdout, 20, O_NONBLOCK), -EINVAL);
    CHECK_EQ(dup3(777, 20, 0), -EBADF);
    CHECK_EQ(close(-1), -EBADF);
    CHECK_EQ(close(1 << 30), -EBADF);
}
