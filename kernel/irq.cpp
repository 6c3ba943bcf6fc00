// IRQ dispatch: acknowledge once, run the handler, end the interrupt. Another pending interrupt
// re-raises the exception as soon as we return, so there is no loop here.
#include "kernel/irq.h"

#include "arch/aarch64/cpu.h"
#include "hal/device_tree.h"
#include "kernel/panic.h"

namespace kernel::irq {

namespace {
constexpr std::uint32_t kMaxIntid = 1020;
// A handler and its count side by side, and everything dispatch() reads in one object: the IRQ path
// reaches it all from one address.
struct Slot {
    Handler handler;
    std::uint64_t count;
};
// Counts: an SPI is taken by one CPU (all are routed to the boot CPU), so its slot's count is a
// plain increment; SGIs and PPIs are per CPU, and so are their counts (summed by count()).
constexpr unsigned kPerCpuIntids = 32;
struct State {
    hal::Gic* gic = nullptr;
    void (*exit_hook)(arch::TrapFrame&, bool) = nullptr;
    std::uint64_t spurious = 0;
    Slot slots[kMaxIntid];
    std::uint64_t local_counts[hal::kMaxCpus][kPerCpuIntids];
};
State s;
}  // namespace

void init(hal::Gic* gic) { s.gic = gic; }
hal::Gic* gic() { return s.gic; }

void register_handler(std::uint32_t intid, Handler h) {
    if (intid >= kMaxIntid) panic("irq: INTID %u out of range", intid);
    s.slots[intid].handler = h;
    s.gic->set_priority(intid, hal::kDefaultPriority);
    s.gic->enable(intid);
    // A GIC with two security states, left as reset by firmware at EL3, keeps every interrupt in
    // secure Group 0, out of this kernel's reach: say so instead of waiting for ticks that never come.
    if (!s.gic->is_enabled(intid))
        panic("irq: INTID %u cannot be enabled from the non-secure state: the firmware left it in the secure "
              "group (QEMU -M secure=on needs EL3 firmware that configures the GIC, e.g. TF-A)", intid);
}

void init_cpu() {
    s.gic->init_cpu();
    for (std::uint32_t intid = 0; intid < 32; ++intid) {
        if (!s.slots[intid].handler) continue;
        s.gic->set_priority(intid, hal::kDefaultPriority);
        s.gic->enable(intid);
    }
}

void unregister_handler(std::uint32_t intid) {
    if (intid >= kMaxIntid) return;
    s.gic->disable(intid);
    s.slots[intid].handler = nullptr;
}

std::uint64_t count(std::uint32_t intid) {
    if (intid >= kMaxIntid) return 0;
    if (intid >= kPerCpuIntids) return __atomic_load_n(&s.slots[intid].count, __ATOMIC_RELAXED);
    std::uint64_t sum = 0;
    for (const auto& cpu : s.local_counts) sum += __atomic_load_n(&cpu[intid], __ATOMIC_RELAXED);
    return sum;
}
std::uint64_t spurious_count() { return __atomic_load_n(&s.spurious, __ATOMIC_RELAXED); }

namespace {
[[noreturn, gnu::noinline, gnu::cold]] void unexpected(std::uint32_t intid) {
    s.gic->disable(intid);  // nobody owns it: stop it from storming
    s.gic->end_of_interrupt(intid);
    panic("irq: unexpected interrupt %u", intid);
}
}  // namespace

void dispatch(arch::TrapFrame& frame, bool from_user) {
    hal::Gic* gic = s.gic;
    const std::uint32_t intid = gic->acknowledge();
    if (__builtin_expect(intid < kMaxIntid, 1)) {
        Slot& slot = s.slots[intid];
        if (intid < kPerCpuIntids) ++s.local_counts[arch::cpu_index()][intid];
        else ++slot.count;
        const Handler h = slot.handler;
        if (__builtin_expect(h == nullptr, 0)) unexpected(intid);
        h(intid);
        gic->end_of_interrupt(intid);
    } else {  // 1020-1023: spurious or special; never EOI'd
        __atomic_fetch_add(&s.spurious, 1, __ATOMIC_RELAXED);
    }
    if (s.exit_hook) s.exit_hook(frame, from_user);
}

void set_exit_hook(void (*hook)(arch::TrapFrame&, bool)) { s.exit_hook = hook; }

}  // namespace kernel::irq
