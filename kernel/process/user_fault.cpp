// User exceptions: the system-call entry and the faults of EL0. A fault Linux would resolve
// (copy-on-write, stack growth, a file mapping's first touch, the first FP use) is resolved, here and for the kernel's own accesses
// to user memory alike; any other kills the process with Linux's signal (user_fault.h).
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/log.h"
#include "kernel/process/process.h"
#include "kernel/process/signal_names.h"
#include "kernel/switch_state.h"
#include "kernel/syscall/syscall.h"
#include "kernel/syscall/user_copy.h"
#include "kernel/process/user_fault.h"
#include "lib/format.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {

// The stack's growth rule, one for EL0's own accesses and the kernel's accesses on its behalf (Linux
// grows the stack for both): an unmapped page of the growth area, at most kUserStackSize below the
// top (RLIMIT_STACK), is mapped, wherever sp is (as on arm64 Linux, whose expand_stack looks only at
// the address). True if it mapped the page. Needs IRQs on (it may allocate).
bool grow_user_stack(Process* p, std::uint64_t addr) {
    if (addr >= kUserStackTop || addr < kUserStackTop - kUserStackSize) return false;
    SpaceLock space(p);
    return p->space->map_new(mm::align_down(addr, mm::kPageSize), mm::kPageSize,
                             mm::MapFlags::Read | mm::MapFlags::Write).ok();
}

bool resolve_cow(Process* p, std::uint64_t addr) {
    SpaceLock space(p);
    return p->space->resolve_cow_fault(addr).ok();
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
    FileFault file = FileFault::NotFileMap;
    if (ec == Class::DataAbortLower || ec == Class::InstrAbortLower) {
        const FaultKind kind = fault_kind(fault_status(frame.esr));
        const bool data = ec == Class::DataAbortLower;
        bool resolved = false;
        arch::irq_enable();  // the file fault takes the VFS lock: process context, IRQs on, no spinlock
        if (data && kind == FaultKind::Permission && abort_is_write(frame.esr)) {  // copy-on-write since a fork
            resolved = resolve_cow(p, frame.far);
        } else if (kind == FaultKind::Translation) {
            file = file_map_fault(p, frame.far,
                                  !data ? FileAccess::Execute : abort_is_write(frame.esr) ? FileAccess::Write : FileAccess::Read);
            resolved = file == FileFault::Resolved || (file == FileFault::NotFileMap && data && grow_user_stack(p, frame.far));
        }
        arch::irq_disable();
        if (resolved) return;  // the access is retried
    }
    // A fault: kill only this process, with a one-line report and Linux's signal status.
    FaultSignal s = user_fault_signal(frame.esr);
    if (file == FileFault::PastEnd) s = {abi::kSIGBUS, si_code::kBUS_ADRERR, "access past the end of a mapped file"};
    if (file == FileFault::Denied) s = {abi::kSIGSEGV, si_code::kSEGV_ACCERR, "access the mapping's protection forbids"};
    if (file == FileFault::NoMemory) s = {abi::kSIGKILL, si_code::kSI_KERNEL, "out of memory for a mapped file's page"};
    char detail[96] = "";
    if (is_abort(ec))
        lib::snformat(detail, sizeof detail, " (%s%s)", s.name,
                      ec == Class::DataAbortLower ? (abort_is_write(frame.esr) ? ", write" : ", read") : ", fetch");
    char where[48] = "";
    if (is_abort(ec) || ec == Class::PcAlignment)  // FAR is only meaningful for these
        lib::snformat(where, sizeof where, " at 0x%llx", static_cast<unsigned long long>(frame.far));
    log_warn("pid %d (%s) killed by %s (%s): %s%s%s, pc 0x%llx", p->pid, p->name, signal_name(s.sig), s.code.name,
             class_name(ec), detail, where, static_cast<unsigned long long>(frame.elr));
    process_exit(abi::wait_status_signaled(s.sig));
}

bool resolve_user_access(std::uint64_t addr, UserAccess access) {
    Process* p = current_process();
    if (!p || addr >= kUserTop) return false;  // a kernel task has no user space to fix
    // The same two cases as handle_user_fault. Without the fault's ESR, the page tables tell them
    // apart: resolve_cow_fault refuses a page that is not copy-on-write, map_new one already mapped.
    if (access == UserAccess::Write && resolve_cow(p, addr)) return true;
    // A file mapping's page not touched yet (its other outcomes are EFAULT for the copy, as Linux's
    // read(2) into a mapping past the end of its file gives).
    const FileFault file = file_map_fault(p, addr, access == UserAccess::Write ? FileAccess::Write : FileAccess::Read);
    if (file != FileFault::NotFileMap) return file == FileFault::Resolved;
    return grow_user_stack(p, addr);
}

void handle_user_exception(arch::TrapFrame& frame) {
    if (__builtin_expect(arch::esr::exception_class(frame.esr) != arch::esr::Class::Svc64, 0))
        return handle_user_fault(frame);
    arch::irq_enable();  // system calls are preemptible and may block
    Process* p = current_process();
    frame.x[0] = static_cast<std::uint64_t>(syscall_dispatch(p, frame));
    if (__builtin_expect(p->task->kill_pending, 0)) act_on_kill(p);  // the test inline: every call passes here
    arch::irq_disable();  // ELR/SPSR are restored next: no interrupt may clobber them
}

}  // namespace kernel
