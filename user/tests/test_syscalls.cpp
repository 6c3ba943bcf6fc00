// test_syscalls: every system call of the user runtime, on its success path and its error paths
// (EBADF, EFAULT for kernel-half and unmapped user pointers, EINVAL for bad flags and clock ids,
// ENOSYS for unknown numbers), with the results real Linux gives.
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr std::size_t kPage = 4096;
const auto kKernelPtr = reinterpret_cast<void*>(kKernelAddress);
const auto kLowPtr = reinterpret_cast<void*>(kUnmappedUserAddress);
constexpr int kUnusedFd = 12345;   // never open: above any fd this process uses

bool all_zero(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i)
        if (b[i]) return false;
    return true;
}

std::uintptr_t page_up(std::uintptr_t a) { return (a + kPage - 1) & ~(kPage - 1); }

}  // namespace

UTEST(read_write_through_pipe) {
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(write(p.w, "hello", 5), 5l);
    char buf[16] = {};
    CHECK_EQ(read(p.r, buf, sizeof buf), 5l);   // returns what is there, does not wait to fill buf
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(read(p.r, buf, 0), 0l);
    CHECK_EQ(write(p.w, buf, 0), 0l);
}

UTEST(read_write_bad_fd_is_ebadf) {
    char buf[4] = {};
    CHECK_EQ(read(-1, buf, 1), -EBADF);
    CHECK_EQ(read(kUnusedFd, buf, 1), -EBADF);
    CHECK_EQ(write(-1, buf, 1), -EBADF);
    CHECK_EQ(write(kUnusedFd, buf, 1), -EBADF);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(write(p.r, buf, 1), -EBADF);   // the read end is not open for writing
    CHECK_EQ(read(p.w, buf, 1), -EBADF);    // nor the write end for reading
    const int fd = p.r;
    CHECK_EQ(close(fd), 0l);
    p.r = -1;
    CHECK_EQ(read(fd, buf, 1), -EBADF);   // closed
}

UTEST(read_write_bad_pointer_is_efault) {
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(write(p.w, kKernelPtr, 8), -EFAULT);
    CHECK_EQ(write(p.w, kLowPtr, 8), -EFAULT);
    CHECK_EQ(write(p.w, "12345678", 8), 8l);   // data waiting, so read does not block
    CHECK_EQ(read(p.r, kKernelPtr, 8), -EFAULT);
    CHECK_EQ(read(p.r, kLowPtr, 8), -EFAULT);
}

UTEST(writev_gathers_buffers) {
    Pipe p;
    REQUIRE(p.ok());
    const Iovec iov[4] = {{"abc", 3}, {"", 0}, {"defgh", 5}, {"ij", 2}};
    CHECK_EQ(writev(p.w, iov, 4), 10l);
    char buf[16] = {};
    CHECK_EQ(read(p.r, buf, sizeof buf), 10l);
    CHECK(memcmp(buf, "abcdefghij", 10) == 0);
    CHECK_EQ(writev(p.w, iov, 0), 0l);
}

UTEST(writev_errors) {
    Pipe p;
    REQUIRE(p.ok());
    const Iovec good[1] = {{"x", 1}};
    CHECK_EQ(writev(kUnusedFd, good, 1), -EBADF);
    CHECK_EQ(writev(p.r, good, 1), -EBADF);
    CHECK_EQ(writev(p.w, static_cast<const Iovec*>(kKernelPtr), 1), -EFAULT);
    CHECK_EQ(writev(p.w, static_cast<const Iovec*>(kLowPtr), 1), -EFAULT);
    // Linux checks every iovec against the user range before writing anything; qemu-user writes
    // the good ones and stops at the bad one.
    const Iovec bad_base[2] = {{"x", 1}, {kKernelPtr, 4}};
    if (qemu_user()) note("skipped: a kernel-half buffer in the second iovec (qemu-user writes a partial result)");
    else CHECK_EQ(writev(p.w, bad_base, 2), -EFAULT);
    CHECK_EQ(writev(p.w, good, -1), -EINVAL);
    CHECK_EQ(writev(p.w, good, static_cast<int>(kIovMax) + 1), -EINVAL);
}

UTEST(close_semantics) {
    Pipe p;
    REQUIRE(p.ok());
    const int fd = p.w;
    CHECK_EQ(close(fd), 0l);
    p.w = -1;
    CHECK_EQ(close(fd), -EBADF);
    CHECK_EQ(close(-1), -EBADF);
    CHECK_EQ(close(kUnusedFd), -EBADF);
    char c;
    CHECK_EQ(read(p.r, &c, 1), 0l);   // the only writer closed: end of file
}

UTEST(dup_shares_the_file_and_takes_the_lowest_free_fd) {
    Pipe p;
    REQUIRE(p.ok());
    const long d = dup(p.w);
    REQUIRE(d >= 0);
    CHECK(d != p.w && d != p.r);
    CHECK_EQ(write(static_cast<int>(d), "x", 1), 1l);
    char c = 0;
    CHECK_EQ(read(p.r, &c, 1), 1l);
    CHECK_EQ(c, 'x');
    CHECK_EQ(close(static_cast<int>(d)), 0l);
    CHECK_EQ(dup(p.r), d);   // the lowest free number again
    close(static_cast<int>(d));
    CHECK_EQ(dup(-1), -EBADF);
    CHECK_EQ(dup(kUnusedFd), -EBADF);
}

UTEST(dup3_semantics) {
    Pipe p, q;
    REQUIRE(p.ok() && q.ok());
    // Onto a free number.
    const long t = dup(p.w);
    REQUIRE(t >= 0);
    close(static_cast<int>(t));
    CHECK_EQ(dup3(p.w, static_cast<int>(t), 0), t);
    CHECK_EQ(write(static_cast<int>(t), "a", 1), 1l);
    close(static_cast<int>(t));
    // Onto an open fd: q's write end is closed first, so q's reader sees end of file, and q.w
    // now writes into p.
    CHECK_EQ(dup3(p.w, q.w, 0), static_cast<long>(q.w));
    CHECK_EQ(write(q.w, "b", 1), 1l);
    char buf[4] = {};
    CHECK_EQ(read(p.r, buf, sizeof buf), 2l);
    CHECK(buf[0] == 'a' && buf[1] == 'b');
    CHECK_EQ(read(q.r, buf, 1), 0l);
    // O_CLOEXEC is the only flag.
    CHECK_EQ(dup3(p.w, q.w, O_CLOEXEC), static_cast<long>(q.w));
    CHECK_EQ(dup3(p.w, q.w, O_WRONLY), -EINVAL);
    CHECK_EQ(dup3(p.w, q.w, 0x4000000), -EINVAL);
    CHECK_EQ(dup3(p.w, p.w, 0), -EINVAL);   // unlike dup2, the same fd twice is an error
    CHECK_EQ(dup3(kUnusedFd, q.w, 0), -EBADF);
    CHECK_EQ(dup3(p.w, -1, 0), -EBADF);
    CHECK_EQ(dup3(p.w, 1 << 20, 0), -EBADF);   // beyond any fd table (RLIMIT_NOFILE)
}

UTEST(pipe2_flags_and_faults) {
    int fds[2] = {-1, -1};
    CHECK_EQ(pipe2(fds, O_CLOEXEC), 0l);
    CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
    close(fds[0]);
    close(fds[1]);
    CHECK_EQ(pipe2(fds, O_WRONLY), -EINVAL);
    // qemu-user drops flag bits it does not know before calling the host, so only Linux sees this.
    if (qemu_user()) note("skipped: unknown pipe2 flag bit (qemu-user drops it)");
    else CHECK_EQ(pipe2(fds, 0x4000000), -EINVAL);
    CHECK_EQ(pipe2(static_cast<int*>(kKernelPtr), 0), -EFAULT);
    CHECK_EQ(pipe2(static_cast<int*>(kLowPtr), 0), -EFAULT);
}

UTEST(exit_status_keeps_low_eight_bits) {
    CHECK(exited_with(in_child([] { exit_group(42); }), 42));
    CHECK(exited_with(in_child([] { exit_group(256 + 7); }), 7));
    CHECK(exited_with(in_child([] { user::exit(3); }), 3));   // exit of the only thread ends the process
    CHECK(exited_with(in_child([] { exit_group(0); }), 0));
}

UTEST(wait4_errors) {
    int status = 0;
    CHECK_EQ(wait4(-1, &status, 0x12345600), -EINVAL);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(5);
    // Linux reaps the child and then fails to store the status; a kernel that checks the pointer
    // first leaves it for the next wait. Either way the call itself reports EFAULT.
    CHECK_EQ(wait4(static_cast<int>(pid), static_cast<int*>(kKernelPtr), 0), -EFAULT);
    const long r = wait4(static_cast<int>(pid), &status, 0);
    CHECK(r == pid || r == -ECHILD);
    CHECK_EQ(wait4(-1, &status, 0), -ECHILD);
}

UTEST(process_ids) {
    const long pid = getpid();
    CHECK(pid > 0);
    CHECK_EQ(gettid(), pid);   // single-threaded: the thread id is the process id
    CHECK(getppid() >= 0);
    CHECK(getuid() >= 0 && getgid() >= 0);
    CHECK_EQ(geteuid(), getuid());
    CHECK_EQ(getegid(), getgid());
    const int st = in_child([pid] {
        CHECK_EQ(getppid(), pid);
        CHECK(getpid() != pid);
        CHECK_EQ(gettid(), getpid());
    });
    CHECK(exited_with(st, 0));
}

UTEST(set_tid_address_returns_tid) {
    int tid_word = -1;
    CHECK_EQ(set_tid_address(&tid_word), gettid());
    CHECK_EQ(set_tid_address(nullptr), gettid());
    // The address is only used when the thread exits; a bad one is not checked here.
    CHECK(exited_with(in_child([] { CHECK_EQ(set_tid_address(static_cast<int*>(kLowPtr)), gettid()); }), 0));
}

UTEST(sched_yield_returns_zero) {
    for (int i = 0; i < 100; ++i) CHECK_EQ(sched_yield(), 0l);
}

UTEST(nanosleep_sleeps_at_least_the_request) {
    const std::uint64_t t0 = monotonic_ns();
    const Timespec req{0, 20 * 1000000};
    Timespec rem{-1, -1};
    CHECK_EQ(nanosleep(&req, &rem), 0l);
    const std::uint64_t slept = monotonic_ns() - t0;
    CHECK(slept >= 20000000ull);
    CHECK(slept < 5000000000ull);
    const Timespec zero{0, 0};
    CHECK_EQ(nanosleep(&zero, nullptr), 0l);
}

UTEST(nanosleep_errors) {
    const Timespec big_nsec{0, 1000000000};
    const Timespec neg_nsec{0, -1};
    const Timespec neg_sec{-1, 0};
    CHECK_EQ(nanosleep(&big_nsec, nullptr), -EINVAL);
    CHECK_EQ(nanosleep(&neg_nsec, nullptr), -EINVAL);
    CHECK_EQ(nanosleep(&neg_sec, nullptr), -EINVAL);
    // qemu-user ignores the failed copy of the request and sleeps on garbage (EINVAL here).
    if (qemu_user()) {
        note("skipped: nanosleep EFAULT (qemu-user does not check the request pointer)");
        return;
    }
    CHECK_EQ(nanosleep(static_cast<const Timespec*>(kKernelPtr), nullptr), -EFAULT);
    CHECK_EQ(nanosleep(static_cast<const Timespec*>(kLowPtr), nullptr), -EFAULT);
}

UTEST(clock_gettime_monotonic_never_goes_back) {
    Timespec prev{};
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &prev), 0l);
    for (int i = 0; i < 1000; ++i) {
        Timespec now{};
        CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0l);
        CHECK(now.tv_nsec >= 0 && now.tv_nsec < 1000000000);
        CHECK(now.tv_sec > prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec >= prev.tv_nsec));
        if (current_failed()) return;
        prev = now;
    }
    Timespec real{};
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &real), 0l);
    CHECK(real.tv_sec >= 0 && real.tv_nsec >= 0 && real.tv_nsec < 1000000000);
}

// CLOCK_REALTIME is wall-clock time (QEMU virt's PL031 starts at the host's time, surely past
// 2020-01-01) and runs with CLOCK_MONOTONIC: their difference stays put.
UTEST(clock_gettime_realtime_is_wall_clock_time) {
    Timespec real{}, mono{};
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &real), 0l);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &mono), 0l);
    CHECK(real.tv_sec > 1577836800l);
    const long gap = real.tv_sec - mono.tv_sec;
    sleep_ms(20);
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &real), 0l);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &mono), 0l);
    const long gap_after = real.tv_sec - mono.tv_sec;
    CHECK(gap_after - gap >= -1 && gap_after - gap <= 1);
}

UTEST(clock_gettime_errors) {
    Timespec ts{};
    CHECK_EQ(clock_gettime(100, &ts), -EINVAL);
    CHECK_EQ(clock_gettime(1000, &ts), -EINVAL);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, static_cast<Timespec*>(kKernelPtr)), -EFAULT);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, static_cast<Timespec*>(kLowPtr)), -EFAULT);
}

UTEST(uname_fields) {
    Utsname u;
    memset(&u, 0x7f, sizeof u);
    REQUIRE(uname(&u) == 0);
    for (const char* field : {u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname}) {
        bool terminated = false;
        for (std::size_t i = 0; i < Utsname::kLen; ++i) terminated = terminated || field[i] == '\0';
        CHECK(terminated);
    }
    CHECK(u.sysname[0] != '\0');
    CHECK(u.release[0] != '\0');
    CHECK(str_eq(u.machine, "aarch64"));
    CHECK_EQ(uname(static_cast<Utsname*>(kKernelPtr)), -EFAULT);
    CHECK_EQ(uname(static_cast<Utsname*>(kLowPtr)), -EFAULT);
}

UTEST(brk_grows_and_shrinks) {
    const long start = brk(nullptr);
    REQUIRE(start > 0);
    const std::uintptr_t base = page_up(static_cast<std::uintptr_t>(start));
    const std::size_t len = 16 * kPage;
    const long grown = static_cast<long>(base + len);
    REQUIRE(brk(reinterpret_cast<void*>(grown)) == grown);
    CHECK_EQ(brk(nullptr), grown);
    auto* mem = reinterpret_cast<unsigned char*>(base);
    CHECK(all_zero(mem, len));
    memset(mem, 0xab, len);
    CHECK(mem[0] == 0xab && mem[len - 1] == 0xab);
    // Shrink: pages wholly above the new break go away, and growing again gives zeroed memory.
    CHECK_EQ(brk(reinterpret_cast<void*>(start)), start);
    CHECK_EQ(brk(reinterpret_cast<void*>(grown)), grown);
    CHECK(all_zero(mem, len));
    CHECK_EQ(brk(reinterpret_cast<void*>(start)), start);
    // qemu-user keeps shrunk heap pages mapped (it only zeroes them when the heap grows back).
    if (qemu_user()) note("skipped: access above a shrunk break (qemu-user keeps the pages)");
    else CHECK(killed_by(probe_write(base + kPage), SIGSEGV));
}

UTEST(brk_refuses_bad_addresses) {
    const long cur = brk(nullptr);
    REQUIRE(cur > 0);
    // A failed brk returns the unchanged break, not an error number.
    CHECK_EQ(brk(kKernelPtr), cur);
    CHECK_EQ(brk(kLowPtr), cur);
    CHECK_EQ(brk(nullptr), cur);
}

UTEST(mmap_anonymous_is_zeroed_usable_and_unmappable) {
    const std::size_t len = 4 * kPage;
    const long r = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(r));
    CHECK_EQ(r & static_cast<long>(kPage - 1), 0l);
    auto* mem = reinterpret_cast<unsigned char*>(r);
    CHECK(all_zero(mem, len));
    for (std::size_t i = 0; i < len; ++i) mem[i] = static_cast<unsigned char>(i * 7);
    bool same = true;
    for (std::size_t i = 0; i < len; ++i) same = same && mem[i] == static_cast<unsigned char>(i * 7);
    CHECK(same);
    // The child has its own copy; what it writes is not seen here.
    CHECK(exited_with(in_child([mem] { mem[5] = 0xee; CHECK_EQ(mem[6], static_cast<unsigned char>(42)); }), 0));
    CHECK_EQ(mem[5], static_cast<unsigned char>(35));
    CHECK_EQ(munmap(mem, len), 0l);
    CHECK(killed_by(probe_read(static_cast<std::uintptr_t>(r)), SIGSEGV));
    CHECK(killed_by(probe_write(static_cast<std::uintptr_t>(r) + len - 1), SIGSEGV));
    CHECK_EQ(munmap(mem, len), 0l);   // unmapping nothing is not an error
}

UTEST(mmap_partial_munmap_leaves_the_rest) {
    const long r = mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(r));
    auto* mem = reinterpret_cast<unsigned char*>(r);
    memset(mem, 0x5a, 3 * kPage);
    CHECK_EQ(munmap(mem + kPage, kPage), 0l);
    CHECK(mem[0] == 0x5a && mem[kPage - 1] == 0x5a);
    CHECK(mem[2 * kPage] == 0x5a && mem[3 * kPage - 1] == 0x5a);
    CHECK(killed_by(probe_read(static_cast<std::uintptr_t>(r) + kPage), SIGSEGV));
    CHECK(exited_with(probe_write(static_cast<std::uintptr_t>(r) + 2 * kPage), 0));
    CHECK_EQ(munmap(mem, 3 * kPage), 0l);
}

UTEST(mmap_read_only_faults_on_write) {
    const long r = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(r));
    CHECK(all_zero(reinterpret_cast<void*>(r), kPage));
    CHECK(exited_with(probe_read(static_cast<std::uintptr_t>(r)), 0));
    CHECK(killed_by(probe_write(static_cast<std::uintptr_t>(r)), SIGSEGV));
    const long none = mmap(nullptr, kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(none));
    CHECK(killed_by(probe_read(static_cast<std::uintptr_t>(none)), SIGSEGV));
    munmap(reinterpret_cast<void*>(r), kPage);
    munmap(reinterpret_cast<void*>(none), kPage);
}

UTEST(mmap_fixed_replaces_pages) {
    const long r = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(r));
    auto* mem = reinterpret_cast<unsigned char*>(r);
    memset(mem, 0x11, 2 * kPage);
    const long f = mmap(mem + kPage, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_EQ(f, r + static_cast<long>(kPage));
    CHECK(all_zero(mem + kPage, kPage));
    CHECK_EQ(mem[0], static_cast<unsigned char>(0x11));
    munmap(mem, 2 * kPage);
}

// munmap of a range spanning terabytes costs what is mapped there, not the range's size (a page-by-
// page loop would take hours), and takes exactly the pages inside it. A large mmap that could never
// be backed fails at once. (Linux passes too: it walks only its VMAs.)
UTEST(munmap_of_a_huge_range_is_quick_and_exact) {
    if (qemu_user()) {
        note("skipped: qemu-user's munmap walks the range page by page (Linux's walks its maps)");
        return;
    }
    const int rw = PROT_READ | PROT_WRITE;
    const int fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    // A region no program image, stack or map of either system uses (16 TiB at 32 TiB).
    auto* a = reinterpret_cast<unsigned char*>(0x2000'0000'0000ul);
    auto* b = reinterpret_cast<unsigned char*>(0x2800'0000'0000ul);
    auto* outside = reinterpret_cast<unsigned char*>(0x1fff'ffff'f000ul);
    REQUIRE(mmap(a, kPage, rw, fixed, -1, 0) == reinterpret_cast<long>(a));
    REQUIRE(mmap(b, 2 * kPage, rw, fixed, -1, 0) == reinterpret_cast<long>(b));
    REQUIRE(mmap(outside, kPage, rw, fixed, -1, 0) == reinterpret_cast<long>(outside));
    a[0] = 1, b[kPage] = 2, outside[0] = 3;
    CHECK_EQ(munmap(a, 0x1000'0000'0000ul), 0l);  // 16 TiB: a and b inside, `outside` just below
    CHECK_EQ(outside[0], static_cast<unsigned char>(3));
    // a and b are free again: mapping there without MAP_FIXED's replacing succeeds, and reads zero.
    CHECK_EQ(mmap(a, kPage, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), reinterpret_cast<long>(a));
    CHECK_EQ(mmap(b, 2 * kPage, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), reinterpret_cast<long>(b));
    CHECK_EQ(a[0] + b[kPage], 0);
    CHECK_EQ(munmap(outside, 0x1000'0000'0000ul), 0l);
    CHECK_EQ(mmap(nullptr, 1ul << 39, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -ENOMEM);  // 512 GiB
}

UTEST(mmap_munmap_errors) {
    const int rw = PROT_READ | PROT_WRITE;
    const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    CHECK_EQ(mmap(nullptr, 0, rw, anon, -1, 0), -EINVAL);
    CHECK_EQ(mmap(nullptr, kPage, rw, MAP_ANONYMOUS, -1, 0), -EINVAL);   // neither PRIVATE nor SHARED
    CHECK_EQ(mmap(reinterpret_cast<void*>(0x12345001), kPage, rw, anon | MAP_FIXED, -1, 0), -EINVAL);
    CHECK_EQ(mmap(nullptr, kPage, rw, anon, -1, 1), -EINVAL);   // offset not page-aligned
    CHECK_EQ(mmap(nullptr, kPage, rw, MAP_PRIVATE, -1, 0), -EBADF);   // a file mapping needs a file
    CHECK_EQ(mmap(nullptr, 1ul << 62, rw, anon, -1, 0), -ENOMEM);
    CHECK_EQ(munmap(reinterpret_cast<void*>(0x12345001), kPage), -EINVAL);
    CHECK_EQ(munmap(reinterpret_cast<void*>(0x12345000), 0), -EINVAL);
    CHECK_EQ(munmap(kKernelPtr, kPage), -EINVAL);
}

UTEST(kill_semantics) {
    CHECK_EQ(kill(static_cast<int>(getpid()), 0), 0l);   // signal 0 only checks the target exists
    CHECK_EQ(kill(0x3ffffff0, 0), -ESRCH);
    CHECK_EQ(kill(static_cast<int>(getpid()), kNumSignals + 1), -EINVAL);
    CHECK_EQ(kill(static_cast<int>(getpid()), -1), -EINVAL);
    int ready[2];
    REQUIRE(pipe2(ready, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        for (;;) sched_yield();
    }
    close(ready[1]);
    CHECK_EQ(kill(static_cast<int>(pid), 0), 0l);
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CHECK(killed_by(status, SIGKILL));
    CHECK_EQ(kill(static_cast<int>(pid), 0), -ESRCH);   // reaped: gone
    close(ready[0]);
}

UTEST(reboot_with_bad_magic_fails) {
    // Never a valid magic pair here. Linux checks CAP_SYS_BOOT first (EPERM without it), then the
    // magic numbers (EINVAL).
    const long r = reboot(0x12345678, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, nullptr);
    CHECK(r == -EINVAL || r == -EPERM);
    const long r2 = reboot(LINUX_REBOOT_MAGIC1, 0x12345678, LINUX_REBOOT_CMD_POWER_OFF, nullptr);
    CHECK(r2 == -EINVAL || r2 == -EPERM);
}

UTEST(reboot_reads_its_int_arguments_as_32_bits) {
    // glibc and busybox pass magic1 0xfee1dead sign-extended to 64 bits; Linux's int sees the low half.
    // LINUX_REBOOT_CMD_CAD_OFF (0) only sets a flag, so it is safe to issue. Root only.
    if (qemu_user()) {
        note("skipped: it would reach the host's reboot");
        return;
    }
    const long r = syscall6(SYS_reboot, static_cast<long>(static_cast<int>(LINUX_REBOOT_MAGIC1)),
                            LINUX_REBOOT_MAGIC2 | (1l << 32), 0, 0);
    CHECK_EQ(r, 0l);
    CHECK_EQ(reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x1234, nullptr), -EINVAL);  // no such command
}

UTEST(getrandom_fills_buffers) {
    unsigned char a[64] = {}, b[64] = {};
    CHECK_EQ(getrandom(a, sizeof a, 0), 64l);
    CHECK_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), 64l);
    CHECK(!all_zero(a, sizeof a));
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK_EQ(getrandom(a, 0, 0), 0l);
    CHECK_EQ(getrandom(a, sizeof a, 0x100), -EINVAL);
    CHECK_EQ(getrandom(kKernelPtr, 16, 0), -EFAULT);
    CHECK_EQ(getrandom(kLowPtr, 16, 0), -EFAULT);
}

UTEST(unknown_syscalls_are_enosys) {
    for (long nr : {999l, 1000l, 4095l, 100000l}) CHECK_EQ(syscall6(nr, 1, 2, 3, 4, 5, 6), -ENOSYS);
}

// Linux restores every register but x0 on the way back from a system call.
UTEST(syscall_preserves_registers) {
    std::uint64_t saved[26] = {};
    std::uint64_t sp_before = 0, sp_after = 0;
    register std::uint64_t* out asm("x19") = saved;
    asm volatile(
        "mov %1, sp\n"
        "mov x1, #0x1111\n mov x2, #0x2222\n mov x3, #0x3333\n mov x4, #0x4444\n"
        "mov x5, #0x5555\n mov x6, #0x6666\n mov x7, #0x7777\n mov x9, #0x9999\n"
        "mov x10, #0xa0a0\n mov x11, #0xa1a1\n mov x12, #0xa2a2\n mov x13, #0xa3a3\n"
        "mov x14, #0xa4a4\n mov x15, #0xa5a5\n mov x16, #0xa6a6\n mov x17, #0xa7a7\n"
        "mov x20, #0xb0b0\n mov x21, #0xb1b1\n mov x22, #0xb2b2\n mov x23, #0xb3b3\n"
        "mov x24, #0xb4b4\n mov x25, #0xb5b5\n mov x26, #0xb6b6\n mov x27, #0xb7b7\n mov x28, #0xb8b8\n"
        "mov x8, #172\n svc #0\n"   // getpid
        "stp x1, x2, [x19, #0]\n stp x3, x4, [x19, #16]\n stp x5, x6, [x19, #32]\n stp x7, x8, [x19, #48]\n"
        "stp x9, x10, [x19, #64]\n stp x11, x12, [x19, #80]\n stp x13, x14, [x19, #96]\n"
        "stp x15, x16, [x19, #112]\n stp x17, x20, [x19, #128]\n stp x21, x22, [x19, #144]\n"
        "stp x23, x24, [x19, #160]\n stp x25, x26, [x19, #176]\n stp x27, x28, [x19, #192]\n"
        "mov %2, sp\n"
        : "+r"(out), "=&r"(sp_before), "=&r"(sp_after)
        :
        : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
          "x16", "x17", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "memory");
    const std::uint64_t expected[26] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 172,    0x9999,
                                        0xa0a0, 0xa1a1, 0xa2a2, 0xa3a3, 0xa4a4, 0xa5a5, 0xa6a6, 0xa7a7, 0xb0b0,
                                        0xb1b1, 0xb2b2, 0xb3b3, 0xb4b4, 0xb5b5, 0xb6b6, 0xb7b7, 0xb8b8};
    for (int i = 0; i < 26; ++i) CHECK_EQ(saved[i], expected[i]);
    CHECK_EQ(sp_before, sp_after);
}
