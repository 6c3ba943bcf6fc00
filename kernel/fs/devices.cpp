// The character devices (devices.h): the memory devices (null, zero, full, random, urandom) and the
// console under its three names. Each operation copies through the IoBuffer in bounded pieces, so a
// buffer with a hole gives the bytes before it (EFAULT only when there are none), as Linux's do.
#include "kernel/fs/devices.h"

#include "kernel/console.h"
#include "kernel/fs/file.h"
#include "kernel/random.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "kernel/tty/tty.h"
#include "sched/scheduler.h"

namespace kernel::fs {

namespace {

constexpr std::size_t kChunk = 256;

std::int64_t partial(std::size_t done) { return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT; }

std::int64_t read_eof(IoBuffer&, std::size_t) { return 0; }
std::int64_t write_sink(IoBuffer&, std::size_t n) { return static_cast<std::int64_t>(n); }   // not even read
std::int64_t write_full(IoBuffer&, std::size_t) { return -abi::kENOSPC; }
std::int64_t no_ioctl(std::uint32_t, std::uint64_t) { return -abi::kENOTTY; }

// Fills the buffer from `fill` chunk by chunk; a fault ends it with the bytes before it. A long read
// stops early for a kill (Linux's fatal_signal_pending check), reporting what it copied.
template <typename Fill>
std::int64_t produce(IoBuffer& buf, std::size_t n, Fill&& fill) {
    char chunk[kChunk];
    std::size_t done = 0;
    while (done < n) {
        if (done && sched::current()->kill_pending) break;
        const std::size_t k = n - done < kChunk ? n - done : kChunk;
        fill(chunk, k);
        const std::size_t got = buf.copy_out(done, chunk, k);
        done += got;
        if (got < k) return partial(done);
    }
    return static_cast<std::int64_t>(done);
}

std::int64_t read_zero(IoBuffer& buf, std::size_t n) {
    return produce(buf, n, [](char* p, std::size_t k) {
        for (std::size_t i = 0; i < k; ++i) p[i] = 0;
    });
}

std::int64_t read_random(IoBuffer& buf, std::size_t n) {
    return produce(buf, n, [](char* p, std::size_t k) { random::fill(p, k); });
}

// The console: a read blocks for the first byte, then takes what has already arrived (file.cpp's
// console read); a write is one turn on the console, as descriptor 1's.
std::int64_t console_read(IoBuffer& buf, std::size_t n) {
    if (n == 0) return 0;
    char chunk[kChunk];
    std::size_t got = 0;
    chunk[got++] = console::read_blocking();
    char c;
    while (got < n && got < kChunk && console::try_read(c)) chunk[got++] = c;
    return partial(buf.copy_out(0, chunk, got));
}

std::int64_t console_write(IoBuffer& buf, std::size_t n) {
    File::WriteTurn turn(true);
    char chunk[kChunk];
    std::size_t done = 0;
    while (done < n) {
        if (done && sched::current()->kill_pending) break;
        const std::size_t k = n - done < kChunk ? n - done : kChunk;
        const std::size_t got = buf.copy_in(done, chunk, k);
        console::write(chunk, got);
        done += got;
        if (got < k) return partial(done);
    }
    return static_cast<std::int64_t>(done);
}

constexpr Device kDevices[] = {
    {1, 3, "null", 0666, false, read_eof, write_sink, no_ioctl},
    {1, 5, "zero", 0666, false, read_zero, write_sink, no_ioctl},
    {1, 7, "full", 0666, false, read_zero, write_full, no_ioctl},
    {1, 8, "random", 0666, false, read_random, write_sink, no_ioctl},
    {1, 9, "urandom", 0666, false, read_random, write_sink, no_ioctl},
    // /dev/tty is the controlling terminal on Linux; until terminals and sessions exist (the next
    // issue) it is the console, which every process has.
    {5, 0, "tty", 0666, true, console_read, console_write, tty::console_ioctl},
    {5, 1, "console", 0600, true, console_read, console_write, tty::console_ioctl},
    {204, 64, "ttyAMA0", 0600, true, console_read, console_write, tty::console_ioctl},
};
constexpr std::size_t kCount = sizeof kDevices / sizeof kDevices[0];

// User memory for a device's transfer: the copies that make missing pages (no VFS lock is held).
class ResolvingUserBuffer final : public IoBuffer {
public:
    explicit ResolvingUserBuffer(std::uint64_t base) : m_base(base) {}
    std::size_t copy_out(std::size_t at, const void* src, std::size_t n) override {
        return copy_to_user_partial(m_base + at, src, n);
    }
    std::size_t copy_in(std::size_t at, void* dst, std::size_t n) override {
        return copy_from_user_partial(dst, m_base + at, n);
    }

private:
    std::uint64_t m_base;
};

}  // namespace

std::int64_t device_read(const Device& d, std::uint64_t user_buf, std::size_t n) {
    ResolvingUserBuffer buf(user_buf);
    return d.read(buf, n);
}

std::int64_t device_write(const Device& d, std::uint64_t user_buf, std::size_t n) {
    ResolvingUserBuffer buf(user_buf);
    return d.write(buf, n);
}

const Device* find_device(std::uint64_t rdev) {
    for (const Device& d : kDevices)
        if (abi::encode_dev(d.major, d.minor) == rdev) return &d;
    return nullptr;
}

const Device* device_at(std::size_t index) { return index < kCount ? &kDevices[index] : nullptr; }

}  // namespace kernel::fs
