// PSCI (Arm DEN 0022): power management calls through the conduit the device tree names.
#pragma once

#include <cstdint>

namespace hal::psci {

enum class Conduit { None, Hvc, Smc };

void init(Conduit c);
Conduit conduit();
std::uint32_t version();                  // major << 16 | minor, or 0 without PSCI
[[noreturn]] void system_off();
[[noreturn]] void system_reset();
// Starts a secondary CPU at entry_pa (MMU off) with x0 = context. Returns the PSCI status (0 = ok).
std::int64_t cpu_on(std::uint64_t target_mpidr, std::uint64_t entry_pa, std::uint64_t context);

}  // namespace hal::psci
