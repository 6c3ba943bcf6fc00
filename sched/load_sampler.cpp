// The kernel side of loadavg.h: per-CPU time charged by the tick, the load average sampled on the
// boot CPU's tick, and the count of runnable tasks it samples.
#include "sched/loadavg.h"
#include "sched/platform.h"
#include "sched/scheduler_internal.h"

namespace sched {

namespace {

LoadAverage s_load;
// When the next sample is due, in counter units: most ticks then cost one compare, not a conversion.
std::uint64_t s_next_sample_counts = 0;
// Written only by its own CPU's tick, read by anyone (/proc/stat): relaxed atomics per field.
CpuTimes s_times[kMaxStatCpus];

void add(std::uint64_t& field, std::uint64_t v) {
    __atomic_store_n(&field, __atomic_load_n(&field, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

}  // namespace

unsigned runnable_now() {
    unsigned n = 0;
    const CpuMask online = online_mask();
    for (unsigned c = 0; c < kMaxStatCpus; ++c) {
        if (!(online & cpu_bit(c))) continue;
        Cpu& cpu = cpu_at(c);
        // A sample, read without the other CPUs' locks (as Linux folds per-CPU counts): the queue
        // size is one word, and current is only compared with the idle task, never dereferenced (it
        // may be a task that is exiting on that CPU right now).
        n += static_cast<unsigned>(cpu.rq.size());
        if (__atomic_load_n(&cpu.current, __ATOMIC_RELAXED) != cpu.idle) ++n;
    }
    return n;
}

void account_tick(unsigned cpu, bool idle, bool user, std::uint64_t ran, std::uint64_t now_counts) {
    if (cpu < kMaxStatCpus) {
        CpuTimes& t = s_times[cpu];
        add(idle ? t.idle : user ? t.user : t.system, ran);
    }
    if (cpu == 0 && now_counts >= s_next_sample_counts) {
        s_load.tick(platform::counts_to_ns(now_counts), runnable_now);
        s_next_sample_counts = platform::ns_to_counts(s_load.next_sample_ns());
    }
}

const LoadAverage& load_average() { return s_load; }

CpuTimes cpu_times(unsigned cpu) {
    CpuTimes r;
    if (cpu >= kMaxStatCpus) return r;
    r.user = __atomic_load_n(&s_times[cpu].user, __ATOMIC_RELAXED);
    r.system = __atomic_load_n(&s_times[cpu].system, __ATOMIC_RELAXED);
    r.idle = __atomic_load_n(&s_times[cpu].idle, __ATOMIC_RELAXED);
    return r;
}

}  // namespace sched
