// test_fs_stat: attributes and where a process stands, each with its error paths as Linux gives
// them: fstat/newfstatat/statx on tmpfs files (sizes, blocks, links, inode and device numbers,
// times), statfs/fstatfs, faccessat(2) with real and effective ids, fchmod(at), fchown(at) and the
// set-id bits they drop, utimensat, truncate, readlinkat, chdir/fchdir/getcwd, chroot and umask.
#include "user/tests/test_fs_util.h"

using namespace user;
using namespace user::utest;
using namespace user::fstest;

namespace {

bool rootfs_checks() {
    if (!qemu_user()) return true;
    note("skipped: the initramfs is a writable host directory under qemu-user, not a read-only root");
    return false;
}

long realtime_sec() {
    Timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

}  // namespace

// ---- stat, statx

UTEST(stat_of_a_tmpfs_file) {
    Scratch s;
    REQUIRE(s.ok());
    const long before = realtime_sec();
    static char data[5000];
    memset(data, 'z', sizeof data);
    const long fd = open(s.at("f"), O_RDWR | O_CREAT, 0640);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(static_cast<int>(fd), data, sizeof data), 5000l);
    Stat st{}, by_path{}, dir{};
    CHECK_EQ(fstat(static_cast<int>(fd), &st), 0l);
    CHECK_EQ(st.st_mode, S_IFREG | 0640u);
    CHECK_EQ(st.st_size, 5000l);
    CHECK_EQ(st.st_nlink, 1u);
    CHECK_EQ(st.st_uid, 0u);
    CHECK_EQ(st.st_gid, 0u);
    CHECK(st.st_blocks >= 10 && st.st_blocks * 512 >= 5000);   // 16 on tmpfs: two pages
    CHECK(st.st_blksize > 0);
    CHECK(st.st_mtime_sec >= before - 1 && st.st_mtime_sec <= realtime_sec() + 1);
    CHECK(st.st_ctime_sec >= before - 1 && st.st_ctime_sec <= realtime_sec() + 1);
    CHECK(st.st_mtime_nsec < 1000000000ul && st.st_atime_nsec < 1000000000ul && st.st_ctime_nsec < 1000000000ul);
    CHECK_EQ(newfstatat(AT_FDCWD, s.at("f"), &by_path, 0), 0l);
    CHECK_EQ(by_path.st_ino, st.st_ino);
    CHECK_EQ(by_path.st_dev, st.st_dev);
    CHECK_EQ(newfstatat(AT_FDCWD, s.dir(), &dir, 0), 0l);
    CHECK_EQ(dir.st_dev, st.st_dev);
    CHECK(dir.st_ino != st.st_ino);
    CHECK_EQ(dir.st_mode, S_IFDIR | 0755u);
    CHECK_EQ(dir.st_nlink, 2u);
    REQUIRE(mkdirat(AT_FDCWD, s.at("sub"), 0755) == 0);
    CHECK_EQ(newfstatat(AT_FDCWD, s.dir(), &dir, 0), 0l);
    CHECK_EQ(dir.st_nlink, 3u);   // the subdirectory's ".."
    close(static_cast<int>(fd));
    if (!qemu_user()) {
        Stat root{};
        CHECK_EQ(newfstatat(AT_FDCWD, "/", &root, 0), 0l);
        CHECK(root.st_dev != st.st_dev);   // the initramfs and tmpfs are two file systems
    }
}

UTEST(stat_with_a_directory_descriptor_and_empty_path) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "abc"));
    const long d = open(s.dir(), O_RDONLY | O_DIRECTORY);
    REQUIRE(d >= 0);
    Stat st{};
    CHECK_EQ(newfstatat(static_cast<int>(d), "f", &st, 0), 0l);
    CHECK_EQ(st.st_size, 3l);
    CHECK_EQ(newfstatat(static_cast<int>(d), "", &st, AT_EMPTY_PATH), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    CHECK_EQ(newfstatat(static_cast<int>(d), "", &st, 0), -ENOENT);
    CHECK_EQ(newfstatat(static_cast<int>(d), "f", &st, 0x2), -EINVAL);
    close(static_cast<int>(d));
}

UTEST(statx_fills_the_basic_fields) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "hello"));
    REQUIRE(symlinkat("f", AT_FDCWD, s.at("l")) == 0);
    Stat st{};
    REQUIRE(newfstatat(AT_FDCWD, s.at("f"), &st, 0) == 0);
    Statx sx{};
    CHECK_EQ(statx(AT_FDCWD, s.at("f"), 0, STATX_BASIC_STATS, &sx), 0l);
    CHECK_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    CHECK_EQ(sx.stx_mode, static_cast<unsigned short>(st.st_mode));
    CHECK_EQ(sx.stx_size, 5ul);
    CHECK_EQ(sx.stx_ino, st.st_ino);
    CHECK_EQ(sx.stx_nlink, 1u);
    CHECK_EQ(sx.stx_blocks, static_cast<unsigned long>(st.st_blocks));
    CHECK_EQ(sx.stx_dev_major, dev_major(st.st_dev));
    CHECK_EQ(sx.stx_dev_minor, dev_minor(st.st_dev));
    CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtime_sec);
    CHECK_EQ(static_cast<unsigned long>(sx.stx_mtime.tv_nsec), st.st_mtime_nsec);
    if (!qemu_user()) CHECK(sx.stx_mnt_id != 0 && (sx.stx_mask & STATX_MNT_ID));
    else note("skipped: qemu-user does not pass stx_mnt_id on");
    CHECK_EQ(statx(AT_FDCWD, s.at("l"), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx), 0l);
    CHECK_EQ(sx.stx_mode & S_IFMT, S_IFLNK);
    const long fd = open(s.at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(statx(static_cast<int>(fd), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), 0l);
    CHECK_EQ(sx.stx_ino, st.st_ino);
    close(static_cast<int>(fd));
    CHECK_EQ(statx(AT_FDCWD, s.at("f"), AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx), -EINVAL);
    CHECK_EQ(statx(AT_FDCWD, s.at("f"), 0, STATX__RESERVED, &sx), -EINVAL);
    CHECK_EQ(statx(AT_FDCWD, s.at("f"), 0x1, STATX_BASIC_STATS, &sx), -EINVAL);
    CHECK_EQ(statx(AT_FDCWD, s.at("none"), 0, STATX_BASIC_STATS, &sx), -ENOENT);
    CHECK_EQ(statx(AT_FDCWD, s.at("f"), 0, STATX_BASIC_STATS, reinterpret_cast<Statx*>(kKernelAddress)), -EFAULT);
    CHECK_EQ(statx(AT_FDCWD, kKernelPtr, 0, STATX_BASIC_STATS, &sx), -EFAULT);
    CHECK_EQ(statx(kBadFd, "x", 0, STATX_BASIC_STATS, &sx), -EBADF);
}

UTEST(statfs_and_fstatfs) {
    Statfs fs{};
    CHECK_EQ(statfs("/tmp", &fs), 0l);
    CHECK(fs.f_bsize > 0 && fs.f_namelen == 255);
    if (!qemu_user()) {
        CHECK_EQ(fs.f_type, TMPFS_MAGIC);
        CHECK_EQ(fs.f_flags & ST_RDONLY, 0l);
        CHECK(fs.f_blocks > 0 && fs.f_bfree <= fs.f_blocks);
    }
    if (rootfs_checks()) {
        CHECK_EQ(statfs("/etc/motd", &fs), 0l);
        CHECK((fs.f_flags & ST_RDONLY) != 0);
    }
    const long fd = open(path("/etc/motd"), O_RDONLY);
    REQUIRE(fd >= 0);
    Statfs by_fd{}, by_path{};
    CHECK_EQ(fstatfs(static_cast<int>(fd), &by_fd), 0l);
    CHECK_EQ(statfs(path("/etc/motd"), &by_path), 0l);
    CHECK_EQ(by_fd.f_type, by_path.f_type);
    CHECK_EQ(fstatfs(static_cast<int>(fd), reinterpret_cast<Statfs*>(kKernelAddress)), -EFAULT);
    close(static_cast<int>(fd));
    CHECK_EQ(fstatfs(kBadFd, &fs), -EBADF);
    CHECK_EQ(statfs(path("/etc/nope"), &fs), -ENOENT);
    CHECK_EQ(statfs(kKernelPtr, &fs), -EFAULT);
    CHECK_EQ(statfs("/tmp", reinterpret_cast<Statfs*>(kKernelAddress)), -EFAULT);
}

// ---- faccessat, faccessat2

UTEST(access_checks_as_linux) {
    CHECK_EQ(faccessat(AT_FDCWD, path("/etc/motd"), R_OK), 0l);
    CHECK_EQ(faccessat(AT_FDCWD, path("/etc/motd"), F_OK), 0l);
    CHECK_EQ(faccessat(AT_FDCWD, path("/etc/motd"), X_OK), -EACCES);   // root too needs an x bit
    CHECK_EQ(faccessat(AT_FDCWD, path("/bin/hello"), X_OK), 0l);
    CHECK_EQ(faccessat(AT_FDCWD, path("/etc/nope"), F_OK), -ENOENT);
    CHECK_EQ(faccessat(AT_FDCWD, path("/etc/motd"), 8), -EINVAL);
    CHECK_EQ(faccessat2(AT_FDCWD, path("/etc/motd"), R_OK, 0x1), -EINVAL);
    CHECK_EQ(faccessat(AT_FDCWD, kKernelPtr, R_OK), -EFAULT);
    CHECK_EQ(faccessat(kBadFd, "x", R_OK), -EBADF);
    if (rootfs_checks()) CHECK_EQ(faccessat(AT_FDCWD, "/etc/motd", W_OK), -EROFS);
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(symlinkat("nowhere", AT_FDCWD, s.at("dangling")) == 0);
    CHECK_EQ(faccessat(AT_FDCWD, s.at("dangling"), F_OK), -ENOENT);
    CHECK_EQ(faccessat2(AT_FDCWD, s.at("dangling"), F_OK, AT_SYMLINK_NOFOLLOW), 0l);
    const long fd = open(s.dir(), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(faccessat2(static_cast<int>(fd), "", W_OK, AT_EMPTY_PATH), 0l);
    close(static_cast<int>(fd));
}

UTEST(access_uses_the_real_ids_unless_at_eaccess) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("secret"), "x", 0600));
    REQUIRE(make_file(s.at("mine"), "x", 0600));
    REQUIRE(fchownat(AT_FDCWD, s.at("mine"), kUser, kGroup, 0) == 0);
    const int st = in_child([&] {
        // Real uid 1000, effective and saved root: access() asks for the real user.
        REQUIRE(setresuid(kUser, 0, 0) == 0);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("secret"), R_OK), -EACCES);
        CHECK_EQ(faccessat2(AT_FDCWD, s.at("secret"), R_OK, AT_EACCESS), 0l);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("mine"), R_OK | W_OK), 0l);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("mine"), X_OK), -EACCES);
    });
    CHECK(exited_with(st, 0));
}

// ---- fchmod, fchmodat

UTEST(chmod_changes_mode_and_ctime) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "x", 0644));
    CHECK_EQ(fchmodat(AT_FDCWD, s.at("f"), 0600), 0l);
    CHECK_EQ(mode_of(s.at("f")), S_IFREG | 0600u);
    CHECK_EQ(fchmodat(AT_FDCWD, s.at("f"), 0170755), 0l);   // the type bits asked for are ignored
    CHECK_EQ(mode_of(s.at("f")), S_IFREG | 0755u);
    const long fd = open(s.at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(fchmod(static_cast<int>(fd), 04711), 0l);
    CHECK_EQ(mode_of(s.at("f")), S_IFREG | 04711u);
    close(static_cast<int>(fd));
    REQUIRE(symlinkat("f", AT_FDCWD, s.at("l")) == 0);
    CHECK_EQ(fchmodat(AT_FDCWD, s.at("l"), 0640), 0l);   // follows the link
    CHECK_EQ(mode_of(s.at("f")), S_IFREG | 0640u);
    CHECK_EQ(fchmodat(AT_FDCWD, s.at("none"), 0640), -ENOENT);
    CHECK_EQ(fchmodat(AT_FDCWD, kKernelPtr, 0640), -EFAULT);
    CHECK_EQ(fchmod(kBadFd, 0640), -EBADF);
    if (rootfs_checks()) CHECK_EQ(fchmodat(AT_FDCWD, "/etc/motd", 0600), -EROFS);
}

UTEST(chmod_by_non_owner_is_eperm_and_setgid_needs_the_group) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("roots"), "x", 0644));
    REQUIRE(make_file(s.at("mine"), "x", 0644));
    REQUIRE(fchownat(AT_FDCWD, s.at("mine"), kUser, 0, 0) == 0);   // group root: not the user's
    const int st = in_child([&] {
        REQUIRE(drop_root());
        CHECK_EQ(fchmodat(AT_FDCWD, s.at("roots"), 0666), -EPERM);
        CHECK_EQ(fchmodat(AT_FDCWD, s.at("mine"), 02755), 0l);
        CHECK_EQ(mode_of(s.at("mine")), S_IFREG | 0755u);   // set-group-ID dropped
    });
    CHECK(exited_with(st, 0));
}

// ---- fchown, fchownat

UTEST(chown_rules) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "x", 0644));
    CHECK_EQ(fchownat(AT_FDCWD, s.at("f"), kUser, kGroup, 0), 0l);
    Stat st{};
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_uid, kUser);
    CHECK_EQ(st.st_gid, kGroup);
    CHECK_EQ(fchownat(AT_FDCWD, s.at("f"), ~0u, 77, 0), 0l);   // -1 keeps the owner
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_uid, kUser);
    CHECK_EQ(st.st_gid, 77u);
    // chown drops set-user-ID, and set-group-ID with group execute, even for root.
    REQUIRE(fchmodat(AT_FDCWD, s.at("f"), 06755) == 0);
    CHECK_EQ(fchownat(AT_FDCWD, s.at("f"), 0, 0, 0), 0l);
    CHECK_EQ(mode_of(s.at("f")), S_IFREG | 0755u);
    // AT_SYMLINK_NOFOLLOW changes the link itself.
    REQUIRE(symlinkat("f", AT_FDCWD, s.at("l")) == 0);
    CHECK_EQ(fchownat(AT_FDCWD, s.at("l"), 5, 6, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(stat_path(s.at("l"), st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_uid, 5u);
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_uid, 0u);
    CHECK_EQ(fchownat(AT_FDCWD, s.at("f"), 0, 0, 0x1), -EINVAL);
    CHECK_EQ(fchownat(AT_FDCWD, s.at("none"), 0, 0, 0), -ENOENT);
    CHECK_EQ(fchown(kBadFd, 0, 0), -EBADF);
    const long fd = open(s.at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(fchown(static_cast<int>(fd), 9, 9), 0l);
    CHECK_EQ(fchownat(static_cast<int>(fd), "", 10, 10, AT_EMPTY_PATH), 0l);
    close(static_cast<int>(fd));
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_uid, 10u);
    if (rootfs_checks()) CHECK_EQ(fchownat(AT_FDCWD, "/etc/motd", 0, 0, 0), -EROFS);
}

UTEST(chown_by_non_root) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("mine"), "x", 0644));
    REQUIRE(fchownat(AT_FDCWD, s.at("mine"), kUser, kGroup, 0) == 0);
    REQUIRE(make_file(s.at("roots"), "x", 0644));
    const int st = in_child([&] {
        REQUIRE(setgroups(0, nullptr) == 0);
        REQUIRE(setresgid(kGroup, kGroup, kGroup) == 0);
        REQUIRE(setresuid(kUser, kUser, kUser) == 0);
        CHECK_EQ(fchownat(AT_FDCWD, s.at("mine"), 0, ~0u, 0), -EPERM);            // only root gives files away
        CHECK_EQ(fchownat(AT_FDCWD, s.at("mine"), kUser, ~0u, 0), 0l);            // "changing" to itself is fine
        CHECK_EQ(fchownat(AT_FDCWD, s.at("mine"), ~0u, kGroup, 0), 0l);           // its own group
        CHECK_EQ(fchownat(AT_FDCWD, s.at("mine"), ~0u, 4242, 0), -EPERM);         // not one of its groups
        CHECK_EQ(fchownat(AT_FDCWD, s.at("roots"), ~0u, kGroup, 0), -EPERM);      // not its file
    });
    CHECK(exited_with(st, 0));
}

// ---- utimensat

UTEST(utimensat_sets_times) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "x"));
    const Timespec t[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), t, 0), 0l);
    Stat st{};
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_atime_sec, 1000000000l);
    CHECK_EQ(st.st_atime_nsec, 123456789ul);
    CHECK_EQ(st.st_mtime_sec, 1200000000l);
    CHECK_EQ(st.st_mtime_nsec, 987654321ul);
    CHECK(st.st_ctime_sec >= realtime_sec() - 5);
    const Timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), omit_now, 0), 0l);
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_atime_sec, 1000000000l);
    CHECK(st.st_mtime_sec >= realtime_sec() - 5);
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), nullptr, 0), 0l);
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK(st.st_atime_sec >= realtime_sec() - 5);
    // futimens: a descriptor and a null path.
    const long fd = open(s.at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(utimensat(static_cast<int>(fd), nullptr, t, 0), 0l);
    CHECK_EQ(stat_path(s.at("f"), st), 0l);
    CHECK_EQ(st.st_mtime_sec, 1200000000l);
    CHECK_EQ(utimensat(static_cast<int>(fd), nullptr, t, AT_SYMLINK_NOFOLLOW), -EINVAL);
    close(static_cast<int>(fd));
    // A link's own times.
    REQUIRE(symlinkat("f", AT_FDCWD, s.at("l")) == 0);
    CHECK_EQ(utimensat(AT_FDCWD, s.at("l"), t, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(stat_path(s.at("l"), st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_mtime_sec, 1200000000l);
}

UTEST(utimensat_errors) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "x", 0644));
    REQUIRE(make_file(s.at("open"), "x"));
    REQUIRE(fchmodat(AT_FDCWD, s.at("open"), 0666) == 0);
    const Timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), bad, 0), -EINVAL);
    const Timespec t[2] = {{1, 0}, {2, 0}};
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), t, 0x1), -EINVAL);
    CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), reinterpret_cast<const Timespec*>(kKernelAddress), 0), -EFAULT);
    CHECK_EQ(utimensat(AT_FDCWD, s.at("none"), t, 0), -ENOENT);
    CHECK_EQ(utimensat(AT_FDCWD, nullptr, t, 0), -EFAULT);
    CHECK_EQ(utimensat(kBadFd, nullptr, t, 0), -EBADF);
    const Timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    CHECK_EQ(utimensat(AT_FDCWD, s.at("none"), omit, 0), 0l);   // nothing to do: not even a lookup
    if (rootfs_checks()) CHECK_EQ(utimensat(AT_FDCWD, "/etc/motd", nullptr, 0), -EROFS);
    const int st = in_child([&] {
        REQUIRE(drop_root());
        CHECK_EQ(utimensat(AT_FDCWD, s.at("open"), t, 0), -EPERM);        // explicit times: owners only
        CHECK_EQ(utimensat(AT_FDCWD, s.at("open"), nullptr, 0), 0l);      // "now": anyone who may write
        CHECK_EQ(utimensat(AT_FDCWD, s.at("f"), nullptr, 0), -EACCES);
    });
    CHECK(exited_with(st, 0));
}

// ---- truncate

UTEST(truncate_grows_and_shrinks) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(make_file(s.at("f"), "0123456789"));
    CHECK_EQ(truncate(s.at("f"), 4), 0l);
    char buf[32];
    CHECK_EQ(read_file(s.at("f"), buf, sizeof buf), 4l);
    CHECK(str_eq(buf, "0123"));
    CHECK_EQ(truncate(s.at("f"), 8), 0l);
    CHECK_EQ(read_file(s.at("f"), buf, sizeof buf), 8l);
    CHECK(memcmp(buf, "0123\0\0\0\0", 8) == 0);
    REQUIRE(mkdirat(AT_FDCWD, s.at("d"), 0755) == 0);
    CHECK_EQ(truncate(s.at("d"), 0), -EISDIR);
    CHECK_EQ(truncate(s.at("f"), -1), -EINVAL);
    CHECK_EQ(truncate(s.at("none"), 0), -ENOENT);
    CHECK_EQ(truncate(kKernelPtr, 0), -EFAULT);
    REQUIRE(mknodat(AT_FDCWD, s.at("fifo"), S_IFIFO | 0666, 0) == 0);
    CHECK_EQ(truncate(s.at("fifo"), 0), -EINVAL);
    if (rootfs_checks()) CHECK_EQ(truncate("/etc/motd", 0), -EROFS);
    const int st = in_child([&] {
        REQUIRE(drop_root());
        CHECK_EQ(truncate(s.at("f"), 0), -EACCES);
    });
    CHECK(exited_with(st, 0));
}

// ---- readlinkat

UTEST(readlinkat_errors_on_tmpfs) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(symlinkat("target", AT_FDCWD, s.at("l")) == 0);
    REQUIRE(make_file(s.at("f"), "x"));
    char buf[16];
    CHECK_EQ(readlinkat(AT_FDCWD, s.at("l"), buf, 0), -EINVAL);
    if (!qemu_user()) CHECK_EQ(readlinkat(AT_FDCWD, s.at("l"), buf, static_cast<std::size_t>(-1)), -EINVAL);   // an int < 0
    else note("skipped: qemu-user checks the whole buffer (EFAULT) before Linux sees the size");
    CHECK_EQ(readlinkat(AT_FDCWD, s.at("f"), buf, sizeof buf), -EINVAL);
    CHECK_EQ(readlinkat(AT_FDCWD, "", buf, sizeof buf), -ENOENT);
    CHECK_EQ(readlinkat(AT_FDCWD, s.at("l"), const_cast<char*>(kKernelPtr), sizeof buf), -EFAULT);
    CHECK_EQ(readlinkat(AT_FDCWD, s.at("none"), buf, sizeof buf), -ENOENT);
    const long d = open(s.dir(), O_RDONLY | O_DIRECTORY);
    REQUIRE(d >= 0);
    CHECK_EQ(readlinkat(static_cast<int>(d), "l", buf, sizeof buf), 6l);
    CHECK_EQ(readlinkat(static_cast<int>(d), "", buf, sizeof buf), -ENOENT);
    close(static_cast<int>(d));
}

// ---- chdir, fchdir, getcwd, chroot, umask

UTEST(chdir_and_getcwd) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("d"), 0755) == 0);
    REQUIRE(make_file(s.at("f"), "x"));
    CHECK_EQ(chdir(s.dir()), 0l);
    char buf[256];
    const long n = getcwd(buf, sizeof buf);
    CHECK_EQ(n, static_cast<long>(strlen(s.dir()) + 1));   // the length with the NUL
    CHECK(str_eq(buf, s.dir()));
    CHECK(exists("f"));   // relative paths start here
    CHECK_EQ(chdir("d"), 0l);
    CHECK_EQ(getcwd(buf, sizeof buf), static_cast<long>(strlen(s.at("d")) + 1));
    CHECK(str_eq(buf, s.at("d")));
    CHECK_EQ(chdir(".."), 0l);
    CHECK_EQ(getcwd(buf, sizeof buf), n);
    CHECK_EQ(getcwd(buf, static_cast<std::size_t>(n - 1)), -ERANGE);
    CHECK_EQ(getcwd(buf, 0), -ERANGE);
    CHECK_EQ(getcwd(const_cast<char*>(kKernelPtr), sizeof buf), -EFAULT);
    CHECK_EQ(chdir(s.at("f")), -ENOTDIR);
    CHECK_EQ(chdir(s.at("none")), -ENOENT);
    CHECK_EQ(chdir(kKernelPtr), -EFAULT);
    CHECK_EQ(chdir(""), -ENOENT);
    const long d = open(s.at("d"), O_RDONLY | O_DIRECTORY);
    const long f = open(s.at("f"), O_RDONLY);
    REQUIRE(d >= 0 && f >= 0);
    CHECK_EQ(fchdir(static_cast<int>(d)), 0l);
    CHECK_EQ(getcwd(buf, sizeof buf), static_cast<long>(strlen(s.at("d")) + 1));
    CHECK_EQ(fchdir(static_cast<int>(f)), -ENOTDIR);
    CHECK_EQ(fchdir(kBadFd), -EBADF);
    close(static_cast<int>(d));
    close(static_cast<int>(f));
    // A removed working directory has no name.
    CHECK_EQ(unlinkat(AT_FDCWD, s.at("d"), AT_REMOVEDIR), 0l);
    CHECK_EQ(getcwd(buf, sizeof buf), -ENOENT);
    CHECK_EQ(chdir("/"), 0l);
}

UTEST(chdir_needs_search_permission) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("closed"), 0700) == 0);
    REQUIRE(fchmodat(AT_FDCWD, s.dir(), 0755) == 0);
    const int st = in_child([&] {
        REQUIRE(drop_root());
        CHECK_EQ(chdir(s.at("closed")), -EACCES);
        CHECK_EQ(chroot(s.dir()), -EPERM);
        CHECK_EQ(chroot(s.at("closed")), -EACCES);   // the search check comes first
    });
    CHECK(exited_with(st, 0));
}

UTEST(chroot_confines_paths) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("jail"), 0755) == 0);
    REQUIRE(make_file(s.at("jail/inside"), "in"));
    REQUIRE(make_file(s.at("jail-neighbour"), "out"));
    const int st = in_child([&] {
        CHECK_EQ(chroot(s.at("f-none")), -ENOENT);
        REQUIRE(chroot(s.at("jail")) == 0);
        char buf[256];
        // The working directory is now outside the root: Linux's "(unreachable)" form.
        const long n = getcwd(buf, sizeof buf);
        CHECK(n > 0 && memcmp(buf, "(unreachable)", 13) == 0);
        CHECK_EQ(chdir("/"), 0l);
        CHECK_EQ(getcwd(buf, sizeof buf), 2l);
        CHECK(str_eq(buf, "/"));
        CHECK(exists("/inside"));
        CHECK(exists("/../../inside"));   // ".." stops at the root
        CHECK(!exists("/jail-neighbour"));
    });
    CHECK(exited_with(st, 0));
    if (qemu_user()) return;
    CHECK_EQ(chroot(path("/etc/motd")), -ENOTDIR);
}

UTEST(umask_returns_the_old_mask) {
    const long old = umask(0077);
    CHECK(old >= 0 && old <= 0777);
    CHECK_EQ(umask(0777 | 07000), 0077l);   // only the permission bits are kept
    CHECK_EQ(umask(static_cast<unsigned>(old)), 0777l);
    umask(037);
    const int st = in_child([&] {   // a fork child inherits it, and its changes stay its own
        CHECK_EQ(umask(023), 037l);
    });
    CHECK(exited_with(st, 0));
    CHECK_EQ(umask(static_cast<unsigned>(old)), 037l);
}

// ---- how paths are read from user memory

UTEST(paths_at_a_page_end_and_longer_than_a_short_buffer) {
    const long m = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m > 0);
    char* page = reinterpret_cast<char*>(m);
    REQUIRE(munmap(page + 4096, 4096) == 0);
    // "/tmp" ending the page: the terminator is the page's last byte, nothing after it is read.
    char* tail = page + 4096 - 5;
    memcpy(tail, "/tmp", 5);
    Stat st{};
    CHECK_EQ(newfstatat(AT_FDCWD, tail, &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    tail[4] = '/';   // no terminator before the hole
    CHECK_EQ(newfstatat(AT_FDCWD, tail, &st, 0), -EFAULT);
    CHECK_EQ(open(tail, O_RDONLY), -EFAULT);
    // 1,000 bytes of "/./" then "tmp": longer than any inline buffer, still a path.
    static char longer[1100];
    std::size_t n = 0;
    while (n < 1000) longer[n++] = '/', longer[n++] = '.';
    memcpy(longer + n, "/tmp", 5);
    CHECK_EQ(newfstatat(AT_FDCWD, longer, &st, 0), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, S_IFDIR);
    munmap(page, 4096);
}
