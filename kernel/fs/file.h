// Open files behind user file descriptors: the console and the two ends of pipes. Reference counted
// (dup and fork share one File); the last close releases it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel {

class Pipe;

class File {
public:
    enum class Kind { Console, PipeRead, PipeWrite };

    static File* open_console();                      // nullptr when out of memory
    static bool open_pipe(File*& read_end, File*& write_end);
    // A file opened by path (openat, after the permission checks): takes over `path`'s reference.
    // flags are open(2)'s: the access mode and the status flags it keeps (O_APPEND, O_NONBLOCK,
    // O_PATH, ...). -ENOMEM when out of memory. Being written by the descriptors work of the files
    // issue; until then declared only.
    static fs::ErrorOr<File*> open_inode(fs::Path path, int flags);

    File* get();   // one more reference
    void put();    // one fewer; the last closes
    Kind kind() const { return m_kind; }

    // Results are byte counts or negative errno values, as the system calls return them.
    // The buffers are user addresses; the file copies through the fault-tolerant accessors.
    std::int64_t read(std::uint64_t user_buf, std::size_t n);
    std::int64_t write(std::uint64_t user_buf, std::size_t n);
    // Makes the writes made while it lives one write on the console (writev's vectors): no other
    // task's output lands between them. Nothing for pipes, whose writes are each atomic up to
    // kPipeCapacity, as on Linux.
    class [[nodiscard]] WriteTurn {
    public:
        explicit WriteTurn(const File& f) : WriteTurn(f.kind() == Kind::Console) {}
        explicit WriteTurn(bool console);
        ~WriteTurn();
        WriteTurn(const WriteTurn&) = delete;
        WriteTurn& operator=(const WriteTurn&) = delete;

    private:
        bool m_taken;  // this turn took the console's writer lock (a nested one does not)
    };
    // Terminal requests on the console (tty.h); a pipe is no terminal: -ENOTTY.
    std::int64_t ioctl(std::uint32_t request, std::uint64_t arg);
    abi::Stat stat() const;  // what fstat reports
    // F_GETFL: the access mode (and no status flags: none is supported yet).
    int status_flags() const {
        return m_kind == Kind::Console ? abi::kO_RDWR : m_kind == Kind::PipeRead ? abi::kO_RDONLY : abi::kO_WRONLY;
    }

private:
    File(Kind k, Pipe* p) : m_kind(k), m_pipe(p) {}
    Kind m_kind;
    Pipe* m_pipe;
    long m_refs = 1;  // atomic updates (see file.cpp)
};

// Pipe capacity in bytes (Linux: 64 KiB; ours is smaller but the same semantics).
inline constexpr std::size_t kPipeCapacity = 4096;

}  // namespace kernel
