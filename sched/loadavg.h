// The load average and per-CPU time accounting, as Linux computes them (kernel/sched/loadavg.c):
// every 5 s the number of runnable and running tasks is folded into three exponentially decayed
// averages (1, 5 and 15 minutes) in 11-bit fixed point. Portable (host-tested); the scheduler's tick
// feeds it through account_tick (load_sampler.cpp), /proc and sysinfo read it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sched {

inline constexpr unsigned kFshift = 11;                        // FSHIFT
inline constexpr std::uint64_t kFixed1 = 1u << kFshift;        // FIXED_1: 1.0
inline constexpr std::uint64_t kExp[3] = {1884, 2014, 2037};   // EXP_1, EXP_5, EXP_15: 1/exp(5s/1min)...
inline constexpr std::uint64_t kLoadPeriodNs = 5'000'000'000ull;   // LOAD_FREQ (5 s)

// One step: load * e + active * (1 - e), rounded up while rising (Linux's calc_load).
constexpr std::uint64_t calc_load(std::uint64_t load, std::uint64_t exp, std::uint64_t active) {
    std::uint64_t n = load * exp + active * (kFixed1 - exp);
    if (active >= load) n += kFixed1 - 1;
    return n / kFixed1;
}
// x^n in fixed point with frac_bits fraction bits (Linux's fixed_power_int).
std::uint64_t fixed_power(std::uint64_t x, unsigned frac_bits, std::uint64_t n);
// n steps at once with the same active count (Linux's calc_load_n, for missed samples).
std::uint64_t calc_load_n(std::uint64_t load, std::uint64_t exp, std::uint64_t active, std::uint64_t n);

// The three averages (fixed point, kFshift bits). Updated by one CPU's tick (the boot CPU's), read
// from anywhere: each average is one word, read and written atomically.
class LoadAverage {
public:
    // Called at every tick: when the next 5 s boundary has passed, folds `count()` in (once per
    // period elapsed, so a late tick catches up). count is only called then.
    template <typename CountFn>
    void tick(std::uint64_t now_ns, CountFn&& count) {
        if (now_ns < m_next_ns) return;
        sample(now_ns, count());
    }
    void sample(std::uint64_t now_ns, unsigned active);
    std::uint64_t avg(int i) const { return __atomic_load_n(&m_avg[i], __ATOMIC_RELAXED); }
    std::uint64_t next_sample_ns() const { return m_next_ns; }

private:
    std::uint64_t m_avg[3] = {0, 0, 0};
    std::uint64_t m_next_ns = kLoadPeriodNs;
};

// "0.42" as /proc/loadavg prints a fixed-point average (rounded to hundredths as Linux does);
// returns the characters written (no NUL), at most `size`.
std::size_t format_load(std::uint64_t avg, char* out, std::size_t size);
// sysinfo's loads[]: the average scaled to 16 fraction bits (SI_LOAD_SHIFT).
constexpr std::uint64_t sysinfo_load(std::uint64_t avg) { return avg << (16 - kFshift); }

// CPU time per CPU for /proc/stat, in counter units, sampled by the tick (the task found running is
// charged the time since the previous tick, as its own account is).
inline constexpr unsigned kMaxStatCpus = 8;
struct CpuTimes {
    std::uint64_t user = 0, system = 0, idle = 0;
};

// ---- Kernel side (load_sampler.cpp).
// The tick's one hook: charges `ran` counts to the CPU's user, system or idle time and, on the boot
// CPU, samples the load average when due. IRQ context, IRQs masked.
void account_tick(unsigned cpu, bool idle, bool user, std::uint64_t ran, std::uint64_t now_counts);
const LoadAverage& load_average();
CpuTimes cpu_times(unsigned cpu);     // a snapshot (each field read atomically)
unsigned runnable_now();              // running + queued tasks on every online CPU (not the idle tasks)

}  // namespace sched
