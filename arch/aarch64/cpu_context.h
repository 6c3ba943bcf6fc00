// The callee-saved CPU state a task keeps while switched out, shared with cpu_switch_to
// (context_switch.S). Offsets are defined once here and checked by the compiler.
#pragma once

#define CTX_X19 0      // x19..x28 at 0..72
#define CTX_FP 80      // x29
#define CTX_LR 88      // x30: where cpu_switch_to returns to in this task
#define CTX_SP 96
#define CTX_TPIDR_EL0 104   // user TLS pointer: saved and loaded by the scheduler on switches that
                            // involve a User task (a kernel task's copy is meaningless)
#define CTX_TTBR0 112       // TTBR0_EL1 value: user table root | ASID << 48 (empty table for kernel
                            // tasks); loaded by the scheduler when a User task is involved
#define CTX_SIZE 120
// cpu_switch_to takes pointers to the objects that embed a CpuContext (the scheduler's tasks), the
// block at this offset in each: the switch then needs no address arithmetic. sched/task.h checks
// that sched::Task puts it here (after the scheduling entity, which is first so that run-queue links
// convert to tasks for free).
#define TASK_CONTEXT 32

// The per-CPU block TPIDR_EL1 points at (the scheduler's sched::Cpu, which checks these offsets): the
// logical CPU number (32 bits) and the task the CPU runs. The running task itself is also in SP_EL0
// while in the kernel (cpu_switch_to and the EL0 entry path put it there; sched::current reads it).
#define PERCPU_INDEX 4
#define PERCPU_CURRENT 8

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace arch {

struct CpuContext {
    std::uint64_t x19_x28[10];
    std::uint64_t fp;
    std::uint64_t lr;
    std::uint64_t sp;
    std::uint64_t tpidr_el0;
    std::uint64_t ttbr0;
};

static_assert(offsetof(CpuContext, x19_x28) == CTX_X19);
static_assert(offsetof(CpuContext, fp) == CTX_FP);
static_assert(offsetof(CpuContext, lr) == CTX_LR);
static_assert(offsetof(CpuContext, sp) == CTX_SP);
static_assert(offsetof(CpuContext, tpidr_el0) == CTX_TPIDR_EL0);
static_assert(offsetof(CpuContext, ttbr0) == CTX_TTBR0);
static_assert(sizeof(CpuContext) == CTX_SIZE);
static_assert(std::is_standard_layout_v<CpuContext>);

}  // namespace arch
#endif
