// procfs's inodes (inside kernel/fs/procfs only). Every inode but the root is made by the lookup that
// finds it and freed with its last reference, so each open has its own: a file's text is generated
// into that inode at the first read (and again at each read from offset 0), and later reads serve
// that snapshot, as Linux's seq_file does per open file. Per-process inodes hold a pid, never a
// Process*: whatever they show is copied under the process-tree lock (inspect_process), and a pid
// that has gone gives ENOENT (lookups) or ESRCH (reads).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"
#include "kernel/fs/procfs/proc_text.h"

namespace kernel::fs::proc {

enum class Node : std::uint8_t {
    Root, Self, Meminfo, Uptime, Loadavg, Stat, Cpuinfo, Mounts, Filesystems, Version,   // /proc/...
    PidDir, PidStat, PidStatus, PidCmdline, PidComm, PidExe, PidCwd, PidFdDir, PidMaps,
    PidFd,   // /proc/<pid>/fd/<n>
};

class ProcInode final : public Inode {
public:
    ProcInode(SuperBlock* sb, Node node, int pid, int fd, std::uint64_t ino, std::uint32_t mode);
    ~ProcInode() override;
    Node node() const { return m_node; }
    int pid() const { return m_pid; }

    ErrorOr<Inode*> lookup(const char* name, std::size_t len) override;
    std::int64_t readdir(std::uint64_t& cookie, DirSink& sink) override;
    std::int64_t read(std::uint64_t off, IoBuffer& buf, std::size_t n) override;
    ErrorOr<const char*> link_target(std::size_t& len) override;

private:
    std::int64_t generate();          // fills m_text; 0 or -errno
    const Node m_node;
    const int m_pid;                  // the process a per-process node shows (0 otherwise)
    const int m_fd;                   // PidFd's descriptor
    char* m_text = nullptr;           // the snapshot (heap), m_cap bytes
    std::size_t m_cap = 0, m_len = 0;
    bool m_have = false;
};

// Generators (each returns 0 or -errno; Text is the snapshot being built). The caller holds the VFS
// lock; none sleeps holding the process-tree lock.
std::int64_t gen_system(Node node, Text& t);                  // proc_system.cpp
std::int64_t gen_process(Node node, int pid, Text& t);        // proc_pid.cpp
// A link's target into t (no NUL): /proc/self, exe, cwd, fd/<n>.
std::int64_t gen_link(Node node, int pid, int fd, Text& t);   // proc_pid.cpp
// The owner a process's files get (its effective ids); false when it has gone.
bool process_owner(int pid, std::uint32_t& uid, std::uint32_t& gid);
// fd/: the descriptors open in process pid, in order: calls fn for each from `from` on until it
// returns false. -ENOENT when the process has gone, -EACCES when its table cannot be read safely.
std::int64_t for_each_fd(int pid, int from, bool (*fn)(int fd, void* ctx), void* ctx);
// The pids of existing processes in increasing order, those > after; returns how many were put.
std::size_t list_pids(int after, int* out, std::size_t max);

// The size of each snapshot buffer (maps and cpuinfo are the longest).
std::size_t text_capacity(Node node);

}  // namespace kernel::fs::proc
