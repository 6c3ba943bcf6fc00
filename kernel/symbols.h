// The kernel's symbol table (generated at build time by tools/gen_symbols.py), for backtraces.
#pragma once

#include <cstdint>

namespace kernel {

struct Symbol {
    const char* name;
    std::uint64_t offset;   // addr - symbol start
};

// Finds the function containing addr; false if addr is outside the kernel's text.
bool symbolize(std::uint64_t addr, Symbol& out);
// The address of a symbol by exact name (linear search; for debugging and tests).
std::uint64_t symbol_address(const char* name);

}  // namespace kernel
