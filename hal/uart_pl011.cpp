// PL011 driver. Register offsets and bits from the PL011 TRM, section 3.2 (register summary).
#include "hal/uart_pl011.h"

namespace hal {

namespace {
constexpr std::uint64_t kDr = 0x00;     // data
constexpr std::uint64_t kFr = 0x18;     // flags
constexpr std::uint64_t kIbrd = 0x24;   // integer baud divisor
constexpr std::uint64_t kFbrd = 0x28;   // fractional baud divisor
constexpr std::uint64_t kLcrH = 0x2c;   // line control
constexpr std::uint64_t kCr = 0x30;     // control
constexpr std::uint64_t kIfls = 0x34;   // FIFO level select
constexpr std::uint64_t kImsc = 0x38;   // interrupt mask set/clear
constexpr std::uint64_t kIcr = 0x44;    // interrupt clear

constexpr std::uint32_t kFrTxff = 1u << 5;  // transmit FIFO full
constexpr std::uint32_t kFrRxfe = 1u << 4;  // receive FIFO empty
constexpr std::uint32_t kFrBusy = 1u << 3;
constexpr std::uint32_t kLcrWlen8 = 3u << 5;
constexpr std::uint32_t kLcrFen = 1u << 4;  // FIFOs on
constexpr std::uint32_t kCrUarten = 1u << 0;
constexpr std::uint32_t kCrTxe = 1u << 8;
constexpr std::uint32_t kCrRxe = 1u << 9;
constexpr std::uint32_t kIntRx = 1u << 4;   // receive
constexpr std::uint32_t kIntRt = 1u << 6;   // receive timeout: fewer bytes than the FIFO level
}  // namespace

void Pl011::init(std::uint64_t mmio_base) {
    m_regs = MmioRegion(mmio_base);
    m_regs.write32(kCr, 0);
    while (m_regs.read32(kFr) & kFrBusy) {
    }
    // 115200 baud from the 24 MHz reference clock QEMU models (it ignores the divisors anyway).
    m_regs.write32(kIbrd, 13);
    m_regs.write32(kFbrd, 1);
    m_regs.write32(kLcrH, kLcrWlen8 | kLcrFen);
    m_regs.write32(kIfls, 0);             // RX interrupt at 1/8 full; the timeout covers the rest
    m_regs.write32(kImsc, 0);
    m_regs.write32(kIcr, 0x7ff);
    m_regs.write32(kCr, kCrUarten | kCrTxe | kCrRxe);
}

void Pl011::put_raw(char c) {
    while (m_regs.read32(kFr) & kFrTxff) {
    }
    m_regs.write32(kDr, static_cast<std::uint8_t>(c));
}

void Pl011::write(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] == '\n') put_raw('\r');
        put_raw(s[i]);
    }
}

void Pl011::enable_rx_interrupt() { m_regs.write32(kImsc, kIntRx | kIntRt); }

void Pl011::handle_irq(int intercept) {
    // Clear first, then drain: a byte that arrives after the last FIFO read raises the interrupt
    // again. Cleared after the drain, that byte's interrupt was lost, and QEMU (which raises RX only
    // when the FIFO goes from empty to one byte) raised no other: input stopped mid-line for good.
    m_regs.write32(kIcr, kIntRx | kIntRt);
    while (!(m_regs.read32(kFr) & kFrRxfe)) {
        const char c = static_cast<char>(m_regs.read32(kDr) & 0xff);
        if (intercept >= 0 && static_cast<unsigned char>(c) == intercept) {
            m_interrupt_request = true;
            continue;
        }
        if (!m_rx.push(c)) ++m_rx_dropped;  // full: the newest byte is dropped, never the queued ones
    }
}

}  // namespace hal
