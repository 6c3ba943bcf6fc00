// Console and pipe files. A pipe is a bounded ring with blocking readers and writers: a reader gets
// EOF (0) once no writer is left, a writer gets kEPIPE once no reader is left. Writes of up to
// kPipeCapacity bytes are atomic with respect to other writers (POSIX PIPE_BUF behaviour).
#include "kernel/fs/file.h"

#include <atomic>

#include "arch/aarch64/spinlock.h"
#include "hal/rtc_pl031.h"
#include "kernel/console.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/tty/tty.h"
#include "kernel/syscall/user_copy.h"
#include "mm/types.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel {

namespace {
std::uint64_t s_next_pipe_ino = 1;  // pipefs inode numbers, as Linux counts them (atomic updates)
std::uint64_t next_pipe_ino() { return __atomic_fetch_add(&s_next_pipe_ino, 1, __ATOMIC_RELAXED); }
}  // namespace

// One lock guards the ring and both wait queues, so a read or write is one hold of it: check, copy
// between the ring and user memory directly, and take off its queue the one waiter that can now go
// on, woken once the lock is dropped. Readers wait for data one at a time: a reader that leaves data
// behind (or gives up) wakes the next one. Writers, which wait for room enough for their whole write,
// are all woken when room appears (rare: the pipe was full). The copies run with IRQs masked: at most
// kPipeCapacity bytes, once.
class Pipe {
public:
    std::int64_t read(std::uint64_t user_buf, std::size_t n);
    std::int64_t write(std::uint64_t user_buf, std::size_t n);
    // Closes one end. True for the caller that must delete the pipe: both ends closed and no other
    // close still at work (the first closer wakes the other side's waiters after dropping the lock,
    // and the second must not free the pipe under it, on another CPU or after a preemption).
    [[nodiscard]] bool close_end(bool write_end);
    // Fixed at creation, for fstat.
    const std::uint64_t ino = next_pipe_ino();
    const std::uint64_t created_ns = hal::rtc::realtime_ns();  // CLOCK_REALTIME

private:
    arch::SpinLock m_lock;  // guards everything below (declared first: the queues share it)
    std::uint8_t m_buf[kPipeCapacity];
    std::size_t m_head = 0, m_count = 0;
    int m_readers = 1, m_writers = 1;
    int m_closing = 0;  // close_end calls between their two holds of the lock
    sched::WaitQueue m_readable{m_lock};  // readers waiting for data (or the last writer's close)
    sched::WaitQueue m_writable{m_lock};  // writers waiting for room (or the last reader's close)

};

namespace {
bool killed() { return sched::current()->kill_pending; }
constexpr std::size_t kChunk = 256;  // console bounce buffer

// Out of line, so that their bounce buffers (and stack canaries) stay off the pipe paths.
[[gnu::noinline]] std::int64_t console_read(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    // Blocks for the first byte, then takes what has already arrived.
    char buf[kChunk];
    std::size_t got = 0;
    buf[got++] = console::read_blocking();
    char c;
    while (got < n && got < kChunk && console::try_read(c)) buf[got++] = c;
    // A hole in the buffer gives the bytes before it (the rest are lost, as in Linux's tty_read).
    const std::size_t copied = copy_to_user_partial(user_buf, buf, got);
    return copied ? static_cast<std::int64_t>(copied) : -abi::kEFAULT;
}

// Tasks' console writes take turns: each holds s_console_writer for its whole length (the next one
// waits asleep), so no other task's output lands inside it. Each piece of up to sizeof s_console_buf
// bytes is one console::write, so a kernel log line can fall only between the pieces of a longer
// write. A writer killed half way stops at a piece boundary and reports what it wrote.
sched::Mutex s_console_writer;
char s_console_buf[4096];  // guarded by s_console_writer

// Takes the writer turn unless this task holds it already (inside a writev's File::WriteTurn).
// True when taken here: the caller gives it back.
bool take_console_turn() {
    if (s_console_writer.owner() == sched::current()) return false;
    s_console_writer.lock();
    return true;
}

[[gnu::noinline]] std::int64_t console_write(std::uint64_t user_buf, std::size_t n) {
    File::WriteTurn turn(true);
    std::size_t done = 0;
    while (done < n) {
        if (done > 0 && killed()) break;
        const std::size_t len = n - done < sizeof s_console_buf ? n - done : sizeof s_console_buf;
        if (!copy_from_user(s_console_buf, user_buf + done, len).ok())
            return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
        console::write(s_console_buf, len);
        done += len;
    }
    return static_cast<std::int64_t>(done);
}
}  // namespace

std::int64_t Pipe::read(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    std::size_t done = 0;
    std::uint64_t resolved = ~std::uint64_t{0};  // the user page made accessible last
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        m_lock.lock();
        if (m_count == 0) {
            const bool eof = m_writers == 0;
            if (done || eof || killed()) {
                m_lock.unlock();
                arch::irq_restore(daif);
                if (done) return static_cast<std::int64_t>(done);
                return eof ? 0 : -abi::kEINTR;
            }
            m_readable.sleep_locked();  // unlocks; a kill or a writer wakes us
            arch::irq_restore(daif);
            continue;
        }
        // Everything there now, at most what is left of n, in one piece or two (the ring wraps). The
        // copy stops at the first byte it cannot store; what it stored is consumed.
        const std::size_t take = m_count < n - done ? m_count : n - done;
        const std::size_t first = take < kPipeCapacity - m_head ? take : kPipeCapacity - m_head;
        const std::uint64_t dst = user_buf + done;
        std::size_t got = first - arch_copy_to_user(reinterpret_cast<void*>(dst), m_buf + m_head, first);
        if (__builtin_expect(got == first && first < take, 0))
            got += (take - first) - arch_copy_to_user(reinterpret_cast<void*>(dst + first), m_buf, take - first);
        m_head = (m_head + got) % kPipeCapacity;
        m_count -= got;
        const bool writers_wait = got > 0 && !m_writable.empty_locked();
        sched::Task* reader = m_count > 0 ? m_readable.pop_locked() : nullptr;  // data left: the next reader
        m_lock.unlock();
        arch::irq_restore(daif);
        if (reader) sched::wake(reader);
        if (writers_wait) m_writable.wake_all();
        done += got;
        if (__builtin_expect(got == take, 1)) return static_cast<std::int64_t>(done);
        // The store faulted. A page EL0 would get by faulting (stack growth, copy-on-write) is made
        // outside the lock, and the read goes on; at a real hole the bytes before it are the result,
        // as Linux's pipe_read returns what it copied (EFAULT if nothing). Linux copies one pipe
        // page at a time, all or nothing, so it gives EFAULT for a hole inside the first page's
        // data: this 4 KiB ring has no pages and returns the bytes before the hole.
        const std::uint64_t at = user_buf + done;
        if (mm::align_down(at, mm::kPageSize) == resolved || !resolve_user_access(at, UserAccess::Write))
            return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
        resolved = mm::align_down(at, mm::kPageSize);
    }
}

std::int64_t Pipe::write(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    std::size_t done = 0;
    std::uint64_t resolved = ~std::uint64_t{0};  // the user page made accessible last
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        m_lock.lock();
        const std::size_t room = kPipeCapacity - m_count;
        const std::size_t left = n - done;
        // Up to kPipeCapacity bytes go in whole (atomic); a longer write goes in as room appears.
        const std::size_t need = left <= kPipeCapacity ? left : 1;
        if (m_readers == 0 || room < need) {
            const bool broken = m_readers == 0;
            if (broken || killed()) {
                m_lock.unlock();
                arch::irq_restore(daif);
                if (done) return static_cast<std::int64_t>(done);
                return broken ? -abi::kEPIPE : -abi::kEINTR;
            }
            m_writable.sleep_locked();  // unlocks; a reader or a kill wakes us
            arch::irq_restore(daif);
            continue;
        }
        const std::size_t put = left < room ? left : room;
        const std::size_t tail = (m_head + m_count) % kPipeCapacity;
        const std::size_t first = put < kPipeCapacity - tail ? put : kPipeCapacity - tail;
        const std::uint64_t src = user_buf + done;
        std::size_t got = first - arch_copy_from_user(m_buf + tail, reinterpret_cast<const void*>(src), first);
        if (got == first && first < put)
            got += (put - first) - arch_copy_from_user(m_buf, reinterpret_cast<const void*>(src + first), put - first);
        const bool copied = got == put;
        sched::Task* reader = nullptr;
        if (copied) {
            m_count += put;
            done += put;
            reader = m_readable.pop_locked();  // data for one reader
        }
        m_lock.unlock();
        arch::irq_restore(daif);
        if (reader) sched::wake(reader);
        if (__builtin_expect(!copied, 0)) {
            // A page EL0 would get by faulting (an untouched stack buffer) is made outside the lock,
            // and the piece is copied again. A real hole ends the write with this piece left out, as
            // Linux leaves out the pipe page it could not fill.
            const std::uint64_t at = src + got;
            if (mm::align_down(at, mm::kPageSize) == resolved || !resolve_user_access(at, UserAccess::Read))
                return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
            resolved = mm::align_down(at, mm::kPageSize);
            continue;
        }
        if (done == n) return static_cast<std::int64_t>(done);
    }
}

bool Pipe::close_end(bool write_end) {
    bool last;
    {
        arch::IrqSpinGuard g(m_lock);
        last = (write_end ? --m_writers : --m_readers) == 0;
        ++m_closing;
    }
    if (last) (write_end ? m_readable : m_writable).wake_all();  // readers see EOF, writers kEPIPE
    arch::IrqSpinGuard g(m_lock);
    return --m_closing == 0 && m_readers == 0 && m_writers == 0;
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
        if (m_pipe->close_end(m_kind == Kind::PipeWrite)) delete m_pipe;
    }
    delete this;
}

std::int64_t File::read(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_read(user_buf, n);
    case Kind::PipeRead: return m_pipe->read(user_buf, n);
    case Kind::PipeWrite: return -abi::kEBADF;
    }
    return -abi::kEBADF;
}

File::WriteTurn::WriteTurn(bool console) : m_taken(console && take_console_turn()) {}

File::WriteTurn::~WriteTurn() {
    if (m_taken) s_console_writer.unlock();
}

std::int64_t File::write(std::uint64_t user_buf, std::size_t n) {
    switch (m_kind) {
    case Kind::Console: return console_write(user_buf, n);
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
    st.st_ino = m_pipe->ino;
    st.st_mode = abi::kS_IFIFO | 0600;  // both ends, as Linux's pipe inode
    const std::int64_t sec = static_cast<std::int64_t>(m_pipe->created_ns / 1'000'000'000u);
    const std::uint64_t nsec = m_pipe->created_ns % 1'000'000'000u;
    st.st_atime_sec = st.st_mtime_sec = st.st_ctime_sec = sec;
    st.st_atime_nsec = st.st_mtime_nsec = st.st_ctime_nsec = nsec;
    return st;
}

}  // namespace kernel
