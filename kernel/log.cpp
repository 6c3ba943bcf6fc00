// kprintf/klog: format into a bounded buffer on the stack, then one console write, so a line is never
// interleaved with another writer's. Longer output is written in buffer-sized pieces.
#include "kernel/log.h"

#include "hal/timer.h"
#include "kernel/console.h"
#include "lib/format.h"

namespace kernel {

namespace {
LogLevel s_level = LogLevel::Info;
constexpr std::size_t kLineMax = 256;

struct LineBuffer {
    char buf[kLineMax];
    std::size_t len = 0;
    void flush() {
        console::write(buf, len);
        len = 0;
    }
};

void put(char c, void* ctx) {
    auto* b = static_cast<LineBuffer*>(ctx);
    if (b->len == kLineMax) b->flush();
    b->buf[b->len++] = c;
}
}  // namespace

void vkprintf(const char* fmt, va_list ap) {
    LineBuffer b;
    lib::vformat(put, &b, fmt, ap);
    b.flush();
}

void kprintf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
}

void klog(LogLevel level, const char* fmt, ...) {
    if (level > s_level) return;
    LineBuffer b;
    const std::uint64_t ns = hal::timer::uptime_ns();
    lib::format(put, &b, "[%5llu.%06llu] ", static_cast<unsigned long long>(ns / 1'000'000'000u),
                static_cast<unsigned long long>((ns / 1000) % 1'000'000u));
    if (level == LogLevel::Error) lib::format(put, &b, "error: ");
    if (level == LogLevel::Warn) lib::format(put, &b, "warning: ");
    va_list ap;
    va_start(ap, fmt);
    lib::vformat(put, &b, fmt, ap);
    va_end(ap);
    put('\n', &b);
    b.flush();
}

void set_log_level(LogLevel l) { s_level = l; }
LogLevel log_level() { return s_level; }

}  // namespace kernel
