// Lookup in the generated symbol table: binary search over sorted text addresses.
#include "kernel/symbols.h"

#include "lib/string.h"

extern "C" const std::uint64_t g_ksyms_count;
extern "C" const std::uint64_t g_ksyms_addrs[];
extern "C" const std::uint32_t g_ksyms_names[];
extern "C" const char g_ksyms_strings[];
extern "C" char _etext[];

namespace kernel {

bool symbolize(std::uint64_t addr, Symbol& out) {
    const std::uint64_t n = g_ksyms_count;
    if (n == 0 || addr < g_ksyms_addrs[0] || addr >= reinterpret_cast<std::uint64_t>(_etext)) return false;
    // Invariant: g_ksyms_addrs[lo] <= addr, and every index > hi has an address > addr.
    std::uint64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const std::uint64_t mid = (lo + hi + 1) / 2;
        if (g_ksyms_addrs[mid] <= addr) lo = mid;
        else hi = mid - 1;
    }
    out.name = g_ksyms_strings + g_ksyms_names[lo];
    out.offset = addr - g_ksyms_addrs[lo];
    return true;
}

std::uint64_t symbol_address(const char* name) {
    for (std::uint64_t i = 0; i < g_ksyms_count; ++i)
        if (lib::string_compare(g_ksyms_strings + g_ksyms_names[i], name) == 0) return g_ksyms_addrs[i];
    return 0;
}

}  // namespace kernel
