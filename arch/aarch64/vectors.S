// Exception vector table and the entry/exit paths. Every entry saves a full arch::TrapFrame
// (arch/aarch64/trap_frame.h) on the current kernel stack, calls a C++ handler with x0 = frame and
// restores everything on the way out. The stack pointer is checked before anything is pushed: a kernel
// stack that overflowed into its guard is reported from a per-CPU emergency stack.
#include "arch/aarch64/cpu_context.h"
#include "arch/aarch64/trap_frame.h"

.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

// One 128-byte vector slot: make room for the frame, check sp without a free register (x0 is swapped
// through sp and back), then branch to the entry path.
.macro vslot target
    .balign 0x80
    sub     sp, sp, #TF_SIZE
    add     sp, sp, x0              // sp = low + x0
    sub     x0, sp, x0              // x0 = low (the frame's address)
    tbz     x0, #KSTACK_VALID_BIT, kernel_stack_overflow
    sub     x0, sp, x0              // x0 = its original value
    sub     sp, sp, x0              // sp = low
    b       \target
.endm

// Stores x0..x30, sp_el0, elr, spsr, esr, far at sp (already lowered by TF_SIZE).
.macro save_frame
    stp     x0, x1, [sp, #TF_X(0)]
    stp     x2, x3, [sp, #TF_X(2)]
    stp     x4, x5, [sp, #TF_X(4)]
    stp     x6, x7, [sp, #TF_X(6)]
    stp     x8, x9, [sp, #TF_X(8)]
    stp     x10, x11, [sp, #TF_X(10)]
    stp     x12, x13, [sp, #TF_X(12)]
    stp     x14, x15, [sp, #TF_X(14)]
    stp     x16, x17, [sp, #TF_X(16)]
    stp     x18, x19, [sp, #TF_X(18)]
    stp     x20, x21, [sp, #TF_X(20)]
    stp     x22, x23, [sp, #TF_X(22)]
    stp     x24, x25, [sp, #TF_X(24)]
    stp     x26, x27, [sp, #TF_X(26)]
    stp     x28, x29, [sp, #TF_X(28)]
    mrs     x21, sp_el0
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    mrs     x24, esr_el1
    mrs     x25, far_el1
    stp     x30, x21, [sp, #TF_LR]
    stp     x22, x23, [sp, #TF_ELR]
    stp     x24, x25, [sp, #TF_ESR]
.endm

.macro restore_frame_and_eret
    ldp     x22, x23, [sp, #TF_ELR]
    ldp     x30, x21, [sp, #TF_LR]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    msr     sp_el0, x21
    ldp     x0, x1, [sp, #TF_X(0)]
    ldp     x2, x3, [sp, #TF_X(2)]
    ldp     x4, x5, [sp, #TF_X(4)]
    ldp     x6, x7, [sp, #TF_X(6)]
    ldp     x8, x9, [sp, #TF_X(8)]
    ldp     x10, x11, [sp, #TF_X(10)]
    ldp     x12, x13, [sp, #TF_X(12)]
    ldp     x14, x15, [sp, #TF_X(14)]
    ldp     x16, x17, [sp, #TF_X(16)]
    ldp     x18, x19, [sp, #TF_X(18)]
    ldp     x20, x21, [sp, #TF_X(20)]
    ldp     x22, x23, [sp, #TF_X(22)]
    ldp     x24, x25, [sp, #TF_X(24)]
    ldp     x26, x27, [sp, #TF_X(26)]
    ldp     x28, x29, [sp, #TF_X(28)]
    add     sp, sp, #TF_SIZE
    eret
.endm

// An entry path: save, call handler(frame[, extra]), restore. IRQs stay masked in the handler unless
// it unmasks them itself.
// A lower-EL slot: the kernel stack is empty on entry from EL0, so it cannot have overflowed.
.macro vslot_el0 target
    .balign 0x80
    sub     sp, sp, #TF_SIZE
    b       \target
.endm

.macro entry_path name, handler, slot
\name:
    // Unwind information for debuggers (in .debug_frame: .eh_frame is not linked). On entry sp is
    // the frame, TF_SIZE below the interrupted sp. From EL1 the caller is the interrupted code: its pc
    // is the saved ELR (DWARF column 32 as the return column), x29/x30 are in the frame. From EL0
    // there is nothing in the kernel to unwind to.
    .cfi_startproc
    .if \slot < 8
    .cfi_signal_frame
    .cfi_return_column 32
    .endif
    .cfi_def_cfa sp, TF_SIZE
    save_frame
    .if \slot < 8
    .cfi_offset 32, TF_ELR - TF_SIZE
    .cfi_offset x29, TF_X(29) - TF_SIZE
    .cfi_offset x30, TF_LR - TF_SIZE
    .else
    .cfi_undefined x30
    // From EL0, SP_EL0 held the user's sp (saved in the frame; the exit restores it): in the kernel
    // it holds the running task, read off this CPU's block (IRQs are masked: no migration here).
    mrs     x0, tpidr_el1
    ldr     x0, [x0, #PERCPU_CURRENT]
    msr     sp_el0, x0
    .endif
    .if \slot < 8
    // x29 = the saved {x29, x30} pair: a frame record of the interrupted code, so that a frame-pointer
    // walk (the panic report) crossing this entry finds the trap frame at x29 - TF_X(29) and with it
    // the interrupted pc (kernel/panic.cpp). Entries from EL0 leave the user's x29: nothing to cross.
    add     x29, sp, #TF_X(29)
    .endif
    mov     x0, sp
    mov     x1, #\slot
    bl      \handler
    b       exception_return
    .cfi_endproc
.endm

    .cfi_sections .debug_frame
    .section .text.vectors, "ax"
    .balign 0x800
    .globl exception_vectors
exception_vectors:
    vslot   el1t_unexpected_0       // current EL, SP_EL0: never used by this kernel
    vslot   el1t_unexpected_1
    vslot   el1t_unexpected_2
    vslot   el1t_unexpected_3
    vslot   el1h_sync               // current EL, SP_ELx
    vslot   el1h_irq
    vslot   el1h_unexpected_6       // FIQ: not used (all interrupts are Group 1 IRQs)
    vslot   el1h_unexpected_7       // SError
    vslot_el0 el0_sync                // lower EL, AArch64
    vslot_el0 el0_irq
    vslot_el0 el0_unexpected_10
    vslot_el0 el0_unexpected_11
    vslot_el0 el0_unexpected_12       // lower EL, AArch32: not supported
    vslot_el0 el0_unexpected_13
    vslot_el0 el0_unexpected_14
    vslot_el0 el0_unexpected_15

    .text
.Lel1_entry_paths:                  // the EL1 entry paths, up to .Lel1_entry_paths_end
    entry_path el1t_unexpected_0, arch_handle_unexpected, 0
    entry_path el1t_unexpected_1, arch_handle_unexpected, 1
    entry_path el1t_unexpected_2, arch_handle_unexpected, 2
    entry_path el1t_unexpected_3, arch_handle_unexpected, 3
    entry_path el1h_sync, arch_handle_sync, 4
    entry_path el1h_irq, arch_handle_irq, 5
    entry_path el1h_unexpected_6, arch_handle_unexpected, 6
    entry_path el1h_unexpected_7, arch_handle_unexpected, 7
.Lel1_entry_paths_end:
    entry_path el0_sync, arch_handle_el0_sync, 8
    entry_path el0_irq, arch_handle_irq, 9
    entry_path el0_unexpected_10, arch_handle_unexpected, 10
    entry_path el0_unexpected_11, arch_handle_unexpected, 11
    entry_path el0_unexpected_12, arch_handle_unexpected, 12
    entry_path el0_unexpected_13, arch_handle_unexpected, 13
    entry_path el0_unexpected_14, arch_handle_unexpected, 14
    entry_path el0_unexpected_15, arch_handle_unexpected, 15

// [start, end) of the EL1 entry paths: a return address there marks a frame record made by an
// exception entry (kernel/panic.cpp). Local labels, so that no symbol of the table names them.
    .section .rodata.el1_entry_paths, "a"
    .balign 8
    .globl el1_entry_paths
el1_entry_paths:
    .quad   .Lel1_entry_paths, .Lel1_entry_paths_end
    .text

// The common exit: also where a new user task first enters EL0 (sp = its initial frame).
    .globl exception_return
exception_return:
    restore_frame_and_eret

// Reached from a vector slot with x0 = the would-be frame address (inside the guard) and
// sp = that address + the original x0. Moves to this CPU's emergency stack and reports; never returns.
kernel_stack_overflow:
    msr     tpidrro_el0, x0         // scratch: the overflowing frame address
    sub     x0, sp, x0              // x0 = original x0
    msr     tpidr_el0, x0           // scratch: the user TLS value is lost, but we are going to panic
    msr     contextidr_el1, x1      // scratch: only trace hardware reads it
    mrs     x0, tpidr_el1
    ldr     w0, [x0, #PERCPU_INDEX]
    and     x0, x0, #7              // emergency slot by logical CPU number, 8 slots
    lsl     x0, x0, #15             // 32 KiB slots
    add     x0, x0, #32768          // the top of the slot
    adr_l   x1, emergency_stacks
    add     sp, x1, x0
    sub     sp, sp, #TF_SIZE
    mrs     x0, tpidr_el0
    mrs     x1, contextidr_el1
    save_frame
    mov     x0, sp
    mrs     x1, tpidrro_el0
    add     x1, x1, #TF_SIZE        // the sp at the moment of the exception
    bl      arch_handle_stack_overflow
1:  wfe
    b       1b

// Per-CPU emergency stacks (32 KiB slots, stack in the upper 16 KiB like every kernel stack). Not
// zeroed at boot: they hold nothing until used.
    .section .noinit.emergency_stacks, "aw", %nobits
    .balign 32768
    .globl emergency_stacks
emergency_stacks:
    .skip   8 * 32768
