// PSCI calls (SMC Calling Convention: function ID in x0, arguments x1-x3, result in x0).
#include "hal/psci.h"

#include "arch/aarch64/cpu.h"

namespace hal::psci {

namespace {
constexpr std::uint64_t kPsciVersion = 0x84000000;
constexpr std::uint64_t kSystemOff = 0x84000008;
constexpr std::uint64_t kSystemReset = 0x84000009;
constexpr std::uint64_t kCpuOn64 = 0xc4000003;

Conduit s_conduit = Conduit::None;

std::int64_t call(std::uint64_t fn, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3) {
    register std::uint64_t x0 asm("x0") = fn;
    register std::uint64_t x1 asm("x1") = a1;
    register std::uint64_t x2 asm("x2") = a2;
    register std::uint64_t x3 asm("x3") = a3;
    if (s_conduit == Conduit::Hvc)
        asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    else if (s_conduit == Conduit::Smc)
        asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    else
        return -1;  // NOT_SUPPORTED
    return static_cast<std::int64_t>(x0);
}

[[noreturn]] void halt_forever() {
    arch::irq_disable();
    for (;;) arch::wfi();
}
}  // namespace

void init(Conduit c) { s_conduit = c; }
Conduit conduit() { return s_conduit; }

std::uint32_t version() {
    if (s_conduit == Conduit::None) return 0;
    return static_cast<std::uint32_t>(call(kPsciVersion, 0, 0, 0));
}

void system_off() {
    call(kSystemOff, 0, 0, 0);
    halt_forever();  // only reached without PSCI
}

void system_reset() {
    call(kSystemReset, 0, 0, 0);
    halt_forever();
}

std::int64_t cpu_on(std::uint64_t mpidr, std::uint64_t entry_pa, std::uint64_t context) {
    return call(kCpuOn64, mpidr, entry_pa, context);
}

}  // namespace hal::psci
