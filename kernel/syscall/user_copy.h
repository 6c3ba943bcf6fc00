// Copies between the kernel and user space. Every access goes through LDTR/STTR with an
// exception-fixup entry (arch/aarch64/probe.S): a kernel, unmapped or non-canonical address gives
// Fault (or a short count), never a kernel crash; a page EL0 would get by faulting (stack growth,
// copy-on-write) the kernel gets too.
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

// What a kernel access to user memory does (for resolve_user_access).
enum class UserAccess { Read, Write };

// Makes the user page holding addr accessible to a kernel access, exactly as a fault of the same
// access from EL0 would (user_fault.cpp): an unmapped page of the stack's growth area is mapped (the
// same limit and the same rule relative to the program's sp, saved at its system call), a
// copy-on-write page (shared since a fork) gets its own copy. True if it changed something: retry.
// The kernel's LDTR/STTR fault on such pages like EL0's, but reach the exception fixup, which knows
// neither rule. Call with IRQs on and no spinlock held: it may allocate frames.
bool resolve_user_access(std::uint64_t addr, UserAccess access);

// Copies as much of [0, n) as it can, resolving faults as above, and stops at the first byte it
// cannot reach: returns the bytes copied (all n, or those before the hole; 0 for a range that is not
// user space at all). Linux's copy_to_user/copy_from_user return the bytes NOT copied.
std::size_t copy_to_user_partial(std::uint64_t user_dst, const void* src, std::size_t n);
std::size_t copy_from_user_partial(void* dst, std::uint64_t user_src, std::size_t n);

// All or Fault. The first try is inline; the slow path (a fault to resolve, or a hole) is not.
inline lib::Status copy_from_user(void* dst, std::uint64_t user_src, std::size_t n) {
    if (!user_range_ok(user_src, n)) return lib::Error::Fault;  // even for n == 0, as Linux's access_ok
    if (arch_copy_from_user(dst, reinterpret_cast<const void*>(user_src), n) == 0) return {};
    if (copy_from_user_partial(dst, user_src, n) != n) return lib::Error::Fault;
    return {};
}

inline lib::Status copy_to_user(std::uint64_t user_dst, const void* src, std::size_t n) {
    if (!user_range_ok(user_dst, n)) return lib::Error::Fault;
    if (arch_copy_to_user(reinterpret_cast<void*>(user_dst), src, n) == 0) return {};
    if (copy_to_user_partial(user_dst, src, n) != n) return lib::Error::Fault;
    return {};
}

template <typename T>
lib::Status get_user(T& out, std::uint64_t addr) { return copy_from_user(&out, addr, sizeof(T)); }
template <typename T>
lib::Status put_user(std::uint64_t addr, const T& v) { return copy_to_user(addr, &v, sizeof(T)); }

// Copies a NUL-terminated string of at most max-1 characters. Fault, or OutOfRange if too long.
lib::Result<std::size_t> copy_string_from_user(char* dst, std::uint64_t user_src, std::size_t max);

}  // namespace kernel
