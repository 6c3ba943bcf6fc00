// The PL031 real-time clock (ARM DDI 0224): its data register counts seconds since the Unix epoch
// (QEMU starts it at the host's time). It is read once at boot; the generic timer keeps time from
// there, so CLOCK_REALTIME costs no device access.
#pragma once

#include <cstdint>

namespace hal::rtc {

// Reads the clock at base_va (mapped device memory). False if the part there is not a PL031; the
// realtime clock then starts at the epoch at boot, as without an RTC.
bool init(std::uint64_t base_va);
// Wall-clock time in ns since the epoch: the boot-time reading plus the uptime since.
std::uint64_t realtime_ns();

}  // namespace hal::rtc
