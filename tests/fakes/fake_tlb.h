// FakeTlb: the TlbMaintainer of host tests. Records every call in order (barriers included) and can
// run an observer at each call, so a test can look at the tables at the moment of an invalidation.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "mm/page_table.h"

namespace fakes {

struct TlbCall {
    enum class Kind { BeforeUpdate, Page, Asid, All };
    Kind kind = Kind::BeforeUpdate;
    mm::VirtAddr va = 0;
    std::uint16_t asid = 0;
    bool last_level = false;

    static TlbCall barrier() { return {}; }
    static TlbCall page(mm::VirtAddr va, std::uint16_t asid, bool last_level) {
        return {Kind::Page, va, asid, last_level};
    }
    static TlbCall whole_asid(std::uint16_t asid) { return {Kind::Asid, 0, asid, false}; }
    static TlbCall all() { return {Kind::All, 0, 0, false}; }
    bool operator==(const TlbCall&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const TlbCall& c) {
    switch (c.kind) {
    case TlbCall::Kind::BeforeUpdate: return os << "before_update";
    case TlbCall::Kind::Page:
        return os << "invalidate_page(0x" << std::hex << c.va << std::dec << ", asid " << c.asid
                  << (c.last_level ? ", last)" : ", all levels)");
    case TlbCall::Kind::Asid: return os << "invalidate_asid(" << c.asid << ")";
    case TlbCall::Kind::All: return os << "invalidate_all";
    }
    return os << "?";
}

class FakeTlb final : public mm::TlbMaintainer {
public:
    void before_update() override { record(TlbCall::barrier()); }
    void invalidate_page(mm::VirtAddr va, std::uint16_t asid, bool last_level) override {
        record(TlbCall::page(va, asid, last_level));
    }
    void invalidate_asid(std::uint16_t asid) override { record(TlbCall::whole_asid(asid)); }
    void invalidate_all() override { record(TlbCall::all()); }

    const std::vector<TlbCall>& calls() const { return m_calls; }
    // The calls other than before_update(), in order.
    std::vector<TlbCall> invalidations() const {
        std::vector<TlbCall> out;
        for (const TlbCall& c : m_calls) {
            if (c.kind != TlbCall::Kind::BeforeUpdate) out.push_back(c);
        }
        return out;
    }
    void clear() { m_calls.clear(); }

    // Runs at each call, before it is recorded.
    std::function<void(const TlbCall&)> observer;

private:
    void record(const TlbCall& c) {
        if (observer) observer(c);
        m_calls.push_back(c);
    }
    std::vector<TlbCall> m_calls;
};

}  // namespace fakes
