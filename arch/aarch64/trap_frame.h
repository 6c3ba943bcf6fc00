// The trap frame: every register an exception entry saves, in the order vectors.S stores them. The
// offsets are defined once here for the assembly and checked against the struct by the compiler.
#pragma once

#define TF_X0 0
#define TF_X(n) ((n) * 8)
#define TF_LR 240        // x30
#define TF_SP_EL0 248
#define TF_ELR 256
#define TF_SPSR 264
#define TF_ESR 272
#define TF_FAR 280
#define TF_SIZE 288      // a multiple of 16: sp stays aligned

// Kernel stacks are 16 KiB in the upper half of a 32 KiB-aligned slot: a valid sp has this bit set,
// one that ran into the guard below has it clear (mm/layout.h, kKernelStackSlot).
#define KSTACK_VALID_BIT 14

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace arch {

struct TrapFrame {
    std::uint64_t x[31];   // x0..x30 (x30 = lr)
    std::uint64_t sp_el0;
    std::uint64_t elr;
    std::uint64_t spsr;
    std::uint64_t esr;
    std::uint64_t far;
};

static_assert(offsetof(TrapFrame, x) == TF_X0);
static_assert(offsetof(TrapFrame, x[30]) == TF_LR);
static_assert(offsetof(TrapFrame, sp_el0) == TF_SP_EL0);
static_assert(offsetof(TrapFrame, elr) == TF_ELR);
static_assert(offsetof(TrapFrame, spsr) == TF_SPSR);
static_assert(offsetof(TrapFrame, esr) == TF_ESR);
static_assert(offsetof(TrapFrame, far) == TF_FAR);
static_assert(sizeof(TrapFrame) == TF_SIZE);
static_assert(TF_SIZE % 16 == 0);
static_assert(std::is_standard_layout_v<TrapFrame> && std::is_trivially_copyable_v<TrapFrame>);
static_assert((1u << KSTACK_VALID_BIT) == 16 * 1024, "kernel stack size is 2^KSTACK_VALID_BIT");

// Where an exception came from and what kind it was (the vector-table slot).
enum class VectorKind : std::uint64_t { Sync = 0, Irq = 1, Fiq = 2, SError = 3 };
enum class VectorSource : std::uint64_t { CurrentSpEl0 = 0, CurrentSpElx = 1, LowerA64 = 2, LowerA32 = 3 };

}  // namespace arch
#endif
