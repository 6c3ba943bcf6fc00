// test_compat: the calls an unmodified static glibc program makes beyond the basics, on their
// success and error paths: clone as glibc's fork issues it (tid flags, a new stack, the inherited
// thread pointer), terminal ioctls on the console, fstat/newfstatat on descriptors and initramfs
// paths (symbolic links included), readlinkat, fcntl with close-on-exec, and what glibc's startup,
// sleep, raise/abort and getrlimit call: set_robust_list, prlimit64, clock_nanosleep,
// gettimeofday, tkill and tgkill.
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kKernelPtr = reinterpret_cast<int*>(kKernelAddress);
const auto kLowPtr = reinterpret_cast<int*>(kUnmappedUserAddress);
constexpr int kUnusedFd = 12345;

int s_tid_slot = 0;   // a global, so parent and child each see their own copy

std::uint64_t thread_pointer() {
    std::uint64_t v;
    asm volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}
void set_thread_pointer(std::uint64_t v) { asm volatile("msr tpidr_el0, %0" ::"r"(v)); }

// Under qemu-user the descriptors are the host's, a terminal or not; on this kernel they are the console.
bool console_checks() {
    if (!qemu_user()) return true;
    note("skipped: descriptors 0-2 are the host's under qemu-user, not this kernel's console");
    return false;
}

long wait_status(long pid) {
    int status = -1;
    if (wait4(static_cast<int>(pid), &status, 0) != pid) return -1;
    return status;
}

}  // namespace

// ---- clone as fork

UTEST(clone_as_glibc_fork_sets_the_child_tid_in_the_child_only) {
    s_tid_slot = 0;
    const long pid = clone(SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, nullptr, nullptr, 0, &s_tid_slot);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(s_tid_slot == getpid() ? 0 : 1);
    CHECK_EQ(wait_status(pid), 0l);
    CHECK_EQ(s_tid_slot, 0);   // written after the copy, into the child's memory
}

// The child's tid is written by the kernel before the child's first instruction; a slot in the
// stack's growth area (not yet mapped) grows the child's stack as the child's own store would.
UTEST(clone_child_tid_in_the_stack_growth_area_grows_the_stack) {
    const std::uintptr_t fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    auto* slot = reinterpret_cast<volatile int*>((fp - 60 * 1024) & ~std::uintptr_t{3});
    const long pid = clone(SIGCHLD | CLONE_CHILD_SETTID, nullptr, nullptr, 0, const_cast<int*>(slot));
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(*slot == getpid() ? 0 : 1);
    CHECK_EQ(wait_status(pid), 0l);
}

UTEST(clone_parent_settid_writes_the_pid_in_the_parent_only) {
    s_tid_slot = 0;
    const long pid = clone(SIGCHLD | CLONE_PARENT_SETTID, nullptr, &s_tid_slot, 0, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(s_tid_slot == 0 ? 0 : 1);
    const long st = wait_status(pid);
    // qemu-user writes parent_tid from the child after its fork (Linux: in the parent, after the copy).
    if (qemu_user()) {
        note("skipped: qemu-user writes parent_tid in the child");
    } else {
        CHECK_EQ(s_tid_slot, static_cast<int>(pid));
        CHECK_EQ(st, 0l);
    }
}

UTEST(clone_tid_pointers_that_fault_are_ignored) {
    // Linux ignores a failed put_user for both (the clone itself succeeds).
    const long pid = clone(SIGCHLD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, nullptr, kKernelPtr, 0, kKernelPtr);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(9);
    CHECK_EQ(wait_status(pid), 9l << 8);
}

UTEST(clone_with_a_new_stack_starts_the_child_there) {
    alignas(16) static unsigned char stack[4096];
    const std::uintptr_t top = reinterpret_cast<std::uintptr_t>(stack + sizeof stack);
    // The child must not touch the old frame through sp, so it checks and exits in assembly:
    // exit status 0 when its sp is the new stack's top (x1 survives the svc, as on Linux).
    register long x0 asm("x0") = static_cast<long>(SIGCHLD);
    register long x1 asm("x1") = static_cast<long>(top);
    register long x2 asm("x2") = 0;
    register long x3 asm("x3") = 0;
    register long x4 asm("x4") = 0;
    register long x8 asm("x8") = SYS_clone;
    asm volatile(
        "svc #0\n"
        "cbnz x0, 1f\n"
        "mov x9, sp\n"
        "cmp x9, x1\n"
        "cset x0, ne\n"
        "mov x8, %[exit_group]\n"
        "svc #0\n"
        "1:\n"
        : "+r"(x0)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [exit_group] "i"(SYS_exit_group)
        : "x9", "memory", "cc");
    const long pid = x0;
    REQUIRE(pid > 0);
    CHECK_EQ(wait_status(pid), 0l);
}

UTEST(fork_child_inherits_the_thread_pointer) {
    const std::uint64_t saved = thread_pointer();
    const std::uint64_t tls = 0x0000'1234'5678'9ab0ull;
    set_thread_pointer(tls);
    const long pid = clone(SIGCHLD | CLONE_CHILD_SETTID, nullptr, nullptr, 0, &s_tid_slot);
    if (pid == 0) exit_group(thread_pointer() == tls ? 0 : 1);
    set_thread_pointer(saved);
    REQUIRE(pid > 0);
    CHECK_EQ(wait_status(pid), 0l);
}

UTEST(clone_ignores_the_upper_32_flag_bits) {
    const long pid = clone((1ul << 32) | SIGCHLD, nullptr, nullptr, 0, nullptr);   // Linux reads 32 bits
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(4);
    CHECK_EQ(wait_status(pid), 4l << 8);
}

UTEST(clone_refuses_sharing_and_thread_flags) {
    // EINVAL on Linux too: CLONE_SIGHAND needs CLONE_VM, CLONE_THREAD needs CLONE_SIGHAND.
    CHECK_EQ(clone(SIGCHLD | CLONE_SIGHAND, nullptr, nullptr, 0, nullptr), -EINVAL);
    CHECK_EQ(clone(SIGCHLD | CLONE_THREAD, nullptr, nullptr, 0, nullptr), -EINVAL);
    // Linux would share memory, files or the thread pointer here; this kernel has no threads yet.
    if (qemu_user()) {
        note("skipped: CLONE_VM/FILES/FS/SETTLS and exit signals other than SIGCHLD (Linux accepts them)");
        return;
    }
    for (unsigned long f : {CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SETTLS, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD})
        CHECK_EQ(clone(SIGCHLD | f, nullptr, nullptr, 0, nullptr), -EINVAL);
    CHECK_EQ(clone(0, nullptr, nullptr, 0, nullptr), -EINVAL);                          // no exit signal
    CHECK_EQ(clone(static_cast<unsigned long>(SIGUSR1), nullptr, nullptr, 0, nullptr), -EINVAL);
}

// ---- ioctl on the console and on other descriptors

UTEST(tcgets_describes_the_console) {
    if (!console_checks()) return;
    for (int fd : {kStdin, kStdout, kStderr}) {
        Termios t;
        memset(&t, 0xee, sizeof t);
        CHECK_EQ(ioctl(fd, TCGETS, &t), 0l);
        CHECK_EQ(t.c_oflag & (OPOST | ONLCR), OPOST | ONLCR);   // "\n" goes out as "\r\n"
        CHECK_EQ(t.c_iflag & ICRNL, 0u);                         // "\r" comes in as typed
        CHECK_EQ(t.c_cflag & (CSIZE | CREAD), CS8 | CREAD);
        CHECK_EQ(t.c_lflag & (ICANON | ECHO | ISIG), 0u);        // raw input, no echo
        CHECK_EQ(t.c_cc[VMIN], 1);
        CHECK_EQ(t.c_cc[VTIME], 0);
        CHECK_EQ(t.c_line, 0);
    }
}

UTEST(tcsets_takes_only_what_the_console_does) {
    if (!console_checks()) return;
    Termios t;
    REQUIRE(ioctl(kStdout, TCGETS, &t) == 0);
    CHECK_EQ(ioctl(kStdout, TCSETS, &t), 0l);
    CHECK_EQ(ioctl(kStdout, TCSETSW, &t), 0l);
    CHECK_EQ(ioctl(kStdin, TCSETSF, &t), 0l);
    // Echo, canonical input or raw output would be a change the console cannot make.
    for (unsigned bit : {ECHO, ICANON}) {
        Termios u = t;
        u.c_lflag |= bit;
        CHECK_EQ(ioctl(kStdout, TCSETS, &u), -EINVAL);
    }
    Termios raw = t;
    raw.c_oflag &= ~OPOST;
    CHECK_EQ(ioctl(kStdout, TCSETSF, &raw), -EINVAL);
    Termios now;
    CHECK_EQ(ioctl(kStdout, TCGETS, &now), 0l);
    CHECK(memcmp(&now, &t, sizeof t) == 0);   // unchanged
}

UTEST(window_size_reads_and_writes) {
    if (!console_checks()) return;
    Winsize w{};
    CHECK_EQ(ioctl(kStdout, TIOCGWINSZ, &w), 0l);
    CHECK_EQ(w.ws_row, 24);
    CHECK_EQ(w.ws_col, 80);
    const Winsize big{50, 132, 0, 0};
    CHECK_EQ(ioctl(kStdout, TIOCSWINSZ, &big), 0l);
    Winsize got{};
    CHECK_EQ(ioctl(kStderr, TIOCGWINSZ, &got), 0l);   // one terminal behind every console descriptor
    CHECK(got.ws_row == 50 && got.ws_col == 132);
    CHECK_EQ(ioctl(kStdout, TIOCSWINSZ, &w), 0l);
}

UTEST(terminal_ioctls_fault_on_bad_pointers) {
    if (!console_checks()) return;
    for (unsigned long req : {TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ}) {
        CHECK_EQ(ioctl(kStdout, req, kKernelPtr), -EFAULT);
        CHECK_EQ(ioctl(kStdout, req, kLowPtr), -EFAULT);
    }
}

UTEST(ioctl_on_a_pipe_or_with_an_unknown_request_is_enotty) {
    Pipe p;
    REQUIRE(p.ok());
    Termios t;
    Winsize w;
    CHECK_EQ(ioctl(p.r, TCGETS, &t), -ENOTTY);   // isatty() is false for a pipe
    CHECK_EQ(ioctl(p.w, TCGETS, &t), -ENOTTY);
    CHECK_EQ(ioctl(p.w, TIOCGWINSZ, &w), -ENOTTY);
    CHECK_EQ(ioctl(p.w, TCSETS, &t), -ENOTTY);
    if (console_checks()) CHECK_EQ(ioctl(kStdout, 0x5499, &t), -ENOTTY);   // no such terminal request
}

UTEST(ioctl_on_a_bad_descriptor_is_ebadf) {
    Termios t;
    CHECK_EQ(ioctl(-1, TCGETS, &t), -EBADF);
    CHECK_EQ(ioctl(kUnusedFd, TCGETS, &t), -EBADF);
    Pipe p;
    REQUIRE(p.ok());
    const int fd = p.r;
    close(fd);
    p.r = -1;
    CHECK_EQ(ioctl(fd, TCGETS, &t), -EBADF);
}

// ---- fstat and newfstatat on descriptors

UTEST(fstat_reports_the_console_as_a_character_device) {
    if (!console_checks()) return;
    Stat st;
    CHECK_EQ(fstat(kStdout, &st), 0l);
    CHECK_EQ(st.st_mode, S_IFCHR | 0620);
    CHECK_EQ(dev_major(st.st_rdev), 5u);   // /dev/console
    CHECK_EQ(dev_minor(st.st_rdev), 1u);
    CHECK_EQ(st.st_nlink, 1u);
    CHECK_EQ(st.st_size, 0l);
    CHECK(st.st_blksize > 0);
    Stat in;
    CHECK_EQ(fstat(kStdin, &in), 0l);
    CHECK(in.st_ino == st.st_ino && in.st_dev == st.st_dev);
}

UTEST(fstat_reports_pipes_as_fifos_one_inode_per_pipe) {
    Pipe p, q;
    REQUIRE(p.ok() && q.ok());
    Stat r, w, other;
    CHECK_EQ(fstat(p.r, &r), 0l);
    CHECK_EQ(fstat(p.w, &w), 0l);
    CHECK_EQ(fstat(q.r, &other), 0l);
    CHECK_EQ(r.st_mode, S_IFIFO | 0600);
    CHECK_EQ(w.st_mode, S_IFIFO | 0600);
    CHECK_EQ(r.st_ino, w.st_ino);   // both ends are one pipe
    CHECK(r.st_ino != other.st_ino);
    CHECK_EQ(r.st_nlink, 1u);
    CHECK_EQ(r.st_size, 0l);
    CHECK_EQ(r.st_blksize, 4096);
    CHECK_EQ(write(p.w, "abc", 3), 3l);
    CHECK_EQ(fstat(p.r, &r), 0l);
    CHECK_EQ(r.st_size, 0l);   // Linux does not report the bytes waiting as a size
}

UTEST(fstat_errors) {
    Stat st;
    CHECK_EQ(fstat(-1, &st), -EBADF);
    CHECK_EQ(fstat(kUnusedFd, &st), -EBADF);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(fstat(p.r, reinterpret_cast<Stat*>(kKernelPtr)), -EFAULT);
    CHECK_EQ(fstat(p.r, reinterpret_cast<Stat*>(kLowPtr)), -EFAULT);
}

UTEST(newfstatat_with_an_empty_path_is_fstat) {
    Pipe p;
    REQUIRE(p.ok());
    Stat a, b;
    CHECK_EQ(fstat(p.w, &a), 0l);
    memset(&b, 0xee, sizeof b);
    CHECK_EQ(newfstatat(p.w, "", &b, AT_EMPTY_PATH), 0l);   // glibc's fstat
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK_EQ(newfstatat(p.w, "", &b, 0), -ENOENT);
    CHECK_EQ(newfstatat(kUnusedFd, "", &b, AT_EMPTY_PATH), -EBADF);
    CHECK_EQ(newfstatat(-1, "", &b, AT_EMPTY_PATH), -EBADF);
    CHECK_EQ(newfstatat(p.w, "", &b, 0x1), -EINVAL);   // not a flag newfstatat knows
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd"), &b, 0x4), -EINVAL);
    CHECK_EQ(newfstatat(p.w, "", reinterpret_cast<Stat*>(kKernelPtr), AT_EMPTY_PATH), -EFAULT);
    CHECK_EQ(newfstatat(p.w, reinterpret_cast<const char*>(kKernelPtr), &b, AT_EMPTY_PATH), -EFAULT);
}

// ---- newfstatat and readlinkat on initramfs paths

UTEST(newfstatat_reports_initramfs_files_and_directories) {
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, path("/bin/test_compat"), &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFREG);
    CHECK_EQ(st.st_mode & 0777, 0755u);
    CHECK(st.st_size > 4096);
    CHECK(st.st_blocks * 512 >= st.st_size);
    CHECK_EQ(st.st_nlink, 1u);
    Stat motd;
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd"), &motd, 0), 0l);
    CHECK_EQ(motd.st_mode, S_IFREG | 0644);
    CHECK_EQ(motd.st_size, static_cast<long>(sizeof "Welcome to the kernel's initramfs.\n" - 1));
    CHECK(motd.st_ino != st.st_ino);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/bin"), &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/bin/"), &st, 0), 0l);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/../bin/./test_compat"), &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFREG);
    if (!qemu_user()) {   // the host's working directory is not the archive's root
        CHECK_EQ(newfstatat(AT_FDCWD, "/", &st, 0), 0l);
        CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
        CHECK_EQ(newfstatat(AT_FDCWD, "etc/motd", &st, 0), 0l);   // relative to "/"
        CHECK_EQ(st.st_size, motd.st_size);
        CHECK_EQ(newfstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH), 0l);   // the working directory
        CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    }
}

UTEST(newfstatat_follows_symbolic_links_unless_told_not_to) {
    Stat motd, st;
    REQUIRE(newfstatat(AT_FDCWD, path("/etc/motd"), &motd, 0) == 0);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd.link"), &st, 0), 0l);
    CHECK(st.st_ino == motd.st_ino && st.st_mode == motd.st_mode && st.st_size == motd.st_size);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd.link"), &st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFLNK);
    CHECK_EQ(st.st_size, 4l);   // "motd"
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/here/here/motd"), &st, 0), 0l);   // "here" is "."
    CHECK_EQ(st.st_ino, motd.st_ino);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/here"), &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
}

UTEST(newfstatat_path_errors) {
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, path("/no/such/file"), &st, 0), -ENOENT);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/nope"), &st, 0), -ENOENT);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd/x"), &st, 0), -ENOTDIR);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd/"), &st, 0), -ENOTDIR);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd.link/"), &st, 0), -ENOTDIR);
    CHECK_EQ(newfstatat(AT_FDCWD, "", &st, 0), -ENOENT);
    CHECK_EQ(newfstatat(AT_FDCWD, reinterpret_cast<const char*>(kKernelPtr), &st, 0), -EFAULT);
    CHECK_EQ(newfstatat(AT_FDCWD, reinterpret_cast<const char*>(kLowPtr), &st, 0), -EFAULT);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/motd"), reinterpret_cast<Stat*>(kKernelPtr), 0), -EFAULT);
    CHECK_EQ(newfstatat(AT_FDCWD, path("/etc/nope"), reinterpret_cast<Stat*>(kKernelPtr), 0), -ENOENT);   // lookup first
    static char longpath[5000];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    CHECK_EQ(newfstatat(AT_FDCWD, longpath, &st, 0), -ENAMETOOLONG);
    // A relative path needs a directory descriptor: a pipe is not one, a closed number is nothing.
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(newfstatat(p.r, "etc/motd", &st, 0), -ENOTDIR);
    CHECK_EQ(newfstatat(kUnusedFd, "etc/motd", &st, 0), -EBADF);
    CHECK_EQ(newfstatat(kUnusedFd, path("/etc/motd"), &st, 0), 0l);   // an absolute path ignores it
}

UTEST(readlinkat_reads_link_targets) {
    char buf[16];
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/motd.link"), buf, sizeof buf), 4l);
    CHECK(memcmp(buf, "motdx", 5) == 0);   // no NUL appended
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/motd.link"), buf, 2), 2l);   // truncated, silently
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/here"), buf, sizeof buf), 1l);
    CHECK_EQ(buf[0], '.');
}

UTEST(readlinkat_errors) {
    char buf[16];
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/motd"), buf, sizeof buf), -EINVAL);   // not a link
    CHECK_EQ(readlinkat(AT_FDCWD, path("/bin"), buf, sizeof buf), -EINVAL);
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/nope"), buf, sizeof buf), -ENOENT);
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/motd.link"), buf, 0), -EINVAL);
    CHECK_EQ(readlinkat(AT_FDCWD, path("/etc/motd.link"), reinterpret_cast<char*>(kKernelPtr), 4), -EFAULT);
    CHECK_EQ(readlinkat(AT_FDCWD, reinterpret_cast<const char*>(kKernelPtr), buf, sizeof buf), -EFAULT);
    CHECK_EQ(readlinkat(AT_FDCWD, "", buf, sizeof buf), -ENOENT);
    if (!qemu_user()) {   // /proc exists now: the running program (qemu-user's would be qemu itself)
        CHECK_EQ(readlinkat(AT_FDCWD, "/proc/self/exe", buf, sizeof buf), 16l);
        CHECK(memcmp(buf, "/bin/test_compat", 16) == 0);
    }
}

// ---- fcntl and close-on-exec

UTEST(fcntl_getfl_reports_the_access_mode) {
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(fcntl(p.r, F_GETFL), static_cast<long>(O_RDONLY));
    CHECK_EQ(fcntl(p.w, F_GETFL), static_cast<long>(O_WRONLY));   // what glibc's fdopen checks
    if (console_checks()) CHECK_EQ(fcntl(kStdout, F_GETFL), static_cast<long>(O_RDWR));
}

UTEST(fcntl_setfl_sets_the_status_flags_and_ignores_the_access_mode) {
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(fcntl(p.w, F_SETFL, O_WRONLY), 0l);   // the access mode is ignored, as on Linux
    CHECK_EQ(fcntl(p.w, F_GETFL), static_cast<long>(O_WRONLY));
    CHECK_EQ(fcntl(p.r, F_SETFL, O_NONBLOCK), 0l);
    CHECK_EQ(fcntl(p.r, F_GETFL), static_cast<long>(O_RDONLY | O_NONBLOCK));
    CHECK_EQ(fcntl(p.w, F_SETFL, O_APPEND), 0l);
    CHECK_EQ(fcntl(p.w, F_GETFL), static_cast<long>(O_WRONLY | O_APPEND));
    CHECK_EQ(fcntl(p.r, F_SETFL, 0), 0l);
    CHECK_EQ(fcntl(p.r, F_GETFL), static_cast<long>(O_RDONLY));
}

UTEST(close_on_exec_flag_follows_each_descriptor) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    CHECK_EQ(fcntl(fds[0], F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(fcntl(fds[1], F_GETFD), static_cast<long>(FD_CLOEXEC));
    const long d = dup(fds[1]);   // dup never copies the flag
    REQUIRE(d >= 0);
    CHECK_EQ(fcntl(static_cast<int>(d), F_GETFD), 0l);
    CHECK_EQ(fcntl(static_cast<int>(d), F_SETFD, FD_CLOEXEC), 0l);
    CHECK_EQ(fcntl(static_cast<int>(d), F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(fcntl(fds[1], F_GETFD), static_cast<long>(FD_CLOEXEC));   // per descriptor, not per file
    CHECK_EQ(fcntl(static_cast<int>(d), F_SETFD, 0), 0l);
    CHECK_EQ(fcntl(static_cast<int>(d), F_GETFD), 0l);
    CHECK_EQ(dup3(fds[0], static_cast<int>(d), O_CLOEXEC), d);
    CHECK_EQ(fcntl(static_cast<int>(d), F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(dup3(fds[0], static_cast<int>(d), 0), d);
    CHECK_EQ(fcntl(static_cast<int>(d), F_GETFD), 0l);
    // A child inherits the flags.
    const int st = in_child([&] { CHECK_EQ(fcntl(fds[0], F_GETFD), static_cast<long>(FD_CLOEXEC)); });
    CHECK(exited_with(st, 0));
    // Closing forgets it: the next descriptor at that number starts without.
    const int r = fds[0];
    close(r);
    int again[2];
    REQUIRE(pipe2(again, 0) == 0);
    CHECK_EQ(again[0], r);
    CHECK_EQ(fcntl(r, F_GETFD), 0l);
    close(again[0]);
    close(again[1]);
    close(fds[1]);
    close(static_cast<int>(d));
}

UTEST(fcntl_dupfd_takes_the_lowest_free_number_at_or_above_arg) {
    Pipe p;
    REQUIRE(p.ok());
    const long a = fcntl(p.w, F_DUPFD, 20);
    CHECK(a >= 20);
    CHECK_EQ(fcntl(static_cast<int>(a), F_GETFD), 0l);
    const long b = fcntl(p.w, F_DUPFD_CLOEXEC, static_cast<long>(a));
    CHECK(b > a);
    CHECK_EQ(fcntl(static_cast<int>(b), F_GETFD), static_cast<long>(FD_CLOEXEC));
    CHECK_EQ(write(static_cast<int>(b), "z", 1), 1l);   // the same pipe
    char c = 0;
    CHECK_EQ(read(p.r, &c, 1), 1l);
    CHECK_EQ(c, 'z');
    close(static_cast<int>(a));
    close(static_cast<int>(b));
    CHECK_EQ(fcntl(p.w, F_DUPFD, 1l << 30), -EINVAL);   // past RLIMIT_NOFILE
}

UTEST(fcntl_errors) {
    CHECK_EQ(fcntl(-1, F_GETFD), -EBADF);
    CHECK_EQ(fcntl(kUnusedFd, F_GETFL), -EBADF);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(fcntl(p.r, 9999), -EINVAL);
    if (qemu_user()) CHECK(fcntl(p.r, F_GETPIPE_SZ) > 0);
    else CHECK_EQ(fcntl(p.r, F_GETPIPE_SZ), static_cast<long>(kPipeBuf));   // this kernel's capacity
    if (console_checks()) CHECK_EQ(fcntl(kStdout, F_GETPIPE_SZ), -EBADF);
}

UTEST(execve_closes_close_on_exec_descriptors) {
    int keep[2];
    REQUIRE(pipe2(keep, O_CLOEXEC) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(keep[0]);
        const char* argv[] = {"sleep", "2000", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/sleep"), argv, envp)));
    }
    close(keep[1]);
    // The only writer went away at the exec, while the new program still runs: end of file now.
    char c;
    CHECK_EQ(read(keep[0], &c, 1), 0l);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);
    kill(static_cast<int>(pid), SIGKILL);
    CHECK_EQ(wait_status(pid), static_cast<long>(SIGKILL));
    close(keep[0]);
}

// ---- startup, time, limits and signals to oneself

UTEST(set_robust_list_takes_a_head_of_the_right_size) {
    if (qemu_user()) {
        note("skipped: qemu-user answers set_robust_list with ENOSYS");
        return;
    }
    static long head[3] = {};
    head[0] = reinterpret_cast<long>(head);   // an empty list points at itself
    CHECK_EQ(set_robust_list(head, sizeof head), 0l);
    CHECK_EQ(set_robust_list(head, sizeof head - 1), -EINVAL);
    CHECK_EQ(set_robust_list(head, 0), -EINVAL);
}

UTEST(prlimit64_reports_the_limits_the_kernel_enforces) {
    Rlimit r{1, 1};
    CHECK_EQ(prlimit64(0, RLIMIT_STACK, nullptr, &r), 0l);
    CHECK(r.rlim_cur <= r.rlim_max);
    Rlimit same = r;
    CHECK_EQ(prlimit64(0, RLIMIT_STACK, &same, nullptr), 0l);   // setting what is there changes nothing
    Rlimit mine;
    CHECK_EQ(prlimit64(static_cast<int>(getpid()), RLIMIT_STACK, nullptr, &mine), 0l);
    CHECK(mine.rlim_cur == r.rlim_cur && mine.rlim_max == r.rlim_max);
    if (qemu_user()) {
        note("skipped: the host's limit values and its acceptance of new ones");
        return;
    }
    CHECK(r.rlim_cur == 8ul << 20 && r.rlim_max == 8ul << 20);
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, nullptr, &r), 0l);
    CHECK(r.rlim_cur == 1024 && r.rlim_max == 4096);   // Linux's defaults
    CHECK_EQ(prlimit64(0, RLIMIT_CORE, nullptr, &r), 0l);
    CHECK(r.rlim_cur == 0 && r.rlim_max == 0);
    CHECK_EQ(prlimit64(0, RLIMIT_AS, nullptr, &r), 0l);
    CHECK(r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY);
    const Rlimit lower{4096, 4096};
    CHECK_EQ(prlimit64(0, RLIMIT_STACK, &lower, nullptr), -EPERM);   // fixed by the kernel
}

UTEST(prlimit64_errors) {
    Rlimit r;
    CHECK_EQ(prlimit64(0, RLIM_NLIMITS, nullptr, &r), -EINVAL);
    CHECK_EQ(prlimit64(0, -1, nullptr, &r), -EINVAL);
    // RLIMIT_NOFILE: qemu-user pretends to set RLIMIT_STACK without asking the host.
    const Rlimit inverted{2, 1};
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, &inverted, nullptr), -EINVAL);
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, nullptr, reinterpret_cast<Rlimit*>(kKernelPtr)), -EFAULT);
    CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, reinterpret_cast<Rlimit*>(kLowPtr), nullptr), -EFAULT);
    CHECK_EQ(prlimit64(0x3fffffff, RLIMIT_STACK, nullptr, &r), -ESRCH);
}

UTEST(clock_nanosleep_relative_and_absolute) {
    const Timespec ten_ms{0, 10'000'000};
    std::uint64_t t0 = monotonic_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ten_ms, nullptr), 0l);
    CHECK(monotonic_ns() - t0 >= 10'000'000);
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &ten_ms, nullptr), 0l);   // glibc's usleep and sleep
    Timespec now;
    REQUIRE(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    std::uint64_t deadline = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(now.tv_nsec) + 20'000'000;
    const Timespec abs{static_cast<long>(deadline / 1'000'000'000ull), static_cast<long>(deadline % 1'000'000'000ull)};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, nullptr), 0l);
    CHECK(monotonic_ns() >= deadline);
    t0 = monotonic_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, nullptr), 0l);   // already past
    CHECK(monotonic_ns() - t0 < 5'000'000'000ull);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0x10, &ten_ms, nullptr), 0l);   // other flag bits: ignored
    // An absolute realtime deadline is wall-clock time: 20 ms from now, not decades of uptime.
    Timespec wall;
    REQUIRE(clock_gettime(CLOCK_REALTIME, &wall) == 0);
    deadline = static_cast<std::uint64_t>(wall.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(wall.tv_nsec) + 20'000'000;
    const Timespec wall_abs{static_cast<long>(deadline / 1'000'000'000ull), static_cast<long>(deadline % 1'000'000'000ull)};
    t0 = monotonic_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wall_abs, nullptr), 0l);
    REQUIRE(clock_gettime(CLOCK_REALTIME, &wall) == 0);
    CHECK(static_cast<std::uint64_t>(wall.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(wall.tv_nsec) >= deadline);
    CHECK(monotonic_ns() - t0 < 5'000'000'000ull);
}

UTEST(clock_nanosleep_errors) {
    const Timespec ok{0, 1000};
    const Timespec bad_ns{0, 1'000'000'000};
    const Timespec negative{-1, 0};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_ns, nullptr), -EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &negative, nullptr), -EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, reinterpret_cast<const Timespec*>(kKernelPtr), nullptr), -EFAULT);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, reinterpret_cast<const Timespec*>(kLowPtr), nullptr), -EFAULT);
    CHECK_EQ(clock_nanosleep(1000, 0, &ok, nullptr), -EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ok, nullptr), -EOPNOTSUPP);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &ok, nullptr), -EOPNOTSUPP);
    if (!qemu_user()) CHECK_EQ(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &ok, nullptr), -EINVAL);   // Linux sleeps
}

UTEST(clock_nanosleep_of_a_killed_child_ends) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const Timespec forever{1l << 40, 0};   // saturates: sleeps until killed
        clock_nanosleep(CLOCK_MONOTONIC, 0, &forever, nullptr);
        exit_group(1);
    }
    sleep_ms(20);
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    CHECK_EQ(wait_status(pid), static_cast<long>(SIGKILL));
}

UTEST(gettimeofday_agrees_with_the_realtime_clock) {
    Timespec a, b;
    Timeval tv{-1, -1};
    int tz[2] = {7, 7};
    REQUIRE(clock_gettime(CLOCK_REALTIME, &a) == 0);
    CHECK_EQ(gettimeofday(&tv, tz), 0l);
    REQUIRE(clock_gettime(CLOCK_REALTIME, &b) == 0);
    const long us = tv.tv_sec * 1'000'000 + tv.tv_usec;
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1'000'000);
    CHECK(us >= a.tv_sec * 1'000'000 + a.tv_nsec / 1000);
    CHECK(us <= b.tv_sec * 1'000'000 + b.tv_nsec / 1000);
    CHECK(tz[0] == 0 && tz[1] == 0);
    CHECK_EQ(gettimeofday(nullptr, nullptr), 0l);
    CHECK_EQ(gettimeofday(reinterpret_cast<Timeval*>(kKernelPtr), nullptr), -EFAULT);
    CHECK_EQ(gettimeofday(&tv, kLowPtr), -EFAULT);
}

UTEST(tgkill_and_tkill_signal_oneself_as_raise_does) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int me = static_cast<int>(getpid());
        if (tgkill(me, me, 0) != 0) exit_group(1);   // probes only
        tgkill(me, me, SIGABRT);   // what abort() does
        exit_group(2);
    }
    CHECK_EQ(wait_status(pid), static_cast<long>(SIGABRT));
    const long other = fork();
    REQUIRE(other >= 0);
    if (other == 0) {
        for (;;) sched_yield();
    }
    CHECK_EQ(tkill(static_cast<int>(other), SIGKILL), 0l);
    CHECK_EQ(wait_status(other), static_cast<long>(SIGKILL));
}

UTEST(tgkill_and_tkill_errors) {
    const int me = static_cast<int>(getpid());
    CHECK_EQ(tgkill(0, me, 0), -EINVAL);
    CHECK_EQ(tgkill(me, 0, 0), -EINVAL);
    CHECK_EQ(tgkill(me, -1, 0), -EINVAL);
    CHECK_EQ(tkill(0, 0), -EINVAL);
    CHECK_EQ(tkill(-5, 0), -EINVAL);
    CHECK_EQ(tgkill(me, 0x3fffffff, 0), -ESRCH);   // no such thread in this process
    CHECK_EQ(tkill(0x3fffffff, 0), -ESRCH);
    CHECK_EQ(tgkill(me, me, 65), -EINVAL);
}
