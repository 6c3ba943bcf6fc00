// sched placement and balancing decisions (see placement.h). Each load is read once per call, so one
// decision never sees two values for one CPU, however racily the kernel filled the snapshot.
#include "sched/placement.h"

#include <bit>

#include "lib/kassert.h"

namespace sched {

unsigned select_cpu(const CpuLoads& loads, CpuMask allowed, unsigned last) {
    KASSERT(last == kNoCpu || last < kMaxCpus);
    unsigned best = kNoCpu;
    unsigned best_load = 0;
    bool last_is_candidate = false;
    unsigned last_load = 0;
    // Ascending CPU order and a strict < keep the lowest-numbered CPU among equals.
    for (CpuMask m = allowed & loads.online & kAllCpus; m != 0; m &= m - 1) {
        const auto cpu = static_cast<unsigned>(std::countr_zero(m));
        const unsigned load = loads.load[cpu];
        if (best == kNoCpu || load < best_load) {
            best = cpu;
            best_load = load;
        }
        if (cpu == last) {
            last_is_candidate = true;
            last_load = load;
        }
    }
    // The warm cache is worth a tie, not a queue longer by even one task.
    if (last_is_candidate && last_load == best_load) return last;
    return best;
}

unsigned pull_sources(const CpuLoads& loads, unsigned self, unsigned out[kMaxCpus]) {
    KASSERT(self < kMaxCpus);
    const unsigned own = loads.load[self];
    unsigned load_of[kMaxCpus];  // out[i]'s load as read here, for the ordering
    unsigned n = 0;
    for (CpuMask m = loads.online & kAllCpus & ~cpu_bit(self); m != 0; m &= m - 1) {
        const auto cpu = static_cast<unsigned>(std::countr_zero(m));
        const unsigned load = loads.load[cpu];
        // load >= own + 2, written so that a load near UINT_MAX cannot wrap.
        if (load <= own || load - own < 2) continue;
        // Insertion by load, busiest first; CPUs arrive in ascending order, so a strict > keeps the
        // lower number first among equals. Invariant: out[0..n) is sorted that way.
        unsigned i = n++;
        for (; i > 0 && load > load_of[i - 1]; --i) {
            out[i] = out[i - 1];
            load_of[i] = load_of[i - 1];
        }
        out[i] = cpu;
        load_of[i] = load;
    }
    return n;
}

}  // namespace sched
