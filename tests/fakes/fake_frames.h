// FakeFrames: the FrameSource of host tests. Hands out zeroed, 4 KiB-aligned host frames at fake
// physical addresses, counts them, and throws on a double free, on any use of a freed or unknown
// frame (the memory is really released, so ASan also catches stale pointers into it), and on a table
// freed with a nonzero entry.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/result.h"
#include "mm/page_table.h"

namespace fakes {

class FakeFrames final : public mm::FrameSource {
public:
    // Fake physical addresses: frame i is kBase + i * 4 KiB, never reused, so a stale address is
    // always recognised.
    static constexpr mm::PhysAddr kBase = 0x4000'0000;

    FakeFrames() = default;
    FakeFrames(const FakeFrames&) = delete;
    FakeFrames& operator=(const FakeFrames&) = delete;
    ~FakeFrames() {
        for (void* p : m_frames) std::free(p);
    }

    lib::Result<mm::PhysAddr> alloc_table() override {
        if (m_fail_after == 0) return lib::Error::NoMemory;
        if (m_fail_after > 0) --m_fail_after;
        void* p = std::aligned_alloc(mm::kPageSize, mm::kPageSize);
        if (p == nullptr) throw std::bad_alloc();
        std::memset(p, 0, mm::kPageSize);
        m_frames.push_back(p);
        ++m_live;
        return kBase + (m_frames.size() - 1) * mm::kPageSize;
    }

    void free_table(mm::PhysAddr pa) override {
        void*& slot = slot_of(pa, "free_table");
        if (m_check_zero_on_free) {
            const auto* e = static_cast<const std::uint64_t*>(slot);
            for (std::size_t i = 0; i < mm::kPageSize / 8; ++i) {
                if (e[i] != 0) throw std::logic_error("FakeFrames::free_table: 0x" + to_hex(pa) +
                                                      " is not all zero (entry " + std::to_string(i) + ")");
            }
        }
        if (on_free) on_free(pa);
        std::free(slot);
        slot = nullptr;
        --m_live;
        ++m_freed;
    }

    void* table_virt(mm::PhysAddr pa) override { return slot_of(pa, "table_virt"); }

    std::size_t live() const { return m_live; }            // allocated and not yet freed
    std::size_t allocated() const { return m_frames.size(); }  // ever handed out
    std::size_t freed() const { return m_freed; }
    bool is_live(mm::PhysAddr pa) const {
        if (pa < kBase || (pa - kBase) % mm::kPageSize != 0) return false;
        std::size_t i = (pa - kBase) / mm::kPageSize;
        return i < m_frames.size() && m_frames[i] != nullptr;
    }
    // The next n allocations succeed, the ones after fail with NoMemory; -1: never fail.
    void fail_after(long n) { m_fail_after = n; }
    // FrameSource promises that freed tables are all zero (the kernel reuses them unzeroed); a pool
    // used for other frames (user pages) turns the check off.
    void check_zero_on_free(bool on) { m_check_zero_on_free = on; }

    // Called with each frame just before it is freed (tests check the engine's ordering with it).
    std::function<void(mm::PhysAddr)> on_free;

private:
    void*& slot_of(mm::PhysAddr pa, const char* what) {
        if (!is_live(pa)) {
            throw std::logic_error(std::string("FakeFrames::") + what + ": 0x" + to_hex(pa) +
                                   " is not a live frame (double free or stale address)");
        }
        return m_frames[(pa - kBase) / mm::kPageSize];
    }
    static std::string to_hex(std::uint64_t v) {
        static const char* digits = "0123456789abcdef";
        std::string s;
        do {
            s.insert(s.begin(), digits[v & 15]);
            v >>= 4;
        } while (v != 0);
        return s;
    }

    std::vector<void*> m_frames;  // index = (pa - kBase) / 4 KiB; nullptr once freed
    std::size_t m_live = 0;
    std::size_t m_freed = 0;
    long m_fail_after = -1;
    bool m_check_zero_on_free = true;
};

}  // namespace fakes
