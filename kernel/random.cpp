// The shared random generator (random.h). The state advances with a compare-and-swap so that two
// CPUs drawing at once never get the same value.
#include "kernel/random.h"

#include "arch/aarch64/cpu.h"
#include "lib/string.h"

namespace kernel::random {

namespace {

std::uint64_t s_state = 0x2545f4914f6cdd1dull;

std::uint64_t step(std::uint64_t s) {
    s ^= read_sysreg(cntvct_el0);   // the counter stirs in when (and how often) callers draw
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s ? s : 0x9e3779b97f4a7c15ull;   // xorshift never leaves 0 once there
}

}  // namespace

std::uint64_t next_u64() {
    std::uint64_t old = __atomic_load_n(&s_state, __ATOMIC_RELAXED);
    std::uint64_t next;
    do {
        next = step(old);
    } while (!__atomic_compare_exchange_n(&s_state, &old, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return next * 0x2545f4914f6cdd1dull;
}

void fill(void* dst, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(dst);
    while (n) {
        const std::uint64_t v = next_u64();
        const std::size_t k = n < 8 ? n : 8;
        lib::copy_bytes(p, &v, k);
        p += k;
        n -= k;
    }
}

}  // namespace kernel::random
