// PhysRange and RangeSet<N>: a fixed-capacity set of physical address ranges kept sorted, disjoint and
// merged, used at boot to compute usable RAM (memory minus image, device tree, initrd, reservations).
// Header-only and allocation-free; not synchronised (boot runs it on one core).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/result.h"
#include "mm/types.h"

namespace mm {

// [base, base + size). A range may not wrap past 2^64: base + size <= 2^64 - 1 is required where a
// range enters a RangeSet, so end() never overflows.
struct PhysRange {
    PhysAddr base = 0;
    std::uint64_t size = 0;

    constexpr PhysAddr end() const { return base + size; }
    constexpr bool empty() const { return size == 0; }
    constexpr bool contains(PhysAddr a) const { return a >= base && a - base < size; }
    friend constexpr bool operator==(const PhysRange&, const PhysRange&) = default;
};

// Invariant (canonical form): m_ranges[0, m_count) is sorted by base, every range is non-empty, and
// consecutive ranges neither overlap nor touch (prev.end() < next.base). The same set of addresses
// therefore always has the same representation, and count() is the number of maximal runs.
// Every mutation either succeeds completely or leaves the set unchanged.
template <std::size_t N>
class RangeSet {
    static_assert(N > 0);

public:
    constexpr RangeSet() = default;

    // Adds r, merging with every range it overlaps or touches.
    // InvalidArgument if r wraps past 2^64; OutOfRange if the result needs more than N ranges.
    [[nodiscard]] constexpr lib::Status add(PhysRange r) {
        if (!valid(r)) return lib::Error::InvalidArgument;
        if (r.empty()) return {};
        const PhysAddr b = r.base;
        const PhysAddr e = r.end();
        // [i, j): the ranges that overlap or touch [b, e). Sorted + disjoint makes them contiguous.
        std::size_t i = 0;
        while (i < m_count && m_ranges[i].end() < b) ++i;
        std::size_t j = i;
        while (j < m_count && m_ranges[j].base <= e) ++j;
        if (i == j) {
            if (m_count == N) return lib::Error::OutOfRange;
            for (std::size_t k = m_count; k > i; --k) m_ranges[k] = m_ranges[k - 1];
            m_ranges[i] = r;
            ++m_count;
            return {};
        }
        const PhysAddr nb = m_ranges[i].base < b ? m_ranges[i].base : b;
        const PhysAddr ne = m_ranges[j - 1].end() > e ? m_ranges[j - 1].end() : e;
        m_ranges[i] = PhysRange{nb, ne - nb};
        erase(i + 1, j);
        return {};
    }

    // Removes r's addresses; a range strictly containing r splits in two.
    // InvalidArgument if r wraps past 2^64; OutOfRange if the split needs an (N+1)-th range.
    [[nodiscard]] constexpr lib::Status subtract(PhysRange r) {
        if (!valid(r)) return lib::Error::InvalidArgument;
        if (r.empty()) return {};
        const PhysAddr b = r.base;
        const PhysAddr e = r.end();
        // [i, j): the ranges sharing at least one address with [b, e).
        std::size_t i = 0;
        while (i < m_count && m_ranges[i].end() <= b) ++i;
        std::size_t j = i;
        while (j < m_count && m_ranges[j].base < e) ++j;
        if (i == j) return {};
        const PhysRange first = m_ranges[i];
        const PhysRange last = m_ranges[j - 1];
        const bool keep_left = first.base < b;
        const bool keep_right = last.end() > e;
        const std::size_t pieces = (keep_left ? 1 : 0) + (keep_right ? 1 : 0);
        const std::size_t replaced = j - i;
        if (pieces > replaced && m_count + (pieces - replaced) > N) return lib::Error::OutOfRange;
        if (pieces > replaced) {
            // Only a single range strictly containing r grows the set: open a slot after it.
            for (std::size_t k = m_count; k > j; --k) m_ranges[k] = m_ranges[k - 1];
            ++m_count;
            ++j;
        }
        std::size_t w = i;
        if (keep_left) m_ranges[w++] = PhysRange{first.base, b - first.base};
        if (keep_right) m_ranges[w++] = PhysRange{e, last.end() - e};
        erase(w, j);
        return {};
    }

    // Shrinks every range inward to multiples of `alignment` (a power of two), dropping those left
    // empty. Never needs capacity; the result stays canonical (gaps only grow).
    constexpr void align_inward(std::uint64_t alignment) {
        std::size_t w = 0;
        for (std::size_t k = 0; k < m_count; ++k) {
            const PhysRange r = m_ranges[k];
            const PhysAddr nb = align_up(r.base, alignment);
            const PhysAddr ne = align_down(r.end(), alignment);
            // align_up can wrap to 0 for a base near 2^64: such a range has no aligned part.
            if (nb < r.base || ne <= nb) continue;
            m_ranges[w++] = PhysRange{nb, ne - nb};
        }
        m_count = w;
    }

    constexpr void clear() { m_count = 0; }
    constexpr std::size_t count() const { return m_count; }
    static constexpr std::size_t capacity() { return N; }
    constexpr bool empty() const { return m_count == 0; }
    constexpr const PhysRange& operator[](std::size_t i) const { return m_ranges[i]; }
    constexpr const PhysRange* begin() const { return m_ranges.data(); }
    constexpr const PhysRange* end() const { return m_ranges.data() + m_count; }

    constexpr std::uint64_t total_size() const {
        std::uint64_t sum = 0;
        for (std::size_t k = 0; k < m_count; ++k) sum += m_ranges[k].size;
        return sum;
    }

    constexpr bool contains(PhysAddr a) const {
        for (std::size_t k = 0; k < m_count; ++k)
            if (m_ranges[k].contains(a)) return true;
        return false;
    }

private:
    static constexpr bool valid(PhysRange r) { return r.size <= ~std::uint64_t{0} - r.base; }

    // Removes m_ranges[from, to), shifting the tail down.
    constexpr void erase(std::size_t from, std::size_t to) {
        if (from >= to) return;
        const std::size_t n = to - from;
        for (std::size_t k = to; k < m_count; ++k) m_ranges[k - n] = m_ranges[k];
        m_count -= n;
    }

    std::array<PhysRange, N> m_ranges{};
    std::size_t m_count = 0;
};

}  // namespace mm
