// Generic timer driver. Each CPU's one comparator (CNTV_CVAL_EL0, banked per CPU) serves both its
// periodic tick and its earliest one-shot deadline: it is always programmed with the nearer of the
// two. Tick deadlines are computed from the previous deadline, not from "now", so the tick does not
// drift.
#include "hal/timer.h"

#include "arch/aarch64/cpu.h"
#include "hal/device_tree.h"

namespace hal::timer {

namespace {
constexpr std::uint64_t kCtlEnable = 1u << 0;   // CNTV_CTL_EL0.ENABLE
constexpr std::uint64_t kNever = ~std::uint64_t{0};

// What every CPU shares: set at boot (init, set_hz) and read by all.
struct Common {
    std::uint64_t period = 0;          // counts per tick
    Callback tick_hook = nullptr;
    std::uint64_t freq = 62'500'000;
    std::uint32_t hz = 100;
};
Common g;

// One CPU's timer: its own comparator (CNTV_CVAL_EL0 is banked per CPU), touched only by that CPU
// from its timer IRQ or with IRQs masked. One object per CPU, so the tick path reaches every field
// from one address; a cache line each, since each CPU writes its own on every tick.
struct alignas(64) State {
    std::uint64_t next_tick = kNever;  // counter value of the next tick
    std::uint64_t period = 0;          // g.period's copy (set_hz updates every CPU's): one ldp with next_tick
    std::uint64_t deadline = kNever;   // counter value of the one-shot deadline
    std::uint64_t ticks = 0;
    Callback deadline_cb = nullptr;
    Callback tick_hook = nullptr;      // g.tick_hook's copy: the tick path reads it off the same base
    bool enabled = false;  // mirrors CNTV_CTL_EL0.ENABLE, so the tick path skips a redundant write
};
State s_cpus[kMaxCpus];

// The calling CPU's state (IRQs masked, or in the timer IRQ).
[[gnu::always_inline]] inline State& me() { return s_cpus[std::size_t{arch::cpu_index()}]; }

void program(State& s) {
    const std::uint64_t next = s.next_tick < s.deadline ? s.next_tick : s.deadline;
    if (next == kNever) {
        write_sysreg(cntv_ctl_el0, 0);
        s.enabled = false;
        return;
    }
    write_sysreg(cntv_cval_el0, next);  // a new comparator value also clears the pending condition
    if (!s.enabled) {
        write_sysreg(cntv_ctl_el0, kCtlEnable);
        s.enabled = true;
    }
}
}  // namespace

void init(std::uint32_t hz) {
    g.freq = read_sysreg(cntfrq_el0);
    if (g.freq == 0) g.freq = 62'500'000;  // QEMU virt's value if firmware left CNTFRQ unset
    g.hz = hz ? hz : 100;
    g.period = g.freq / g.hz;
    init_cpu();
}

void init_cpu() {
    State& s = me();
    s.period = g.period;
    write_sysreg(cntv_ctl_el0, 0);
    s.enabled = false;
    // CNTKCTL_EL1.EL0VCTEN: EL0 may read CNTVCT_EL0 and CNTFRQ_EL0, as on Linux (the physical counter
    // and the timers themselves stay EL1-only).
    write_sysreg(cntkctl_el1, (read_sysreg(cntkctl_el1) & ~0x3ffull) | (1u << 1));
}

void start_tick() {
    const std::uint64_t irq = arch::irq_save();
    State& s = me();
    s.next_tick = counter() + s.period;
    program(s);
    arch::irq_restore(irq);
}

// Other CPUs take the new period at their next tick (their next deadline was computed with the old).
void set_hz(std::uint32_t hz) {
    const std::uint64_t irq = arch::irq_save();
    g.hz = hz ? hz : 100;
    g.period = g.freq / g.hz;
    for (State& c : s_cpus) __atomic_store_n(&c.period, g.period, __ATOMIC_RELAXED);
    State& s = me();
    if (s.next_tick != kNever) {
        s.next_tick = counter() + g.period;
        program(s);
    }
    arch::irq_restore(irq);
}

void stop_tick() {
    const std::uint64_t irq = arch::irq_save();
    State& s = me();
    s.next_tick = kNever;
    program(s);
    arch::irq_restore(irq);
}

std::uint32_t hz() { return g.hz; }
std::uint64_t frequency() { return g.freq; }
std::uint64_t counter() {
    arch::isb();  // the counter read is not hoisted above earlier instructions
    return read_sysreg(cntvct_el0);
}
// Both saturate at the largest value: "never" deadlines (a sleep of 2^40 s) convert back and forth
// without wrapping round to the past, which would fire the comparator on every interrupt.
namespace {
std::uint64_t saturate(unsigned __int128 v) {
    return v > ~std::uint64_t{0} ? ~std::uint64_t{0} : static_cast<std::uint64_t>(v);
}
}  // namespace
std::uint64_t counts_to_ns(std::uint64_t c) {
    return saturate((static_cast<unsigned __int128>(c) * 1'000'000'000u) / g.freq);
}
std::uint64_t ns_to_counts(std::uint64_t ns) {
    return saturate((static_cast<unsigned __int128>(ns) * g.freq + 999'999'999u) / 1'000'000'000u);
}
std::uint64_t uptime_ns() { return counts_to_ns(counter()); }
std::uint64_t ticks() { return __atomic_load_n(&s_cpus[0].ticks, __ATOMIC_RELAXED); }
std::uint64_t ticks_on(unsigned cpu) { return cpu < kMaxCpus ? __atomic_load_n(&s_cpus[cpu].ticks, __ATOMIC_RELAXED) : 0; }

void set_tick_hook(Callback cb) {
    g.tick_hook = cb;
    for (State& c : s_cpus) __atomic_store_n(&c.tick_hook, cb, __ATOMIC_RELAXED);
}

void set_deadline(std::uint64_t deadline_ns, Callback cb) {
    const std::uint64_t irq = arch::irq_save();
    State& s = me();
    s.deadline = ns_to_counts(deadline_ns);
    s.deadline_cb = cb;
    program(s);
    arch::irq_restore(irq);
}

void cancel_deadline() {
    const std::uint64_t irq = arch::irq_save();
    State& s = me();
    s.deadline = kNever;
    s.deadline_cb = nullptr;
    program(s);
    arch::irq_restore(irq);
}

namespace {
// Everything but the common tick: a one-shot deadline due, missed ticks, a stray early interrupt.
[[gnu::noinline]] void handle_irq_slow(State& s, std::uint64_t now) {
    bool tick = false;
    if (now >= s.next_tick) {
        // Catch up without a burst: count every missed period once, schedule the next in the future.
        const std::uint64_t period = __atomic_load_n(&s.period, __ATOMIC_RELAXED);
        s.next_tick += period;
        ++s.ticks;
        if (now >= s.next_tick) {
            const std::uint64_t missed = (now - s.next_tick) / period + 1;
            s.ticks += missed;
            s.next_tick += missed * period;
        }
        tick = true;
    }
    Callback fire = nullptr;
    if (now >= s.deadline) {
        fire = s.deadline_cb;
        s.deadline = kNever;
        s.deadline_cb = nullptr;
    }
    program(s);
    if (fire) fire();
    if (tick && s.tick_hook) s.tick_hook();
}
}  // namespace

void handle_irq() {
    State& s = me();
    const std::uint64_t now = read_sysreg(cntvct_el0);
    // The common case, kept short: the tick, on time, with no one-shot deadline due. The comparator
    // is enabled (it just fired), so only its value changes.
    const std::uint64_t next_tick = s.next_tick + s.period;
    if (__builtin_expect(now >= s.next_tick && now < next_tick && now < s.deadline, 1)) {
        s.next_tick = next_tick;
        ++s.ticks;
        write_sysreg(cntv_cval_el0, next_tick < s.deadline ? next_tick : s.deadline);
        if (s.tick_hook) s.tick_hook();
        return;
    }
    handle_irq_slow(s, now);
}

}  // namespace hal::timer
