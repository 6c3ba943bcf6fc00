// IRQ dispatch: acknowledge once, run the handler, end the interrupt. Another pending interrupt
// re-raises the exception as soon as we return, so there is no loop here.
#include "kernel/irq.h"

#include "kernel/panic.h"

namespace kernel::irq {

namespace {
constexpr std::uint32_t kMaxIntid = 1020;
// A handler and its count side by side: the dispatch path reaches both with one address.
struct Slot {
    Handler handler;
    std::uint64_t count;
};
hal::Gic* s_gic = nullptr;
Slot s_slots[kMaxIntid];
std::uint64_t s_spurious = 0;
void (*s_exit_hook)(arch::TrapFrame&, bool) = nullptr;
}  // namespace

void init(hal::Gic* gic) { s_gic = gic; }
hal::Gic* gic() { return s_gic; }

void register_handler(std::uint32_t intid, Handler h) {
    if (intid >= kMaxIntid) panic("irq: INTID %u out of range", intid);
    s_slots[intid].handler = h;
    s_gic->set_priority(intid, hal::kDefaultPriority);
    s_gic->enable(intid);
}

void unregister_handler(std::uint32_t intid) {
    if (intid >= kMaxIntid) return;
    s_gic->disable(intid);
    s_slots[intid].handler = nullptr;
}

std::uint64_t count(std::uint32_t intid) { return intid < kMaxIntid ? s_slots[intid].count : 0; }
std::uint64_t spurious_count() { return s_spurious; }

namespace {
[[noreturn, gnu::noinline, gnu::cold]] void unexpected(std::uint32_t intid) {
    s_gic->disable(intid);  // nobody owns it: stop it from storming
    s_gic->end_of_interrupt(intid);
    panic("irq: unexpected interrupt %u", intid);
}
}  // namespace

void dispatch(arch::TrapFrame& frame, bool from_user) {
    hal::Gic* gic = s_gic;
    const std::uint32_t intid = gic->acknowledge();
    if (__builtin_expect(intid < kMaxIntid, 1)) {
        Slot& slot = s_slots[intid];
        ++slot.count;
        const Handler h = slot.handler;
        if (__builtin_expect(h == nullptr, 0)) unexpected(intid);
        h(intid);
        gic->end_of_interrupt(intid);
    } else {  // 1020-1023: spurious or special; never EOI'd
        ++s_spurious;
    }
    if (s_exit_hook) s_exit_hook(frame, from_user);
}

void set_exit_hook(void (*hook)(arch::TrapFrame&, bool)) { s_exit_hook = hook; }

}  // namespace kernel::irq
