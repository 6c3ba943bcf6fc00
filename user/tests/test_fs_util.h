// What the file-system suites (test_fs_paths, test_fs_stat) share: a scratch directory of the
// test's own under /tmp (unique by pid, removed with all it holds, so the suites also run under
// qemu-user where /tmp is the host's), recursive removal, dropping root in a child, and reading a
// small file.
#pragma once

#include "user/lib/utest.h"

namespace user::fstest {

inline constexpr long SYS_getdents64_fs = 61;
const auto kKernelPtr = reinterpret_cast<const char*>(kKernelAddress);
const auto kLowPtr = reinterpret_cast<const char*>(kUnmappedUserAddress);
inline constexpr int kBadFd = 12345;
inline constexpr unsigned kUser = 1000, kGroup = 1000;

// Removes path and everything below it (as root: modes do not stop it). Best effort.
inline void rm_rf(const char* path) {
    if (unlinkat(AT_FDCWD, path, 0) == 0) return;
    const long fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        alignas(8) char buf[2048];
        for (;;) {
            const long n = syscall6(SYS_getdents64_fs, fd, arg(buf), sizeof buf);
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                const auto reclen = *reinterpret_cast<unsigned short*>(buf + off + 16);
                const char* name = buf + off + 19;
                off += reclen;
                if (str_eq(name, ".") || str_eq(name, "..")) continue;
                char child[512];
                snprintf(child, sizeof child, "%s/%s", path, name);
                rm_rf(child);
            }
        }
        close(static_cast<int>(fd));
    }
    unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

// /tmp/tfs.PID.N: made 0755 at construction, removed at destruction. at("x") is "DIR/x" (in one of
// a few rotating buffers, valid until 8 more calls).
class Scratch {
public:
    Scratch() {
        static int s_count;
        snprintf(m_dir, sizeof m_dir, "/tmp/tfs.%ld.%d", getpid(), s_count++);
        rm_rf(m_dir);
        m_ok = mkdirat(AT_FDCWD, m_dir, 0755) == 0;
    }
    ~Scratch() { rm_rf(m_dir); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    bool ok() const { return m_ok; }
    const char* dir() const { return m_dir; }
    const char* at(const char* name) {
        static char bufs[8][256];
        static int next;
        char* b = bufs[next++ % 8];
        snprintf(b, 256, "%s/%s", m_dir, name);
        return b;
    }

private:
    char m_dir[64];
    bool m_ok = false;
};

// Makes a file with this content (mode as given, before the umask); true on success.
inline bool make_file(const char* path, const char* content, unsigned mode = 0644) {
    const long fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return false;
    const std::size_t n = strlen(content);
    const bool ok = write(static_cast<int>(fd), content, n) == static_cast<long>(n);
    close(static_cast<int>(fd));
    return ok;
}

// Reads up to size-1 bytes of a file into buf (NUL-terminated); the count or -errno.
inline long read_file(const char* path, char* buf, std::size_t size) {
    const long fd = open(path, O_RDONLY);
    if (fd < 0) return fd;
    long total = 0;
    for (;;) {
        const long n = read(static_cast<int>(fd), buf + total, size - 1 - static_cast<std::size_t>(total));
        if (n <= 0) break;
        total += n;
    }
    buf[total] = '\0';
    close(static_cast<int>(fd));
    return total;
}

// Drops root for good (groups, gids, then uids), as a test child does before permission checks.
inline bool drop_root(unsigned uid = kUser, unsigned gid = kGroup) {
    return setgroups(0, nullptr) == 0 && setresgid(gid, gid, gid) == 0 &&
           setresuid(uid, uid, uid) == 0;
}

inline long stat_path(const char* path, Stat& st, int flags = 0) { return newfstatat(AT_FDCWD, path, &st, flags); }
inline unsigned mode_of(const char* path, int flags = AT_SYMLINK_NOFOLLOW) {
    Stat st{};
    return stat_path(path, st, flags) == 0 ? st.st_mode : 0;
}
inline bool exists(const char* path) {
    Stat st{};
    return stat_path(path, st, AT_SYMLINK_NOFOLLOW) == 0;
}

}  // namespace user::fstest
