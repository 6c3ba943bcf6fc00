// test_locks: advisory locks between a parent and its child as Linux keeps them. POSIX record locks
// (F_GETLK naming the holder's pid, F_SETLK's EAGAIN, F_SETLKW waiting and woken, EDEADLK for two
// processes waiting on each other, ranges split and merged, release on any close by the process, not
// inherited by fork), open-file-description locks (F_OFD_*), flock (shared by fork, per open file
// description, LOCK_NB's EWOULDBLOCK, independent of record locks), a killed waiter, and the errors.
#include "user/tests/fdio_files.h"

using namespace user;
using namespace user::utest;
using namespace fdio;

namespace {

long lock(int fd, int cmd, short type, long start, long len) {
    Flock fl{type, SEEK_SET, start, len, 0};
    return fcntl(fd, cmd, reinterpret_cast<long>(&fl));
}

// F_GETLK's answer for [start, start + len) as type.
Flock query(int fd, short type, long start, long len, int cmd = F_GETLK) {
    Flock fl{type, SEEK_SET, start, len, 0};
    const long r = fcntl(fd, cmd, reinterpret_cast<long>(&fl));
    if (r != 0) fl.l_type = -1;
    return fl;
}

// A child that runs body after the parent says "go" (a byte on the pipe) and reports through its
// exit status; the parent can see whether it is still blocked.
struct Child {
    Pipe go;
    long pid = -1;
    template <typename F>
    void start(F&& body) {
        pid = fork();
        if (pid == 0) {
            char c;
            if (read(go.r, &c, 1) != 1) exit_group(90);
            child_begin();
            body();
            child_end();
        }
    }
    void release() { (void)write(go.w, "g", 1); }
    bool still_blocked() {
        int status = 0;
        return wait4(static_cast<int>(pid), &status, WNOHANG) == 0;
    }
    int wait() { return wait_child(pid); }
};

}  // namespace

UTEST(getlk_names_the_holder_and_setlk_conflicts) {
    TempFile f("posix");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 100), 0l);
    const Flock mine = query(f.fd, F_WRLCK, 0, 10);
    CHECK_EQ(mine.l_type, F_UNLCK);   // one's own locks never conflict
    const long parent = getpid();
    const int status = in_child([&] {
        const Flock q = query(f.fd, F_RDLCK, 50, 10);
        CHECK_EQ(q.l_type, F_WRLCK);
        CHECK_EQ(q.l_pid, static_cast<int>(parent));
        CHECK_EQ(q.l_start, 0l);
        CHECK_EQ(q.l_len, 100l);
        CHECK_EQ(q.l_whence, static_cast<short>(SEEK_SET));
        CHECK_EQ(lock(f.fd, F_SETLK, F_RDLCK, 99, 1), -EAGAIN);   // fork does not pass POSIX locks on
        CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 100, 50), 0l);      // next to it is free
        CHECK_EQ(query(f.fd, F_WRLCK, 100, 0).l_type, F_UNLCK);   // its own
    });
    CHECK(exited_with(status, 0));
    CHECK_EQ(query(f.fd, F_WRLCK, 100, 50).l_type, F_UNLCK);   // the child's went when it exited
}

UTEST(read_locks_share_and_ranges_split) {
    TempFile f("ranges");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_RDLCK, 0, 0), 0l);   // to the end of any file
    const int shared = in_child([&] {
        CHECK_EQ(lock(f.fd, F_SETLK, F_RDLCK, 10, 10), 0l);
        CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 1000000, 1), -EAGAIN);
        const Flock q = query(f.fd, F_WRLCK, 5000, 1);
        CHECK_EQ(q.l_type, F_RDLCK);
        CHECK_EQ(q.l_len, 0l);
    });
    CHECK(exited_with(shared, 0));
    // Write-lock [0, 100), unlock its middle: two pieces remain, seen by the child.
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 0, 0), 0l);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 100), 0l);
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 40, 20), 0l);
    CHECK_EQ(lock(f.fd, F_SETLK, F_RDLCK, 90, 30), 0l);   // [90, 120) becomes a read lock
    const int split = in_child([&] {
        CHECK_EQ(query(f.fd, F_WRLCK, 40, 20).l_type, F_UNLCK);
        Flock q = query(f.fd, F_WRLCK, 0, 50);
        CHECK(q.l_type == F_WRLCK && q.l_start == 0 && q.l_len == 40);
        q = query(f.fd, F_RDLCK, 60, 100);
        CHECK(q.l_type == F_WRLCK && q.l_start == 60 && q.l_len == 30);
        q = query(f.fd, F_WRLCK, 95, 100);
        CHECK(q.l_type == F_RDLCK && q.l_start == 90 && q.l_len == 30);
        CHECK_EQ(lock(f.fd, F_SETLK, F_RDLCK, 100, 10), 0l);
    });
    CHECK(exited_with(split, 0));
    // Adjacent locks of one type merge into one.
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 0, 0), 0l);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 10), 0l);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 10, 10), 0l);
    const int merged = in_child([&] {
        const Flock q = query(f.fd, F_WRLCK, 0, 0);
        CHECK(q.l_type == F_WRLCK && q.l_start == 0 && q.l_len == 20);
    });
    CHECK(exited_with(merged, 0));
}

UTEST(any_close_by_the_process_releases_its_posix_locks) {
    TempFile f("close");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 10), 0l);
    const int other = f.reopen(O_RDONLY);
    REQUIRE(other >= 0);
    const int held = in_child([&] { CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 1), -EAGAIN); });
    CHECK(exited_with(held, 0));
    close(other);   // another descriptor of the same file: the lock goes (POSIX)
    const int gone = in_child([&] { CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 1), 0l); });
    CHECK(exited_with(gone, 0));
}

UTEST(setlkw_waits_until_the_holder_unlocks) {
    TempFile f("wait");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 10), 0l);
    Child c;
    c.start([&] {
        CHECK_EQ(lock(f.fd, F_SETLKW, F_WRLCK, 5, 1), 0l);
        CHECK_EQ(query(f.fd, F_WRLCK, 0, 5).l_type, F_UNLCK);
    });
    c.release();
    sleep_ms(100);
    CHECK(c.still_blocked());
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 0, 10), 0l);
    CHECK(exited_with(c.wait(), 0));
}

UTEST(two_processes_waiting_on_each_other_get_edeadlk) {
    TempFile f("deadlk");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 1), 0l);   // the parent holds byte 0
    Pipe locked;
    REQUIRE(locked.ok());
    Child c;
    c.start([&] {
        CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 1, 1), 0l);   // the child holds byte 1
        CHECK_EQ(write(locked.w, "l", 1), 1l);
        CHECK_EQ(lock(f.fd, F_SETLKW, F_WRLCK, 0, 1), 0l);  // waits for byte 0
    });
    c.release();
    char x;
    CHECK_EQ(read(locked.r, &x, 1), 1l);
    sleep_ms(100);   // the child is asleep on byte 0 by now
    CHECK(c.still_blocked());
    CHECK_EQ(lock(f.fd, F_SETLKW, F_WRLCK, 1, 1), -EDEADLK);
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 0, 1), 0l);   // lets the child go on
    CHECK(exited_with(c.wait(), 0));
}

UTEST(a_killed_waiter_dies) {
    TempFile f("kill");
    REQUIRE(f.ok());
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0, 0), 0l);
    Child c;
    c.start([&] {
        lock(f.fd, F_SETLKW, F_RDLCK, 0, 1);
        exit_group(5);
    });
    c.release();
    sleep_ms(50);
    CHECK_EQ(kill(static_cast<int>(c.pid), SIGKILL), 0l);
    CHECK(killed_by(c.wait(), SIGKILL));
    CHECK_EQ(lock(f.fd, F_SETLK, F_UNLCK, 0, 0), 0l);
}

UTEST(open_file_description_locks) {
    TempFile f("ofd");
    REQUIRE(f.ok());
    const int other = f.reopen(O_RDWR);
    REQUIRE(other >= 0);
    CHECK_EQ(lock(f.fd, F_OFD_SETLK, F_WRLCK, 0, 10), 0l);
    CHECK_EQ(lock(other, F_OFD_SETLK, F_WRLCK, 5, 1), -EAGAIN);   // another description, same process
    const Flock q = query(other, F_RDLCK, 0, 1, F_OFD_GETLK);
    CHECK(q.l_type == F_WRLCK && q.l_pid == -1 && q.l_len == 10);
    CHECK_EQ(lock(other, F_SETLK, F_WRLCK, 0, 1), -EAGAIN);       // POSIX and OFD locks conflict
    const int dup_fd = static_cast<int>(dup(f.fd));
    close(dup_fd);   // closing a descriptor does not release an OFD lock
    CHECK_EQ(lock(other, F_OFD_SETLK, F_WRLCK, 0, 1), -EAGAIN);
    Flock bad{F_WRLCK, SEEK_SET, 0, 1, 7};
    CHECK_EQ(fcntl(other, F_OFD_SETLK, reinterpret_cast<long>(&bad)), -EINVAL);   // l_pid must be 0
    const int shared = in_child([&] { CHECK_EQ(lock(f.fd, F_OFD_SETLK, F_WRLCK, 0, 1), 0l); });   // same description
    CHECK(exited_with(shared, 0));
    close(f.fd);
    f.fd = -1;   // the last descriptor of that description: its lock goes
    CHECK_EQ(lock(other, F_OFD_SETLK, F_WRLCK, 0, 1), 0l);
    close(other);
}

UTEST(flock_per_open_file_description_and_across_fork) {
    TempFile f("flock");
    REQUIRE(f.ok());
    CHECK_EQ(flock(f.fd, LOCK_EX), 0l);
    const int other = f.reopen(O_RDONLY);
    REQUIRE(other >= 0);
    CHECK_EQ(flock(other, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
    CHECK_EQ(flock(other, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
    CHECK_EQ(lock(other, F_SETLK, F_RDLCK, 0, 0), 0l);   // record locks do not see flock's
    const int inherited = in_child([&] {
        CHECK_EQ(flock(f.fd, LOCK_EX | LOCK_NB), 0l);   // the child shares the description and its lock
        const int mine = f.reopen(O_RDONLY);
        CHECK_EQ(flock(mine, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
        close(mine);
    });
    CHECK(exited_with(inherited, 0));
    CHECK_EQ(flock(f.fd, LOCK_SH), 0l);   // converted: now shared
    CHECK_EQ(flock(other, LOCK_SH | LOCK_NB), 0l);
    CHECK_EQ(flock(other, LOCK_UN), 0l);
    // A blocked flock waits for the holder's unlock.
    CHECK_EQ(flock(f.fd, LOCK_EX), 0l);
    Child c;
    c.start([&] {
        const int mine = f.reopen(O_RDONLY);
        CHECK_EQ(flock(mine, LOCK_EX), 0l);
    });
    c.release();
    sleep_ms(100);
    CHECK(c.still_blocked());
    CHECK_EQ(flock(f.fd, LOCK_UN), 0l);
    CHECK(exited_with(c.wait(), 0));
    CHECK_EQ(flock(f.fd, LOCK_EX | LOCK_NB), 0l);   // the child's lock went with its exit
    close(other);
}

UTEST(lock_errors) {
    TempFile f("lockerr");
    REQUIRE(f.ok());
    CHECK_EQ(flock(f.fd, 0), -EINVAL);
    CHECK_EQ(flock(f.fd, LOCK_SH | LOCK_EX), -EINVAL);
    CHECK_EQ(flock(12345, LOCK_SH), -EBADF);
    CHECK_EQ(flock(12345, 0), -EINVAL);   // the operation is checked first
    CHECK_EQ(lock(f.fd, F_SETLK, 5, 0, 1), -EINVAL);
    CHECK_EQ(query(f.fd, F_UNLCK, 0, 1).l_type, -1);   // F_GETLK of F_UNLCK: EINVAL
    Flock whence{F_WRLCK, 7, 0, 1, 0};
    CHECK_EQ(fcntl(f.fd, F_SETLK, reinterpret_cast<long>(&whence)), -EINVAL);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, -1, 1), -EINVAL);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 5, -10), -EINVAL);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 10, -10), 0l);   // [0, 10)
    CHECK_EQ(fcntl(f.fd, F_SETLK, static_cast<long>(kKernelAddress)), -EFAULT);
    CHECK_EQ(fcntl(f.fd, F_GETLK, static_cast<long>(kKernelAddress)), -EFAULT);
    CHECK_EQ(lock(f.fd, F_SETLK, F_WRLCK, 0x7fffffffffffff00l, 0x1000), -EOVERFLOW);
    const int ro = f.reopen(O_RDONLY), wo = f.reopen(O_WRONLY);
    CHECK_EQ(lock(ro, F_SETLK, F_WRLCK, 0, 1), -EBADF);
    CHECK_EQ(lock(wo, F_SETLK, F_RDLCK, 0, 1), -EBADF);
    CHECK_EQ(lock(ro, F_SETLK, F_UNLCK, 0, 1), 0l);
    close(ro), close(wo);
    CHECK_EQ(lock(12345, F_SETLK, F_WRLCK, 0, 1), -EBADF);
}
