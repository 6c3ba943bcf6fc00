// Arm semihosting (used by tests only): exit QEMU with a status. Needs QEMU's -semihosting; when it
// is absent the HLT traps as an undefined instruction and the exception handler falls back to PSCI.
#pragma once

#include <cstdint>

namespace hal::semihosting {

[[noreturn]] void exit(std::uint32_t status);
bool exit_in_progress();   // true while exit() is trying: the trap handler then powers off instead

}  // namespace hal::semihosting
