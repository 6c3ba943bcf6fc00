// The ASID allocator (mm/asid_allocator.h): bitmap allocation within a generation, rollover that
// keeps the ASIDs of running spaces, and the promotion of those kept ASIDs into the new generation.
#include "mm/asid_allocator.h"

#include <bit>

#include "lib/kassert.h"

namespace mm {

void AsidAllocator::init(unsigned bits) {
    KASSERT_MSG(bits == 8 || bits == 16, "ASID width must be 8 or 16 bits");
    m_bits = bits;
    m_generation = 1;
    m_rollovers = 0;
    for (unsigned cpu = 0; cpu < kMaxCpus; ++cpu) {
        m_active[cpu] = 0;
        m_kept[cpu] = 0;
    }
    for (std::uint64_t& w : m_bitmap) w = 0;
    m_bitmap[0] = 1;  // ASID 0
    m_in_use = 0;
    m_cursor = 1;
}

void AsidAllocator::set(std::uint16_t asid) {
    KASSERT(asid != 0 && asid <= max_asid() && !test(asid));
    m_bitmap[asid / 64] |= std::uint64_t{1} << (asid % 64);
    ++m_in_use;
}

void AsidAllocator::clear(std::uint16_t asid) {
    KASSERT(asid != 0 && asid <= max_asid() && test(asid));
    m_bitmap[asid / 64] &= ~(std::uint64_t{1} << (asid % 64));
    --m_in_use;
}

// Next-fit from the cursor, a word at a time, wrapping once: the ASIDs of a generation are handed out
// in ascending order, so a search usually stops in the cursor's own word.
std::uint16_t AsidAllocator::take_free() {
    KASSERT(m_in_use < max_asid());
    const std::size_t words = (std::size_t{max_asid()} + 1) / 64;  // 4 or 1024
    const std::size_t first = m_cursor / 64;
    // n == 0 looks at the cursor's word from the cursor up; n == words at the same word again, below
    // the cursor. One of them finds the free ASID that m_in_use < max_asid() promises.
    for (std::size_t n = 0; n <= words; ++n) {
        std::size_t w = (first + n) % words;
        std::uint64_t free = ~m_bitmap[w];
        if (n == 0) free &= ~std::uint64_t{0} << (m_cursor % 64);
        if (free == 0) continue;
        auto asid = static_cast<std::uint16_t>(w * 64 + static_cast<unsigned>(std::countr_zero(free)));
        set(asid);
        m_cursor = asid == max_asid() ? 1 : static_cast<std::uint16_t>(asid + 1);
        return asid;
    }
    KASSERT_MSG(false, "ASID bitmap full although in_use < max");
    return 0;
}

unsigned AsidAllocator::kept_slot(std::uint64_t context_id) const {
    for (unsigned cpu = 0; cpu < kMaxCpus; ++cpu) {
        if (m_kept[cpu] == context_id) return cpu;
    }
    return kMaxCpus;
}

void AsidAllocator::forget_kept(std::uint64_t context_id) {
    for (std::uint64_t& k : m_kept) {
        if (k == context_id) k = 0;
    }
}

// A new generation: every ASID becomes free except those installed on some CPU right now, which
// stay taken (and remembered in m_kept) so their spaces get them back when next switched to. Every
// older TLB entry is flushed by the caller (flush_all), so numbers not kept are clean for reuse.
void AsidAllocator::roll_over() {
    ++m_generation;
    ++m_rollovers;
    // The generation field is 48 (or 56) bits wide: at one rollover per microsecond it lasts 8 years.
    KASSERT(m_generation < (std::uint64_t{1} << (64 - m_bits)));
    for (std::uint64_t& w : m_bitmap) w = 0;
    m_bitmap[0] = 1;
    m_in_use = 0;
    m_cursor = 1;
    for (unsigned cpu = 0; cpu < kMaxCpus; ++cpu) {
        std::uint64_t ctx = m_active[cpu];
        m_kept[cpu] = ctx;
        // Two CPUs may run the same space (threads): one bit for both.
        if (ctx != 0 && !test(asid_of(ctx))) set(asid_of(ctx));
    }
}

std::uint16_t AsidAllocator::assign(std::uint64_t& context_id, bool& flush_all) {
    KASSERT_MSG(m_bits != 0, "AsidAllocator used before init()");
    flush_all = false;
    // Fast path: this generation's ASID, still ours (no rollover since it was handed out).
    if (is_current(context_id)) return asid_of(context_id);

    for (int attempt = 0; attempt < 2; ++attempt) {
        // Kept across the last rollover because it was running: its ASID is still taken for it.
        // Move it, and any slot still naming the old id, into the current generation.
        if (context_id != 0 && kept_slot(context_id) != kMaxCpus) {
            std::uint64_t old = context_id;
            std::uint16_t asid = asid_of(old);
            KASSERT(test(asid));
            forget_kept(old);
            context_id = make(asid);
            for (std::uint64_t& a : m_active) {
                if (a == old) a = context_id;
            }
            return asid;
        }
        if (m_in_use < max_asid()) break;
        // Every ASID of this generation is taken. After the rollover the caller's id is looked up
        // among the kept ones again (it is only there if it runs on another CPU).
        KASSERT(attempt == 0);
        roll_over();
        flush_all = true;
    }
    std::uint16_t asid = take_free();
    context_id = make(asid);
    return asid;
}

void AsidAllocator::set_active(unsigned cpu, std::uint64_t context_id) {
    KASSERT(cpu < kMaxCpus);
    KASSERT_MSG(context_id == 0 || is_current(context_id),
                "set_active() with a context id assign() did not just return");
    m_active[cpu] = context_id;
}

void AsidAllocator::release(std::uint64_t context_id) {
    KASSERT_MSG(m_bits != 0, "AsidAllocator used before init()");
    if (context_id == 0) return;
    for (std::uint64_t a : m_active) KASSERT_MSG(a != context_id, "release() of a running space");
    if (is_current(context_id)) {
        clear(asid_of(context_id));
    } else if (kept_slot(context_id) != kMaxCpus) {
        forget_kept(context_id);
        clear(asid_of(context_id));
    }
    // Else an older generation's id that kept nothing: its number is not taken in this generation.
}

lib::Status AsidAllocator::audit() const {
    if (m_bits != 8 && m_bits != 16) return lib::Error::Malformed;
    const std::size_t words = (std::size_t{max_asid()} + 1) / 64;
    std::size_t taken = 0;
    for (std::size_t w = 0; w < kBitmapWords; ++w) {
        if (w >= words && m_bitmap[w] != 0) return lib::Error::Malformed;
        // Kernighan's loop rather than std::popcount: without SIMD (-mgeneral-regs-only) that
        // becomes a libgcc call.
        for (std::uint64_t bits = m_bitmap[w]; bits != 0; bits &= bits - 1) ++taken;
    }
    if (!test(0) || taken - 1 != m_in_use) return lib::Error::Malformed;
    for (unsigned cpu = 0; cpu < kMaxCpus; ++cpu) {
        std::uint64_t a = m_active[cpu];
        std::uint64_t k = m_kept[cpu];
        if (k != 0 && (generation_of(k) >= m_generation || !test(asid_of(k)))) {
            return lib::Error::Malformed;
        }
        if (a != 0 && (!test(asid_of(a)) || (!is_current(a) && kept_slot(a) == kMaxCpus))) {
            return lib::Error::Malformed;
        }
    }
    return {};
}

}  // namespace mm
