// The buddy allocator's split, merge and validation logic, and its metadata encoding. Touches frame
// contents only through phys_to_virt, and only the FreeBlock node at the head of a free block.
#include "mm/buddy_allocator.h"

#include <bit>

#include "lib/kassert.h"

namespace mm {

namespace {

// One metadata byte per frame, ZERO for every frame that does not head a block:
//
//   0x00            Reserved  not managed: a hole, memory never added, or outside the span
//                   Tail      inside a block whose head is a lower frame (free or allocated)
//   0b1000_oooo     FreeHead  first frame of a free block of 2^oooo frames, on m_free_head[oooo]
//   0b0100_oooo     AllocHead first frame of a block of 2^oooo frames handed out by alloc()
//
// Reserved and Tail share 0 so that caller-zeroed metadata is a valid "nothing added" state and adding
// memory writes only head bytes: O(blocks), not O(frames). The byte alone cannot tell Reserved from
// Tail; m_added (the runs of memory ever added) can, and is consulted only where that matters (the
// overlap check, free()'s cold diagnostics, check_invariants). Only heads change when blocks split or
// merge. free() accepts exactly one byte value (AllocHead | order), so a double free (FreeHead or
// Tail), a foreign frame (Reserved, Tail) and a wrong order are all refused.
constexpr std::uint8_t kNotHead = 0x00;
constexpr std::uint8_t kFreeFlag = 0x80;
constexpr std::uint8_t kAllocFlag = 0x40;
constexpr std::uint8_t kOrderMask = 0x0F;
static_assert(BuddyAllocator::kMaxOrder <= kOrderMask);

constexpr std::uint8_t free_head(unsigned order) { return static_cast<std::uint8_t>(kFreeFlag | order); }
constexpr std::uint8_t alloc_head(unsigned order) { return static_cast<std::uint8_t>(kAllocFlag | order); }
static_assert(free_head(0) != kNotHead && alloc_head(0) != kNotHead);

// A well-formed head: exactly one flag, an order in range, no stray bits.
constexpr bool is_valid_head(std::uint8_t m) {
    const std::uint8_t flags = m & (kFreeFlag | kAllocFlag);
    return (flags == kFreeFlag || flags == kAllocFlag) && (m & ~(kFreeFlag | kAllocFlag | kOrderMask)) == 0 &&
           (m & kOrderMask) <= BuddyAllocator::kMaxOrder;
}

// The sample init checks: enough to catch metadata that was never zeroed, at O(1) cost.
constexpr std::size_t kZeroSampleBytes = 64;
static_assert(kZeroSampleBytes <= BuddyAllocator::kMaxBlockFrames);  // m_frames is a multiple of this

}  // namespace

lib::Status BuddyAllocator::init(PhysAddr span_base, std::uint64_t span_size, void* metadata,
                                 std::size_t metadata_size, PhysToVirt phys_to_virt, void* ctx) {
    if (m_meta != nullptr) return lib::Error::InvalidArgument;
    if (metadata == nullptr || phys_to_virt == nullptr || span_size == 0) return lib::Error::InvalidArgument;
    if (!is_aligned(span_base, kPageSize) || !is_aligned(span_size, kPageSize)) return lib::Error::InvalidArgument;
    // The widened span must not wrap either.
    if (span_base + span_size < span_base || align_up(span_base + span_size, kMaxBlockSize) < span_base)
        return lib::Error::InvalidArgument;
    const std::size_t needed = metadata_bytes_needed(span_base, span_size);
    if (metadata_size < needed) return lib::Error::InvalidArgument;

    // Zeroed metadata is a precondition (every frame Reserved), not something init establishes. Only a
    // sample is checked: a full check would cost what the caller's DC ZVA just saved.
    const auto* meta = static_cast<const std::uint8_t*>(metadata);
    std::uint8_t sample = 0;
    for (std::size_t i = 0; i < kZeroSampleBytes; ++i) sample |= meta[i] | meta[needed - 1 - i];
    KASSERT_MSG(sample == 0, "buddy: init needs zeroed metadata");

    m_meta = static_cast<std::uint8_t*>(metadata);
    m_frames = needed;
    m_base = align_down(span_base, kMaxBlockSize);
    m_span_base = span_base;
    m_span_size = span_size;
    m_phys_to_virt = phys_to_virt;
    m_ctx = ctx;
    return {};
}

lib::Status BuddyAllocator::add_free_range(PhysAddr base, std::uint64_t size) {
    KASSERT_MSG(m_meta != nullptr, "buddy: add_free_range before init");
    if (size == 0 || !is_aligned(base, kPageSize) || !is_aligned(size, kPageSize)) return lib::Error::InvalidArgument;
    if (base < m_span_base || base - m_span_base > m_span_size || size > m_span_size - (base - m_span_base))
        return lib::Error::InvalidArgument;
    // Validate before changing anything, so a refused range leaves the allocator as it was. The new
    // range's metadata is all zero (never added), so only the recorded runs can say whether it overlaps
    // earlier memory: O(kMaxRanges), exact, where a check of block heads alone would miss a small
    // earlier block lying inside one of the new blocks.
    const PhysAddr end = base + size;
    for (const PhysRange& r : m_added)
        if (r.base < end && base < r.end()) return lib::Error::InvalidArgument;
    TRY_STATUS(m_added.add(PhysRange{base, size}));  // OutOfRange when full; nothing changed yet

    const std::size_t first = index_of(base);
    const std::size_t count = static_cast<std::size_t>(size >> kPageShift);
    m_total_frames += count;
    m_free_frames += count;
    // Three parts: greedy blocks up to the first 4 MiB boundary, whole max-order blocks, greedy blocks
    // after the last boundary. The tails of every block are already zero. Max-order blocks never
    // merge, so the middle part (nearly all of a large range) is one head byte and one push per 4 MiB.
    const std::size_t last = first + count;
    std::size_t mid_lo = static_cast<std::size_t>(align_up(first, kMaxBlockFrames));
    if (mid_lo > last) mid_lo = last;
    std::size_t mid_hi = static_cast<std::size_t>(align_down(last, kMaxBlockFrames));
    if (mid_hi < mid_lo) mid_hi = mid_lo;
    insert_greedy(first, mid_lo);
    for (std::size_t i = mid_lo; i < mid_hi; i += kMaxBlockFrames) {
        set_meta(i, free_head(kMaxOrder));
        push_free(phys_of(i), kMaxOrder);
    }
    insert_greedy(mid_hi, last);
    return {};
}

// Frees [first, end) (frames already counted free) as greedy maximal blocks: at each step the largest
// order that is both aligned at i and fits in what remains. Consecutive greedy blocks are never buddies
// of each other, so merging happens only with free memory added earlier, at the two ends.
void BuddyAllocator::insert_greedy(std::size_t first, std::size_t end) {
    std::size_t i = first;
    while (i < end) {
        unsigned order = kMaxOrder;
        const unsigned align_order = static_cast<unsigned>(std::countr_zero(i));  // 64 when i == 0
        if (align_order < order) order = align_order;
        const unsigned fit_order = static_cast<unsigned>(std::bit_width(end - i)) - 1;
        if (fit_order < order) order = fit_order;
        insert_and_merge(i, order);
        i += std::size_t{1} << order;
    }
}

void BuddyAllocator::push_free(PhysAddr pa, unsigned order) {
    FreeBlock* b = block_at(pa);
    FreeBlock* head = m_free_head[order];
    b->next = head;
    b->prev = nullptr;
    b->phys = pa;
    if (head != nullptr) head->prev = b;
    m_free_head[order] = b;
    ++m_free_count[order];
}

void BuddyAllocator::unlink_free(FreeBlock* b, unsigned order) {
    if (b->prev != nullptr)
        b->prev->next = b->next;
    else
        m_free_head[order] = b->next;
    if (b->next != nullptr) b->next->prev = b->prev;
    --m_free_count[order];
}

// Puts the block at `index` (its frames already counted free, its head byte anything) on a free list,
// first merging it with its buddy for as long as the buddy is a free block of the same order.
void BuddyAllocator::insert_and_merge(std::size_t index, unsigned order) {
    while (order < kMaxOrder) {
        const std::size_t bit = std::size_t{1} << order;
        // m_frames is a multiple of kMaxBlockFrames, so the buddy index is always inside the metadata.
        const std::size_t buddy = index ^ bit;
        if (m_meta[buddy] != free_head(order)) break;
        unlink_free(block_at(phys_of(buddy)), order);
        set_meta(index | bit, kNotHead);  // the upper half's head becomes a tail of the merged block
        index &= ~bit;
        ++order;
    }
    set_meta(index, free_head(order));
    push_free(phys_of(index), order);
}

// Out of line so alloc()'s common path (exact-order list non-empty) stays a leaf with no spills.
// Keeps the lower half of the block at `index`, giving the upper half back at each order on the way
// down from `from` to `to`.
[[gnu::noinline]] void BuddyAllocator::split(std::size_t index, unsigned from, unsigned to) {
    while (from > to) {
        --from;
        const std::size_t upper = index + (std::size_t{1} << from);
        set_meta(upper, free_head(from));
        push_free(phys_of(upper), from);
    }
}

lib::Result<PhysAddr> BuddyAllocator::alloc(unsigned order) {
    if (order > kMaxOrder) return lib::Error::InvalidArgument;
    unsigned o = order;
    FreeBlock* b = m_free_head[o];
    if (__builtin_expect(b == nullptr, 0)) {
        // Smallest larger order with a free block; only reached when the requested list is empty.
        do {
            if (++o > kMaxOrder) return lib::Error::NoMemory;
            b = m_free_head[o];
        } while (b == nullptr);
    }
    const PhysAddr pa = b->phys;
    // The node sits in free memory: a stray write there must not turn into a silent double hand-out.
    const std::uint64_t off = pa - m_base;
    const std::size_t index = static_cast<std::size_t>(off >> kPageShift);
    KASSERT_MSG((off & (kPageSize - 1)) == 0 && index < m_frames && m_meta[index] == free_head(o),
                "buddy: free list node corrupted (write to freed memory?)");
    m_free_head[o] = b->next;
    if (b->next != nullptr) b->next->prev = nullptr;
    --m_free_count[o];
    if (o > order) split(index, o, order);
    set_meta(index, alloc_head(order));
    m_free_frames -= std::size_t{1} << order;
    ++m_alloc_count[order];
    return pa;
}

void BuddyAllocator::free(PhysAddr pa, unsigned order) {
    const std::uint64_t off = pa - m_base;
    // Short-circuit order matters: the shift needs a sane order, the metadata read a sane index.
    if (__builtin_expect(order > kMaxOrder || (off & ((std::uint64_t{kPageSize} << order) - 1)) != 0 ||
                             pa < m_span_base || pa - m_span_base >= m_span_size ||
                             m_meta[off >> kPageShift] != alloc_head(order),
                         0))
        free_failed(pa, order);
    --m_alloc_count[order];
    m_free_frames += std::size_t{1} << order;
    insert_and_merge(static_cast<std::size_t>(off >> kPageShift), order);
}

// Cold path: say precisely why a free() was refused. A zero byte is Reserved outside the added runs
// and Tail inside them; the O(kMaxRanges) lookup here tells which.
void BuddyAllocator::free_failed(PhysAddr pa, unsigned order) const {
    KASSERT_MSG(m_meta != nullptr, "buddy: free before init");
    KASSERT_MSG(order <= kMaxOrder, "buddy: free with order > kMaxOrder");
    KASSERT_MSG(is_aligned(pa, std::uint64_t{kPageSize} << order), "buddy: free of a misaligned address");
    KASSERT_MSG(pa >= m_span_base && pa - m_span_base < m_span_size, "buddy: free outside the span");
    const std::uint8_t m = m_meta[index_of(pa)];
    KASSERT_MSG(m != kNotHead || m_added.contains(pa), "buddy: free of a frame never handed out (reserved)");
    KASSERT_MSG((m & kFreeFlag) == 0, "buddy: double free (block is already free)");
    KASSERT_MSG(m != kNotHead, "buddy: free of a frame inside a block (double free or foreign frame)");
    KASSERT_MSG((m & kOrderMask) == order, "buddy: free with the wrong order");
    KASSERT_MSG(false, "buddy: free refused");
}

void BuddyAllocator::check_invariants() const {
    if (m_meta == nullptr) return;
    // Lists: links, bounds, and agreement with the metadata.
    std::size_t listed_free_frames = 0;
    for (unsigned o = 0; o <= kMaxOrder; ++o) {
        std::size_t n = 0;
        const FreeBlock* prev = nullptr;
        for (const FreeBlock* b = m_free_head[o]; b != nullptr; prev = b, b = b->next) {
            KASSERT_MSG(++n <= m_frames, "buddy: free list has a cycle");
            KASSERT_MSG(b->prev == prev, "buddy: free list back link broken");
            const PhysAddr pa = b->phys;
            KASSERT_MSG(pa >= m_span_base && pa - m_span_base < m_span_size, "buddy: listed block outside span");
            KASSERT_MSG(is_aligned(pa, std::uint64_t{kPageSize} << o), "buddy: listed block misaligned");
            KASSERT_MSG(m_meta[index_of(pa)] == free_head(o), "buddy: listed block not FreeHead of its order");
            KASSERT_MSG(block_at(pa) == b, "buddy: node is not at its block's address");
        }
        KASSERT_MSG(n == m_free_count[o], "buddy: free list length != counter");
        listed_free_frames += n << o;
    }
    KASSERT_MSG(listed_free_frames == m_free_frames, "buddy: free frame counter wrong");

    // Metadata inside the added runs: every frame belongs to exactly one well-formed block (a head,
    // then 2^order - 1 zero tails), and blocks tile each run exactly.
    std::size_t free_heads[kMaxOrder + 1] = {};
    std::size_t alloc_heads[kMaxOrder + 1] = {};
    std::size_t heads = 0;
    std::size_t managed = 0;
    for (const PhysRange& r : m_added) {
        KASSERT_MSG(r.base >= m_span_base && r.end() - m_span_base <= m_span_size &&
                        is_aligned(r.base, kPageSize) && is_aligned(r.size, kPageSize),
                    "buddy: added run outside the span or misaligned");
        std::size_t i = index_of(r.base);
        const std::size_t end = index_of(r.end());
        while (i < end) {
            const std::uint8_t m = m_meta[i];
            KASSERT_MSG(m != kNotHead, "buddy: tail frame with no head (orphan)");
            KASSERT_MSG(is_valid_head(m), "buddy: malformed metadata byte");
            const unsigned o = m & kOrderMask;
            const std::size_t len = std::size_t{1} << o;
            KASSERT_MSG((i & (len - 1)) == 0, "buddy: block misaligned in metadata");
            KASSERT_MSG(len <= end - i, "buddy: block extends outside the memory added");
            for (std::size_t k = 1; k < len; ++k) KASSERT_MSG(m_meta[i + k] == kNotHead, "buddy: block frame not a tail");
            if (m & kFreeFlag) {
                ++free_heads[o];
                if (o < kMaxOrder) KASSERT_MSG(m_meta[i ^ len] != free_head(o), "buddy: two free buddies not merged");
            } else {
                ++alloc_heads[o];
            }
            ++heads;
            managed += len;
            i += len;
        }
    }
    for (unsigned o = 0; o <= kMaxOrder; ++o) {
        KASSERT_MSG(free_heads[o] == m_free_count[o], "buddy: FreeHead bytes != listed blocks");
        KASSERT_MSG(alloc_heads[o] == m_alloc_count[o], "buddy: AllocHead bytes != allocated counter");
    }
    KASSERT_MSG(managed == m_total_frames, "buddy: managed frames != total");
    // Outside the added runs every byte must be zero (Reserved). Inside them the non-zero bytes are
    // exactly the heads counted above, so a whole-metadata count of non-zero bytes settles it.
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < m_frames; ++i) nonzero += m_meta[i] != kNotHead;
    KASSERT_MSG(nonzero == heads, "buddy: head byte outside the memory added");
}

}  // namespace mm
