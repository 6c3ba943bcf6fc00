// Exception-table lookup: a linear scan (the table has a handful of entries, all in probe.S).
#include "kernel/extable.h"

namespace {
struct ExtableEntry {
    std::uint64_t insn;
    std::uint64_t fixup;
};
}  // namespace

extern "C" const ExtableEntry __extable_start[], __extable_end[];

namespace kernel {

bool extable_fixup(arch::TrapFrame& f) {
    for (const ExtableEntry* e = __extable_start; e < __extable_end; ++e) {
        if (e->insn == f.elr) {
            f.elr = e->fixup;
            return true;
        }
    }
    return false;
}

}  // namespace kernel
