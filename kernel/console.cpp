// Console: the PL011 behind a lock so output is line-atomic, and the receive ring for input.
#include "kernel/console.h"

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/spinlock.h"
#include "hal/uart_pl011.h"
#include "sched/wait_queue.h"

namespace kernel::console {

namespace {
hal::Pl011 s_uart;
std::uint32_t s_intid = 0;
arch::SpinLock s_lock;   // guards transmission on s_uart
sched::WaitQueue s_readers;  // tasks waiting for input
void (*s_interrupt)() = nullptr;  // Ctrl-C handler while a foreground job runs
std::uint64_t s_boot_mmio = 0;    // the early console's UART address, mapped for the kernel's life
}  // namespace

void init(std::uint64_t uart_mmio, std::uint32_t uart_intid) {
    if (s_boot_mmio == 0) s_boot_mmio = uart_mmio;
    s_uart.init(uart_mmio);
    s_intid = uart_intid;
    s_uart.enable_rx_interrupt();
}

std::uint32_t intid() { return s_intid; }

void write(const char* s, std::size_t n) {
    if (!s_uart.ready()) return;
    arch::IrqSpinGuard g(s_lock);
    s_uart.write(s, n);
}

void write_panic(const char* s, std::size_t n) {
    if (s_uart.ready()) s_uart.write(s, n);
}

void reset_for_panic() {
    if (s_boot_mmio != 0) s_uart.init(s_boot_mmio);
}

void handle_irq() {
    s_uart.handle_irq(s_interrupt ? 0x03 : -1);
    if (s_uart.take_interrupt_request() && s_interrupt) s_interrupt();
    if (!s_uart.rx_empty()) {
        s_readers.wake_all();
    }
}

// The ring has one consumer side: readers on any CPU take it under the readers' queue lock.
bool try_read(char& c) {
    return s_readers.with_lock([&] { return s_uart.read(c); });
}

char read_blocking() {
    char c;
    // The receive interrupt wakes the queue; the condition is checked under its lock, so an
    // interrupt between the check and the sleep is never lost.
    s_readers.wait_until([&] { return s_uart.read(c); });
    return c;
}

void set_interrupt_handler(void (*handler)()) { s_interrupt = handler; }

}  // namespace kernel::console
