// What a context switch carries for user processes: the address space's ASID (with a lock-free
// fast path for spaces of the current generation) and the FP/SIMD registers (switched lazily, on a
// process's first FP instruction after a switch). The scheduler's switch hook lives here; process.cpp
// calls the rest at fork, exec, exit and on the FP trap.
#pragma once

#include <cstdint>

namespace mm {
class AddressSpace;
}

namespace kernel {

struct Process;

// The ASID allocator with `asid_bits` (8 or 16) and the scheduler's switch hook. Once, at boot.
void switch_state_init(unsigned asid_bits);

// Makes `as` this CPU's address space (its ASID reserved for it) and returns its TTBR0 value.
// IRQs masked.
std::uint64_t activate_space(mm::AddressSpace* as);
// This CPU runs no user space any more (its process is exiting). IRQs masked.
void deactivate_space();
// A dead space's ASID (context id) may be handed out again: call after free_space() invalidated its
// TLB entries, once no CPU can switch to it.
void release_asid(std::uint64_t context_id);
// ASID rollovers so far, and the ASID width.
std::uint64_t asid_rollovers(unsigned& bits);

// FP/SIMD, IRQs masked for all three. The first FP instruction since p was switched in trapped:
// give p the registers (its own state, or zeros before its first use) and open EL0 access.
void fp_trap(Process* p);
// p's live registers into p->fp, if p owns the registers (fork copies p->fp next).
void fp_sync(Process* p);
// p's registers are dropped (exit; exec with close_access, as the new program starts closed).
void fp_drop(Process* p, bool close_access);

}  // namespace kernel
