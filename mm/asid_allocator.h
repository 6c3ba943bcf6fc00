// mm::AsidAllocator: hands out the 8- or 16-bit ASIDs that tag user TLB entries, with generation-based
// rollover (the scheme of Linux arm64's arch/arm64/mm/context.c). Portable bookkeeping only: the
// kernel issues the TLBI and writes TTBR0 itself. Not synchronised (see below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"

namespace mm {

// Each address space holds a 64-bit context id; 0 means "never assigned":
//
//   63                        bits  bits-1        0
//  +------------------------------+----------------+
//  | generation (starts at 1)     | asid (1..max)  |
//  +------------------------------+----------------+
//
// Within one generation every live address space holding that generation has its own ASID, so TLB
// entries tagged with it belong to that space alone. When every ASID of the generation is taken, a
// new generation starts: the bitmap is cleared except for the spaces running right now (they keep
// their number: their TTBR0 holds it and cannot be changed under them), and the caller must flush
// every TLB (TLBI VMALLE1IS) before it runs the space it is switching to. Spaces from older
// generations get a fresh ASID the next time they are switched to. ASID 0 is never handed out: it is
// what TTBR0 holds while no user space is installed (the kernel's own entries are global).
//
// Locking: one instance for the whole machine, every call made under one spinlock held with IRQs
// masked (the kernel's context-switch path). The fast path is O(1); a rollover and the allocation
// after it scan the bitmap (at most 1024 words). A CPU slot's active context id must be updated
// (set_active) under the same lock hold as the assign() that produced it, so that a rollover never
// sees a CPU whose TTBR0 holds an ASID the bitmap does not know about.
class AsidAllocator {
public:
    static constexpr unsigned kMaxCpus = 16;  // >= hal::kMaxCpus (checked in kernel/switch_state.cpp)
    static constexpr unsigned kMaxBits = 16;
    static constexpr std::size_t kBitmapWords = (std::size_t{1} << kMaxBits) / 64;  // 8 KiB

    // An uninitialised allocator (bits() == 0) for a constant-initialised global; call init().
    constexpr AsidAllocator() = default;
    explicit AsidAllocator(unsigned bits) { init(bits); }
    AsidAllocator(const AsidAllocator&) = delete;
    AsidAllocator& operator=(const AsidAllocator&) = delete;

    // bits: 8 or 16 (ID_AA64MMFR0_EL1.ASIDBits, and TCR_EL1.AS = 1 for 16). Starts generation 1 with
    // every ASID free and no CPU active. Anything else is a kernel bug (KASSERT).
    void init(unsigned bits);

    // Called when a CPU switches to the address space whose context id is `context_id`. Returns its
    // ASID for TTBR0 and updates context_id when it changed. flush_all is set to true only when this
    // call started a new generation: the caller must then invalidate every TLB entry (TLBI VMALLE1IS,
    // DSB ISH) before it installs the returned ASID. Always succeeds: a rollover frees every ASID
    // except those of the (at most kMaxCpus) active spaces.
    std::uint16_t assign(std::uint64_t& context_id, bool& flush_all);

    // Records what CPU slot `cpu` runs now: the context id just returned through assign(), or 0 when
    // it runs no user space. The spaces in these slots keep their ASID across a rollover. While a
    // CPU switches, its slot must keep naming the outgoing space until assign() for the incoming one
    // has returned: that ASID is still in TTBR0 (the walker may refill entries with it after the
    // flush), so a rollover in that assign() must not hand it to anyone else.
    void set_active(unsigned cpu, std::uint64_t context_id);

    // The address space holding context_id died: its ASID may be handed out again. Call only after
    // every TLB entry tagged with it has been invalidated (PageTable::destroy does TLBI ASIDE1IS) and
    // no CPU slot holds it. A context id of an older generation that kept no ASID frees nothing.
    void release(std::uint64_t context_id);

    unsigned bits() const { return m_bits; }
    std::uint64_t generation() const { return m_generation; }
    // ASIDs taken in the current generation (kept ones included); at most max_asid().
    std::size_t in_use() const { return m_in_use; }
    std::uint16_t max_asid() const { return static_cast<std::uint16_t>((1u << m_bits) - 1); }
    std::uint64_t rollovers() const { return m_rollovers; }

    // Checks the bookkeeping: in_use() matches the bitmap, ASID 0 is marked (so never handed out),
    // no number above max_asid() is, every active or kept slot's ASID is taken, and every active
    // slot is current or kept. Malformed if not (tests, debugging).
    [[nodiscard]] lib::Status audit() const;

    // Pieces of a context id.
    std::uint16_t asid_of(std::uint64_t context_id) const {
        return static_cast<std::uint16_t>(context_id & max_asid());
    }
    std::uint64_t generation_of(std::uint64_t context_id) const { return context_id >> m_bits; }
    bool is_current(std::uint64_t context_id) const {
        return context_id != 0 && generation_of(context_id) == m_generation;
    }

private:
    bool test(std::uint16_t asid) const { return (m_bitmap[asid / 64] >> (asid % 64) & 1) != 0; }
    void set(std::uint16_t asid);
    void clear(std::uint16_t asid);
    std::uint16_t take_free();  // a free ASID of the current generation (one must exist)
    void roll_over();
    // The slot holding `context_id` kept from the last rollover, or kMaxCpus.
    unsigned kept_slot(std::uint64_t context_id) const;
    void forget_kept(std::uint64_t context_id);
    std::uint64_t make(std::uint16_t asid) const { return m_generation << m_bits | asid; }

    unsigned m_bits = 0;
    std::uint64_t m_generation = 0;
    std::size_t m_in_use = 0;    // bits set in m_bitmap, bit 0 not counted
    std::uint16_t m_cursor = 1;  // where the next search for a free ASID starts
    std::uint64_t m_rollovers = 0;
    // m_active[cpu]: the context id installed on that CPU (0: none). m_kept[cpu]: the context id that
    // slot held at the last rollover (of an older generation), whose ASID stays taken in the current
    // one until its space is switched to again (it then gets it back in the current generation) or
    // dies. Both are written under the allocator's lock only.
    std::uint64_t m_active[kMaxCpus] = {};
    std::uint64_t m_kept[kMaxCpus] = {};
    // Bit n: ASID n taken in the current generation. Bit 0 is always set: ASID 0 is never handed out.
    std::uint64_t m_bitmap[kBitmapWords] = {};
};

static_assert(std::is_trivially_destructible_v<AsidAllocator>);

}  // namespace mm
