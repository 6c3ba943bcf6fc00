// User exceptions: the system-call entry and the faults of EL0 (copy-on-write, stack growth, FP
// access traps, and the kill with Linux's signal for everything else). Moved out of process.cpp.
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/process.h"
#include "kernel/switch_state.h"
#include "kernel/syscall.h"
#include "kernel/user_copy.h"
#include "lib/format.h"

namespace kernel {

namespace {
int signal_for(arch::esr::Class ec) {
    using arch::esr::Class;
    switch (ec) {
    case Class::DataAbortLower:
    case Class::InstrAbortLower: return abi::kSIGSEGV;
    case Class::PcAlignment:
    case Class::SpAlignment: return abi::kSIGBUS;
    case Class::FpException: return abi::kSIGFPE;
    case Class::Brk64:
    case Class::BreakpointLower:
    case Class::StepLower:
    case Class::WatchpointLower: return abi::kSIGTRAP;
    default: return abi::kSIGILL;
    }
}

const char* signal_name(int sig) {
    switch (sig) {
    case abi::kSIGSEGV: return "SIGSEGV";
    case abi::kSIGBUS: return "SIGBUS";
    case abi::kSIGILL: return "SIGILL";
    case abi::kSIGFPE: return "SIGFPE";
    case abi::kSIGTRAP: return "SIGTRAP";
    default: return "signal";
    }
}
}  // namespace

// Faults (everything but SVC): out of line, so the system-call path carries none of its locals.
[[gnu::noinline]] void handle_user_fault(arch::TrapFrame& frame) {
    using namespace arch::esr;
    const Class ec = exception_class(frame.esr);
    Process* p = current_process();
    if (ec == Class::FpAccess) {  // first FP use since this task was switched in: give it the registers
        fp_trap(p);
        return;
    }
    // A write to a copy-on-write page (shared since a fork): give this space its own copy, retry.
    if (ec == Class::DataAbortLower && fault_kind(fault_status(frame.esr)) == FaultKind::Permission &&
        abort_is_write(frame.esr)) {
        arch::irq_enable();
        const bool resolved = p->space->resolve_cow_fault(frame.far).ok();
        arch::irq_disable();
        if (resolved) return;  // the access is retried
    }
    // A touch below the mapped stack but within its limit (and not far below sp) grows the stack.
    if (ec == Class::DataAbortLower && fault_kind(fault_status(frame.esr)) == FaultKind::Translation &&
        frame.far < kUserStackTop && frame.far >= kUserStackTop - kUserStackSize &&
        frame.far + 65536 >= frame.sp_el0) {
        arch::irq_enable();
        const bool grown = p->space->map_new(mm::align_down(frame.far, mm::kPageSize), mm::kPageSize,
                                             mm::MapFlags::Read | mm::MapFlags::Write).ok();
        arch::irq_disable();
        if (grown) return;  // the access is retried
    }
    // A fault: kill only this process, with a one-line report and Linux's signal status.
    const int sig = signal_for(ec);
    char detail[96] = "";
    if (is_abort(ec)) {
        const std::uint8_t fsc = fault_status(frame.esr);
        lib::snformat(detail, sizeof detail, " (%s level %u%s)", fault_kind_name(fault_kind(fsc)), fault_level(fsc),
                      ec == Class::DataAbortLower ? (abort_is_write(frame.esr) ? ", write" : ", read") : ", fetch");
    }
    char where[48] = "";
    if (is_abort(ec) || ec == Class::PcAlignment)  // FAR is only meaningful for these
        lib::snformat(where, sizeof where, " at 0x%llx", static_cast<unsigned long long>(frame.far));
    log_warn("pid %d (%s) killed by %s: %s%s%s, pc 0x%llx", p->pid, p->name, signal_name(sig), class_name(ec), detail,
             where, static_cast<unsigned long long>(frame.elr));
    process_exit(abi::wait_status_signaled(sig));
}

bool resolve_user_cow(std::uint64_t addr, std::size_t n) {
    if (n == 0 || !user_range_ok(addr, n)) return false;
    mm::AddressSpace* space = current_process()->space;
    bool any = false;
    for (std::uint64_t a = mm::align_down(addr, mm::kPageSize); a < addr + n; a += mm::kPageSize)
        any = space->resolve_cow_fault(a).ok() || any;
    return any;
}

void handle_user_exception(arch::TrapFrame& frame) {
    if (__builtin_expect(arch::esr::exception_class(frame.esr) != arch::esr::Class::Svc64, 0))
        return handle_user_fault(frame);
    arch::irq_enable();  // system calls are preemptible and may block
    Process* p = current_process();
    frame.x[0] = static_cast<std::uint64_t>(syscall_dispatch(p, frame));
    act_on_kill(p);
    arch::irq_disable();  // ELR/SPSR are restored next: no interrupt may clobber them
}

}  // namespace kernel
