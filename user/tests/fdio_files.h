// Files for test_io and test_locks: uniquely named scratch files on a tmpfs (/tmp here, /dev/shm on
// a Linux host under qemu-user, which is tmpfs there too), removed when the test ends. openat,
// unlinkat and mkdirat go through their real system-call numbers (these tests do not own them).
#pragma once

#include "user/lib/utest.h"

namespace fdio {

using namespace user;

inline constexpr long SYS_mkdirat_ = 34, SYS_unlinkat_ = 35, SYS_openat_ = 56;
inline constexpr int O_CREAT_ = 0100, O_EXCL_ = 0200, O_TRUNC_ = 01000, O_DIRECTORY_ = 040000;
inline constexpr int AT_REMOVEDIR_ = 0x200;

inline long open_at(const char* p, int flags, int mode = 0644) { return syscall6(SYS_openat_, AT_FDCWD, arg(p), flags, mode); }
inline long unlink_at(const char* p, int flags = 0) { return syscall6(SYS_unlinkat_, AT_FDCWD, arg(p), flags); }
inline long mkdir_at(const char* p, int mode = 0755) { return syscall6(SYS_mkdirat_, AT_FDCWD, arg(p), mode); }

inline const char* scratch_dir() { return utest::qemu_user() ? "/dev/shm" : "/tmp"; }

// A new empty file (O_RDWR) with a name no other test or run uses; unlinked (and closed) at the end.
class TempFile {
public:
    explicit TempFile(const char* tag, int flags = O_RDWR) {
        static int s_seq = 0;
        snprintf(m_path, sizeof m_path, "%s/fdio_%s_%ld_%d", scratch_dir(), tag, getpid(), s_seq++);
        fd = static_cast<int>(open_at(m_path, flags | O_CREAT_ | O_EXCL_ | O_CLOEXEC, 0644));
    }
    ~TempFile() {
        if (fd >= 0) close(fd);
        unlink_at(m_path);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    bool ok() const { return fd >= 0; }
    const char* path() const { return m_path; }
    // Another open file description of the same file.
    int reopen(int flags) const { return static_cast<int>(open_at(m_path, flags | O_CLOEXEC)); }
    int fd = -1;

private:
    char m_path[96];
};

inline long file_size(int fd) {
    Stat st;
    return fstat(fd, &st) == 0 ? st.st_size : -1;
}

}  // namespace fdio
