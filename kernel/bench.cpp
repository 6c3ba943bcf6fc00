// The benchmark runner and the `boot` figure.
#include "kernel/bench.h"

#include "arch/aarch64/pmu.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"

extern "C" const kernel::bench::Case __benches_start[], __benches_end[];

namespace kernel::bench {

namespace {
std::uint64_t s_boot_ready_ns = 0;

// A loop of exactly 2 instructions per iteration between two counter reads.
std::uint64_t timed_loop(std::uint64_t n) {
    const std::uint64_t t0 = arch::pmu::cycles();
    asm volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n) : : "cc");
    return arch::pmu::cycles() - t0;
}
}  // namespace

std::uint64_t read_counter() { return arch::pmu::cycles(); }

bool counter_is_exact() {
    arch::pmu::enable_cycle_counter();
    // Under icount the difference of two loops is exactly the extra instructions; host time never is.
    const std::uint64_t a = timed_loop(100000), b = timed_loop(300000);
    return b - a == 400000;
}

void set_boot_ready_ns(std::uint64_t ns) { s_boot_ready_ns = ns; }
std::uint64_t boot_ready_ns() { return s_boot_ready_ns; }

unsigned run(const char* selection, std::uint64_t len) {
    arch::pmu::enable_cycle_counter();
    const bool exact = counter_is_exact();
    // The unit each figure really is. QEMU's PMU cycle counter runs at 1 GHz of virtual time: under
    // -icount shift=0 one instruction per ns, so it counts instructions; otherwise virtual time
    // follows the host clock and a "cycle" is a nanosecond of host time.
    const char* unit = exact ? "instructions" : "ns";
    if (!exact) kprintf("bench: not under -icount: figures are nanoseconds of host time, not instructions\n");
    StrView sel{selection, static_cast<std::size_t>(len)};
    unsigned ran = 0;
    bool want_boot = sel.equals("all");
    std::size_t bpos = 0;
    StrView bitem;
    while (!want_boot && next_list_item(sel, bpos, bitem)) want_boot = bitem.equals("boot");
    if (want_boot) {
        // Under icount one instruction is one ns of virtual time: uptime at console-ready = instructions.
        kprintf("bench boot: %llu %s/op\n", static_cast<unsigned long long>(s_boot_ready_ns), unit);
        ++ran;
    }
    for (const Case* c = __benches_start; c < __benches_end; ++c) {
        bool want = sel.equals("all");
        std::size_t pos = 0;
        StrView item;
        while (!want && next_list_item(sel, pos, item)) want = item.equals(c->name);
        if (!want) continue;
        const std::uint64_t per_op = c->fn();
        if (per_op == kNotMeasured) kprintf("bench %s: not measured\n", c->name);
        else kprintf("bench %s: %llu %s/op\n", c->name, static_cast<unsigned long long>(per_op), unit);
        ++ran;
    }
    if (ran == 0) kprintf("bench: nothing matched \"%.*s\"\n", static_cast<int>(len), selection);
    return ran == 0 ? 1 : 0;
}

}  // namespace kernel::bench
