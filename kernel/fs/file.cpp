// What every open file shares: references, status flags, the dispatch of read, write and ioctl by
// kind, and fstat for the console and pipes. The kinds live in console_file.cpp, pipe.cpp and
// inode_file.cpp.
#include "kernel/fs/file.h"
#include "kernel/fs/devices.h"

#include "kernel/fs/lock.h"
#include "kernel/fs/pipe.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/tty/tty.h"

namespace kernel {

// console_file.cpp
std::int64_t console_write(std::uint64_t user_buf, std::size_t n);
std::int64_t console_write_kernel(const void* buf, std::size_t n);
std::int64_t console_read_more(std::uint64_t user_buf, std::size_t n);

File* File::get() {
    __atomic_add_fetch(&m_refs, 1, __ATOMIC_RELAXED);
    return this;
}

void File::put() {
    if (__atomic_sub_fetch(&m_refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    locks::release_file(this);  // its flock and open-file-description locks
    if (m_pipe) {
        if (m_pipe->close_end(m_kind == Kind::PipeWrite)) delete m_pipe;
    }
    if (m_kind == Kind::Inode) m_path.inode->put();
    delete this;
}

namespace {
const char s_console_lock_object = 0;   // what the console's locks lock
}  // namespace

const void* File::lock_object() const {
    if (m_kind == Kind::Inode) return m_path.inode;
    return m_pipe ? static_cast<const void*>(m_pipe) : &s_console_lock_object;
}

void File::close_by(const void* owner) {
    locks::release_owner(lock_object(), owner);
    put();
}

std::int64_t File::size() const {
    if (m_kind != Kind::Inode) return 0;
    fs::Guard g;
    return static_cast<std::int64_t>(m_path.inode->size);
}

bool File::readable() const {
    const int f = status_flags();
    return !(f & abi::kO_PATH) && (f & abi::kO_ACCMODE) != abi::kO_WRONLY;
}

bool File::writable() const {
    const int f = status_flags();
    return !(f & abi::kO_PATH) && ((f & abi::kO_ACCMODE) == abi::kO_WRONLY || (f & abi::kO_ACCMODE) == abi::kO_RDWR);
}

std::int64_t File::read(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_read(user_buf, n);
    case Kind::PipeRead: return m_pipe->read(user_buf, n, nonblocking());
    case Kind::PipeWrite: return -abi::kEBADF;
    case Kind::Inode: return readable() ? inode_io(false, user_buf, n, nullptr) : -abi::kEBADF;
    }
    return -abi::kEBADF;
}

std::int64_t File::write(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_write(user_buf, n);
    case Kind::PipeWrite: return m_pipe->write(user_buf, n, nonblocking());
    case Kind::PipeRead: return -abi::kEBADF;
    case Kind::Inode: return writable() ? inode_io(true, user_buf, n, nullptr) : -abi::kEBADF;
    }
    return -abi::kEBADF;
}

std::int64_t File::read_more(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_read_more(user_buf, n);
    case Kind::PipeRead: return m_pipe->read(user_buf, n, true);
    default: return read(user_buf, n);
    }
}

std::int64_t File::write_kernel(const void* buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_write_kernel(buf, n);
    case Kind::PipeWrite: return m_pipe->write(reinterpret_cast<std::uint64_t>(buf), n, nonblocking(), true);
    case Kind::PipeRead: return -abi::kEBADF;
    case Kind::Inode: return writable() ? kernel_io(true, const_cast<void*>(buf), n, nullptr) : -abi::kEBADF;
    }
    return -abi::kEBADF;
}

void File::set_offset(std::uint64_t pos) {
    sched::MutexGuard g(m_pos_lock);
    m_pos = pos;
}

std::int64_t File::set_status_flags(int flags) {
    // O_ASYNC asks for SIGIO, which this kernel cannot send: refused rather than a success that
    // would not hold. The access mode and the creation flags are ignored, as Linux does.
    if (flags & abi::kO_ASYNC) return -abi::kEINVAL;
    constexpr int kChangeable = abi::kO_APPEND | abi::kO_NONBLOCK | abi::kO_DIRECT | abi::kO_NOATIME;
    if (is_path_only()) return -abi::kEBADF;
    // O_DIRECT needs a file that can do direct I/O: files can (all in memory), pipes and the console
    // cannot (Linux: no direct_IO there).
    if ((flags & abi::kO_DIRECT) && m_kind != Kind::Inode) return -abi::kEINVAL;
    int old = status_flags();
    while (!__atomic_compare_exchange_n(&m_flags, &old, (old & ~kChangeable) | (flags & kChangeable), false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return 0;
}

std::int64_t File::ioctl(std::uint32_t request, std::uint64_t arg) {
    if (m_kind == Kind::Console) return tty::console_ioctl(request, arg);
    if (m_kind == Kind::Inode) {
        if (is_path_only()) return -abi::kEBADF;
        if (m_device) return m_device->ioctl(request, arg);   // procdev: no VFS lock (devices.h)
        fs::Guard g;
        return m_path.inode->ioctl(request, arg);
    }
    return -abi::kENOTTY;
}

namespace {
// Nominal device numbers for what stat reports: the console as /dev/console (char 5:1) on a devtmpfs,
// pipes on a pipefs; both file systems are anonymous (major 0), as on Linux.
constexpr std::uint64_t kDevtmpfsDev = abi::encode_dev(0, 5);
constexpr std::uint64_t kPipefsDev = abi::encode_dev(0, 12);
constexpr std::uint64_t kConsoleRdev = abi::encode_dev(5, 1);
constexpr std::uint64_t kConsoleIno = 2;
constexpr std::int32_t kBlockSize = 4096;  // st_blksize: the page size, as Linux reports for both
}  // namespace

abi::Stat File::stat() const {
    abi::Stat st{};
    st.st_nlink = 1;
    st.st_blksize = kBlockSize;
    if (m_kind == Kind::Inode) {
        // The stat code (fstat/statx) describes inodes fully; this is the same from the inode alone.
        fs::Guard g;
        const fs::Inode* i = m_path.inode;
        st.st_dev = i->sb->dev;
        st.st_ino = i->ino;
        st.st_mode = i->mode;
        st.st_nlink = i->nlink;
        st.st_uid = i->uid;
        st.st_gid = i->gid;
        st.st_rdev = i->rdev;
        st.st_size = static_cast<std::int64_t>(i->size);
        st.st_blocks = static_cast<std::int64_t>((i->size + 4095) / 4096 * 8);
        st.st_atime_sec = i->atime.sec, st.st_atime_nsec = static_cast<std::uint64_t>(i->atime.nsec);
        st.st_mtime_sec = i->mtime.sec, st.st_mtime_nsec = static_cast<std::uint64_t>(i->mtime.nsec);
        st.st_ctime_sec = i->ctime.sec, st.st_ctime_nsec = static_cast<std::uint64_t>(i->ctime.nsec);
        return st;
    }
    if (m_kind == Kind::Console) {
        st.st_dev = kDevtmpfsDev;
        st.st_ino = kConsoleIno;
        st.st_mode = abi::kS_IFCHR | 0620;
        st.st_rdev = kConsoleRdev;
        return st;  // times 0: the console has no meaningful creation time here
    }
    st.st_dev = kPipefsDev;
    st.st_ino = m_pipe->ino;
    st.st_mode = abi::kS_IFIFO | 0600;  // both ends, as Linux's pipe inode
    const std::int64_t sec = static_cast<std::int64_t>(m_pipe->created_ns / 1'000'000'000u);
    const std::uint64_t nsec = m_pipe->created_ns % 1'000'000'000u;
    st.st_atime_sec = st.st_mtime_sec = st.st_ctime_sec = sec;
    st.st_atime_nsec = st.st_mtime_nsec = st.st_ctime_nsec = nsec;
    return st;
}

}  // namespace kernel
