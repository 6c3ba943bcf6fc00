// The load-average arithmetic (loadavg.h), Linux's kernel/sched/loadavg.c in portable form.
#include "sched/loadavg.h"

namespace sched {

std::uint64_t fixed_power(std::uint64_t x, unsigned frac_bits, std::uint64_t n) {
    std::uint64_t result = 1ull << frac_bits;
    if (n) {
        for (;;) {   // invariant: the answer is result * x^n (fixed point)
            if (n & 1) {
                result *= x;
                result += 1ull << (frac_bits - 1);
                result >>= frac_bits;
            }
            n >>= 1;
            if (!n) break;
            x *= x;
            x += 1ull << (frac_bits - 1);
            x >>= frac_bits;
        }
    }
    return result;
}

std::uint64_t calc_load_n(std::uint64_t load, std::uint64_t exp, std::uint64_t active, std::uint64_t n) {
    return calc_load(load, fixed_power(exp, kFshift, n), active);
}

void LoadAverage::sample(std::uint64_t now_ns, unsigned active) {
    // Periods elapsed since the boundary that was due: 1 normally, more after a late tick.
    const std::uint64_t n = now_ns < m_next_ns ? 0 : (now_ns - m_next_ns) / kLoadPeriodNs + 1;
    if (n == 0) return;
    const std::uint64_t a = static_cast<std::uint64_t>(active) * kFixed1;
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t v = n == 1 ? calc_load(m_avg[i], kExp[i], a) : calc_load_n(m_avg[i], kExp[i], a, n);
        __atomic_store_n(&m_avg[i], v, __ATOMIC_RELAXED);
    }
    m_next_ns += n * kLoadPeriodNs;
}

std::size_t format_load(std::uint64_t avg, char* out, std::size_t size) {
    const std::uint64_t a = avg + kFixed1 / 200;   // rounds to the nearest hundredth
    const std::uint64_t whole = a >> kFshift;
    const std::uint64_t frac = ((a & (kFixed1 - 1)) * 100) >> kFshift;
    char tmp[24];
    std::size_t n = 0;
    std::uint64_t w = whole;
    char digits[20];
    std::size_t d = 0;
    do {
        digits[d++] = static_cast<char>('0' + w % 10);
        w /= 10;
    } while (w);
    while (d) tmp[n++] = digits[--d];
    tmp[n++] = '.';
    tmp[n++] = static_cast<char>('0' + frac / 10);
    tmp[n++] = static_cast<char>('0' + frac % 10);
    const std::size_t k = n < size ? n : size;
    for (std::size_t i = 0; i < k; ++i) out[i] = tmp[i];
    return k;
}

}  // namespace sched
