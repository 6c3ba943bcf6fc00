// sysinfo(2): the same figures as /proc/uptime, /proc/loadavg and /proc/meminfo.
#pragma once

#include <cstdint>

namespace kernel {

std::int64_t sys_sysinfo(std::uint64_t user_info);

}  // namespace kernel
