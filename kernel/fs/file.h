// Open files behind user file descriptors (Linux's open file descriptions): the console, the two
// ends of pipes, and files opened by path over an Inode. Reference counted: dup, fork and
// SCM-less sharing all share one File, with its status flags and its offset; the last put releases it.
//
// Locking: m_pos_lock (a sleeping mutex) guards the offset and the directory cookie of an inode file
// for a whole read, write, lseek or getdents64 that uses them (as Linux's f_pos_lock); the inode's
// state is under the VFS lock, taken inside it (pos lock -> VFS lock). Status flags are read and
// written atomically.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"
#include "sched/wait_queue.h"

namespace kernel {

namespace fs {
struct Device;
}
class Pipe;

class File {
public:
    enum class Kind { Console, PipeRead, PipeWrite, Inode };

    static File* open_console();                      // nullptr when out of memory
    // A pipe's two ends; status_flags may hold O_NONBLOCK (pipe2's flags). False when out of memory.
    static bool open_pipe(File*& read_end, File*& write_end, int status_flags = 0);
    // A file opened by path (openat, after the permission checks): takes over `path`'s reference
    // (also on failure). flags are open(2)'s: the access mode and the status flags it keeps
    // (O_APPEND, O_NONBLOCK, O_PATH, O_DIRECT, O_NOATIME...; O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC and
    // O_CLOEXEC are not kept, as Linux). -ENOMEM when out of memory.
    static fs::ErrorOr<File*> open_inode(fs::Path path, int flags);

    File* get();   // one more reference
    void put();    // one fewer; the last closes
    // A descriptor of the process whose table is `owner` was closed: its POSIX record locks on
    // this file's inode go (as Linux, on any close by that process), then the reference.
    void close_by(const void* owner);
    Kind kind() const { return m_kind; }

    // The inode and place of a file opened by path (null / empty for the console and pipes); valid
    // while the File lives.
    fs::Inode* inode() const { return m_path.inode; }
    const fs::Path& path() const { return m_path; }

    // Results are byte counts or negative errno values, as the system calls return them. The
    // buffers are user addresses (the caller checked the range lies in user space); the file copies
    // through the fault-tolerant accessors.
    // read/write use and advance the offset (write at the end under O_APPEND).
    std::int64_t read(std::uint64_t user_buf, std::size_t n);
    std::int64_t write(std::uint64_t user_buf, std::size_t n);
    // At an explicit offset, the file's own left alone (pread64/pwrite64): -ESPIPE on pipes and the
    // console. Linux's pwrite on an O_APPEND file still appends.
    std::int64_t pread(std::uint64_t user_buf, std::size_t n, std::uint64_t offset);
    std::int64_t pwrite(std::uint64_t user_buf, std::size_t n, std::uint64_t offset);
    // A read or write of an inode file with a kernel buffer (sendfile): at *at, which it advances,
    // or (at == null) at the file's offset. The caller checked the access mode.
    std::int64_t kernel_io(bool write, void* buf, std::size_t n, std::uint64_t* at);
    // sendfile's writes from a kernel buffer to any writable file (at its offset); its reads of
    // the later vectors of a readv from a pipe or the console, which take only what is there.
    std::int64_t write_kernel(const void* buf, std::size_t n);
    std::int64_t read_more(std::uint64_t user_buf, std::size_t n);
    // The offset (sendfile without an offset pointer reads from it and moves it by what it wrote).
    std::uint64_t offset() const { return __atomic_load_n(&m_pos, __ATOMIC_RELAXED); }
    void set_offset(std::uint64_t pos);
    // lseek(2): the new offset, or -ESPIPE / -EINVAL / -EOVERFLOW / -ENXIO.
    std::int64_t seek(std::int64_t offset, int whence);
    // getdents64(2) into user memory: bytes written, 0 at the end, or -ENOTDIR / -EINVAL / -EFAULT.
    std::int64_t getdents(std::uint64_t user_buf, std::size_t n);
    // The access mode allows reading / writing (never for O_PATH).
    bool readable() const;
    bool writable() const;
    // Makes the writes made while it lives one write on the console (writev's vectors): no other
    // task's output lands between them. Nothing for pipes, whose writes are each atomic up to
    // kPipeCapacity, as on Linux, nor for inode files.
    class [[nodiscard]] WriteTurn {
    public:
        explicit WriteTurn(const File& f) : WriteTurn(f.kind() == Kind::Console || f.is_console_device()) {}
        explicit WriteTurn(bool console);
        ~WriteTurn();
        WriteTurn(const WriteTurn&) = delete;
        WriteTurn& operator=(const WriteTurn&) = delete;

    private:
        bool m_taken;  // this turn took the console's writer lock (a nested one does not)
    };
    // Terminal requests on the console (tty.h), the inode's ioctl for inode files; a pipe is no
    // terminal: -ENOTTY.
    std::int64_t ioctl(std::uint32_t request, std::uint64_t arg);
    abi::Stat stat() const;  // what fstat reports for the console and pipes (inode files: the stat code)
    // F_GETFL: the access mode and the status flags. F_SETFL changes O_APPEND, O_NONBLOCK, O_DIRECT
    // and O_NOATIME (the others asked for are ignored, as Linux does; O_ASYNC is -EINVAL: no SIGIO).
    int status_flags() const { return __atomic_load_n(&m_flags, __ATOMIC_RELAXED); }
    std::int64_t set_status_flags(int flags);
    bool nonblocking() const { return (status_flags() & abi::kO_NONBLOCK) != 0; }
    bool is_path_only() const { return (status_flags() & abi::kO_PATH) != 0; }

    // The inode's size (0 for the console and pipes), read under the VFS lock.
    std::int64_t size() const;
    // What flock and record locks lock: the inode, the pipe, or the console.
    const void* lock_object() const;

    // Pipes' end for F_GETPIPE_SZ (and the pipe code).
    Pipe* pipe() const { return m_pipe; }
    // procdev: a file opened on a character-device node (devtmpfs, or mknod anywhere) does its
    // I/O through the device (fs/devices.h), without the VFS lock; null for any other file.
    const fs::Device* device() const { return m_device; }
    bool is_console_device() const;

private:
    File(Kind k, Pipe* p, int flags) : m_kind(k), m_pipe(p), m_flags(flags) {}
    std::int64_t inode_io(bool write, std::uint64_t user_buf, std::size_t n, const std::uint64_t* at);
    std::int64_t console_read(std::uint64_t user_buf, std::size_t n);
    Kind m_kind;
    Pipe* m_pipe;
    int m_flags;       // the access mode (O_ACCMODE) and status flags (atomic)
    long m_refs = 1;   // atomic updates (see file.cpp)
    // Inode files only.
    fs::Path m_path;   // referenced (put at the last close)
    const fs::Device* m_device = nullptr;   // procdev: set at open for a device node
    sched::Mutex m_pos_lock;
    std::uint64_t m_pos = 0;   // the offset; for a directory, the readdir cookie (m_pos_lock)
};

// Pipe capacity in bytes (Linux: 64 KiB; ours is smaller but the same semantics).
inline constexpr std::size_t kPipeCapacity = 4096;

}  // namespace kernel
