// Pipes: a bounded ring with blocking (or O_NONBLOCK) readers and writers. A reader gets EOF (0)
// once no writer is left, a writer gets -EPIPE once no reader is left. Writes of up to
// kPipeCapacity bytes are atomic with respect to other writers (POSIX PIPE_BUF behaviour).
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/spinlock.h"
#include "hal/rtc_pl031.h"
#include "kernel/fs/file.h"
#include "sched/wait_queue.h"

namespace kernel {

std::uint64_t next_pipe_ino();

// One lock guards the ring and both wait queues, so a read or write is one hold of it: check, copy
// between the ring and user memory directly, and take off its queue the one waiter that can now go
// on, woken once the lock is dropped. Readers wait for data one at a time: a reader that leaves data
// behind (or gives up) wakes the next one. Writers, which wait for room enough for their whole write,
// are all woken when room appears (rare: the pipe was full). The copies run with IRQs masked: at most
// kPipeCapacity bytes, once.
class Pipe {
public:
    // nonblock: -EAGAIN instead of waiting (an empty pipe with writers; a full one, or too little
    // room for a write of up to kPipeCapacity bytes).
    std::int64_t read(std::uint64_t user_buf, std::size_t n, bool nonblock);
    // kernel_src: user_buf is a kernel address (sendfile).
    std::int64_t write(std::uint64_t user_buf, std::size_t n, bool nonblock, bool kernel_src = false);
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

}  // namespace kernel
