// The kernel's inode clock: the realtime clock (the PL031's boot reading plus the uptime since).
#include "kernel/fs/clock.h"

#include "hal/rtc_pl031.h"

namespace kernel::fs {

Timestamp now() {
    const std::uint64_t ns = hal::rtc::realtime_ns();
    return Timestamp{static_cast<std::int64_t>(ns / 1'000'000'000), static_cast<std::int64_t>(ns % 1'000'000'000)};
}

}  // namespace kernel::fs
