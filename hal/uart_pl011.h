// ARM PL011 UART (PrimeCell UART TRM, DDI 0183): polled transmit, interrupt-driven receive into a
// ring buffer the console reads. Not locked: the console serialises writers.
#pragma once

#include <cstdint>

#include "hal/mmio.h"
#include "lib/ring_buffer.h"

namespace hal {

class Pl011 {
public:
    void init(std::uint64_t mmio_base);
    bool ready() const { return m_regs.valid(); }

    void put_raw(char c);                  // waits for FIFO space
    void write(const char* s, std::size_t n);  // "\n" becomes "\r\n"
    void enable_rx_interrupt();
    // Drains the RX FIFO into the ring; a byte equal to intercept (0..255) is not queued but noted
    // for take_interrupt_request() (the console's Ctrl-C).
    void handle_irq(int intercept = -1);
    bool take_interrupt_request() {
        const bool r = m_interrupt_request;
        m_interrupt_request = false;
        return r;
    }
    bool read(char& c) { return m_rx.pop(c); }
    bool rx_empty() const { return m_rx.empty(); }
    std::uint64_t rx_dropped() const { return m_rx_dropped; }

private:
    MmioRegion m_regs;
    lib::RingBuffer<char, 256> m_rx;
    std::uint64_t m_rx_dropped = 0;
    bool m_interrupt_request = false;
};

}  // namespace hal
