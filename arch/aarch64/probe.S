// Fault-tolerant accesses for kernel code. Each access instruction has an exception-table entry
// (__ex_table: {instruction, fixup}); when it faults, the sync handler finds the entry and resumes at
// the fixup, which returns failure. The user copies use LDTR/STTR: unprivileged accesses, checked
// against EL0 permissions, so a kernel address given by a user program faults like an unmapped one.

.macro extable insn, fixup
    .pushsection __ex_table, "a"
    .balign 8
    .quad \insn, \fixup
    .popsection
.endm

    .text
// bool probe_read_u64(uint64_t addr, uint64_t& out)   x0 = addr, x1 = &out; returns x0 = 1 / 0.
// Clobbers x2. IRQs may be on.
    .globl probe_read_u64
probe_read_u64:
1:  ldr     x2, [x0]
    str     x2, [x1]
    mov     x0, #1
    ret
2:  mov     x0, #0
    ret
    extable 1b, 2b

// bool probe_write_u64(uint64_t addr, uint64_t value)   x0 = addr, x1 = value.
    .globl probe_write_u64
probe_write_u64:
3:  str     x1, [x0]
    mov     x0, #1
    ret
4:  mov     x0, #0
    ret
    extable 3b, 4b

// size_t arch_copy_from_user(void* dst, const void* user_src, size_t n)
// Returns the number of bytes NOT copied (0 on success). x0 dst, x1 src, x2 n; clobbers x3, x4.
    .globl arch_copy_from_user
arch_copy_from_user:
    cbz     x2, 7f
    orr     x4, x0, x1
    orr     x4, x4, x2
    tst     x4, #7
    b.ne    6f
5:  ldtr    x3, [x1]                // 8 bytes at a time when everything is aligned
    str     x3, [x0], #8
    add     x1, x1, #8
    subs    x2, x2, #8
    b.ne    5b
    b       7f
6:  ldtrb   w3, [x1]
    strb    w3, [x0], #1
    add     x1, x1, #1
    subs    x2, x2, #1
    b.ne    6b
7:  mov     x0, x2
    ret
    extable 5b, 7b
    extable 6b, 7b

// size_t arch_copy_to_user(void* user_dst, const void* src, size_t n): bytes NOT copied.
    .globl arch_copy_to_user
arch_copy_to_user:
    cbz     x2, 10f
    orr     x4, x0, x1
    orr     x4, x4, x2
    tst     x4, #7
    b.ne    9f
8:  ldr     x3, [x1], #8
81: sttr    x3, [x0]
    add     x0, x0, #8
    subs    x2, x2, #8
    b.ne    8b
    b       10f
9:  ldrb    w3, [x1], #1
91: sttrb   w3, [x0]
    add     x0, x0, #1
    subs    x2, x2, #1
    b.ne    9b
10: mov     x0, x2
    ret
    extable 81b, 10b
    extable 91b, 10b
