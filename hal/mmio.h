// Volatile register access for device drivers: one place that does the loads and stores, so a driver
// never dereferences a raw device pointer itself.
#pragma once

#include <cstdint>

namespace hal {

class MmioRegion {
public:
    constexpr MmioRegion() = default;
    constexpr explicit MmioRegion(std::uint64_t base) : m_base(base) {}

    std::uint32_t read32(std::uint64_t off) const {
        return *reinterpret_cast<volatile std::uint32_t*>(m_base + off);
    }
    void write32(std::uint64_t off, std::uint32_t v) const {
        *reinterpret_cast<volatile std::uint32_t*>(m_base + off) = v;
    }
    std::uint64_t read64(std::uint64_t off) const {
        return *reinterpret_cast<volatile std::uint64_t*>(m_base + off);
    }
    void write64(std::uint64_t off, std::uint64_t v) const {
        *reinterpret_cast<volatile std::uint64_t*>(m_base + off) = v;
    }
    std::uint64_t base() const { return m_base; }
    bool valid() const { return m_base != 0; }

private:
    std::uint64_t m_base = 0;
};

}  // namespace hal
