// test_fs_mount: mount and umount2 of tmpfs (with its options, read-only) and proc, each with its
// error paths as Linux gives them, and what a mount point changes for the other calls (EXDEV,
// EBUSY, st_dev). Under qemu-user the host mounts for real, in the test's scratch directory.
#include "user/tests/test_fs_util.h"

using namespace user;
using namespace user::utest;
using namespace user::fstest;

namespace {

// Mounting tmpfs needs the host's permission under qemu-user (a container may refuse it).
bool can_mount(Scratch& s, const char* where) {
    const long r = mount("tmpfs", where, "tmpfs", 0, nullptr);
    if (r == 0) return true;
    if (qemu_user() && r == -EPERM) note("skipped: the host refuses mount");
    else CHECK_EQ(r, 0l);
    (void)s;
    return false;
}

}  // namespace

// ---- mount, umount2

UTEST(mount_tmpfs_and_umount) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("m"), 0755) == 0);
    if (!can_mount(s, s.at("m"))) return;
    Statfs fs{};
    CHECK_EQ(statfs(s.at("m"), &fs), 0l);
    CHECK_EQ(fs.f_type, TMPFS_MAGIC);
    CHECK_EQ(mode_of(s.at("m")), S_IFDIR | 01777u);   // tmpfs's root
    Stat inside{}, outside{};
    CHECK_EQ(stat_path(s.at("m"), inside), 0l);
    CHECK_EQ(stat_path(s.dir(), outside), 0l);
    CHECK(inside.st_dev != outside.st_dev);
    REQUIRE(make_file(s.at("m/f"), "x"));
    CHECK_EQ(linkat(AT_FDCWD, s.at("m/f"), AT_FDCWD, s.at("f"), 0), -EXDEV);
    CHECK_EQ(renameat(AT_FDCWD, s.at("m/f"), AT_FDCWD, s.at("f")), -EXDEV);
    CHECK_EQ(unlinkat(AT_FDCWD, s.at("m"), AT_REMOVEDIR), -EBUSY);
    const long fd = open(s.at("m/f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(umount2(s.at("m"), 0), -EBUSY);   // a file is open there
    close(static_cast<int>(fd));
    CHECK_EQ(umount2(s.at("m"), 0), 0l);
    CHECK(!exists(s.at("m/f")));                // the mount point's own (empty) directory again
    CHECK_EQ(umount2(s.at("m"), 0), -EINVAL);   // no longer a mount
}

UTEST(mount_options_and_read_only) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("m"), 0755) == 0);
    const long r = mount("mytmp", s.at("m"), "tmpfs", 0, "size=1m,mode=0700,uid=12,gid=34");
    if (qemu_user() && r == -EPERM) {
        note("skipped: the host refuses mount");
        return;
    }
    REQUIRE(r == 0);
    Statfs fs{};
    CHECK_EQ(statfs(s.at("m"), &fs), 0l);
    CHECK_EQ(fs.f_blocks, 256ul);
    CHECK_EQ(fs.f_bsize, 4096l);
    Stat st{};
    CHECK_EQ(stat_path(s.at("m"), st), 0l);
    CHECK_EQ(st.st_mode, S_IFDIR | 0700u);
    CHECK_EQ(st.st_uid, 12u);
    CHECK_EQ(st.st_gid, 34u);
    CHECK_EQ(umount2(s.at("m"), 0), 0l);
    CHECK_EQ(mount("tmpfs", s.at("m"), "tmpfs", MS_RDONLY, nullptr), 0l);
    CHECK_EQ(open(s.at("m/f"), O_WRONLY | O_CREAT, 0644), -EROFS);
    CHECK_EQ(mkdirat(AT_FDCWD, s.at("m/d"), 0755), -EROFS);
    CHECK_EQ(statfs(s.at("m"), &fs), 0l);
    CHECK((fs.f_flags & ST_RDONLY) != 0);
    CHECK_EQ(umount2(s.at("m"), 0), 0l);
}

UTEST(mount_errors) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("m"), 0755) == 0);
    REQUIRE(make_file(s.at("f"), "x"));
    CHECK_EQ(mount("x", s.at("m"), "no-such-fs", 0, nullptr), -ENODEV);
    CHECK_EQ(mount("x", s.at("m"), nullptr, 0, nullptr), -EINVAL);
    CHECK_EQ(mount("x", s.at("m"), "tmpfs", 0, "bogus=1"), -EINVAL);
    CHECK_EQ(mount("x", s.at("none"), "tmpfs", 0, nullptr), -ENOENT);
    CHECK_EQ(mount("x", s.at("f"), "tmpfs", 0, nullptr), -ENOTDIR);
    CHECK_EQ(mount("x", s.at("m"), kKernelPtr, 0, nullptr), -EFAULT);
    CHECK_EQ(mount("x", kKernelPtr, "tmpfs", 0, nullptr), -EFAULT);
    CHECK_EQ(umount2(s.at("m"), 0), -EINVAL);    // not a mount
    CHECK_EQ(umount2(s.at("m"), 0x100), -EINVAL);
    CHECK_EQ(umount2(s.at("none"), 0), -ENOENT);
    CHECK_EQ(umount2(kKernelPtr, 0), -EFAULT);
    const int st = in_child([&] {
        REQUIRE(drop_root());
        CHECK_EQ(mount("x", s.at("m"), "tmpfs", 0, nullptr), -EPERM);
        CHECK_EQ(umount2("/tmp", 0), -EPERM);
    });
    CHECK(exited_with(st, 0));
    CHECK_EQ(sync(), 0l);
}

UTEST(mount_proc_elsewhere) {
    Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("p"), 0755) == 0);
    const long r = mount("proc", s.at("p"), "proc", 0, nullptr);
    if (qemu_user() && r == -EPERM) {
        note("skipped: the host refuses mount");
        return;
    }
    REQUIRE(r == 0);
    Statfs fs{};
    CHECK_EQ(statfs(s.at("p"), &fs), 0l);
    CHECK_EQ(fs.f_type, 0x9fa0l);   // PROC_SUPER_MAGIC
    char buf[32] = {};
    char want[32];
    snprintf(want, sizeof want, "%ld", getpid());
    CHECK_EQ(readlinkat(AT_FDCWD, s.at("p/self"), buf, sizeof buf - 1), static_cast<long>(strlen(want)));
    CHECK(str_eq(buf, want));
    CHECK_EQ(mount("proc", s.at("d-none"), "proc", 0, nullptr), -ENOENT);
    CHECK_EQ(umount2(s.at("p"), 0), 0l);
    CHECK_EQ(mount("proc", s.at("p"), "proc", 0, "bogus"), -EINVAL);
}
