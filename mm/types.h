// Address types and page-size constants shared by every memory-management part (portable).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mm {

using PhysAddr = std::uint64_t;
using VirtAddr = std::uint64_t;

inline constexpr std::size_t kPageShift = 12;
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageShift;  // 4 KiB granule
inline constexpr std::size_t kBlock2M = std::size_t{1} << 21;
inline constexpr std::size_t kBlock1G = std::size_t{1} << 30;

constexpr std::uint64_t align_down(std::uint64_t v, std::uint64_t a) { return v & ~(a - 1); }
constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_aligned(std::uint64_t v, std::uint64_t a) { return (v & (a - 1)) == 0; }

}  // namespace mm
