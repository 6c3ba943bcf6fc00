// cpu_switch_to and the first-run trampoline. Layout of the saved state: sched/context.h.
#include "sched/context.h"

    .text
// void cpu_switch_to(CpuContext* prev /* x0 */, CpuContext* next /* x1 */)
// Saves x19-x30, sp and tpidr_el0 of the running task into *prev and restores them from *next.
// Clobbers x9, x10 (caller-saved). IRQs must be masked (the run-queue lock is held across).
    .globl cpu_switch_to
cpu_switch_to:
    stp     x19, x20, [x0, #CTX_X19]
    stp     x21, x22, [x0, #CTX_X19 + 16]
    stp     x23, x24, [x0, #CTX_X19 + 32]
    stp     x25, x26, [x0, #CTX_X19 + 48]
    stp     x27, x28, [x0, #CTX_X19 + 64]
    stp     x29, x30, [x0, #CTX_FP]
    mov     x9, sp
    mrs     x10, tpidr_el0
    stp     x9, x10, [x0, #CTX_SP]

    ldp     x9, x10, [x1, #CTX_SP]
    mov     sp, x9
    msr     tpidr_el0, x10
    ldr     x9, [x1, #CTX_TTBR0]
    mrs     x10, ttbr0_el1
    cmp     x9, x10
    b.eq    1f
    msr     ttbr0_el1, x9           // the ASID in bits 63:48 tags the new space's TLB entries:
    isb                             // no TLB flush needed; the ISB makes later EL0 fetches use it
1:  ldp     x19, x20, [x1, #CTX_X19]
    ldp     x21, x22, [x1, #CTX_X19 + 16]
    ldp     x23, x24, [x1, #CTX_X19 + 32]
    ldp     x25, x26, [x1, #CTX_X19 + 48]
    ldp     x27, x28, [x1, #CTX_X19 + 64]
    ldp     x29, x30, [x1, #CTX_FP]
    clrex                           // no exclusive monitor state leaks between tasks
    ret

// A new task's first instructions (its CpuContext.lr). x19 = entry(arg), x20 = arg.
// Finishes the switch (run-queue lock released, IRQs on), runs the entry, exits with its result.
    .globl task_trampoline
task_trampoline:
    bl      sched_finish_switch
    mov     x0, x20
    blr     x19
    bl      sched_exit_current      // never returns
1:  b       1b
