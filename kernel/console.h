// The kernel console on the UART: line-atomic output (one write reaches the UART whole) and input
// from the receive interrupt.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::console {

// uart_mmio: the UART's virtual address, mapped by early_map_mmio_page before kmain and by the
// kernel's own tables at the same address afterwards (kernel/early_console.cpp).
void init(std::uint64_t uart_mmio, std::uint32_t uart_intid);
std::uint32_t intid();
void write(const char* s, std::size_t n);   // serialised with every other writer
void write_panic(const char* s, std::size_t n);  // lock-free: for the panic path only
// Panic path only, after a fault inside the report: the UART re-initialised at the early console's
// address (the first init's), in case the fault came from the console's own state.
void reset_for_panic();
void handle_irq();
bool try_read(char& c);
// Blocks the calling task until an input byte arrives (task context only).
char read_blocking();
// While set, a Ctrl-C byte is not queued as input but calls handler (IRQ context).
void set_interrupt_handler(void (*handler)());

}  // namespace kernel::console
