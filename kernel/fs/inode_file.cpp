// Files opened by path: reads and writes go to the Inode under the VFS lock, at the file's offset
// (shared by dup and fork, guarded by m_pos_lock) or at an explicit one; lseek and getdents64.
#include "kernel/fs/file.h"
#include "kernel/fs/devices.h"
#include "kernel/fs/user_buffer.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"
#include "mm/types.h"

namespace kernel {

namespace {

constexpr std::uint64_t kMaxOffset = ~std::uint64_t{0} >> 1;   // MAX_LFS_FILESIZE: LLONG_MAX

// Flags open(2) uses once and does not keep in the file (Linux's do_dentry_open drops them).
constexpr int kNotKept = abi::kO_CREAT | abi::kO_EXCL | abi::kO_NOCTTY | abi::kO_TRUNC | abi::kO_CLOEXEC;

// Kernel memory as a buffer (sendfile's bounce buffer): never faults.
class KernelIo final : public fs::IoBuffer {
public:
    explicit KernelIo(void* p) : m_p(static_cast<std::uint8_t*>(p)) {}
    std::size_t copy_out(std::size_t at, const void* src, std::size_t n) override {
        lib::copy_bytes(m_p + at, src, n);
        return n;
    }
    std::size_t copy_in(std::size_t at, void* dst, std::size_t n) override {
        lib::copy_bytes(dst, m_p + at, n);
        return n;
    }

private:
    std::uint8_t* m_p;
};

}  // namespace

fs::ErrorOr<File*> File::open_inode(fs::Path path, int flags) {
    // 64-bit Linux opens every file O_LARGEFILE (force_o_largefile), and F_GETFL shows it.
    File* f = new File(Kind::Inode, nullptr, (flags & ~kNotKept) | abi::kO_LARGEFILE);
    if (!f) {
        path.inode->put();
        return fs::ErrorOr<File*>::error(abi::kENOMEM);
    }
    f->m_path = path;
    // procdev: a character-device node opens its device, wherever the node is; a number without a
    // driver is ENXIO, as Linux's chrdev_open (O_PATH opens only the name).
    if ((path.inode->mode & abi::kS_IFMT) == abi::kS_IFCHR && !(flags & abi::kO_PATH)) {
        f->m_device = fs::find_device(path.inode->rdev);
        if (!f->m_device) {
            f->put();
            return fs::ErrorOr<File*>::error(abi::kENXIO);
        }
    }
    return f;
}

bool File::is_console_device() const { return m_device && m_device->console; }

// One read or write of an inode file, at *at or (at == null) at the file's offset, which it then
// advances; O_APPEND writes at the end, chosen under the same hold of the VFS lock as the write.
// A copy that stops at a user page not there yet is resumed after the page is made outside the VFS
// lock (user_buffer.h); at a real hole the bytes before it are the result (EFAULT if none).
std::int64_t File::inode_io(bool write, std::uint64_t user_buf, std::size_t n, const std::uint64_t* at) {
    if (n == 0) return 0;
    if (n > abi::kMaxRwCount) n = abi::kMaxRwCount;
    if (m_device) return write ? fs::device_write(*m_device, user_buf, n) : fs::device_read(*m_device, user_buf, n);
    const bool use_pos = at == nullptr;
    if (use_pos) m_pos_lock.lock();
    const bool append = write && (status_flags() & abi::kO_APPEND);
    std::size_t done = 0;
    std::uint64_t resolved = ~std::uint64_t{0};
    std::int64_t result;
    for (;;) {
        UserBuffer buf(user_buf + done);
        std::int64_t r;
        {
            fs::Guard g;
            std::uint64_t off = use_pos ? m_pos : *at + done;
            if (append) off = m_path.inode->size;
            r = write ? m_path.inode->write(off, buf, n - done) : m_path.inode->read(off, buf, n - done);
            if (r > 0 && use_pos) m_pos = off + static_cast<std::uint64_t>(r);
        }
        if (r > 0) done += static_cast<std::size_t>(r);
        if (r < 0 && !(r == -abi::kEFAULT && buf.faulted())) {
            result = done ? static_cast<std::int64_t>(done) : r;
            break;
        }
        if (done == n || !buf.faulted()) {   // all of it, or the end of the file
            result = static_cast<std::int64_t>(done);
            break;
        }
        const std::uint64_t page = mm::align_down(user_buf + done, mm::kPageSize);
        if (page == resolved || !resolve_user_access(user_buf + done, write ? UserAccess::Read : UserAccess::Write)) {
            result = done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
            break;
        }
        resolved = page;
    }
    if (use_pos) m_pos_lock.unlock();
    return result;
}

// Linux checks FMODE_PREAD/PWRITE (never set on pipes or terminals) before the access mode.
std::int64_t File::pread(std::uint64_t user_buf, std::size_t n, std::uint64_t offset) {
    if (m_kind != Kind::Inode || is_console_device()) return -abi::kESPIPE;
    if (!readable()) return -abi::kEBADF;
    return inode_io(false, user_buf, n, &offset);
}

std::int64_t File::pwrite(std::uint64_t user_buf, std::size_t n, std::uint64_t offset) {
    if (m_kind != Kind::Inode || is_console_device()) return -abi::kESPIPE;
    if (!writable()) return -abi::kEBADF;
    return inode_io(true, user_buf, n, &offset);
}

std::int64_t File::kernel_io(bool write, void* buf, std::size_t n, std::uint64_t* at) {
    KernelIo io(buf);
    if (at) {
        fs::Guard g;
        std::uint64_t off = *at;
        if (write && (status_flags() & abi::kO_APPEND)) off = m_path.inode->size;
        const std::int64_t r = write ? m_path.inode->write(off, io, n) : m_path.inode->read(off, io, n);
        if (r > 0) *at = off + static_cast<std::uint64_t>(r);
        return r;
    }
    sched::MutexGuard pos(m_pos_lock);
    fs::Guard g;
    std::uint64_t off = m_pos;
    if (write && (status_flags() & abi::kO_APPEND)) off = m_path.inode->size;
    const std::int64_t r = write ? m_path.inode->write(off, io, n) : m_path.inode->read(off, io, n);
    if (r > 0) m_pos = off + static_cast<std::uint64_t>(r);
    return r;
}

std::int64_t File::seek(std::int64_t offset, int whence) {
    if (m_kind != Kind::Inode || is_console_device()) return -abi::kESPIPE;
    if (is_path_only()) return -abi::kEBADF;
    if (m_device) return 0;   // procdev: the memory devices stay at 0 (Linux's null_lseek, noop_llseek)
    sched::MutexGuard pos(m_pos_lock);
    fs::Guard g;
    const fs::Inode* inode = m_path.inode;
    const auto cur = static_cast<std::int64_t>(m_pos);
    const auto size = static_cast<std::int64_t>(inode->size);
    std::int64_t to;
    if (inode->is_dir()) {
        // A directory's offset is its readdir cookie: set or moved, never from the end (as
        // Linux's dcache_dir_lseek). 0 rewinds.
        if (whence == abi::kSEEK_SET) to = offset;
        else if (whence == abi::kSEEK_CUR) to = cur + offset;
        else return -abi::kEINVAL;
        if (to < 0) return -abi::kEINVAL;
        m_pos = static_cast<std::uint64_t>(to);
        return to;
    }
    switch (whence) {
    case abi::kSEEK_SET: to = offset; break;
    case abi::kSEEK_CUR:
        if (__builtin_add_overflow(cur, offset, &to)) return -abi::kEINVAL;
        break;
    case abi::kSEEK_END:
        if (__builtin_add_overflow(size, offset, &to)) return -abi::kEINVAL;
        break;
    // The file's data is one extent (holes are not tracked): data from 0 to the size, the one hole
    // at the end, as Linux's default for a file system without hole information.
    // A negative offset is past any data too (ENXIO, as tmpfs's shmem_file_llseek).
    case abi::kSEEK_DATA:
        if (offset < 0 || offset >= size) return -abi::kENXIO;
        to = offset;
        break;
    case abi::kSEEK_HOLE:
        if (offset < 0 || offset >= size) return -abi::kENXIO;
        to = size;
        break;
    default: return -abi::kEINVAL;
    }
    if (to < 0 || static_cast<std::uint64_t>(to) > kMaxOffset) return -abi::kEINVAL;
    m_pos = static_cast<std::uint64_t>(to);
    return to;
}

namespace {

// Writes linux_dirent64 records into user memory until it is full (or a copy faults).
class DirentWriter final : public fs::DirSink {
public:
    DirentWriter(std::uint64_t user_buf, std::size_t size) : m_buf(user_buf), m_size(size) {}
    bool emit(const fs::DirEntry& e, std::uint64_t next_cookie) override {
        // d_ino 8, d_off 8, d_reclen 2, d_type 1, the name and its NUL, padded to 8 bytes.
        const std::size_t reclen = (19 + e.name_len + 1 + 7) & ~std::size_t{7};
        if (m_used + reclen > m_size) {
            m_too_small = true;
            return false;
        }
        alignas(8) std::uint8_t rec[19 + fs::kNameMax + 1 + 8] = {};
        const std::uint16_t len16 = static_cast<std::uint16_t>(reclen);
        const std::uint8_t type = static_cast<std::uint8_t>((e.mode >> 12) & 017);   // DT_* = S_IF* >> 12
        lib::copy_bytes(rec, &e.ino, 8);
        lib::copy_bytes(rec + 8, &next_cookie, 8);
        lib::copy_bytes(rec + 16, &len16, 2);
        rec[18] = type;
        lib::copy_bytes(rec + 19, e.name, e.name_len);
        if (arch_copy_to_user(reinterpret_cast<void*>(m_buf + m_used), rec, reclen) != 0) {
            m_fault_len = reclen;
            return false;
        }
        m_used += reclen;
        return true;
    }
    std::size_t used() const { return m_used; }
    bool too_small() const { return m_too_small; }
    // The bytes of the record whose copy faulted (0: none did).
    std::size_t fault_len() const { return m_fault_len; }

private:
    std::uint64_t m_buf;
    std::size_t m_size;
    std::size_t m_used = 0;
    bool m_too_small = false;
    std::size_t m_fault_len = 0;
};

}  // namespace

std::int64_t File::getdents(std::uint64_t user_buf, std::size_t n) {
    if (m_kind != Kind::Inode || is_path_only()) return m_kind == Kind::Inode ? -abi::kEBADF : -abi::kENOTDIR;
    if (n > abi::kMaxRwCount) n = abi::kMaxRwCount;
    sched::MutexGuard pos(m_pos_lock);
    for (int attempt = 0;; ++attempt) {
        DirentWriter w(user_buf, n);
        std::int64_t r;
        {
            fs::Guard g;
            if (!m_path.inode->is_dir()) return -abi::kENOTDIR;
            if (m_path.inode->nlink == 0) return -abi::kENOENT;   // removed (Linux's IS_DEADDIR)
            r = m_path.inode->readdir(m_pos, w);   // advances the cookie past each record written
        }
        if (r < 0) return w.used() ? static_cast<std::int64_t>(w.used()) : r;
        if (w.used()) return static_cast<std::int64_t>(w.used());
        if (w.too_small()) return -abi::kEINVAL;   // not even one record fits
        if (!w.fault_len()) return 0;              // the end of the directory
        // The first record's copy faulted: make its pages (at most two) as a store from EL0 would,
        // outside the VFS lock, and try again; at a real hole, EFAULT.
        const std::uint64_t last = user_buf + w.fault_len() - 1;
        bool made = resolve_user_access(user_buf, UserAccess::Write);
        if (mm::align_down(last, mm::kPageSize) != mm::align_down(user_buf, mm::kPageSize))
            made = resolve_user_access(last, UserAccess::Write) || made;
        if (!made || attempt == 2) return -abi::kEFAULT;
    }
}

}  // namespace kernel
