// The kernel's entry: the arm64 Linux Image header, then the boot CPU's path from the bootloader
// (MMU off, at EL2 or EL1, x0 = device-tree PA) to kmain() in the upper half. Secondary CPUs that enter
// here are parked. Nothing here may use an absolute address before the MMU is on: adrp/add only.
#include "arch/aarch64/cpu_context.h"
#include "arch/aarch64/sysreg_bits.h"
#include "boot/secondary_boot.h"

.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

    .section .text.head, "ax"
    .globl _start
_start:
    // Linux arm64 Image header (Documentation/arch/arm64/booting.rst): 64 bytes.
    b       primary_entry           // code0: branch to the real entry
    .long   0                       // code1
    .quad   0                       // text_offset: load at a 2 MiB-aligned base + 0
    .quad   _kernel_image_size      // image_size: everything up to the end of BSS and boot tables
    .quad   0xA                     // flags: little endian, 4 KiB pages, placeable anywhere in RAM
    .quad   0, 0, 0                 // res2..res4
    .ascii  "ARM\x64"               // magic
    .long   0                       // res5 (no PE/COFF header)

    .section .text.boot, "ax"
primary_entry:
    mov     x19, x0                 // x19 = device-tree PA, kept until kmain
    mov     x22, x1                 // x22-x26: what the loader left, recorded in boot_entry_state
    mov     x23, x2                 // (x1-x3 are zero under the boot protocol)
    mov     x24, x3
    mrs     x25, daif               // all of D, A, I, F masked
    mrs     x0, mpidr_el1
    ldr     x1, =MPIDR_AFF_MASK
    and     x0, x0, x1
    cbnz    x0, park                // only the CPU with affinity 0 boots; others wait for PSCI CPU_ON

    mrs     x20, CurrentEL
    lsr     x20, x20, #2            // x20 = EL we were entered at (1 or 2), reported in the banner
    mrs     x26, sctlr_el1          // the entry EL's SCTLR: MMU off
    cmp     x20, #2
    b.ne    1f
    mrs     x26, sctlr_el2
    bl      el2_to_el1
1:  msr     daifset, #0xf           // all exceptions masked until the vectors are installed
    ldr     x0, =SCTLR_EL1_MMU_OFF
    msr     sctlr_el1, x0           // known state: MMU and caches off, whatever the loader left
    isb
    ldr     x0, =CPACR_FPEN_ALL
    msr     cpacr_el1, x0           // FP/SIMD not trapped (user programs; the kernel never uses it)
    isb

    // Zero BSS (which holds the boot page tables and stack) at its physical address.
    adr_l   x0, __bss_start
    adr_l   x1, __bss_end
2:  stp     xzr, xzr, [x0], #16
    cmp     x0, x1
    b.lo    2b
    adr_l   x0, boot_entry_state    // in BSS: written now, with the MMU off, before the invalidation
    stp     x22, x23, [x0]
    stp     x24, x25, [x0, #16]
    str     x26, [x0, #32]
    // The loader may have left stale cache lines over BSS; data we wrote with the MMU off went
    // straight to memory, so discard those lines before the caches are turned on.
    adr_l   x0, __bss_start
3:  dc      ivac, x0
    add     x0, x0, #64
    cmp     x0, x1
    b.lo    3b
    dsb     sy

    adr_l   x0, boot_stack_top
    mov     sp, x0                  // physical stack for early_map_kernel()

    adr_l   x0, _kernel_start       // x0 = physical load address of the image
    mov     x21, x0
    mov     x1, x19
    bl      early_map_kernel        // fills the boot tables (kernel/early_init.cpp)
    adr_l   x0, __boot_tables_start
    adr_l   x1, __boot_tables_end
4:  dc      ivac, x0                // the walker reads the tables with caches on: no stale lines
    add     x0, x0, #64
    cmp     x0, x1
    b.lo    4b
    dsb     sy

    // Translation control: 48-bit VA both halves, 4 KiB granule, PA size and ASID size from the CPU.
    ldr     x0, =MAIR_EL1_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_EL1_BASE
    mrs     x1, id_aa64mmfr0_el1
    ubfx    x2, x1, #0, #4          // PARange
    cmp     x2, #5
    mov     x3, #5
    csel    x2, x2, x3, ls          // at most 48 bits: our tables cannot address more
    orr     x0, x0, x2, lsl #TCR_IPS_SHIFT
    ubfx    x2, x1, #4, #4          // ASIDBits: 2 means 16-bit ASIDs
    cmp     x2, #2
    cset    x2, eq
    orr     x0, x0, x2, lsl #TCR_AS_SHIFT
    msr     tcr_el1, x0
    adr_l   x0, boot_l0_low
    msr     ttbr0_el1, x0           // identity map: the code below keeps running after M is set
    adr_l   x0, boot_l0_high
    msr     ttbr1_el1, x0
    isb                             // the new translation registers are in effect before the TLBI
    tlbi    vmalle1                 // nothing the loader cached may survive
    dsb     nsh                     // the invalidation completes before the MMU turns on
    isb

    ldr     x0, =SCTLR_EL1_KERNEL
    msr     sctlr_el1, x0
    isb                             // instructions after this one are fetched with the MMU on
    ldr     x0, =upper_half_entry   // link (upper-half) address from the literal pool
    br      x0

    .cfi_sections .debug_frame      // .eh_frame is discarded at link time; GDB reads .debug_frame
upper_half_entry:
    .cfi_startproc
    .cfi_undefined x30              // for debuggers: the outermost frame, no caller to unwind to
    ldr     x0, =boot_stack_top
    mov     sp, x0                  // the same stack, now through its upper-half address
    ldr     x0, =boot_percpu
    msr     tpidr_el1, x0           // per-CPU block until sched::init: CPU 0
    msr     sp_el0, xzr             // no current task yet (sched::current)
    mov     x29, xzr                // the backtrace ends here
    mov     x30, xzr
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb                             // faults from here on reach the vectors
    mov     x0, x19
    mov     x1, x21
    mov     x2, x20
    bl      early_console_init      // kernel/early_console.cpp: the console before kmain, so any
                                    // fault in kmain prints its report (x19-x21 survive the call)
    mov     x0, x19                 // dtb PA
    mov     x1, x21                 // kernel image PA
    mov     x2, x20                 // entry EL
    bl      kmain
5:  wfe                             // kmain never returns; if it did, stop here
    b       5b
    .cfi_endproc

// el2_to_el1: configure EL2 so EL1 owns the CPU (AArch64, timers, FP, PMU, GICv3 system registers),
// then return at EL1h with DAIF masked. Clobbers x0, x1. Called once, MMU off.
el2_to_el1:
    ldr     x0, =HCR_RW
    msr     hcr_el2, x0             // EL1 is AArch64; no stage 2, no traps to EL2
    mrs     x0, cnthctl_el2
    orr     x0, x0, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
    msr     cnthctl_el2, x0         // EL1 may use the physical counter and timer
    msr     cntvoff_el2, xzr        // virtual counter == physical counter
    ldr     x0, =CPTR_EL2_RES1
    msr     cptr_el2, x0            // FP/SIMD not trapped to EL2
    mrs     x0, pmcr_el0
    ubfx    x0, x0, #11, #5         // PMCR_EL0.N: every event counter belongs to EL1
    msr     mdcr_el2, x0            // ...and PMU, debug and trace registers are not trapped
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4         // GIC field: non-zero when GICv3 system registers exist
    cbz     x0, 1f
    mrs     x0, S3_4_C12_C9_5       // ICC_SRE_EL2
    mov     x1, #(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE)
    orr     x0, x0, x1
    msr     S3_4_C12_C9_5, x0       // EL1 may enable its own system-register interface
    isb
1:  msr     vttbr_el2, xzr
    ldr     x0, =SCTLR_EL1_MMU_OFF
    msr     sctlr_el1, x0
    mov     x0, #SPSR_EL1H_MASKED
    msr     spsr_el2, x0
    msr     elr_el2, x30            // "return" to our caller, at EL1
    eret

// Secondary CPUs entered through the image (spin-table loaders): wait; the kernel starts the CPUs
// it uses through PSCI CPU_ON at secondary_entry instead.
park:
    wfe
    b       park

// A secondary CPU, started by PSCI CPU_ON (kernel/smp.cpp): MMU off, at EL2 or EL1 (as the boot
// CPU was), x0 = the physical address of its SecondaryBoot record (boot/secondary_boot.h). The same
// EL1 set-up as the boot CPU's, then the MMU on with the boot identity map in TTBR0 (to survive the
// switch) and the kernel's own table in TTBR1, and into C++ in the upper half on its idle stack.
    .globl secondary_entry
secondary_entry:
    mov     x19, x0
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    cmp     x0, #2
    b.ne    1f
    bl      el2_to_el1
1:  msr     daifset, #0xf
    ldr     x0, =SCTLR_EL1_MMU_OFF
    msr     sctlr_el1, x0
    isb
    ldr     x0, =CPACR_FPEN_ALL
    msr     cpacr_el1, x0
    // Everything is read from the record now, with the MMU off (the boot CPU cleaned it to memory).
    ldp     x0, x1, [x19, #SB_MAIR]
    msr     mair_el1, x0
    msr     tcr_el1, x1
    ldp     x0, x1, [x19, #SB_TTBR0]
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x1
    ldp     x20, x21, [x19, #SB_SP]     // x20 = sp, x21 = per-CPU block
    ldr     x22, [x19, #SB_ENTRY]
    isb
    tlbi    vmalle1                 // nothing from before this boot may survive (local: only ours)
    dsb     nsh
    isb
    ldr     x0, =SCTLR_EL1_KERNEL
    msr     sctlr_el1, x0
    isb
    ldr     x0, =secondary_upper_half
    br      x0

secondary_upper_half:
    .cfi_startproc
    .cfi_undefined x30              // for debuggers: the outermost frame of this CPU
    mov     sp, x20
    msr     tpidr_el1, x21
    msr     sp_el0, xzr             // its idle task is made current in C++
    mov     x29, xzr
    mov     x30, xzr
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb
    mov     x0, x21
    blr     x22                     // never returns
2:  wfe
    b       2b
    .cfi_endproc

    .ltorg

// The boot CPU's stack: 16 KiB in the upper half of a 32 KiB-aligned slot, the layout every kernel
// stack has, so the overflow check at exception entry (bit 14 of sp) works here too. It becomes the
// stack of the boot task (later the idle task).
    .section .bss.boot_stack, "aw", %nobits
    .balign 32768
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip   32768
    .globl boot_stack_top
boot_stack_top:

// The boot CPU's per-CPU block until sched::init gives it its own: logical CPU 0 (arch::cpu_index
// reads PERCPU_INDEX), no current task.
    .section .bss.boot_percpu, "aw", %nobits
    .balign 16
boot_percpu:
    .skip   16

// What the loader handed over (kernel/boot_info.h, BootEntryState): x1, x2, x3, DAIF, SCTLR.
    .section .bss.boot_entry, "aw", %nobits
    .balign 8
    .globl boot_entry_state
boot_entry_state:
    .skip   40
