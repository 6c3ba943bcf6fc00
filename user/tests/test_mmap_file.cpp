// test_mmap_file: mmap of regular files as Linux gives it. MAP_SHARED over a tmpfs file (writes seen by
// read(2) and the other way round, by another process sharing the map or mapping the file itself),
// MAP_PRIVATE copy-on-write (the file never sees the writes) also over the read-only initramfs,
// munmap and mprotect in the middle of a file mapping, SIGBUS past the end of the file (also after a
// truncate under the mapping), fork, and every error path of mmap, mprotect and msync.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr long kPage = 4096;

// Calls and constants not in user/lib (yet): local, so this suite stands alone.
constexpr long kSysUnlinkat = 35, kSysFtruncate = 46, kSysOpenat = 56, kSysPread64 = 67, kSysPwrite64 = 68;
constexpr long kSysMsync = 227;
constexpr int kOCreat = 0100, kOTrunc = 01000, kODirectory = 040000, kOPath = 010000000;
constexpr long kENODEV = 19, kEOVERFLOW = 75;
constexpr int kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;

long open_at(const char* p, int flags, int mode = 0600) { return syscall6(kSysOpenat, AT_FDCWD, arg(p), flags, mode); }
long truncate_fd(int fd, long len) { return syscall6(kSysFtruncate, fd, len); }
long unlink_path(const char* p) { return syscall6(kSysUnlinkat, AT_FDCWD, arg(p), 0); }
long pread_at(int fd, void* buf, std::size_t n, long off) { return syscall6(kSysPread64, fd, arg(buf), arg(n), off); }
long pwrite_at(int fd, const void* buf, std::size_t n, long off) {
    return syscall6(kSysPwrite64, fd, arg(buf), arg(n), off);
}
long msync_range(const void* addr, std::size_t len, int flags) { return syscall6(kSysMsync, arg(addr), arg(len), flags); }

unsigned char pattern(long i) { return static_cast<unsigned char>(i * 7 + (i >> 12) + 1); }

// A uniquely named file in /tmp (tmpfs here, the host's /tmp under qemu-user), open O_RDWR and
// filled with `size` bytes of pattern(); removed when the test ends.
struct TempFile {
    char name[64];
    int fd = -1;
    explicit TempFile(const char* tag, long size = 0) {
        snprintf(name, sizeof name, "/tmp/mmap_file.%ld.%s", getpid(), tag);
        fd = static_cast<int>(open_at(name, O_RDWR | kOCreat | kOTrunc));
        unsigned char buf[512];
        for (long at = 0; fd >= 0 && at < size; at += static_cast<long>(sizeof buf)) {
            const long n = size - at < static_cast<long>(sizeof buf) ? size - at : static_cast<long>(sizeof buf);
            for (long i = 0; i < n; ++i) buf[i] = pattern(at + i);
            if (pwrite_at(fd, buf, static_cast<std::size_t>(n), at) != n) close_fd();
        }
    }
    ~TempFile() {
        close_fd();
        unlink_path(name);
    }
    void close_fd() {
        if (fd >= 0) close(fd);
        fd = -1;
    }
    bool ok() const { return fd >= 0; }
};

unsigned char* map_file(long len, int prot, int flags, int fd, long off = 0) {
    const long r = mmap(nullptr, static_cast<std::size_t>(len), prot, flags, fd, off);
    return is_error(r) ? nullptr : reinterpret_cast<unsigned char*>(r);
}

unsigned char byte_at(int fd, long off) {
    unsigned char c = 0xee;
    return pread_at(fd, &c, 1, off) == 1 ? c : 0xee;
}

constexpr int kRW = PROT_READ | PROT_WRITE;

}  // namespace

UTEST(shared_map_writes_reach_read_and_writes_reach_the_map) {
    TempFile f("shared", 2 * kPage + 100);
    REQUIRE(f.ok());
    unsigned char* m = map_file(3 * kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    bool same = true;
    for (long i = 0; i < 2 * kPage + 100; ++i) same = same && m[i] == pattern(i);
    CHECK(same);
    bool zero_tail = true;  // the rest of the last partial page reads as zeros
    for (long i = 2 * kPage + 100; i < 3 * kPage; ++i) zero_tail = zero_tail && m[i] == 0;
    CHECK(zero_tail);
    m[5] = 0x55;
    m[kPage + 9] = 0x66;
    CHECK_EQ(byte_at(f.fd, 5), 0x55);   // at once, no msync needed: the map is the file's page
    CHECK_EQ(byte_at(f.fd, kPage + 9), 0x66);
    const unsigned char v = 0x77;
    CHECK_EQ(pwrite_at(f.fd, &v, 1, 2 * kPage + 3), 1l);
    CHECK_EQ(m[2 * kPage + 3], 0x77);
    CHECK_EQ(msync_range(m, 3 * kPage, kMsSync), 0l);
    CHECK_EQ(munmap(m, 3 * kPage), 0l);
    CHECK_EQ(byte_at(f.fd, 5), 0x55);   // the data stays in the file after the map goes
}

// read(2) and write(2) whose user buffer is a file mapping not touched yet: the kernel's own access
// pages it in (under the file layer's lock it already holds), also when it is the same file.
UTEST(read_and_write_with_buffers_in_untouched_mappings) {
    TempFile a("rw_a", 2 * kPage), b("rw_b", 2 * kPage);
    REQUIRE(a.ok() && b.ok());
    unsigned char* priv = map_file(2 * kPage, kRW, MAP_PRIVATE, b.fd);
    unsigned char* shared = map_file(2 * kPage, kRW, MAP_SHARED, b.fd);
    REQUIRE(priv != nullptr && shared != nullptr);
    CHECK_EQ(pread_at(a.fd, priv + 10, 100, kPage), 100l);        // into a private copy of b's page
    CHECK_EQ(priv[10], pattern(kPage));
    CHECK_EQ(byte_at(b.fd, 10), pattern(10));                      // b itself unchanged
    CHECK_EQ(pwrite_at(a.fd, shared + kPage, 50, 0), 50l);        // out of b's second page
    CHECK_EQ(byte_at(a.fd, 0), pattern(kPage));
    unsigned char* self = map_file(2 * kPage, kRW, MAP_SHARED, a.fd);
    REQUIRE(self != nullptr);
    CHECK_EQ(pread_at(a.fd, self + kPage, 64, 0), 64l);           // a's own page into a's own page
    CHECK_EQ(byte_at(a.fd, kPage + 5), byte_at(a.fd, 5));
    CHECK_EQ(self[kPage + 5], byte_at(a.fd, 5));
}

UTEST(two_processes_share_a_map_and_a_file) {
    TempFile f("two", kPage);
    REQUIRE(f.ok());
    unsigned char* m = map_file(kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    Pipe go;
    REQUIRE(go.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        if (read(go.r, &c, 1) != 1) exit_group(2);
        if (m[10] != 0xa1) exit_group(3);   // the parent's write after the fork
        m[11] = 0xb2;                       // seen by the parent
        // The same file mapped afresh by this process: the same page again.
        const long fd = open_at(f.name, O_RDWR);
        unsigned char* again = fd < 0 ? nullptr : map_file(kPage, kRW, MAP_SHARED, static_cast<int>(fd));
        if (!again || again[10] != 0xa1) exit_group(4);
        again[12] = 0xc3;
        exit_group(0);
    }
    m[10] = 0xa1;
    CHECK_EQ(write(go.w, "g", 1), 1l);
    const int status = wait_child(pid);
    CHECK(exited_with(status, 0));
    CHECK_EQ(m[11], 0xb2);
    CHECK_EQ(m[12], 0xc3);
    CHECK_EQ(byte_at(f.fd, 12), 0xc3);
}

UTEST(private_map_is_copy_on_write_and_never_reaches_the_file) {
    TempFile f("private", 2 * kPage);
    REQUIRE(f.ok());
    unsigned char* m = map_file(2 * kPage, kRW, MAP_PRIVATE, f.fd);
    REQUIRE(m != nullptr);
    CHECK_EQ(m[1], pattern(1));
    m[1] = 0x11;
    CHECK_EQ(m[1], 0x11);
    CHECK_EQ(byte_at(f.fd, 1), pattern(1));   // the file keeps its byte
    CHECK_EQ(m[2], pattern(2));               // the copy holds the rest of the page
    // A page not written yet is still the file's: it shows the file's later writes (as on Linux).
    const unsigned char v = 0x99;
    CHECK_EQ(pwrite_at(f.fd, &v, 1, kPage + 4), 1l);
    CHECK_EQ(m[kPage + 4], 0x99);
    // fork: the child gets the private copy, and its own writes stay its own.
    const int status = in_child([&] {
        CHECK_EQ(m[1], 0x11);
        m[1] = 0x22;
        m[kPage] = 0x33;
        CHECK_EQ(m[1], 0x22);
    });
    CHECK(exited_with(status, 0));
    CHECK_EQ(m[1], 0x11);
    CHECK_EQ(m[kPage], pattern(kPage));
    CHECK_EQ(byte_at(f.fd, kPage), pattern(kPage));
    CHECK_EQ(munmap(m, 2 * kPage), 0l);
}

UTEST(private_map_of_a_read_only_open_may_be_written) {
    TempFile f("ro", kPage);
    REQUIRE(f.ok());
    const long fd = open_at(f.name, O_RDONLY);
    REQUIRE(fd >= 0);
    unsigned char* m = map_file(kPage, kRW, MAP_PRIVATE, static_cast<int>(fd));
    REQUIRE(m != nullptr);
    m[0] = 0x42;
    CHECK_EQ(m[0], 0x42);
    CHECK_EQ(byte_at(f.fd, 0), pattern(0));
    close(static_cast<int>(fd));
    CHECK_EQ(m[0], 0x42);   // the map outlives the descriptor
}

UTEST(private_map_of_an_initramfs_program_reads_its_elf_header) {
    const long fd = open_at(path("/bin/test_mmap_file"), O_RDONLY);
    REQUIRE(fd >= 0);
    unsigned char* m = map_file(2 * kPage, PROT_READ, MAP_PRIVATE, static_cast<int>(fd));
    REQUIRE(m != nullptr);
    CHECK(m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F');
    CHECK_EQ(m[4], 2);   // ELFCLASS64
    unsigned char second[16];
    CHECK_EQ(pread_at(static_cast<int>(fd), second, sizeof second, kPage + 16), 16l);
    CHECK(memcmp(second, m + kPage + 16, sizeof second) == 0);
    // Writable and private over a read-only file system: the copy changes, the file does not.
    unsigned char* w = map_file(kPage, kRW, MAP_PRIVATE, static_cast<int>(fd));
    REQUIRE(w != nullptr);
    w[0] = 'X';
    CHECK_EQ(w[0], 'X');
    CHECK_EQ(m[0], 0x7f);
    CHECK_EQ(byte_at(static_cast<int>(fd), 0), 0x7f);
    close(static_cast<int>(fd));
}

UTEST(munmap_and_mprotect_in_the_middle_split_the_mapping) {
    TempFile f("split", 4 * kPage);
    REQUIRE(f.ok());
    unsigned char* m = map_file(4 * kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    CHECK_EQ(m[0], pattern(0));   // page 0 touched before the split, pages 2 and 3 only after
    CHECK_EQ(munmap(m + kPage, kPage), 0l);
    CHECK(killed_by(probe_read(reinterpret_cast<std::uintptr_t>(m + kPage)), SIGSEGV));
    CHECK_EQ(m[2 * kPage + 5], pattern(2 * kPage + 5));   // the right file offset after the split
    CHECK_EQ(m[3 * kPage + 5], pattern(3 * kPage + 5));
    CHECK_EQ(mprotect(m + 2 * kPage, kPage, PROT_READ), 0l);
    CHECK(killed_by(probe_write(reinterpret_cast<std::uintptr_t>(m + 2 * kPage)), SIGSEGV));
    CHECK(exited_with(probe_read(reinterpret_cast<std::uintptr_t>(m + 2 * kPage)), 0));
    m[3 * kPage] = 0x31;   // the page after the protected one keeps PROT_WRITE
    m[0] = 0x30;
    CHECK_EQ(byte_at(f.fd, 3 * kPage), 0x31);
    CHECK_EQ(byte_at(f.fd, 0), 0x30);
    CHECK_EQ(mprotect(m + 2 * kPage, kPage, kRW), 0l);
    m[2 * kPage] = 0x32;
    CHECK_EQ(byte_at(f.fd, 2 * kPage), 0x32);
    CHECK_EQ(mprotect(m, 4 * kPage, PROT_READ), -ENOMEM);   // the hole
    CHECK_EQ(munmap(m, 4 * kPage), 0l);
    CHECK(killed_by(probe_read(reinterpret_cast<std::uintptr_t>(m + 3 * kPage)), SIGSEGV));
}

UTEST(access_past_the_end_of_the_file_is_sigbus) {
    TempFile f("bus", 100);
    REQUIRE(f.ok());
    unsigned char* m = map_file(3 * kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    CHECK_EQ(m[99], pattern(99));
    CHECK_EQ(m[100], 0);         // the tail of the last partial page: zeros, and no SIGBUS
    CHECK_EQ(m[kPage - 1], 0);
    CHECK(killed_by(probe_read(reinterpret_cast<std::uintptr_t>(m + kPage)), SIGBUS));
    CHECK(killed_by(probe_write(reinterpret_cast<std::uintptr_t>(m + 2 * kPage + 7)), SIGBUS));
    // read(2) into such a page is EFAULT, not a signal.
    CHECK_EQ(pread_at(f.fd, m + kPage, 10, 0), -EFAULT);
    // The file grows: the same pages are fine now.
    CHECK_EQ(truncate_fd(f.fd, 3 * kPage), 0l);
    CHECK(exited_with(probe_read(reinterpret_cast<std::uintptr_t>(m + 2 * kPage)), 0));
    CHECK_EQ(m[2 * kPage], 0);
}

UTEST(a_file_truncated_under_its_mapping_gives_sigbus_past_the_new_end) {
    TempFile f("trunc", 3 * kPage);
    REQUIRE(f.ok());
    unsigned char* shared = map_file(3 * kPage, kRW, MAP_SHARED, f.fd);
    unsigned char* priv = map_file(3 * kPage, kRW, MAP_PRIVATE, f.fd);
    REQUIRE(shared != nullptr && priv != nullptr);
    CHECK_EQ(shared[2 * kPage], pattern(2 * kPage));   // touched before the truncate
    priv[2 * kPage] = 0x5a;                              // a private copy, also past the new end
    CHECK_EQ(truncate_fd(f.fd, kPage + 10), 0l);
    CHECK_EQ(shared[kPage + 9], pattern(kPage + 9));
    CHECK_EQ(shared[kPage + 10], 0);                     // zeros from the new end on
    const int s1 = probe_read(reinterpret_cast<std::uintptr_t>(shared + 2 * kPage));
    CHECK(killed_by(s1, SIGBUS));
    if (!killed_by(s1, SIGBUS)) note("shared page past the new end: %s", describe_status(s1));
    CHECK(killed_by(probe_read(reinterpret_cast<std::uintptr_t>(priv + 2 * kPage)), SIGBUS));
    CHECK(killed_by(probe_write(reinterpret_cast<std::uintptr_t>(shared + 2 * kPage + 1)), SIGBUS));
}

// Truncations racing with faults in other processes (on other CPUs): each child sees its pages or
// SIGBUS, never another file's data, and the kernel stays up.
UTEST(truncation_racing_with_faults_in_other_processes) {
    constexpr long kStop = 4000;   // in page 0, past the bytes the children look at
    TempFile f("race", 8 * kPage);
    REQUIRE(f.ok());
    unsigned char* shared = map_file(8 * kPage, kRW, MAP_SHARED, f.fd);
    unsigned char* priv = map_file(8 * kPage, kRW, MAP_PRIVATE, f.fd);
    REQUIRE(shared != nullptr && priv != nullptr);
    int sigbus = 0;
    for (int round = 0; round < 12; ++round) {
        shared[kStop] = 0;
        long pids[2];
        for (int c = 0; c < 2; ++c) {
            pids[c] = fork();
            REQUIRE(pids[c] >= 0);
            if (pids[c] == 0) {
                unsigned char* m = c == 0 ? shared : priv;
                // Until the parent's truncations end (a flag in page 0, which is never cut off).
                for (long i = round; i < 2'000'000 && shared[kStop] != 0x5f; ++i) {
                    const long at = (i * 3 % 8) * kPage + (i % 64);
                    const unsigned char v = m[at];   // the file's byte, a zero of a regrown page, or SIGBUS
                    if (v != pattern(at) && v != 0 && v != 0xab) exit_group(3);
                    if (c == 1) m[at] = 0xab;         // private copies, also past the end for a moment
                    if (c == 0 && at < kPage) m[at] = 0xab;   // page 0 is never cut off
                }
                exit_group(0);
            }
        }
        for (int j = 0; j < 25; ++j) {
            if (truncate_fd(f.fd, kPage) != 0 || truncate_fd(f.fd, 8 * kPage) != 0) break;
            sched_yield();
        }
        shared[kStop] = 0x5f;
        for (long pid : pids) {
            const int status = wait_child(pid);
            CHECK(exited_with(status, 0) || killed_by(status, SIGBUS));
            if (!exited_with(status, 0) && !killed_by(status, SIGBUS)) note("child: %s", describe_status(status));
            sigbus += killed_by(status, SIGBUS);
        }
    }
    note("%d of 24 children met a truncated page (SIGBUS)", sigbus);
}

// exec drops the file mappings with the old program (the new one starts without them) and the file
// keeps what the old program wrote through its shared map.
UTEST(exec_drops_file_mappings) {
    TempFile f("exec", kPage);
    REQUIRE(f.ok());
    int out[2];
    REQUIRE(pipe2(out, 0) == 0);
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        unsigned char* s = map_file(kPage, kRW, MAP_SHARED, f.fd);
        unsigned char* p = map_file(kPage, kRW, MAP_PRIVATE, f.fd);
        if (!s || !p) exit_group(2);
        s[0] = 0x71;
        p[1] = 0x72;
        dup3(out[1], 1, 0);
        close(out[0]);
        close(out[1]);
        const char* argv[] = {"hello", nullptr};
        const char* envp[] = {nullptr};
        exit_group(static_cast<int>(100 - execve(path("/bin/hello"), argv, envp)));
    }
    close(out[1]);
    char buf[1024];
    long got = 0;
    for (long n; (n = read(out[0], buf + got, sizeof buf - 1 - static_cast<std::size_t>(got))) > 0;) got += n;
    close(out[0]);
    buf[got] = 0;
    CHECK(exited_with(wait_child(pid), 0));
    CHECK(got > 0 && memcmp(buf, "hello from user space", 21) == 0);
    CHECK_EQ(byte_at(f.fd, 0), 0x71);
    CHECK_EQ(byte_at(f.fd, 1), pattern(1));
}

UTEST(a_mapped_file_outlives_its_name) {
    TempFile f("unlinked", kPage);
    REQUIRE(f.ok());
    unsigned char* m = map_file(kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    CHECK_EQ(unlink_path(f.name), 0l);
    f.close_fd();
    CHECK_EQ(m[3], pattern(3));   // first touch after the unlink and the close
    m[3] = 0x13;
    CHECK_EQ(m[3], 0x13);
    CHECK_EQ(munmap(m, kPage), 0l);
}

UTEST(mmap_file_errors) {
    TempFile f("errors", kPage);
    REQUIRE(f.ok());
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, -1, 0), -EBADF);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, 1000, 0), -EBADF);
    const long closed = open_at(f.name, O_RDONLY);
    REQUIRE(closed >= 0);
    close(static_cast<int>(closed));
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, static_cast<int>(closed), 0), -EBADF);
    const long opath = open_at(f.name, kOPath);
    CHECK(opath >= 0);
    if (opath >= 0) CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, static_cast<int>(opath), 0), -EBADF);
    // The offset is checked first, then the descriptor, then the length and the type.
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, -1, 1), -EINVAL);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.fd, kPage - 1), -EINVAL);
    CHECK_EQ(mmap(nullptr, 0, PROT_READ, MAP_SHARED, f.fd, 0), -EINVAL);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, 0, f.fd, 0), -EINVAL);   // neither shared nor private
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, f.fd, 0x7ffffffffffff000l), -kEOVERFLOW);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, f.fd, -kPage), -kEOVERFLOW);
    // Access rights: every mapping reads the file; a shared writable one writes it too.
    const long ro = open_at(f.name, O_RDONLY), wo = open_at(f.name, O_WRONLY);
    REQUIRE(ro >= 0 && wo >= 0);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, static_cast<int>(wo), 0), -EACCES);
    CHECK_EQ(mmap(nullptr, kPage, kRW, MAP_SHARED, static_cast<int>(wo), 0), -EACCES);
    CHECK_EQ(mmap(nullptr, kPage, kRW, MAP_SHARED, static_cast<int>(ro), 0), -EACCES);
    unsigned char* m = map_file(kPage, PROT_READ, MAP_SHARED, static_cast<int>(ro));
    REQUIRE(m != nullptr);
    CHECK_EQ(mprotect(m, kPage, kRW), -EACCES);   // never writable: the file is not open for writing
    CHECK_EQ(mprotect(m, kPage, PROT_READ), 0l);
    CHECK_EQ(munmap(m, kPage), 0l);
    close(static_cast<int>(ro));
    close(static_cast<int>(wo));
    // Files without pages.
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, p.r, 0), -kENODEV);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, p.w, 0), -EACCES);   // not readable comes first
    const long dir = open_at("/tmp", O_RDONLY | kODirectory);
    REQUIRE(dir >= 0);
    CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, static_cast<int>(dir), 0), -kENODEV);
    close(static_cast<int>(dir));
    if (const long null = open_at("/dev/null", O_RDWR); null >= 0) {
        CHECK_EQ(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, static_cast<int>(null), 0), -kENODEV);
        close(static_cast<int>(null));
    } else {
        note("no /dev/null (%ld): a device node's ENODEV not checked", null);
    }
    // MAP_FIXED_NOREPLACE over a file mapping not touched yet: taken all the same.
    unsigned char* t = map_file(kPage, PROT_READ, MAP_SHARED, f.fd);
    REQUIRE(t != nullptr);
    if (qemu_user())  // qemu-user 7.2 passes MAP_FIXED_NOREPLACE to the host as a hint
        note("MAP_FIXED_NOREPLACE's EEXIST not checked under qemu-user");
    else
        CHECK_EQ(mmap(t, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
    // MAP_FIXED over it replaces it.
    CHECK_EQ(mmap(t, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), reinterpret_cast<long>(t));
    CHECK_EQ(t[0], 0);
}

UTEST(msync_checks_flags_and_ranges) {
    TempFile f("msync", 2 * kPage);
    REQUIRE(f.ok());
    unsigned char* m = map_file(2 * kPage, kRW, MAP_SHARED, f.fd);
    REQUIRE(m != nullptr);
    CHECK_EQ(msync_range(m, 2 * kPage, kMsSync), 0l);     // pages not touched yet are mapped too
    m[0] = 1;
    CHECK_EQ(msync_range(m, kPage, kMsAsync), 0l);
    CHECK_EQ(msync_range(m, 10, kMsSync | kMsInvalidate), 0l);   // the length is rounded up
    CHECK_EQ(msync_range(m, 0, kMsSync), 0l);
    CHECK_EQ(msync_range(m, kPage, 0), 0l);
    CHECK_EQ(msync_range(m, kPage, 8), -EINVAL);                   // unknown flag
    CHECK_EQ(msync_range(m, kPage, kMsSync | kMsAsync), -EINVAL);
    CHECK_EQ(msync_range(m + 1, kPage, kMsSync), -EINVAL);         // unaligned
    CHECK_EQ(munmap(m + kPage, kPage), 0l);
    CHECK_EQ(msync_range(m, 2 * kPage, kMsSync), -ENOMEM);         // a hole in the range
    CHECK_EQ(msync_range(m + kPage, kPage, kMsSync), -ENOMEM);
    CHECK_EQ(msync_range(m, ~0ul - kPage, kMsSync), -ENOMEM);      // wraps around
    const long anon = mmap(nullptr, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(anon));
    CHECK_EQ(msync_range(reinterpret_cast<void*>(anon), kPage, kMsSync), 0l);   // anonymous maps too
}

namespace {

// MemFree from /proc/meminfo, in kB; -1 when it cannot be read.
long mem_free_kb() {
    const long fd = open_at("/proc/meminfo", O_RDONLY);
    if (fd < 0) return -1;
    char buf[2048];
    const long n = read(static_cast<int>(fd), buf, sizeof buf - 1);
    close(static_cast<int>(fd));
    if (n <= 0) return -1;
    buf[n] = 0;
    for (long i = 0; i + 8 < n; ++i) {
        if (memcmp(buf + i, "MemFree:", 8) != 0) continue;
        long v = 0, j = i + 8;
        while (buf[j] == ' ') ++j;
        while (buf[j] >= '0' && buf[j] <= '9') v = v * 10 + (buf[j++] - '0');
        return v;
    }
    return -1;
}

// Everything that takes frames for a file mapping: the file's pages, shared and private maps at
// `at` (fixed, so each round reuses the same page tables), private copies, a child sharing them
// all, a truncate under the maps, then the file removed.
bool mapping_round(unsigned char* at) {
    TempFile f("frames", 8 * kPage);
    if (!f.ok()) return false;
    auto* s = reinterpret_cast<unsigned char*>(mmap(at, 8 * kPage, kRW, MAP_SHARED | MAP_FIXED, f.fd, 0));
    auto* p = reinterpret_cast<unsigned char*>(mmap(at + 8 * kPage, 8 * kPage, kRW, MAP_PRIVATE | MAP_FIXED, f.fd, 0));
    if (s != at || p != at + 8 * kPage) return false;
    for (long i = 0; i < 8 * kPage; i += kPage) s[i] = 1, p[i + 1] = 2;
    const int status = in_child([&] {
        for (long i = 0; i < 8 * kPage; i += kPage) s[i + 2] = 3, p[i + 3] = 4;
    });
    if (!exited_with(status, 0) || truncate_fd(f.fd, kPage) != 0) return false;
    return munmap(at, 16 * kPage) == 0;
}

}  // namespace

UTEST(frames_return_to_their_baseline_once_the_maps_and_files_are_gone) {
    // A reserved range (PROT_NONE maps nothing), reused by each round at the same place.
    const long r = mmap(nullptr, 16 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(r));
    unsigned char* at = reinterpret_cast<unsigned char*>(r);
    REQUIRE(mapping_round(at));   // warms up the heap's caches and the range's page tables
    if (qemu_user()) {
        REQUIRE(mapping_round(at));
        note("the host's free memory is not this process's to count: not compared under qemu-user");
        return;
    }
    const long before = mem_free_kb();
    if (before < 0) {  // the kernel suite `user` checks the frames (and heap bytes) of this suite too
        note("no /proc/meminfo: the frames are counted by the kernel suite `user` only");
        return;
    }
    REQUIRE(mapping_round(at));
    REQUIRE(mapping_round(at));
    CHECK_EQ(mem_free_kb(), before);
}
