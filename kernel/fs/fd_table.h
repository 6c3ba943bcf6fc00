// A process's descriptor table: descriptor -> open File, with a close-on-exec bit per descriptor.
// It grows on demand (16 slots inline, then powers of two on the heap), so a small process stays
// small and one that raised RLIMIT_NOFILE can use every descriptor below it. It holds one reference
// per slot; it never closes a file under its lock (closing may take the VFS lock): take() hands the
// reference back to the caller, who puts it.
//
// Locking: only the owning process's task changes the table (or its parent before the child runs).
// It reads without a lock; every change is made under m_lock, which another process's reader
// (procfs listing /proc/<pid>/fd) takes in get_ref(), so it never sees a table being swapped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/spinlock.h"

namespace kernel {

class File;

inline constexpr std::uint64_t kNofileSoft = 1024;     // Linux's default RLIMIT_NOFILE soft limit
inline constexpr std::uint64_t kNofileHard = 4096;     // and hard limit
inline constexpr std::uint64_t kNrOpen = 1u << 20;     // fs.nr_open: no hard limit above it

class FdTable {
public:
    FdTable() = default;
    ~FdTable();   // the slots must be empty by then (close_all)
    FdTable(const FdTable&) = delete;
    FdTable& operator=(const FdTable&) = delete;

    // The owner's view (no lock).
    File* get(std::uint64_t fd) const { return fd < m_end ? m_files[fd] : nullptr; }
    // Every descriptor ever used is below end(); slots there may be empty.
    unsigned end() const { return m_end; }
    File* operator[](unsigned fd) const { return get(fd); }
    bool cloexec(unsigned fd) const { return fd < m_cap && ((m_cloexec[fd / 64] >> (fd % 64)) & 1); }

    // Another process's view: the file in slot fd with a reference taken for the caller, or null.
    File* get_ref(unsigned fd);

    // The lowest free descriptor at or above `from` and below `limit`, with room made for it: the
    // descriptor, -EMFILE when there is none below limit, or -ENOMEM.
    int find_free(std::uint64_t from, std::uint64_t limit);
    // Makes room for descriptor fd (fd < kNrOpen): false when out of memory.
    [[nodiscard]] bool reserve(unsigned fd);
    // Puts f (a reference the table takes over; may be null) in slot fd, for which room was made,
    // and returns what was there, whose reference passes to the caller.
    [[nodiscard]] File* set(unsigned fd, File* f, bool close_on_exec);
    void set_cloexec(unsigned fd, bool on);
    [[nodiscard]] File* take(unsigned fd) { return fd < m_end ? set(fd, nullptr, false) : nullptr; }

    // fork: a copy sharing every open file (references taken), close-on-exec bits included. This
    // table must be new and empty. False when out of memory (nothing held then).
    [[nodiscard]] bool copy_from(const FdTable& other);
    // execve: closes the close-on-exec descriptors. exit: closes all. Call with no lock held.
    void close_on_exec();
    void close_all();

private:
    static constexpr unsigned kInline = 16;
    // Changes are made under m_lock (see the header).
    arch::SpinLock m_lock;
    File** m_files = m_inline_files;
    std::uint64_t* m_cloexec = &m_inline_cloexec;   // bit fd % 64 of word fd / 64
    unsigned m_cap = kInline;                        // slots in m_files, all initialised
    unsigned m_end = 0;                              // 1 + the highest descriptor ever set
    File* m_inline_files[kInline] = {};
    std::uint64_t m_inline_cloexec = 0;
};

}  // namespace kernel
