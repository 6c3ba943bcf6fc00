// Exception entry points called by arch/aarch64/vectors.S: decode, route, or panic with the frame.
#include "arch/aarch64/esr.h"
#include "arch/aarch64/trap_frame.h"
#include "hal/semihosting.h"
#include "hal/psci.h"
#include "kernel/extable.h"
#include "kernel/irq.h"
#include "kernel/panic.h"
#include "kernel/process/process.h"


using arch::TrapFrame;
using namespace arch::esr;

// slot: the vector-table entry (0-15); 4 = EL1 sync, 8 = EL0 sync.
extern "C" void arch_handle_sync(TrapFrame* f, std::uint64_t slot) {
    const Class ec = exception_class(f->esr);
    if (slot >= 8) return kernel::handle_user_exception(*f);  // system calls and user faults
    switch (ec) {
    case Class::Svc64:
        // An SVC from EL1 is only used to measure the exception round trip (bench exception);
        // ELR already points past it.
        return;
    case Class::DataAbortSame:
    case Class::InstrAbortSame:
        if (kernel::extable_fixup(*f)) return;
        kernel::panic_frame(*f, "kernel fault");
    case Class::Brk64:
        if (svc_imm(f->esr) == kernel::kPanicBrkImmediate)
            kernel::panic_frame(*f, reinterpret_cast<const char*>(f->x[0]));
        kernel::panic_frame(*f, "BRK instruction in the kernel");
    case Class::Unknown:
        // HLT #0xf000 without -semihosting traps as undefined: power off instead of failing.
        if (hal::semihosting::exit_in_progress()) hal::psci::system_off();
        kernel::panic_frame(*f, "undefined instruction in the kernel");
    default:
        kernel::panic_frame(*f, "unexpected synchronous exception in the kernel");
    }
}

// EL0 synchronous exceptions (vectors.S slot 8): system calls and user faults, without the EL1 decode.
extern "C" void arch_handle_el0_sync(TrapFrame* f, std::uint64_t) { kernel::handle_user_exception(*f); }

extern "C" void arch_handle_irq(TrapFrame* f, std::uint64_t slot) { kernel::irq::dispatch(*f, slot >= 8); }

extern "C" void arch_handle_unexpected(TrapFrame* f, std::uint64_t slot) {
    static const char* const kNames[16] = {
        "sync from EL1 with SP_EL0", "IRQ from EL1 with SP_EL0", "FIQ from EL1 with SP_EL0",
        "SError from EL1 with SP_EL0", "sync from EL1", "IRQ from EL1", "FIQ from EL1", "SError from EL1",
        "sync from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0", "sync from AArch32 EL0",
        "IRQ from AArch32 EL0", "FIQ from AArch32 EL0", "SError from AArch32 EL0"};
    kernel::panic_frame(*f, kNames[slot & 15]);
}

extern "C" void arch_handle_stack_overflow(TrapFrame* f, std::uint64_t sp) {
    f->far = sp;  // the report's "faulting address" is the stack pointer that left the stack
    kernel::panic_frame(*f, "kernel stack overflow (sp ran into the guard below the stack)");
}
