// Semihosting exit: SYS_EXIT (0x18) with a {reason, status} block, as AArch64 semihosting defines it;
// reason ADP_Stopped_ApplicationExit (0x20026) makes QEMU exit with `status`.
#include "hal/semihosting.h"

#include "hal/psci.h"

namespace hal::semihosting {

namespace {
volatile bool s_exiting = false;
}

bool exit_in_progress() { return s_exiting; }

void exit(std::uint32_t status) {
    s_exiting = true;
    const std::uint64_t block[2] = {0x20026, status};
    register std::uint64_t x0 asm("x0") = 0x18;
    register const std::uint64_t* x1 asm("x1") = block;
    asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    psci::system_off();  // semihosting returned (it should not): power off instead
}

}  // namespace hal::semihosting
