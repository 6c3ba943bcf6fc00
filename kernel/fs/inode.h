// The contract between the VFS and each file system (portable: compiled into the host tests too).
// An Inode is a file of any type; its file system subclasses it and overrides the operations that
// type supports (the defaults return Linux's errno for "not this kind of file"). Results are values
// or negative errno values (abi::kENOENT...), as the system calls return them.
//
// Locking: every operation below is called with the VFS lock held (vfs.h: one sleeping lock for
// the whole name space and all inode state, taken by each system call's VFS part; SMP-safe by
// construction, coarse on purpose). Only the reference count is atomic, so a File can drop its
// inode without that lock; the last put takes it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::fs {

class Inode;
class SuperBlock;

// A value or a negative errno. Used for pointers (Inode*) and sizes alike.
template <typename T>
class [[nodiscard]] ErrorOr {
public:
    constexpr ErrorOr(T v) : m_value(v), m_errno(0) {}
    static constexpr ErrorOr error(int e) { return ErrorOr(T{}, e); }  // e > 0: abi::kENOENT...
    constexpr bool ok() const { return m_errno == 0; }
    constexpr T value() const { return m_value; }
    constexpr int errno_value() const { return m_errno; }       // positive
    constexpr std::int64_t as_syscall() const { return ok() ? static_cast<std::int64_t>(m_value) : -m_errno; }

private:
    constexpr ErrorOr(T v, int e) : m_value(v), m_errno(e) {}
    T m_value;
    int m_errno;
};

struct Timestamp {
    std::int64_t sec = 0;
    std::int64_t nsec = 0;
};

// Where a read's bytes go and a write's bytes come from: user memory (the system calls, through the
// fault-tolerant copies) or kernel memory (exec reading an ELF, the host tests). Each call copies
// at most n bytes at offset `at` of the buffer and returns how many it copied (fewer at a fault).
class IoBuffer {
public:
    virtual std::size_t copy_out(std::size_t at, const void* src, std::size_t n) = 0;  // into the buffer
    virtual std::size_t copy_in(std::size_t at, void* dst, std::size_t n) = 0;         // out of it
protected:
    ~IoBuffer() = default;
};

// A buffer in kernel (or host) memory.
class KernelBuffer final : public IoBuffer {
public:
    KernelBuffer(void* p, std::size_t size) : m_p(static_cast<std::uint8_t*>(p)), m_size(size) {}
    std::size_t copy_out(std::size_t at, const void* src, std::size_t n) override;
    std::size_t copy_in(std::size_t at, void* dst, std::size_t n) override;

private:
    std::uint8_t* m_p;
    std::size_t m_size;
};

// getdents64's view of one entry; emit() returns false when the caller's buffer is full (the entry
// is then not consumed: readdir returns and the same cookie gives it again next time).
struct DirEntry {
    std::uint64_t ino;
    std::uint32_t mode;        // the type bits (S_IFDIR...) are what getdents64's d_type needs
    const char* name;
    std::size_t name_len;
};
class DirSink {
public:
    virtual bool emit(const DirEntry& e, std::uint64_t next_cookie) = 0;
protected:
    ~DirSink() = default;
};

// Physical page for mmap (mm::PhysAddr without including mm/).
using PagePhys = std::uint64_t;

class Inode {
public:
    explicit Inode(SuperBlock* sb, std::uint64_t ino, std::uint32_t mode) : sb(sb), ino(ino), mode(mode) {}
    virtual ~Inode() = default;
    Inode(const Inode&) = delete;
    Inode& operator=(const Inode&) = delete;

    // Attributes (VFS lock). mode holds the type bits (abi::kS_IF*) and the permission bits.
    SuperBlock* const sb;
    const std::uint64_t ino;
    std::uint32_t mode;
    std::uint32_t uid = 0, gid = 0;
    std::uint32_t nlink = 1;
    std::uint64_t size = 0;
    std::uint64_t rdev = 0;           // a device node's number (abi::encode_dev)
    Timestamp atime, mtime, ctime;
    // A directory's parent in its own file system (a file system's root: itself). The path walk's
    // ".." uses it; directories have one name each, so it is well defined. File systems keep it
    // right across rename.
    Inode* parent = nullptr;

    // References: an open File, a working or root directory, a mount, a parent directory's entry
    // and a walk in progress each hold one. get/put are atomic; the put that drops the last one
    // (with nlink 0, or the file system's choice for inodes it does not keep) calls
    // sb->release(this), with the VFS lock held by the caller of put_locked, or taken by put.
    void get() { __atomic_add_fetch(&m_refs, 1, __ATOMIC_RELAXED); }
    void put();          // takes the VFS lock if this is the last reference
    void put_locked();   // the VFS lock held
    long refs() const { return __atomic_load_n(&m_refs, __ATOMIC_RELAXED); }

    bool is_dir() const { return (mode & 0170000) == 0040000; }
    bool is_reg() const { return (mode & 0170000) == 0100000; }
    bool is_symlink() const { return (mode & 0170000) == 0120000; }

    // --- Directories (defaults: -ENOTDIR) ---
    // The child called `name` (not "." or "..", which the walk resolves), referenced, or -ENOENT.
    virtual ErrorOr<Inode*> lookup(const char* name, std::size_t len);
    // New entries. mode has the type bits (S_IFREG, S_IFCHR/S_IFBLK with rdev, S_IFIFO, S_IFSOCK for
    // create; mkdir gets S_IFDIR). The result is referenced. -EEXIST if the name is taken.
    virtual ErrorOr<Inode*> create(const char* name, std::size_t len, std::uint32_t mode, std::uint64_t rdev,
                                   std::uint32_t uid, std::uint32_t gid);
    virtual ErrorOr<Inode*> mkdir(const char* name, std::size_t len, std::uint32_t mode, std::uint32_t uid,
                                  std::uint32_t gid);
    virtual ErrorOr<Inode*> symlink(const char* name, std::size_t len, const char* target, std::size_t target_len,
                                    std::uint32_t uid, std::uint32_t gid);
    virtual std::int64_t link(const char* name, std::size_t len, Inode* target);   // a hard link
    virtual std::int64_t unlink(const char* name, std::size_t len);                // not a directory
    virtual std::int64_t rmdir(const char* name, std::size_t len);                 // an empty directory
    // Moves this directory's `name` to new_dir's `new_name` (same file system; the VFS checked
    // EXDEV, that a directory is not moved into itself, and the RENAME_* flags' preconditions).
    virtual std::int64_t rename(const char* name, std::size_t len, Inode* new_dir, const char* new_name,
                                std::size_t new_len, unsigned flags);
    // Entries from `cookie` on ("." and ".." included, as cookies 0 and 1); cookie is advanced past
    // each entry emitted. Returns 0, or a negative errno.
    virtual std::int64_t readdir(std::uint64_t& cookie, DirSink& sink);

    // --- Regular files and devices (defaults: -EISDIR for a directory, -EINVAL otherwise) ---
    virtual std::int64_t read(std::uint64_t off, IoBuffer& buf, std::size_t n);
    virtual std::int64_t write(std::uint64_t off, IoBuffer& buf, std::size_t n);
    virtual std::int64_t truncate(std::uint64_t new_size);   // -EINVAL by default; -ENOSPC, -EFBIG
    // The physical page holding bytes [index*4096, +4096) for mmap, allocated (zeroed) if it is a
    // hole; -ENXIO past the end, -ENODEV for a file that cannot be mapped. The page stays the
    // file's: a MAP_SHARED mapping maps it; MAP_PRIVATE copies it on write.
    virtual ErrorOr<PagePhys> page(std::uint64_t index);
    virtual std::int64_t ioctl(std::uint32_t request, std::uint64_t arg);       // -ENOTTY by default

    // --- Symbolic links (default: -EINVAL) ---
    // The target (not NUL-terminated), valid while the inode lives.
    virtual ErrorOr<const char*> link_target(std::size_t& len);

private:
    long m_refs = 1;   // the creator's reference
};

// What statfs reports.
struct FsStats {
    std::uint64_t type_magic;      // f_type: TMPFS_MAGIC 0x01021994, PROC_SUPER_MAGIC 0x9fa0, RAMFS 0x858458f6
    std::uint64_t block_size;      // 4096
    std::uint64_t blocks, blocks_free, blocks_avail;
    std::uint64_t files, files_free;
    std::uint64_t name_max;        // 255
};

// One mounted (or mountable) instance of a file system.
class SuperBlock {
public:
    virtual ~SuperBlock() = default;
    virtual Inode* root() = 0;                          // not referenced
    virtual FsStats stats() = 0;
    virtual const char* type_name() const = 0;          // "tmpfs", "proc", "devtmpfs", "rootfs"
    // The last reference to `inode` is gone (VFS lock held): free it if it has no name left
    // (nlink 0) or the file system does not keep unreferenced inodes.
    virtual void release(Inode* inode) = 0;
    // Whether umount must refuse (-EBUSY): some inode is referenced beyond what the file system's
    // own tree holds (an open file, a working directory, a walk). The default cannot tell and says
    // busy, so a file system that does not count never has its inodes freed under a user.
    virtual bool busy() { return true; }
    std::uint64_t dev = 0;      // st_dev: abi::encode_dev(0, n), one anonymous minor per instance
    bool read_only = false;     // writes through it: -EROFS
};

}  // namespace kernel::fs
