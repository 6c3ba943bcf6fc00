// cpu_switch_to and the first-run trampoline. Layout of the saved state: sched/context.h.
#include "sched/context.h"

    .text
// CpuContext* cpu_switch_to(CpuContext* prev /* x0 */, CpuContext* next /* x1 */)
// Saves x19-x30 and sp of the running task into *prev and restores them from *next. x0 passes
// through untouched, so the resumed task sees the context it was switched to from as the return
// value (the scheduler reclaims an exited task with it). Clobbers x9. IRQs must be masked (the
// run-queue lock is held across). EL0 state (TPIDR_EL0, TTBR0) is switched by the caller.
    .globl cpu_switch_to
cpu_switch_to:
    stp     x19, x20, [x0, #CTX_X19]
    stp     x21, x22, [x0, #CTX_X19 + 16]
    stp     x23, x24, [x0, #CTX_X19 + 32]
    stp     x25, x26, [x0, #CTX_X19 + 48]
    stp     x27, x28, [x0, #CTX_X19 + 64]
    stp     x29, x30, [x0, #CTX_FP]
    mov     x9, sp
    str     x9, [x0, #CTX_SP]

    ldr     x9, [x1, #CTX_SP]
    mov     sp, x9
    ldp     x19, x20, [x1, #CTX_X19]
    ldp     x21, x22, [x1, #CTX_X19 + 16]
    ldp     x23, x24, [x1, #CTX_X19 + 32]
    ldp     x25, x26, [x1, #CTX_X19 + 48]
    ldp     x27, x28, [x1, #CTX_X19 + 64]
    ldp     x29, x30, [x1, #CTX_FP]
    clrex                           // no exclusive monitor state leaks between tasks
    ret

// A new task's first instructions (its CpuContext.lr). x0 = the context switched from (as
// cpu_switch_to returns it), x19 = entry, x20 = arg. Finishes the switch (run-queue lock released,
// the previous task reclaimed if it exited, IRQs on), runs the entry, exits with its result.
    .globl task_trampoline
task_trampoline:
    bl      sched_finish_switch
    mov     x0, x20
    blr     x19
    bl      sched_exit_current      // never returns
1:  b       1b
