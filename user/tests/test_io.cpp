// test_io: reading and writing files, pipes and the console as Linux does: read/write, pread64/
// pwrite64, the vectored forms, lseek (SEEK_SET/CUR/END/DATA/HOLE), the offset shared by dup and
// fork, O_APPEND from two descriptions, getdents64 over a big directory in small buffers,
// ftruncate, fallocate, fsync/fdatasync, sendfile, non-blocking pipes, O_PATH, and each call's
// errors. Record locks and flock are in test_locks.
#include "user/tests/fdio_files.h"

using namespace user;
using namespace user::utest;
using namespace fdio;

namespace {

const void* const kBad = reinterpret_cast<const void*>(kKernelAddress);

bool all_zero(const char* p, long n) {
    for (long i = 0; i < n; ++i)
        if (p[i]) return false;
    return true;
}

}  // namespace

UTEST(write_read_and_the_offset) {
    TempFile f("rw");
    REQUIRE(f.ok());
    CHECK_EQ(write(f.fd, "hello world", 11), 11l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 11l);
    char buf[32] = {};
    CHECK_EQ(read(f.fd, buf, sizeof buf), 0l);   // at the end
    CHECK_EQ(lseek(f.fd, 6, SEEK_SET), 6l);
    CHECK_EQ(read(f.fd, buf, sizeof buf), 5l);
    CHECK(memcmp(buf, "world", 5) == 0);
    CHECK_EQ(lseek(f.fd, -5, SEEK_END), 6l);
    CHECK_EQ(lseek(f.fd, -2, SEEK_CUR), 4l);
    CHECK_EQ(read(f.fd, buf, 3), 3l);
    CHECK(memcmp(buf, "o w", 3) == 0);
    CHECK_EQ(lseek(f.fd, 100, SEEK_SET), 100l);   // past the end: a later write leaves a gap of zeros
    CHECK_EQ(write(f.fd, "!", 1), 1l);
    CHECK_EQ(file_size(f.fd), 101l);
    CHECK_EQ(pread64(f.fd, buf, 10, 50), 10l);
    CHECK(all_zero(buf, 10));
    CHECK_EQ(write(f.fd, buf, 0), 0l);
    CHECK_EQ(read(f.fd, nullptr, 0), 0l);
}

UTEST(lseek_errors_and_data_and_holes) {
    TempFile f("seek");
    REQUIRE(f.ok());
    CHECK_EQ(write(f.fd, "0123456789", 10), 10l);
    CHECK_EQ(lseek(f.fd, -1, SEEK_SET), -EINVAL);
    CHECK_EQ(lseek(f.fd, -11, SEEK_END), -EINVAL);
    CHECK_EQ(lseek(f.fd, 0, 5), -EINVAL);
    CHECK_EQ(lseek(f.fd, 0x7fffffffffffffffl, SEEK_SET), 0x7fffffffffffffffl);
    CHECK_EQ(lseek(f.fd, 1, SEEK_CUR), -EINVAL);   // would overflow
    CHECK_EQ(lseek(f.fd, 3, SEEK_DATA), 3l);       // a file without holes: data up to its size
    CHECK_EQ(lseek(f.fd, 3, SEEK_HOLE), 10l);
    CHECK_EQ(lseek(f.fd, 10, SEEK_DATA), -ENXIO);
    CHECK_EQ(lseek(f.fd, 10, SEEK_HOLE), -ENXIO);
    CHECK_EQ(lseek(f.fd, -1, SEEK_DATA), -ENXIO);
    CHECK_EQ(lseek(f.fd, -1, SEEK_HOLE), -ENXIO);
    CHECK_EQ(lseek(9999, 0, SEEK_SET), -EBADF);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(lseek(p.r, 0, SEEK_SET), -ESPIPE);
    CHECK_EQ(lseek(p.w, 0, SEEK_CUR), -ESPIPE);
    CHECK_EQ(lseek(p.r, 0, 77), -EINVAL);   // whence is checked first
    if (!qemu_user()) {   // descriptors 0-2 are the host's under qemu-user
        CHECK_EQ(lseek(kStdout, 0, SEEK_CUR), -ESPIPE);
        CHECK_EQ(pread64(kStdin, nullptr, 0, 0), -ESPIPE);
        CHECK_EQ(fsync(kStdout), -EINVAL);
    }
}

UTEST(pread_and_pwrite_leave_the_offset_alone) {
    TempFile f("pio");
    REQUIRE(f.ok());
    CHECK_EQ(write(f.fd, "abcdef", 6), 6l);
    CHECK_EQ(lseek(f.fd, 2, SEEK_SET), 2l);
    char buf[8] = {};
    CHECK_EQ(pread64(f.fd, buf, 3, 3), 3l);
    CHECK(memcmp(buf, "def", 3) == 0);
    CHECK_EQ(pwrite64(f.fd, "XY", 2, 0), 2l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 2l);
    CHECK_EQ(pread64(f.fd, buf, 8, 0), 6l);
    CHECK(memcmp(buf, "XYcdef", 6) == 0);
    CHECK_EQ(pread64(f.fd, buf, 8, 6), 0l);
    CHECK_EQ(pwrite64(f.fd, "Z", 1, 9), 1l);
    CHECK_EQ(file_size(f.fd), 10l);
    CHECK_EQ(pread64(f.fd, buf, 1, -1), -EINVAL);
    CHECK_EQ(pwrite64(f.fd, buf, 1, -1), -EINVAL);
    CHECK_EQ(pread64(f.fd, const_cast<void*>(kBad), 4, 0), -EFAULT);
    CHECK_EQ(pwrite64(f.fd, kBad, 4, 0), -EFAULT);
    CHECK_EQ(pread64(12345, buf, 1, 0), -EBADF);
    const int ro = f.reopen(O_RDONLY), wo = f.reopen(O_WRONLY);
    REQUIRE(ro >= 0 && wo >= 0);
    CHECK_EQ(pwrite64(ro, "x", 1, 0), -EBADF);
    CHECK_EQ(write(ro, "x", 1), -EBADF);
    CHECK_EQ(pread64(wo, buf, 1, 0), -EBADF);
    CHECK_EQ(read(wo, buf, 1), -EBADF);
    close(ro), close(wo);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(pread64(p.r, buf, 1, 0), -ESPIPE);
    CHECK_EQ(pwrite64(p.w, "x", 1, 0), -ESPIPE);
    CHECK_EQ(pwrite64(p.r, "x", 1, 0), -ESPIPE);   // before the access mode, as Linux
}

UTEST(vectored_reads_and_writes) {
    TempFile f("vec");
    REQUIRE(f.ok());
    const Iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    CHECK_EQ(writev(f.fd, out, 3), 6l);
    CHECK_EQ(pwritev(f.fd, out, 1, 10), 2l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 6l);
    char a[3] = {}, b[20] = {};
    Iovec in[2] = {{a, 3}, {b, sizeof b}};
    CHECK_EQ(preadv(f.fd, in, 2, 0), 12l);
    CHECK(memcmp(a, "abc", 3) == 0 && memcmp(b, "def", 3) == 0 && all_zero(b + 3, 4) && memcmp(b + 7, "ab", 2) == 0);
    CHECK_EQ(lseek(f.fd, 1, SEEK_SET), 1l);
    CHECK_EQ(readv(f.fd, in, 2), 11l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 12l);
    CHECK_EQ(preadv(f.fd, in, 2, -1), -EINVAL);
    CHECK_EQ(readv(f.fd, in, 1025), -EINVAL);
    CHECK_EQ(readv(f.fd, reinterpret_cast<const Iovec*>(kBad), 1), -EFAULT);
    const Iovec bad[2] = {{a, 1}, {kBad, 8}};
    if (qemu_user()) note("skipped: qemu-user shortens a bad vector after the first instead of EFAULT");
    else CHECK_EQ(preadv(f.fd, bad, 2, 0), -EFAULT);
    const Iovec negative[1] = {{a, ~0ul}};
    CHECK_EQ(writev(f.fd, negative, 1), -EINVAL);
    CHECK_EQ(readv(f.fd, in, 0), 0l);
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(preadv(p.r, in, 2, 0), -ESPIPE);
    CHECK_EQ(pwritev(p.w, out, 1, 0), -ESPIPE);
    CHECK_EQ(write(p.w, "xyz", 3), 3l);
    CHECK_EQ(readv(p.r, in, 2), 3l);   // what is there, without waiting to fill the second vector
}

UTEST(o_append_writes_at_the_end_from_every_description) {
    TempFile f("append");
    REQUIRE(f.ok());
    const int a = f.reopen(O_WRONLY | O_APPEND), b = f.reopen(O_WRONLY | O_APPEND);
    REQUIRE(a >= 0 && b >= 0);
    CHECK((fcntl(a, F_GETFL) & (O_ACCMODE | O_APPEND)) == (O_WRONLY | O_APPEND));
    for (int i = 0; i < 10; ++i) {
        CHECK_EQ(write(a, "aa", 2), 2l);
        CHECK_EQ(write(b, "bbb", 3), 3l);
    }
    CHECK_EQ(file_size(f.fd), 50l);
    CHECK_EQ(pwrite64(a, "P", 1, 0), 1l);   // Linux appends even here
    CHECK_EQ(file_size(f.fd), 51l);
    char buf[64] = {};
    CHECK_EQ(pread64(f.fd, buf, sizeof buf, 0), 51l);
    CHECK(memcmp(buf, "aabbbaabbb", 10) == 0 && buf[50] == 'P');
    // F_SETFL turns it on and off on a description; the offset then says where writes go.
    CHECK_EQ(fcntl(f.fd, F_SETFL, O_APPEND), 0l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_SET), 0l);
    CHECK_EQ(write(f.fd, "E", 1), 1l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 52l);
    CHECK_EQ(fcntl(f.fd, F_SETFL, 0), 0l);
    CHECK_EQ(lseek(f.fd, 0, SEEK_SET), 0l);
    CHECK_EQ(write(f.fd, "S", 1), 1l);
    CHECK_EQ(pread64(f.fd, buf, 2, 0), 2l);
    CHECK(buf[0] == 'S' && buf[1] == 'a');
    close(a), close(b);
}

UTEST(dup_and_fork_share_one_offset) {
    TempFile f("shared");
    REQUIRE(f.ok());
    const long d = dup(f.fd);
    REQUIRE(d >= 0);
    CHECK_EQ(write(f.fd, "12345", 5), 5l);
    CHECK_EQ(lseek(static_cast<int>(d), 0, SEEK_CUR), 5l);
    CHECK_EQ(lseek(static_cast<int>(d), 1, SEEK_SET), 1l);
    char c = 0;
    CHECK_EQ(read(f.fd, &c, 1), 1l);
    CHECK_EQ(c, '2');
    const int status = in_child([&] {
        CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 2l);   // inherited
        CHECK_EQ(write(f.fd, "cd", 2), 2l);       // moves the parent's offset too
    });
    CHECK(exited_with(status, 0));
    CHECK_EQ(lseek(static_cast<int>(d), 0, SEEK_CUR), 4l);
    char buf[8] = {};
    CHECK_EQ(pread64(f.fd, buf, 8, 0), 5l);
    CHECK(memcmp(buf, "12cd5", 5) == 0);
    close(static_cast<int>(d));
    // Another open of the same file has an offset of its own.
    const int other = f.reopen(O_RDONLY);
    REQUIRE(other >= 0);
    CHECK_EQ(lseek(other, 0, SEEK_CUR), 0l);
    close(other);
}

UTEST(directories_read_and_getdents64_in_small_buffers) {
    char dir[96];
    snprintf(dir, sizeof dir, "%s/fdio_dir_%ld", scratch_dir(), getpid());
    REQUIRE(mkdir_at(dir) == 0);
    constexpr int kFiles = 150;
    char name[128];
    for (int i = 0; i < kFiles; ++i) {
        snprintf(name, sizeof name, "%s/entry_with_a_longish_name_%03d", dir, i);
        const long fd = open_at(name, O_WRONLY | O_CREAT_ | O_EXCL_);
        CHECK(fd >= 0);
        close(static_cast<int>(fd));
    }
    snprintf(name, sizeof name, "%s/subdir", dir);
    CHECK_EQ(mkdir_at(name), 0l);
    const long dfd = open_at(dir, O_RDONLY | O_DIRECTORY_);
    REQUIRE(dfd >= 0);
    const int d = static_cast<int>(dfd);
    char buf[80];   // room for one record at a time (each is 48 bytes here)
    CHECK_EQ(read(d, buf, sizeof buf), -EISDIR);
    CHECK_EQ(write(d, "x", 1), -EBADF);
    CHECK_EQ(getdents64(d, buf, 10), -EINVAL);   // too small for any entry
    static bool seen[kFiles];
    int files = 0, dots = 0, dirs = 0, records = 0;
    char first[64] = {};
    for (;;) {
        const long n = getdents64(d, buf, sizeof buf);
        CHECK(n >= 0);
        if (n <= 0) break;
        for (long at = 0; at < n;) {
            unsigned short reclen;
            memcpy(&reclen, buf + at + 16, 2);
            const unsigned char type = static_cast<unsigned char>(buf[at + 18]);
            const char* nm = buf + at + 19;
            if (records++ == 0) snprintf(first, sizeof first, "%s", nm);
            int idx = -1;
            if (str_eq(nm, ".") || str_eq(nm, "..")) {
                ++dots;
                CHECK_EQ(type, DT_DIR);
            } else if (str_eq(nm, "subdir")) {
                ++dirs;
                CHECK_EQ(type, DT_DIR);
            } else if (str_find(nm, "entry_with_a_longish_name_") == nm) {
                idx = (nm[26] - '0') * 100 + (nm[27] - '0') * 10 + (nm[28] - '0');
                CHECK_EQ(type, DT_REG);
                CHECK(idx >= 0 && idx < kFiles && !seen[idx]);
                if (idx >= 0 && idx < kFiles) seen[idx] = true;
                ++files;
            }
            CHECK(reclen % 8 == 0 && reclen >= 24);
            at += reclen;
        }
    }
    CHECK_EQ(files, kFiles);
    CHECK_EQ(dots, 2);
    CHECK_EQ(dirs, 1);
    CHECK_EQ(getdents64(d, buf, sizeof buf), 0l);   // still at the end
    CHECK_EQ(lseek(d, 0, SEEK_SET), 0l);             // rewinds
    CHECK(getdents64(d, buf, sizeof buf) > 0);
    CHECK(str_eq(buf + 19, first));
    CHECK_EQ(getdents64(d, const_cast<void*>(kBad), sizeof buf), -EFAULT);
    CHECK_EQ(getdents64(12345, buf, sizeof buf), -EBADF);
    TempFile f("notdir");
    CHECK_EQ(getdents64(f.fd, buf, sizeof buf), -ENOTDIR);
    Pipe p;
    CHECK_EQ(getdents64(p.r, buf, sizeof buf), -ENOTDIR);
    CHECK_EQ(fsync(d), 0l);
    close(d);
    for (int i = 0; i < kFiles; ++i) {
        snprintf(name, sizeof name, "%s/entry_with_a_longish_name_%03d", dir, i);
        CHECK_EQ(unlink_at(name), 0l);
    }
    snprintf(name, sizeof name, "%s/subdir", dir);
    CHECK_EQ(unlink_at(name, AT_REMOVEDIR_), 0l);
    // An open directory that is removed lists nothing more: ENOENT.
    const long gone = open_at(dir, O_RDONLY | O_DIRECTORY_);
    CHECK(gone >= 0);
    CHECK_EQ(unlink_at(dir, AT_REMOVEDIR_), 0l);
    CHECK_EQ(getdents64(static_cast<int>(gone), buf, sizeof buf), -ENOENT);
    close(static_cast<int>(gone));
}

UTEST(initramfs_files_read_but_do_not_change) {
    const long fd = open_at(path("/bin/hello"), O_RDONLY);
    REQUIRE(fd >= 0);
    const int h = static_cast<int>(fd);
    char magic[4] = {};
    CHECK_EQ(pread64(h, magic, 4, 0), 4l);
    CHECK(memcmp(magic, "\x7f" "ELF", 4) == 0);
    const long size = lseek(h, 0, SEEK_END);
    CHECK_EQ(size, file_size(h));
    CHECK_EQ(read(h, magic, 4), 0l);
    CHECK_EQ(lseek(h, 1, SEEK_SET), 1l);
    CHECK_EQ(read(h, magic, 3), 3l);
    CHECK(memcmp(magic, "ELF", 3) == 0);
    CHECK_EQ(write(h, "x", 1), -EBADF);
    CHECK_EQ(ftruncate(h, 0), -EINVAL);
    CHECK_EQ(fallocate(h, 0, 0, 10), -EBADF);
    CHECK_EQ(fsync(h), 0l);
    CHECK_EQ(fdatasync(h), 0l);
    close(h);
}

UTEST(ftruncate_grows_and_shrinks) {
    TempFile f("trunc");
    REQUIRE(f.ok());
    CHECK_EQ(write(f.fd, "abcdefgh", 8), 8l);
    CHECK_EQ(ftruncate(f.fd, 3), 0l);
    CHECK_EQ(file_size(f.fd), 3l);
    CHECK_EQ(ftruncate(f.fd, 10000), 0l);
    char buf[16] = {};
    CHECK_EQ(pread64(f.fd, buf, 16, 0), 16l);
    CHECK(memcmp(buf, "abc", 3) == 0 && all_zero(buf + 3, 13));
    CHECK_EQ(lseek(f.fd, 0, SEEK_CUR), 8l);   // the offset is not moved
    CHECK_EQ(ftruncate(f.fd, -1), -EINVAL);
    CHECK_EQ(ftruncate(12345, 0), -EBADF);
    const int ro = f.reopen(O_RDONLY);
    CHECK_EQ(ftruncate(ro, 0), -EINVAL);
    close(ro);
    Pipe p;
    CHECK_EQ(ftruncate(p.w, 0), -EINVAL);
    CHECK_EQ(ftruncate(f.fd, 0), 0l);
    CHECK_EQ(file_size(f.fd), 0l);
}

UTEST(fallocate_modes_as_tmpfs) {
    TempFile f("falloc");
    REQUIRE(f.ok());
    CHECK_EQ(fallocate(f.fd, 0, 0, 5000), 0l);
    CHECK_EQ(file_size(f.fd), 5000l);
    CHECK_EQ(fallocate(f.fd, FALLOC_FL_KEEP_SIZE, 0, 9000), 0l);
    CHECK_EQ(file_size(f.fd), 5000l);
    CHECK_EQ(fallocate(f.fd, 0, 100, 100), 0l);   // inside: nothing changes
    CHECK_EQ(file_size(f.fd), 5000l);
    CHECK_EQ(pwrite64(f.fd, "xxxxxxxxxx", 10, 0), 10l);
    CHECK_EQ(fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 5), 0l);
    char buf[10];
    CHECK_EQ(pread64(f.fd, buf, 10, 0), 10l);
    CHECK(memcmp(buf, "xx", 2) == 0 && all_zero(buf + 2, 5) && memcmp(buf + 7, "xxx", 3) == 0);
    CHECK_EQ(file_size(f.fd), 5000l);
    CHECK_EQ(fallocate(f.fd, FALLOC_FL_PUNCH_HOLE, 0, 1), -EOPNOTSUPP);
    CHECK_EQ(fallocate(f.fd, FALLOC_FL_ZERO_RANGE, 0, 1), -EOPNOTSUPP);
    CHECK_EQ(fallocate(f.fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), -EOPNOTSUPP);
    CHECK_EQ(fallocate(f.fd, 0x1000, 0, 1), -EOPNOTSUPP);
    CHECK_EQ(fallocate(f.fd, 0, 0, 0), -EINVAL);
    CHECK_EQ(fallocate(f.fd, 0, -1, 1), -EINVAL);
    CHECK_EQ(fallocate(f.fd, 0, 0x7fffffffffffff00l, 0x1000), -EFBIG);
    CHECK_EQ(fallocate(12345, 0, 0, 1), -EBADF);
    Pipe p;
    CHECK_EQ(fallocate(p.w, 0, 0, 1), -ESPIPE);
    CHECK_EQ(fallocate(p.r, 0, 0, 1), -EBADF);
    if (!qemu_user()) CHECK_EQ(fallocate(kStdout, 0, 0, 1), -ENODEV);
}

UTEST(fsync_on_files_pipes_and_bad_descriptors) {
    TempFile f("sync");
    REQUIRE(f.ok());
    CHECK_EQ(fsync(f.fd), 0l);
    CHECK_EQ(fdatasync(f.fd), 0l);
    Pipe p;
    CHECK_EQ(fsync(p.r), -EINVAL);
    CHECK_EQ(fdatasync(p.w), -EINVAL);
    CHECK_EQ(fsync(12345), -EBADF);
    CHECK_EQ(fdatasync(-1), -EBADF);
}

UTEST(sendfile_between_files_and_to_a_pipe) {
    TempFile in("sfin"), out("sfout");
    REQUIRE(in.ok() && out.ok());
    static char data[10000];
    for (int i = 0; i < 10000; ++i) data[i] = static_cast<char>('a' + i % 26);
    REQUIRE(write(in.fd, data, sizeof data) == 10000);
    CHECK_EQ(lseek(in.fd, 0, SEEK_SET), 0l);
    CHECK_EQ(sendfile(out.fd, in.fd, nullptr, 6000), 6000l);   // the input's offset moves
    CHECK_EQ(lseek(in.fd, 0, SEEK_CUR), 6000l);
    CHECK_EQ(sendfile(out.fd, in.fd, nullptr, 99999), 4000l);  // up to the end
    CHECK_EQ(sendfile(out.fd, in.fd, nullptr, 10), 0l);
    static char back[10000];
    CHECK_EQ(pread64(out.fd, back, sizeof back, 0), 10000l);
    CHECK(memcmp(back, data, sizeof data) == 0);
    Pipe p;
    REQUIRE(p.ok());
    long off = 26;
    CHECK_EQ(sendfile(p.w, in.fd, &off, 52), 52l);   // with an offset: it is updated, the file's is not
    CHECK_EQ(off, 78l);
    CHECK_EQ(lseek(in.fd, 0, SEEK_CUR), 10000l);
    char buf[64] = {};
    CHECK_EQ(read(p.r, buf, sizeof buf), 52l);
    CHECK(memcmp(buf, data, 52) == 0);
    CHECK_EQ(sendfile(p.w, in.fd, &off, 0), 0l);
    if (!qemu_user()) {   // to the console: one line of the log
        TempFile line("sfline");
        constexpr char kLine[] = "    sendfile: this line came from a file\n";
        CHECK_EQ(write(line.fd, kLine, sizeof kLine - 1), static_cast<long>(sizeof kLine - 1));
        long at = 0;
        CHECK_EQ(sendfile(kStdout, line.fd, &at, 100), static_cast<long>(sizeof kLine - 1));
    }
    CHECK_EQ(sendfile(p.w, in.fd, reinterpret_cast<long*>(kKernelAddress), 1), -EFAULT);
    CHECK_EQ(sendfile(p.w, p.r, &off, 1), -ESPIPE);
    CHECK_EQ(sendfile(p.w, 12345, nullptr, 1), -EBADF);
    CHECK_EQ(sendfile(12345, in.fd, nullptr, 1), -EBADF);
    const int wo = in.reopen(O_WRONLY), ro = out.reopen(O_RDONLY);
    CHECK_EQ(sendfile(p.w, wo, nullptr, 1), -EBADF);
    CHECK_EQ(sendfile(ro, in.fd, &off, 1), -EBADF);
    const int app = out.reopen(O_WRONLY | O_APPEND);
    CHECK_EQ(sendfile(app, in.fd, &off, 1), -EINVAL);
    close(wo), close(ro), close(app);
}

UTEST(nonblocking_pipes) {
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK) == 0);
    CHECK_EQ(fcntl(fds[0], F_GETFL), static_cast<long>(O_RDONLY | O_NONBLOCK));
    char buf[4096];
    CHECK_EQ(read(fds[0], buf, 1), -EAGAIN);
    memset(buf, 'p', sizeof buf);
    long total = 0, r;
    while ((r = write(fds[1], buf, sizeof buf)) > 0) total += r;
    CHECK_EQ(r, -EAGAIN);
    CHECK(total >= 4096);
    CHECK_EQ(fcntl(fds[1], F_GETPIPE_SZ), total);
    CHECK_EQ(write(fds[1], "x", 1), -EAGAIN);
    while (read(fds[0], buf, sizeof buf) > 0) {
    }
    CHECK_EQ(read(fds[0], buf, 1), -EAGAIN);
    CHECK_EQ(write(fds[1], buf, sizeof buf), static_cast<long>(sizeof buf));   // drained: room again
    CHECK_EQ(read(fds[0], buf, sizeof buf), static_cast<long>(sizeof buf));
    close(fds[1]);
    CHECK_EQ(read(fds[0], buf, 1), 0l);   // no writer: end of file, not EAGAIN
    close(fds[0]);
    // F_SETFL on a blocking pipe.
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(fcntl(p.r, F_SETFL, O_NONBLOCK), 0l);
    CHECK_EQ(read(p.r, buf, 1), -EAGAIN);
}

UTEST(o_path_descriptors_do_no_io) {
    TempFile f("opath");
    REQUIRE(f.ok());
    const long fd = open_at(f.path(), O_PATH);
    REQUIRE(fd >= 0);
    const int o = static_cast<int>(fd);
    char c;
    CHECK_EQ(read(o, &c, 1), -EBADF);
    CHECK_EQ(write(o, "x", 1), -EBADF);
    CHECK_EQ(pread64(o, &c, 1, 0), -EBADF);
    CHECK_EQ(lseek(o, 0, SEEK_SET), -EBADF);
    CHECK_EQ(fsync(o), -EBADF);
    CHECK_EQ(ftruncate(o, 0), -EBADF);
    CHECK_EQ(fcntl(o, F_SETFL, O_APPEND), -EBADF);
    CHECK_EQ(fcntl(o, F_GETFL) & O_PATH, static_cast<long>(O_PATH));
    const long d = dup(o);
    CHECK(d >= 0);
    close(static_cast<int>(d));
    close(o);
}

UTEST(read_and_write_errors) {
    TempFile f("errs");
    REQUIRE(f.ok());
    char c;
    CHECK_EQ(read(f.fd, const_cast<void*>(kBad), 1), -EFAULT);
    CHECK_EQ(write(f.fd, kBad, 1), -EFAULT);
    CHECK_EQ(read(12345, &c, 1), -EBADF);
    CHECK_EQ(write(-1, "x", 1), -EBADF);
    CHECK_EQ(fcntl(f.fd, F_GETPIPE_SZ), -EBADF);
    CHECK_EQ(fcntl(f.fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), static_cast<long>(O_RDWR));
    // A buffer in a fresh stack page and a copy-on-write one after fork both work.
    static char big[3 * 4096];
    memset(big, 'q', sizeof big);
    CHECK_EQ(write(f.fd, big, sizeof big), static_cast<long>(sizeof big));
    const int status = in_child([&] {
        char local[8192];
        CHECK_EQ(pread64(f.fd, local, sizeof local, 0), static_cast<long>(sizeof local));
        CHECK(local[0] == 'q' && local[8191] == 'q');
        CHECK_EQ(pread64(f.fd, big, sizeof big, 0), static_cast<long>(sizeof big));
    });
    CHECK(exited_with(status, 0));
    // A buffer running into a hole: the bytes before it (exact to the byte that faulted).
    if (qemu_user()) {
        note("skipped: qemu-user checks the whole buffer first (EFAULT)");
        return;
    }
    const long m = mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m > 0);
    REQUIRE(munmap(reinterpret_cast<void*>(m + 4096), 4096) == 0);
    char* p = reinterpret_cast<char*>(m);
    CHECK_EQ(pread64(f.fd, p, 8192, 0), 4096l);
    CHECK_EQ(pread64(f.fd, p + 8, 8192, 0), 4088l);
    CHECK_EQ(pread64(f.fd, p + 4095, 100, 0), 1l);
    CHECK_EQ(pwrite64(f.fd, p + 4000, 200, 0), 96l);
    CHECK_EQ(pread64(f.fd, p + 4096, 1, 0), -EFAULT);
}
