// std::uint64_t call_on_stack(std::uint64_t (*fn)(std::uint64_t), std::uint64_t arg, std::uint64_t sp)
// Runs fn(arg) on another stack and returns its result on the original one. x0 = fn, x1 = arg,
// x2 = new stack top (16-byte aligned). Preserves callee-saved registers (x19 holds the old sp).
// Used by tests (guard-page overflow) and by early code that needs a known stack; IRQs may be on.
    .text
    .globl call_on_stack
call_on_stack:
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    str     x19, [sp, #16]
    mov     x19, sp
    mov     sp, x2
    mov     x3, x0
    mov     x0, x1
    blr     x3
    mov     sp, x19
    ldr     x19, [sp, #16]
    ldp     x29, x30, [sp], #32
    ret
