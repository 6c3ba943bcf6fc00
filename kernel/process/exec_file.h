// The file execve runs, found and read through the VFS: Linux's do_open_execat (the walk from the
// process's root and working directory, symbolic links followed; a regular file the caller may
// execute, else EACCES), then reads of it into kernel memory, each under the VFS lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/vfs.h"

namespace kernel {

class ExecFile {
public:
    ExecFile() = default;
    ~ExecFile() { close(); }
    ExecFile(const ExecFile&) = delete;
    ExecFile& operator=(const ExecFile&) = delete;

    // 0, or a positive errno (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES...) with `why` set to
    // words for it. Replaces the file held before, if any.
    int open(const fs::WalkStart& from, const char* path, const char*& why);
    void close();
    // Reads up to n bytes at `off` (fewer only at the end of the file): the count, or a negative errno.
    std::int64_t read(std::uint64_t off, void* dst, std::size_t n);
    std::uint64_t size() const { return m_size; }   // at open
    // The owner and mode at open (cred: set-user-ID and set-group-ID programs).
    std::uint32_t mode() const { return m_mode; }
    std::uint32_t uid() const { return m_uid; }
    std::uint32_t gid() const { return m_gid; }
    // Another reference to the file (exec maps its segments from it). The file must be open.
    fs::PathRef path() const { return m_path.clone(); }

private:
    fs::Inode* m_inode = nullptr;   // m_path's
    fs::PathRef m_path;             // referenced
    std::uint64_t m_size = 0;
    std::uint32_t m_mode = 0, m_uid = 0, m_gid = 0;
};

}  // namespace kernel
