// Placement and balancing decisions (placement.h).
#include "sched/placement.h"

namespace sched {

unsigned select_cpu(const CpuLoads& loads, CpuMask allowed, unsigned last) {
    const CpuMask candidates = allowed & loads.online & kAllCpus;
    if (candidates == 0) return kNoCpu;
    unsigned best = kNoCpu;
    for (unsigned c = 0; c < kMaxCpus; ++c)
        if ((candidates & cpu_bit(c)) && (best == kNoCpu || loads.load[c] < loads.load[best])) best = c;
    if (last < kMaxCpus && (candidates & cpu_bit(last)) && loads.load[last] == loads.load[best]) return last;
    return best;
}

unsigned pull_sources(const CpuLoads& loads, unsigned self, unsigned out[kMaxCpus]) {
    unsigned n = 0;
    for (unsigned c = 0; c < kMaxCpus; ++c) {
        if (c == self || !(loads.online & cpu_bit(c)) || loads.load[c] < loads.load[self] + 2) continue;
        unsigned i = n++;
        for (; i > 0 && loads.load[out[i - 1]] < loads.load[c]; --i) out[i] = out[i - 1];
        out[i] = c;
    }
    return n;
}

}  // namespace sched
