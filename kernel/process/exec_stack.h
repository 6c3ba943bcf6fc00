// A new program's initial stack, built in its (not yet active) address space as Linux's execve
// builds bprm's: the strings top down (execve's path, then envp, then argv, so argv[0] ends lowest),
// then the pointer arrays and the auxiliary vector below them. Strings stream from where execve's
// caller keeps them straight into the new stack's pages: no kernel buffer holds them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mm/address_space.h"

namespace kernel {

// execve's argv or envp: an array of string pointers ending with a null one, in the caller's user
// memory (read through the fault-safe user copies) or in kernel memory (init=, the shell's run).
struct ArgVector {
    std::uint64_t addr = 0;   // 0: an empty vector (Linux takes a null argv or envp as empty)
    bool user = false;
    static ArgVector kernel(const char* const* v) { return {reinterpret_cast<std::uint64_t>(v), false}; }
};

inline constexpr std::size_t kMaxArgStrlen = 32 * 4096;   // Linux's MAX_ARG_STRLEN, the NUL included
inline constexpr std::size_t kArgMax = 32 * 4096;         // ARG_MAX: the string space never goes below

// The bytes of strings (and their pointers) execve takes, for a stack limit: a quarter of it,
// at most 3/4 of 8 MiB, at least ARG_MAX (Linux's bprm_stack_limits).
constexpr std::uint64_t exec_string_space(std::uint64_t stack_limit) {
    std::uint64_t limit = stack_limit / 4;
    if (limit > 6 * 1024 * 1024) limit = 6 * 1024 * 1024;
    return limit < kArgMax ? kArgMax : limit;
}

// Counts the strings of v: -EFAULT when a pointer cannot be read, else 0 and `count`.
int count_args(const ArgVector& v, std::size_t& count);

// Copies n bytes into / out of `as` through its translations and the linear map.
bool write_to_space(mm::AddressSpace& as, std::uint64_t va, const void* src, std::size_t n, bool code = false);
bool read_from_space(const mm::AddressSpace& as, std::uint64_t va, void* dst, std::size_t n);

class ExecStack {
public:
    // The stack ends at `top`; at least `min_mapped` bytes below it are mapped in the end.
    ExecStack(mm::AddressSpace& as, std::uint64_t top, std::uint64_t min_mapped);

    // The strings may not go below p() - bytes (E2BIG past it).
    void limit_strings(std::uint64_t bytes) { m_string_floor = m_p - bytes; }
    std::uint64_t p() const { return m_p; }

    // Each returns 0 or a negative errno (E2BIG, EFAULT, ENOMEM).
    int push_kernel_string(const char* s);
    int push_strings(const ArgVector& v, std::size_t count);   // v[count-1] first, v[0] lowest
    int drop_lowest_string();                                   // Linux's remove_arg_zero
    // 16 bytes (AT_RANDOM's), 16-byte aligned below the strings; their address in `at`. Closes
    // the strings: the lowest one is argv[0] from here on.
    int push_random(const std::uint64_t bytes[2], std::uint64_t& at);
    // Below everything: argc, argv[] (the `argc` strings from p() up), NULL, envp[] (the next
    // `envc`), NULL, then `auxv` (pairs, ending with AT_NULL). sp is 16-byte aligned, at argc.
    int finish(std::size_t argc, std::size_t envc, const std::uint64_t (*auxv)[2], std::size_t auxv_pairs,
               std::uint64_t& sp);

private:
    int map_down_to(std::uint64_t addr);
    int push(const void* data, std::size_t n);
    std::uint64_t next_string(std::uint64_t s) const;

    mm::AddressSpace& m_as;
    std::uint64_t m_top, m_min_mapped;
    std::uint64_t m_p;              // the lowest byte in use; everything above it is the stack's
    std::uint64_t m_mapped_low;     // pages from here to m_top are mapped
    std::uint64_t m_string_floor;   // strings may not go below
    std::uint64_t m_strings_low = 0;   // argv[0], once push_random has closed the strings
};

}  // namespace kernel
