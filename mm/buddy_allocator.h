// mm::BuddyAllocator: the physical frame allocator for one span of physical addresses, blocks of
// 2^order 4 KiB frames (order 0..kMaxOrder). Portable: it reaches frame contents only through the
// caller's phys_to_virt. Not synchronised: the kernel wraps every call in its own spinlock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"
#include "mm/phys_ranges.h"
#include "mm/types.h"

namespace mm {

class BuddyAllocator {
public:
    static constexpr unsigned kMaxOrder = 10;                             // 4 KiB .. 4 MiB
    static constexpr std::size_t kMaxBlockFrames = std::size_t{1} << kMaxOrder;
    static constexpr std::uint64_t kMaxBlockSize = std::uint64_t{kPageSize} << kMaxOrder;
    // Maximal runs of added memory the allocator can record (adjacent additions share one run). The
    // kernel adds the runs of an mm::RangeSet<32>, so it can never hit this limit.
    static constexpr std::size_t kMaxRanges = 32;

    // Translates a physical address inside the span to a pointer the allocator may write through
    // (the linear map in the kernel; a host buffer in tests). Called once per free-list insertion or
    // removal, never on a frame that is not the head of a free block.
    using PhysToVirt = void* (*)(PhysAddr pa, void* ctx);

    constexpr BuddyAllocator() = default;
    BuddyAllocator(const BuddyAllocator&) = delete;
    BuddyAllocator& operator=(const BuddyAllocator&) = delete;

    // Metadata bytes for a span of span_size bytes at any base: an upper bound (the metadata covers the
    // span widened to kMaxBlockSize boundaries so every buddy lies inside it).
    static constexpr std::size_t metadata_bytes_needed(std::uint64_t span_size) {
        return static_cast<std::size_t>(span_size >> kPageShift) + 2 * kMaxBlockFrames;
    }
    // The exact figure for a span at span_base.
    static constexpr std::size_t metadata_bytes_needed(PhysAddr span_base, std::uint64_t span_size) {
        const PhysAddr lo = align_down(span_base, kMaxBlockSize);
        const PhysAddr hi = align_up(span_base + span_size, kMaxBlockSize);
        return static_cast<std::size_t>((hi - lo) >> kPageShift);
    }

    // Takes over [span_base, span_base + span_size) with every frame Reserved (nothing allocatable
    // until add_free_range). metadata (1 byte per frame, see metadata_bytes_needed) must be ZEROED by
    // the caller, outlive the allocator and stay untouched by anyone else. init writes none of it (the
    // kernel zeroes it 64 bytes per instruction with DC ZVA): it only KASSERTs that the first and last
    // 64 bytes are zero, a cheap sample that catches a caller who forgot. Cost: O(1).
    // InvalidArgument: unaligned or empty span, wrap past 2^64, metadata too small or null,
    // phys_to_virt null, or init called twice.
    [[nodiscard]] lib::Status init(PhysAddr span_base, std::uint64_t span_size, void* metadata,
                                   std::size_t metadata_size, PhysToVirt phys_to_virt, void* ctx);

    // Hands [base, base + size) (page aligned, inside the span, never added before) to the allocator as
    // free memory, coalescing with neighbouring free blocks. Cost: O(maximal blocks), never a per-frame
    // loop: at most size / 4 MiB + 2 * kMaxOrder block insertions (one head byte and one free-list
    // push each, plus at most kMaxOrder merges at the two ends), and O(kMaxRanges) for the overlap
    // check against the recorded runs of memory added so far. Adding 2 GiB is ~512 insertions.
    // InvalidArgument: unaligned, empty, outside the span, or overlapping memory already added
    // (touching it is fine). OutOfRange: the range would make more than kMaxRanges disjoint runs.
    // Either way nothing changes.
    [[nodiscard]] lib::Status add_free_range(PhysAddr base, std::uint64_t size);

    // A block of 2^order frames aligned to its size (physically). NoMemory when no block of that order
    // or larger is free; InvalidArgument for order > kMaxOrder.
    [[nodiscard]] lib::Result<PhysAddr> alloc(unsigned order);

    // Returns a block from alloc(order). Anything else (double free, a frame never handed out, a frame
    // inside a block, the wrong order, a misaligned address, one outside the span) fails a KASSERT, with
    // a message naming the case, before any state changes.
    void free(PhysAddr pa, unsigned order);

    // Statistics, in frames or blocks.
    std::size_t total_frames() const { return m_total_frames; }   // frames ever added as free memory
    std::size_t free_frames() const { return m_free_frames; }
    std::size_t free_blocks(unsigned order) const { return order <= kMaxOrder ? m_free_count[order] : 0; }
    std::size_t allocated_blocks(unsigned order) const {
        return order <= kMaxOrder ? m_alloc_count[order] : 0;
    }
    PhysAddr span_base() const { return m_span_base; }
    std::uint64_t span_size() const { return m_span_size; }
#ifdef KERNEL_HOST_TEST
    // Metadata bytes written since init (host tests only): proves init and add_free_range do O(blocks)
    // work rather than O(frames).
    std::size_t metadata_writes() const { return m_metadata_writes; }
#endif

    // Debug walk over every list and every metadata byte (O(frames)); KASSERTs on the first
    // inconsistency: list links, list membership versus metadata, two free buddies of one order,
    // a frame of added memory in no block (orphan tail), a head byte outside added memory, counters.
    void check_invariants() const;

private:
    // Lives in the first bytes of every free block. Doubly linked (nullptr-terminated) so a buddy can
    // be unlinked from the middle of its list when it merges.
    struct FreeBlock {
        FreeBlock* next;
        FreeBlock* prev;
        PhysAddr phys;  // the block's own address: alloc() cannot translate virt back to phys
    };

    std::size_t index_of(PhysAddr pa) const { return static_cast<std::size_t>((pa - m_base) >> kPageShift); }
    PhysAddr phys_of(std::size_t index) const { return m_base + (static_cast<PhysAddr>(index) << kPageShift); }
    FreeBlock* block_at(PhysAddr pa) const { return static_cast<FreeBlock*>(m_phys_to_virt(pa, m_ctx)); }
    void set_meta(std::size_t index, std::uint8_t value) {
        m_meta[index] = value;
#ifdef KERNEL_HOST_TEST
        ++m_metadata_writes;
#endif
    }

    void push_free(PhysAddr pa, unsigned order);
    void unlink_free(FreeBlock* b, unsigned order);
    void insert_and_merge(std::size_t index, unsigned order);
    void insert_greedy(std::size_t first, std::size_t end);
    void split(std::size_t index, unsigned from, unsigned to);
    [[noreturn]] void free_failed(PhysAddr pa, unsigned order) const;

    // Metadata: one byte per frame from m_base (the span widened to 4 MiB boundaries); 0 unless the
    // frame heads a block (see the encoding in buddy_allocator.cpp).
    std::uint8_t* m_meta = nullptr;
    std::size_t m_frames = 0;  // metadata entries; a multiple of kMaxBlockFrames
    PhysAddr m_base = 0;       // align_down(m_span_base, kMaxBlockSize): physical alignment == index alignment
    PhysAddr m_span_base = 0;
    std::uint64_t m_span_size = 0;
    PhysToVirt m_phys_to_virt = nullptr;
    void* m_ctx = nullptr;

    FreeBlock* m_free_head[kMaxOrder + 1] = {};
    std::size_t m_free_count[kMaxOrder + 1] = {};
    std::size_t m_alloc_count[kMaxOrder + 1] = {};
    std::size_t m_total_frames = 0;
    std::size_t m_free_frames = 0;
    // Every address ever added, as maximal runs. A zero metadata byte means Reserved outside these runs
    // and Tail inside them; this record is what tells the two apart (overlap check, free() diagnostics,
    // check_invariants) without a per-frame byte.
    RangeSet<kMaxRanges> m_added;
#ifdef KERNEL_HOST_TEST
    std::size_t m_metadata_writes = 0;
#endif
};

}  // namespace mm
