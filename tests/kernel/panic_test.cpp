// Kernel suite `panic`: expected panics. Each runs only when named (test=panic.NAME), alone in its
// own boot, and passes when QEMU shows the report tests/CMake (cmake/qemu_tests.cmake) asks for: the
// full report, and the faulting function's caller in the backtrace.
#include <cstdint>

#include "arch/aarch64/cpu.h"
#include "hal/gic.h"
#include "hal/timer.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/panic.h"
#include "lib/kassert.h"
#include "mm/layout.h"

namespace {
// Waits up to 5 s of uptime for an interrupt that is to panic; returning means it never came.
void wait_for_the_panic() {
    const std::uint64_t give_up = hal::timer::uptime_ns() + 5'000'000'000ull;
    while (hal::timer::uptime_ns() < give_up) arch::wfi();
}
}  // namespace

// A leaf: no frame record of its own, so its caller (kernel::ktest::run) is known only from lr.
KTEST_PANIC(panic, null_deref) {
    volatile std::uint64_t* p = nullptr;
    *p = 1;  // a data abort at EL1 with no fixup
}

namespace {
[[gnu::noinline]] std::uint64_t recurse(std::uint64_t n) {
    volatile char pad[512];
    pad[0] = static_cast<char>(n);
    return n == 0 ? pad[0] : recurse(n - 1) + pad[0];
}
}  // namespace

KTEST_PANIC(panic, stack_overflow) {
    // 512+ bytes per frame: runs off the 16 KiB stack into the guard; the next exception entry (the
    // tick) or the fault itself is caught by the stack check and reported from the emergency stack.
    kt.check(recurse(1u << 20) != 0, "recursion returned", __FILE__, __LINE__);
}

KTEST_PANIC(panic, kassert) {
    KASSERT(kernel::g_boot.entry_el == 99);
}

// A fault while the console lock is held (IRQs masked): console::write takes the lock, then reads
// the bytes it is given. The report must still come out, through the panic path's lock-free writes.
KTEST_PANIC(panic, console_lock_held) {
    kernel::console::write(reinterpret_cast<const char*>(16), 4);
}

namespace {
constexpr std::uint32_t kPanicSgi = 9;
// Runs in IRQ context (called by irq::dispatch), a leaf like null_deref.
void faulting_irq_handler(std::uint32_t intid) { *reinterpret_cast<volatile std::uint64_t*>(intid * 8) = 1; }
}  // namespace

// A fault in an interrupt handler: the report shows the handler and the dispatch that called it.
KTEST_PANIC(panic, in_irq_handler) {
    kernel::irq::register_handler(kPanicSgi, faulting_irq_handler);
    kernel::irq::gic()->send_sgi(kPanicSgi, arch::cpu_index());
    wait_for_the_panic();
}

namespace {
// Stands in for the scheduler's task describer, which the report calls: a corrupt current task
// would make it fault like this, inside the report.
volatile std::uintptr_t s_unmapped = 24;  // volatile: the compiler cannot see the null page
[[gnu::noinline]] void faulting_describer(char* buf, unsigned) {
    buf[0] = *reinterpret_cast<volatile char*>(s_unmapped);
}
}  // namespace

// A fault inside the panic report: one short line naming it, then the machine stops (QEMU exits 1
// under tests), never a second report and never recursion.
KTEST_PANIC(panic, nested_fault) {
    kernel::set_current_task_describer(faulting_describer);
    kernel::panic("first panic");
}

// The console itself broken (pointed at an unmapped device address): the report's first write faults.
// The panic path restarts the UART at the early console's address and names the nested fault in one
// line, instead of faulting again and again on the broken console.
KTEST_PANIC(panic, console_broken) {
    kernel::console::init(mm::kMmioBase + 0x1000, 0);  // no device there: init's first store faults
}
