// Copies between the kernel and user space. Every access goes through LDTR/STTR with an
// exception-fixup entry (arch/aarch64/probe.S): a kernel, unmapped or non-canonical address gives
// Fault, never a kernel crash.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/extable.h"
#include "lib/result.h"

namespace kernel {

inline constexpr std::uint64_t kUserTop = std::uint64_t{1} << 48;  // TTBR0 covers [0, 2^48)

inline bool user_range_ok(std::uint64_t addr, std::size_t n) {
    return addr < kUserTop && n <= kUserTop - addr;
}

inline lib::Status copy_from_user(void* dst, std::uint64_t user_src, std::size_t n) {
    if (!user_range_ok(user_src, n)) return lib::Error::Fault;
    if (arch_copy_from_user(dst, reinterpret_cast<const void*>(user_src), n) != 0) return lib::Error::Fault;
    return {};
}

// Makes every copy-on-write page of the current process in [addr, addr+n) writable (process.cpp).
// True if it changed any. The kernel's STTR stores fault on such pages like EL0's, but through the
// exception fixup, which knows nothing of copy-on-write.
bool resolve_user_cow(std::uint64_t addr, std::size_t n);

inline lib::Status copy_to_user(std::uint64_t user_dst, const void* src, std::size_t n) {
    if (!user_range_ok(user_dst, n)) return lib::Error::Fault;
    if (arch_copy_to_user(reinterpret_cast<void*>(user_dst), src, n) != 0) {
        // Rare (the first kernel write to a page since a fork): resolve, then one more try.
        if (!resolve_user_cow(user_dst, n)) return lib::Error::Fault;
        if (arch_copy_to_user(reinterpret_cast<void*>(user_dst), src, n) != 0) return lib::Error::Fault;
    }
    return {};
}

template <typename T>
lib::Status get_user(T& out, std::uint64_t addr) { return copy_from_user(&out, addr, sizeof(T)); }
template <typename T>
lib::Status put_user(std::uint64_t addr, const T& v) { return copy_to_user(addr, &v, sizeof(T)); }

// Copies a NUL-terminated string of at most max-1 characters. Fault, or OutOfRange if too long.
lib::Result<std::size_t> copy_string_from_user(char* dst, std::uint64_t user_src, std::size_t max);

}  // namespace kernel
