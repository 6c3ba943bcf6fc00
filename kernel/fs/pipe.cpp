// Pipes (pipe.h): the ring's reads and writes, closing an end, and the pipe Files' stat.
#include "kernel/fs/pipe.h"

#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"
#include "mm/types.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {
std::uint64_t s_next_pipe_ino = 1;  // pipefs inode numbers, as Linux counts them (atomic updates)
bool killed() { return sched::current()->kill_pending; }
}  // namespace

std::uint64_t next_pipe_ino() { return __atomic_fetch_add(&s_next_pipe_ino, 1, __ATOMIC_RELAXED); }

std::int64_t Pipe::read(std::uint64_t user_buf, std::size_t n, bool nonblock) {
    if (n == 0) return 0;
    std::size_t done = 0;
    std::uint64_t resolved = ~std::uint64_t{0};  // the user page made accessible last
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        m_lock.lock();
        if (m_count == 0) {
            const bool eof = m_writers == 0;
            if (done || eof || nonblock || killed()) {
                m_lock.unlock();
                arch::irq_restore(daif);
                if (done) return static_cast<std::int64_t>(done);
                return eof ? 0 : nonblock ? -abi::kEAGAIN : -abi::kEINTR;
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

std::int64_t Pipe::write(std::uint64_t user_buf, std::size_t n, bool nonblock, bool kernel_src) {
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
            if (broken || nonblock || killed()) {
                m_lock.unlock();
                arch::irq_restore(daif);
                if (done) return static_cast<std::int64_t>(done);
                return broken ? -abi::kEPIPE : nonblock ? -abi::kEAGAIN : -abi::kEINTR;
            }
            m_writable.sleep_locked();  // unlocks; a reader or a kill wakes us
            arch::irq_restore(daif);
            continue;
        }
        const std::size_t put = left < room ? left : room;
        const std::size_t tail = (m_head + m_count) % kPipeCapacity;
        const std::size_t first = put < kPipeCapacity - tail ? put : kPipeCapacity - tail;
        const std::uint64_t src = user_buf + done;
        std::size_t got;
        if (__builtin_expect(kernel_src, 0)) {   // sendfile's bounce buffer: no faults
            lib::copy_bytes(m_buf + tail, reinterpret_cast<const void*>(src), first);
            lib::copy_bytes(m_buf, reinterpret_cast<const void*>(src + first), put - first);
            got = put;
        } else {
            got = first - arch_copy_from_user(m_buf + tail, reinterpret_cast<const void*>(src), first);
            if (got == first && first < put)
                got += (put - first) - arch_copy_from_user(m_buf, reinterpret_cast<const void*>(src + first), put - first);
        }
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

bool File::open_pipe(File*& r, File*& w, int status_flags) {
    Pipe* p = new Pipe;
    if (!p) return false;
    const int keep = status_flags & abi::kO_NONBLOCK;
    r = new File(Kind::PipeRead, p, abi::kO_RDONLY | keep);
    w = new File(Kind::PipeWrite, p, abi::kO_WRONLY | keep);
    if (!r || !w) {
        delete r;
        delete w;
        delete p;
        return false;
    }
    return true;
}

}  // namespace kernel
