// cpu_switch_to and the first-run trampoline. Layout of the saved state: cpu_context.h. The routines
// call into the scheduler by name (sched_finish_switch, sched_exit_current, sched_finish_handoff: defined
// in sched/, resolved at link time); their C++ prototypes are the scheduler's (sched/context.h).
#include "arch/aarch64/cpu_context.h"

    .cfi_sections .debug_frame      // .eh_frame is not linked; GDB reads .debug_frame
    .text
// void cpu_switch_to(Task* prev /* x0 */, Task* next /* x1 */)
// Saves x19-x30 and sp of the running task into prev's context (at TASK_CONTEXT in *prev) and
// restores them from next's; SP_EL0 = next (the kernel's current-task register). Returns prev in x0
// (untouched), which is the task the resumed side was switched from.
// Clobbers x9. IRQs must be masked (the run-queue lock is held across). EL0 state (TPIDR_EL0, TTBR0)
// is switched by the caller.
    .globl cpu_switch_to
cpu_switch_to:
    stp     x19, x20, [x0, #TASK_CONTEXT + CTX_X19]
    stp     x21, x22, [x0, #TASK_CONTEXT + CTX_X19 + 16]
    stp     x23, x24, [x0, #TASK_CONTEXT + CTX_X19 + 32]
    stp     x25, x26, [x0, #TASK_CONTEXT + CTX_X19 + 48]
    stp     x27, x28, [x0, #TASK_CONTEXT + CTX_X19 + 64]
    stp     x29, x30, [x0, #TASK_CONTEXT + CTX_FP]
    mov     x9, sp
    str     x9, [x0, #TASK_CONTEXT + CTX_SP]

    ldr     x9, [x1, #TASK_CONTEXT + CTX_SP]
    mov     sp, x9
    msr     sp_el0, x1              // the running task (sched::current)
    ldp     x19, x20, [x1, #TASK_CONTEXT + CTX_X19]
    ldp     x21, x22, [x1, #TASK_CONTEXT + CTX_X19 + 16]
    ldp     x23, x24, [x1, #TASK_CONTEXT + CTX_X19 + 32]
    ldp     x25, x26, [x1, #TASK_CONTEXT + CTX_X19 + 48]
    ldp     x27, x28, [x1, #TASK_CONTEXT + CTX_X19 + 64]
    ldp     x29, x30, [x1, #TASK_CONTEXT + CTX_FP]
    // No CLREX: a switch happens at a call, where no exclusive sequence is open, and a preempted
    // task resumes through ERET, which clears the local monitor on ARMv8.
    ret

// A new task's first instructions (its CpuContext.lr). x19 = entry(arg), x20 = arg.
// Finishes the switch (run-queue lock released, IRQs on), runs the entry, exits with its result.
    .globl task_trampoline
task_trampoline:
    .cfi_startproc
    .cfi_undefined x30              // for debuggers: a task's outermost frame
    bl      sched_finish_switch
    mov     x0, x20
    blr     x19
    bl      sched_exit_current      // never returns
1:  b       1b
    .cfi_endproc

// void sched_resume_after_handoff()  -- never called: returned into, from cpu_switch_to.
// A task switched to by one that must be finished off resumes here instead of at its saved lr
// (exit() or migrate_out() swapped them): sched_finish_handoff frees a dead task, whose stack is no
// longer in use, or places a migrating one on its new CPU, and returns the real resume address,
// which x30 then holds. Preserves x19-x29 and sp (the resumed task's, just loaded); clobbers
// the caller-saved registers, none of which is live at a resume point (a return from cpu_switch_to,
// or task_trampoline). IRQs masked, run-queue lock held.
    .globl sched_resume_after_handoff
sched_resume_after_handoff:
    bl      sched_finish_handoff
    mov     x30, x0
    ret
