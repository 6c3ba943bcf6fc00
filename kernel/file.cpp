// Console and pipe files. A pipe is a bounded ring with blocking readers and writers: a reader gets
// EOF (0) once no writer is left, a writer gets kEPIPE once no reader is left. Reads and writes of up
// to kPipeCapacity bytes are atomic with respect to other writers (POSIX PIPE_BUF behaviour).
#include "kernel/file.h"

#include <atomic>

#include "hal/rtc_pl031.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/linux_abi.h"
#include "kernel/tty.h"
#include "kernel/user_copy.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel {

namespace {
std::uint64_t s_next_pipe_ino = 1;  // pipefs inode numbers, as Linux counts them (atomic updates)
std::uint64_t next_pipe_ino() { return __atomic_fetch_add(&s_next_pipe_ino, 1, __ATOMIC_RELAXED); }
}  // namespace

class Pipe {
public:
    std::int64_t read(std::uint64_t user_buf, std::size_t n);
    std::int64_t write(std::uint64_t user_buf, std::size_t n);
    void close_end(bool write_end);
    bool unused() { return m_wait.with_lock([&] { return m_readers == 0 && m_writers == 0; }); }

    // Guarded by m_wait's lock.
    std::uint8_t m_buf[kPipeCapacity];
    std::size_t m_head = 0, m_count = 0;
    int m_readers = 1, m_writers = 1;
    sched::WaitQueue m_wait;  // readers and writers both wait here; every change wakes all

    // Fixed at creation, for fstat.
    const std::uint64_t m_ino = next_pipe_ino();
    const std::uint64_t m_created_ns = hal::rtc::realtime_ns();  // CLOCK_REALTIME
};

namespace {
bool killed() { return sched::current()->kill_pending; }
constexpr std::size_t kChunk = 256;  // bytes moved per lock hold (copied via a kernel bounce buffer)
}  // namespace

std::int64_t Pipe::read(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    std::uint8_t bounce[kChunk];
    std::size_t got = 0;
    bool eof = false;
    m_wait.wait_until([&] { return m_count > 0 || m_writers == 0 || killed(); });
    if (killed()) return -abi::kEINTR;
    // Take what is there now (at most n), chunk by chunk; never block once something was read.
    while (got < n) {
        const std::size_t take = m_wait.with_lock([&] {
            std::size_t t = m_count < n - got ? m_count : n - got;
            if (t > kChunk) t = kChunk;
            for (std::size_t i = 0; i < t; ++i) bounce[i] = m_buf[(m_head + i) % kPipeCapacity];
            m_head = (m_head + t) % kPipeCapacity;
            m_count -= t;
            eof = m_count == 0;
            return t;
        });
        if (take == 0) break;
        if (!copy_to_user(user_buf + got, bounce, take).ok()) return got ? static_cast<std::int64_t>(got) : -abi::kEFAULT;
        got += take;
        m_wait.wake_all();  // writers waiting for room
        if (eof) break;
    }
    return static_cast<std::int64_t>(got);
}

std::int64_t Pipe::write(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    std::uint8_t bounce[kChunk];
    std::size_t done = 0;
    while (done < n) {
        const std::size_t len = n - done < kChunk ? n - done : kChunk;
        if (!copy_from_user(bounce, user_buf + done, len).ok()) return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
        std::size_t put = 0;
        while (put < len) {
            bool broken = false;
            m_wait.wait_until([&] { return m_count < kPipeCapacity || m_readers == 0 || killed(); });
            if (killed()) return done + put ? static_cast<std::int64_t>(done + put) : -abi::kEINTR;
            m_wait.with_lock([&] {
                if (m_readers == 0) {
                    broken = true;
                    return 0;
                }
                while (put < len && m_count < kPipeCapacity) {
                    m_buf[(m_head + m_count) % kPipeCapacity] = bounce[put++];
                    ++m_count;
                }
                return 0;
            });
            if (broken) return done + put ? static_cast<std::int64_t>(done + put) : -abi::kEPIPE;
            m_wait.wake_all();  // readers waiting for data
        }
        done += len;
    }
    return static_cast<std::int64_t>(done);
}

void Pipe::close_end(bool write_end) {
    m_wait.with_lock([&] {
        if (write_end) --m_writers;
        else --m_readers;
        return 0;
    });
    m_wait.wake_all();  // readers see EOF, writers see kEPIPE
}

File* File::open_console() { return new File(Kind::Console, nullptr); }

bool File::open_pipe(File*& r, File*& w) {
    Pipe* p = new Pipe;
    if (!p) return false;
    r = new File(Kind::PipeRead, p);
    w = new File(Kind::PipeWrite, p);
    if (!r || !w) {
        delete r;
        delete w;
        delete p;
        return false;
    }
    return true;
}

File* File::get() {
    __atomic_add_fetch(&m_refs, 1, __ATOMIC_RELAXED);
    return this;
}

void File::put() {
    if (__atomic_sub_fetch(&m_refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (m_pipe) {
        m_pipe->close_end(m_kind == Kind::PipeWrite);
        if (m_pipe->unused()) delete m_pipe;
    }
    delete this;
}

std::int64_t File::read(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: {
        if (n == 0) return 0;
        // Blocks for the first byte, then takes what has already arrived.
        char buf[kChunk];
        std::size_t got = 0;
        buf[got++] = console::read_blocking();
        char c;
        while (got < n && got < kChunk && console::try_read(c)) buf[got++] = c;
        if (!copy_to_user(user_buf, buf, got).ok()) return -abi::kEFAULT;
        return static_cast<std::int64_t>(got);
    }
    case Kind::PipeRead: return m_pipe->read(user_buf, n);
    case Kind::PipeWrite: return -abi::kEBADF;
    }
    return -abi::kEBADF;
}

std::int64_t File::write(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: {
        // One write reaches the console whole (line-atomic) up to the bounce size; longer writes go
        // in pieces.
        char buf[512];
        std::size_t done = 0;
        while (done < n) {
            const std::size_t len = n - done < sizeof buf ? n - done : sizeof buf;
            if (!copy_from_user(buf, user_buf + done, len).ok()) return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
            console::write(buf, len);
            done += len;
        }
        return static_cast<std::int64_t>(done);
    }
    case Kind::PipeWrite: return m_pipe->write(user_buf, n);
    case Kind::PipeRead: return -abi::kEBADF;
    }
    return -abi::kEBADF;
}

}  // namespace kernel

namespace kernel {

namespace {
// Nominal device numbers for what stat reports: the console as /dev/console (char 5:1) on a devtmpfs,
// pipes on a pipefs; both file systems are anonymous (major 0), as on Linux.
constexpr std::uint64_t kDevtmpfsDev = abi::encode_dev(0, 5);
constexpr std::uint64_t kPipefsDev = abi::encode_dev(0, 12);
constexpr std::uint64_t kConsoleRdev = abi::encode_dev(5, 1);
constexpr std::uint64_t kConsoleIno = 2;
constexpr std::int32_t kBlockSize = 4096;  // st_blksize: the page size, as Linux reports for both
}  // namespace

std::int64_t File::ioctl(std::uint32_t request, std::uint64_t arg) {
    if (m_kind == Kind::Console) return tty::console_ioctl(request, arg);
    return -abi::kENOTTY;
}

abi::Stat File::stat() const {
    abi::Stat st{};
    st.st_nlink = 1;
    st.st_blksize = kBlockSize;
    if (m_kind == Kind::Console) {
        st.st_dev = kDevtmpfsDev;
        st.st_ino = kConsoleIno;
        st.st_mode = abi::kS_IFCHR | 0620;
        st.st_rdev = kConsoleRdev;
        return st;  // times 0: the console has no meaningful creation time here
    }
    st.st_dev = kPipefsDev;
    st.st_ino = m_pipe->m_ino;
    st.st_mode = abi::kS_IFIFO | 0600;  // both ends, as Linux's pipe inode
    const std::int64_t sec = static_cast<std::int64_t>(m_pipe->m_created_ns / 1'000'000'000u);
    const std::uint64_t nsec = m_pipe->m_created_ns % 1'000'000'000u;
    st.st_atime_sec = st.st_mtime_sec = st.st_ctime_sec = sec;
    st.st_atime_nsec = st.st_mtime_nsec = st.st_ctime_nsec = nsec;
    return st;
}

}  // namespace kernel
