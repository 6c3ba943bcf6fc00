// test_dev: the device nodes of /dev as Linux has them (devtmpfs): /dev/null (EOF, swallows writes),
// /dev/zero, /dev/full (ENOSPC), /dev/urandom and /dev/random, the console under its names, their
// modes and device numbers, the /dev listing, and nodes made with mknod elsewhere opening the same
// devices (an unknown number: ENXIO).
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr long kENOSPC = 28, kENXIO = 6;
const auto kKernelPtr = reinterpret_cast<void*>(kKernelAddress);

// Linux's new_encode_dev, as stat's st_rdev holds it.
constexpr unsigned long makedev(unsigned major, unsigned minor) {
    return (minor & 0xff) | (major << 8) | (static_cast<unsigned long>(minor & ~0xffu) << 12);
}

struct Fd {
    explicit Fd(long v) : fd(static_cast<int>(v)) {}
    ~Fd() {
        if (fd >= 0) close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int fd;
};

bool all_zero(const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i]) return false;
    return true;
}

}  // namespace

UTEST(null_reads_eof_and_swallows_writes) {
    Fd f(open("/dev/null", O_RDWR));
    REQUIRE(f.fd >= 0);
    char buf[16] = {1};
    CHECK_EQ(read(f.fd, buf, sizeof buf), 0l);
    CHECK_EQ(buf[0], 1);
    CHECK_EQ(write(f.fd, "hello", 5), 5l);
    CHECK_EQ(write(f.fd, buf, 0), 0l);
    // The bytes are never read: an unmapped user buffer is fine, a kernel one is not (access_ok).
    if (qemu_user()) note("skipped: an unmapped buffer (qemu-user checks it before Linux sees the call)");
    else CHECK_EQ(write(f.fd, reinterpret_cast<void*>(kUnmappedUserAddress), 100), 100l);
    CHECK_EQ(write(f.fd, kKernelPtr, 100), -EFAULT);
}

UTEST(zero_reads_zeros) {
    Fd f(open("/dev/zero", O_RDWR));
    REQUIRE(f.fd >= 0);
    static unsigned char buf[10000];
    for (auto& c : buf) c = 0xa5;
    CHECK_EQ(read(f.fd, buf, sizeof buf), static_cast<long>(sizeof buf));
    CHECK(all_zero(buf, sizeof buf));
    CHECK_EQ(write(f.fd, buf, 123), 123l);
    CHECK_EQ(read(f.fd, reinterpret_cast<void*>(kUnmappedUserAddress), 10), -EFAULT);
    CHECK_EQ(read(f.fd, kKernelPtr, 10), -EFAULT);
}

UTEST(full_is_enospc_on_write) {
    Fd f(open("/dev/full", O_RDWR));
    REQUIRE(f.fd >= 0);
    CHECK_EQ(write(f.fd, "x", 1), -kENOSPC);
    unsigned char buf[64];
    for (auto& c : buf) c = 1;
    CHECK_EQ(read(f.fd, buf, sizeof buf), 64l);
    CHECK(all_zero(buf, sizeof buf));
}

UTEST(urandom_and_random_give_differing_bytes) {
    static const char* const kNames[] = {"/dev/urandom", "/dev/random"};
    for (const char* name : kNames) {
        Fd f(open(name, O_RDONLY));
        REQUIRE(f.fd >= 0);
        unsigned char a[64] = {}, b[64] = {};
        CHECK_EQ(read(f.fd, a, sizeof a), 64l);
        CHECK_EQ(read(f.fd, b, sizeof b), 64l);
        CHECK(memcmp(a, b, sizeof a) != 0);
        CHECK(!all_zero(a, sizeof a));
        static unsigned char big[70000];
        CHECK_EQ(read(f.fd, big, sizeof big), static_cast<long>(sizeof big));
        CHECK_EQ(read(f.fd, kKernelPtr, 8), -EFAULT);
    }
    Fd w(open("/dev/urandom", O_WRONLY));
    REQUIRE(w.fd >= 0);
    CHECK_EQ(write(w.fd, "entropy?", 8), 8l);   // Linux mixes it in and reports it written
}

UTEST(console_names_write_to_the_console) {
    static const char* const kNames[] = {"/dev/console", "/dev/tty"};
    for (const char* name : kNames) {
        const long fd = open(name, O_WRONLY);
        if (qemu_user() && fd < 0) {   // the host's need not be ours to open (no terminal, not root)
            note("skipped: %s not openable on this host (%ld)", name, fd);
            continue;
        }
        REQUIRE(fd >= 0);
        char line[64];
        const int n = snprintf(line, sizeof line, "test_dev: a line through %s\n", name);
        CHECK_EQ(write(static_cast<int>(fd), line, static_cast<std::size_t>(n)), static_cast<long>(n));
        Termios t;
        CHECK_EQ(ioctl(static_cast<int>(fd), TCGETS, &t), 0l);   // a terminal
        close(static_cast<int>(fd));
    }
    Fd null(open("/dev/null", O_RDONLY));
    Termios t;
    CHECK_EQ(ioctl(null.fd, TCGETS, &t), -ENOTTY);
}

UTEST(modes_and_device_numbers_as_linux) {
    struct Want {
        const char* name;
        unsigned mode;
        unsigned major, minor;
    } const want[] = {
        {"/dev/null", 0666, 1, 3},    {"/dev/zero", 0666, 1, 5}, {"/dev/full", 0666, 1, 7},
        {"/dev/random", 0666, 1, 8},  {"/dev/urandom", 0666, 1, 9}, {"/dev/tty", 0666, 5, 0},
        {"/dev/console", 0600, 5, 1}, {"/dev/ttyAMA0", 0600, 204, 64},
    };
    for (const Want& w : want) {
        Stat st;
        const long r = newfstatat(AT_FDCWD, w.name, &st, 0);
        if (qemu_user() && (w.major == 204 || w.major == 5)) {
            note("skipped: %s on the host is the host's", w.name);   // a host's console and serial differ
            continue;
        }
        CHECK_EQ(r, 0l);
        if (r != 0) continue;
        CHECK_EQ(st.st_mode, S_IFCHR | w.mode);
        CHECK_EQ(st.st_rdev, makedev(w.major, w.minor));
        CHECK_EQ(st.st_uid, 0u);
    }
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, "/dev", &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, static_cast<unsigned>(S_IFDIR));
}

UTEST(dev_lists_its_devices) {
    const long dir = open("/dev", O_RDONLY | O_DIRECTORY);
    REQUIRE(dir >= 0);
    int found = 0;
    alignas(8) char buf[4096];
    for (;;) {
        const long n = getdents64(static_cast<int>(dir), buf, sizeof buf);
        CHECK(n >= 0);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            const auto reclen = *reinterpret_cast<unsigned short*>(buf + off + 16);
            const unsigned char type = static_cast<unsigned char>(buf[off + 18]);
            const char* name = buf + off + 19;
            static const char* const kDevs[] = {"null", "zero", "full", "random", "urandom", "tty", "console"};
            for (const char* d : kDevs)
                if (str_eq(name, d)) {
                    ++found;
                    CHECK_EQ(type, 2u);   // DT_CHR
                }
            off += reclen;
        }
    }
    close(static_cast<int>(dir));
    CHECK_EQ(found, 7);
}

UTEST(mknod_nodes_open_the_same_devices) {
    char null_path[64], zero_path[64], none_path[64];
    snprintf(null_path, sizeof null_path, "/tmp/test_dev.%ld.null", getpid());
    snprintf(zero_path, sizeof zero_path, "/tmp/test_dev.%ld.zero", getpid());
    snprintf(none_path, sizeof none_path, "/tmp/test_dev.%ld.none", getpid());
    const long r = mknodat(AT_FDCWD, null_path, S_IFCHR | 0666, static_cast<unsigned>(makedev(1, 3)));
    if (qemu_user() && r == -EPERM) {
        note("skipped: mknod needs root on the host");
        return;
    }
    REQUIRE(r == 0);
    CHECK_EQ(mknodat(AT_FDCWD, zero_path, S_IFCHR | 0600, static_cast<unsigned>(makedev(1, 5))), 0l);
    CHECK_EQ(mknodat(AT_FDCWD, none_path, S_IFCHR | 0600, static_cast<unsigned>(makedev(1, 250))), 0l);
    {
        Fd n(open(null_path, O_RDWR));
        CHECK(n.fd >= 0);
        char buf[8];
        CHECK_EQ(read(n.fd, buf, sizeof buf), 0l);
        CHECK_EQ(write(n.fd, "abc", 3), 3l);
        Stat st;
        CHECK_EQ(fstat(n.fd, &st), 0l);
        CHECK_EQ(st.st_rdev, makedev(1, 3));
        Fd z(open(zero_path, O_RDONLY));
        CHECK(z.fd >= 0);
        unsigned char zb[100];
        for (auto& c : zb) c = 7;
        CHECK_EQ(read(z.fd, zb, sizeof zb), 100l);
        CHECK(all_zero(zb, sizeof zb));
        CHECK_EQ(open(none_path, O_RDONLY), -kENXIO);   // no driver for that number
    }
    CHECK_EQ(unlinkat(AT_FDCWD, null_path, 0), 0l);
    CHECK_EQ(unlinkat(AT_FDCWD, zero_path, 0), 0l);
    CHECK_EQ(unlinkat(AT_FDCWD, none_path, 0), 0l);
}
