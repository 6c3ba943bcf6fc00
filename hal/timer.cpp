// Generic timer driver. One comparator (CNTV_CVAL_EL0) serves both the periodic tick and the
// earliest one-shot deadline: it is always programmed with the nearer of the two. Tick deadlines are
// computed from the previous deadline, not from "now", so the tick does not drift.
#include "hal/timer.h"

#include "arch/aarch64/cpu.h"

namespace hal::timer {

namespace {
constexpr std::uint64_t kCtlEnable = 1u << 0;   // CNTV_CTL_EL0.ENABLE
constexpr std::uint64_t kNever = ~std::uint64_t{0};

// Timer state; touched only from the timer IRQ or with IRQs masked.
std::uint64_t s_freq = 62'500'000;
std::uint32_t s_hz = 100;
std::uint64_t s_period = 0;        // counts per tick
std::uint64_t s_next_tick = kNever;  // counter value of the next tick
std::uint64_t s_deadline = kNever;   // counter value of the one-shot deadline
std::uint64_t s_ticks = 0;
Callback s_tick_hook = nullptr;
Callback s_deadline_cb = nullptr;

bool s_enabled = false;  // mirrors CNTV_CTL_EL0.ENABLE, so the tick path skips a redundant write

void program() {
    const std::uint64_t next = s_next_tick < s_deadline ? s_next_tick : s_deadline;
    if (next == kNever) {
        write_sysreg(cntv_ctl_el0, 0);
        s_enabled = false;
        return;
    }
    write_sysreg(cntv_cval_el0, next);  // a new comparator value also clears the pending condition
    if (!s_enabled) {
        write_sysreg(cntv_ctl_el0, kCtlEnable);
        s_enabled = true;
    }
}
}  // namespace

void init(std::uint32_t hz) {
    s_freq = read_sysreg(cntfrq_el0);
    if (s_freq == 0) s_freq = 62'500'000;  // QEMU virt's value if firmware left CNTFRQ unset
    s_hz = hz ? hz : 100;
    s_period = s_freq / s_hz;
    write_sysreg(cntv_ctl_el0, 0);
    s_enabled = false;
    // CNTKCTL_EL1.EL0VCTEN: EL0 may read CNTVCT_EL0 and CNTFRQ_EL0, as on Linux (the physical counter
    // and the timers themselves stay EL1-only).
    write_sysreg(cntkctl_el1, (read_sysreg(cntkctl_el1) & ~0x3ffull) | (1u << 1));
}

void start_tick() {
    const std::uint64_t irq = arch::irq_save();
    s_next_tick = counter() + s_period;
    program();
    arch::irq_restore(irq);
}

void set_hz(std::uint32_t hz) {
    const std::uint64_t irq = arch::irq_save();
    s_hz = hz ? hz : 100;
    s_period = s_freq / s_hz;
    if (s_next_tick != kNever) {
        s_next_tick = counter() + s_period;
        program();
    }
    arch::irq_restore(irq);
}

void stop_tick() {
    const std::uint64_t irq = arch::irq_save();
    s_next_tick = kNever;
    program();
    arch::irq_restore(irq);
}

std::uint32_t hz() { return s_hz; }
std::uint64_t frequency() { return s_freq; }
std::uint64_t counter() {
    arch::isb();  // the counter read is not hoisted above earlier instructions
    return read_sysreg(cntvct_el0);
}
std::uint64_t counts_to_ns(std::uint64_t c) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(c) * 1'000'000'000u) / s_freq);
}
std::uint64_t ns_to_counts(std::uint64_t ns) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(ns) * s_freq + 999'999'999u) / 1'000'000'000u);
}
std::uint64_t uptime_ns() { return counts_to_ns(counter()); }
std::uint64_t ticks() { return s_ticks; }

void set_tick_hook(Callback cb) { s_tick_hook = cb; }

void set_deadline(std::uint64_t deadline_ns, Callback cb) {
    const std::uint64_t irq = arch::irq_save();
    s_deadline = ns_to_counts(deadline_ns);
    s_deadline_cb = cb;
    program();
    arch::irq_restore(irq);
}

void cancel_deadline() {
    const std::uint64_t irq = arch::irq_save();
    s_deadline = kNever;
    s_deadline_cb = nullptr;
    program();
    arch::irq_restore(irq);
}

void handle_irq() {
    const std::uint64_t now = read_sysreg(cntvct_el0);
    bool tick = false;
    if (now >= s_next_tick) {
        // Catch up without a burst: count every missed period once, schedule the next in the future.
        // The common case (on time) avoids the division.
        s_next_tick += s_period;
        ++s_ticks;
        if (__builtin_expect(now >= s_next_tick, 0)) {
            const std::uint64_t missed = (now - s_next_tick) / s_period + 1;
            s_ticks += missed;
            s_next_tick += missed * s_period;
        }
        tick = true;
    }
    Callback fire = nullptr;
    if (now >= s_deadline) {
        fire = s_deadline_cb;
        s_deadline = kNever;
        s_deadline_cb = nullptr;
    }
    program();
    if (fire) fire();
    if (tick && s_tick_hook) s_tick_hook();
}

}  // namespace hal::timer
