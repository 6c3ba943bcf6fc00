// What the kernel calls itself to Linux programs: uname(2) and /proc/version say the same.
#pragma once

namespace kernel {

inline constexpr const char* kUnameRelease = "6.1.0-" KERNEL_VERSION;
inline constexpr const char* kUnameVersion = "#1 SMP small AArch64 kernel";

}  // namespace kernel
