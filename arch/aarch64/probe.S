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
// Clobbers x3-x10. When everything is 8-byte aligned it stores 64 bytes a round (a 4 KiB read(2)
// is then about 1,000 instructions of copying) and the rest 8 at a time; each STTR has its own
// fixup, so the count stays exact to the store that faulted (the callers resolve the fault at
// user_dst + n - result and go on).
    .globl arch_copy_to_user
arch_copy_to_user:
    cbz     x2, 10f
    orr     x4, x0, x1
    orr     x4, x4, x2
    tst     x4, #7
    b.ne    9f
    subs    x2, x2, #64             // x2 = bytes left - 64 during the 64-byte rounds
    b.lo    12f
11: ldp     x3, x4, [x1]
    ldp     x5, x6, [x1, #16]
    ldp     x7, x8, [x1, #32]
    ldp     x9, x10, [x1, #48]
20: sttr    x3, [x0]
21: sttr    x4, [x0, #8]
22: sttr    x5, [x0, #16]
23: sttr    x6, [x0, #24]
24: sttr    x7, [x0, #32]
25: sttr    x8, [x0, #40]
26: sttr    x9, [x0, #48]
27: sttr    x10, [x0, #56]
    add     x0, x0, #64
    add     x1, x1, #64
    subs    x2, x2, #64
    b.hs    11b
12: adds    x2, x2, #64             // bytes left (a multiple of 8 below 64)
    b.eq    10f
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
// Store k of a 64-byte round faulted: 8k bytes of the round were stored.
30: add     x2, x2, #64
    b       10b
31: add     x2, x2, #56
    b       10b
32: add     x2, x2, #48
    b       10b
33: add     x2, x2, #40
    b       10b
34: add     x2, x2, #32
    b       10b
35: add     x2, x2, #24
    b       10b
36: add     x2, x2, #16
    b       10b
37: add     x2, x2, #8
    b       10b
    extable 20b, 30b
    extable 21b, 31b
    extable 22b, 32b
    extable 23b, 33b
    extable 24b, 34b
    extable 25b, 35b
    extable 26b, 36b
    extable 27b, 37b
    extable 81b, 10b
    extable 91b, 10b
