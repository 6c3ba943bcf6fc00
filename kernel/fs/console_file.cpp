// The console as an open file: reads block for the first byte (O_NONBLOCK: -EAGAIN when nothing has
// arrived), writes from several tasks take turns so that none lands inside another.
#include <atomic>

#include "kernel/console.h"
#include "kernel/fs/file.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel {

namespace {
bool killed() { return sched::current()->kill_pending; }
constexpr std::size_t kChunk = 256;  // console bounce buffer

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
}  // namespace

// Out of line, so that its bounce buffer (and stack canary) stays off the other paths.
[[gnu::noinline]] std::int64_t File::console_read(std::uint64_t user_buf, std::size_t n) {
    if (n == 0) return 0;
    // Blocks for the first byte, then takes what has already arrived.
    char buf[kChunk];
    std::size_t got = 0;
    if (nonblocking()) {
        if (!console::try_read(buf[0])) return -abi::kEAGAIN;
        got = 1;
    } else {
        buf[got++] = console::read_blocking();
    }
    char c;
    while (got < n && got < kChunk && console::try_read(c)) buf[got++] = c;
    // A hole in the buffer gives the bytes before it (the rest are lost, as in Linux's tty_read).
    const std::size_t copied = copy_to_user_partial(user_buf, buf, got);
    return copied ? static_cast<std::int64_t>(copied) : -abi::kEFAULT;
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

std::int64_t console_write_kernel(const void* buf, std::size_t n) {
    File::WriteTurn turn(true);
    console::write(static_cast<const char*>(buf), n);
    return static_cast<std::int64_t>(n);
}

// What has already arrived, without waiting (the later vectors of a readv).
std::int64_t console_read_more(std::uint64_t user_buf, std::size_t n) {
    char buf[kChunk];
    std::size_t got = 0;
    char c;
    while (got < n && got < kChunk && console::try_read(c)) buf[got++] = c;
    if (got == 0) return -abi::kEAGAIN;
    const std::size_t copied = copy_to_user_partial(user_buf, buf, got);
    return copied ? static_cast<std::int64_t>(copied) : -abi::kEFAULT;
}

File* File::open_console() { return new File(Kind::Console, nullptr, abi::kO_RDWR); }

File::WriteTurn::WriteTurn(bool console) : m_taken(console && take_console_turn()) {}

File::WriteTurn::~WriteTurn() {
    if (m_taken) s_console_writer.unlock();
}

}  // namespace kernel
