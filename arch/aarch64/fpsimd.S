#include "arch/aarch64/trap_frame.h"

// FP/SIMD register save and restore for user tasks (the kernel itself never touches these
// registers: it is built with -mgeneral-regs-only). Layout: kernel::FpState (q0-q31, fpcr, fpsr).
    .text
// void fpsimd_save(FpState* s)   x0 = s. Clobbers x1, x2.
    .globl fpsimd_save
fpsimd_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpcr
    mrs     x2, fpsr
    add     x0, x0, #512            // beyond the STP immediate range
    stp     x1, x2, [x0]
    ret

// void fpsimd_load(const FpState* s)   x0 = s. Clobbers x1, x2.
    .globl fpsimd_load
fpsimd_load:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x0, x0, #512
    ldp     x1, x2, [x0]
    msr     fpcr, x1
    msr     fpsr, x2
    ret

// [[noreturn]] void enter_user(const arch::TrapFrame* src, arch::TrapFrame* dst)
// x0 = the registers to start with, x1 = where the frame goes (the top of this task's kernel stack,
// which the caller's own frames occupy: sp moves below first, the copy uses no stack). Masks IRQs
// (ELR/SPSR must not be overwritten before the ERET) and leaves through the common exception exit.
    .globl enter_user
enter_user:
    msr     daifset, #2
    mov     sp, x1
    mov     x2, #(TF_SIZE / 16)
1:  ldp     x3, x4, [x0], #16
    stp     x3, x4, [x1], #16
    subs    x2, x2, #1
    b.ne    1b
    b       exception_return
