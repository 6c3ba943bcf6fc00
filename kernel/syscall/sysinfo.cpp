// sysinfo(2) from the sources /proc reads (kernel/fs/procfs/proc_sources.h), so the two agree.
#include "kernel/syscall/sysinfo.h"

#include "hal/timer.h"
#include "kernel/fs/procfs/proc_sources.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "sched/loadavg.h"
#include "sched/scheduler.h"

namespace kernel {

std::int64_t sys_sysinfo(std::uint64_t user_info) {
    abi::Sysinfo info{};
    const std::uint64_t up = hal::timer::uptime_ns();
    info.uptime = static_cast<std::int64_t>(up / 1'000'000'000 + (up % 1'000'000'000 ? 1 : 0));   // rounded up
    std::uint64_t avg[3];
    fs::proc::load_averages(avg);
    for (int i = 0; i < 3; ++i) info.loads[i] = sched::sysinfo_load(avg[i]);
    const fs::proc::MemInfo m = fs::proc::memory_info();
    info.totalram = m.total_pages * 4096;
    info.freeram = m.free_pages * 4096;
    info.sharedram = m.shmem_pages * 4096;
    const std::size_t tasks = sched::task_count();
    info.procs = static_cast<std::uint16_t>(tasks > 0xffff ? 0xffff : tasks);
    info.mem_unit = 1;
    return put_user(user_info, info).ok() ? 0 : -abi::kEFAULT;
}

}  // namespace kernel
