// IRQ dispatch: acknowledge once, run the handler, end the interrupt. Another pending interrupt
// re-raises the exception as soon as we return, so there is no loop here.
#include "kernel/irq.h"

#include "kernel/panic.h"

namespace kernel::irq {

namespace {
constexpr std::uint32_t kMaxIntid = 1020;
hal::Gic* s_gic = nullptr;
Handler s_handlers[kMaxIntid];
std::uint64_t s_counts[kMaxIntid];
std::uint64_t s_spurious = 0;
void (*s_exit_hook)(arch::TrapFrame&, bool) = nullptr;
}  // namespace

void init(hal::Gic* gic) { s_gic = gic; }
hal::Gic* gic() { return s_gic; }

void register_handler(std::uint32_t intid, Handler h) {
    if (intid >= kMaxIntid) panic("irq: INTID %u out of range", intid);
    s_handlers[intid] = h;
    s_gic->set_priority(intid, hal::kDefaultPriority);
    s_gic->enable(intid);
}

void unregister_handler(std::uint32_t intid) {
    if (intid >= kMaxIntid) return;
    s_gic->disable(intid);
    s_handlers[intid] = nullptr;
}

std::uint64_t count(std::uint32_t intid) { return intid < kMaxIntid ? s_counts[intid] : 0; }
std::uint64_t spurious_count() { return s_spurious; }

void dispatch(arch::TrapFrame& frame, bool from_user) {
    const std::uint32_t intid = s_gic->acknowledge();
    if (intid >= kMaxIntid) {  // 1020-1023: spurious or special; never EOI'd
        ++s_spurious;
    } else {
        ++s_counts[intid];
        if (Handler h = s_handlers[intid]) h(intid);
        else {
            s_gic->disable(intid);  // nobody owns it: stop it from storming
            s_gic->end_of_interrupt(intid);
            panic("irq: unexpected interrupt %u", intid);
        }
        s_gic->end_of_interrupt(intid);
    }
    if (s_exit_hook) s_exit_hook(frame, from_user);
}

void set_exit_hook(void (*hook)(arch::TrapFrame&, bool)) { s_exit_hook = hook; }

}  // namespace kernel::irq
