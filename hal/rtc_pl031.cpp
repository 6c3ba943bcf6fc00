#include "hal/rtc_pl031.h"

#include "hal/mmio.h"
#include "hal/timer.h"

namespace hal::rtc {

namespace {
constexpr std::uint64_t kDataReg = 0x000;     // RTCDR: the current time in seconds
constexpr std::uint64_t kPeriphId0 = 0xFE0;   // PeriphID0..3: 0x31, 0x10, x4, 0x00 for a PL031
constexpr std::uint64_t kPeriphId1 = 0xFE4;

std::uint64_t s_epoch_offset_ns = 0;  // realtime - uptime; written once at boot, before SMP
}  // namespace

bool init(std::uint64_t base_va) {
    const MmioRegion rtc(base_va);
    if ((rtc.read32(kPeriphId0) & 0xff) != 0x31 || (rtc.read32(kPeriphId1) & 0xff) != 0x10) return false;
    const std::uint64_t seconds = rtc.read32(kDataReg);
    const std::uint64_t now_ns = timer::uptime_ns();
    const std::uint64_t wall_ns = seconds * 1'000'000'000ull;
    s_epoch_offset_ns = wall_ns > now_ns ? wall_ns - now_ns : 0;
    return true;
}

std::uint64_t realtime_ns() { return timer::uptime_ns() + s_epoch_offset_ns; }

}  // namespace hal::rtc
