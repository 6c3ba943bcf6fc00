// mm::SlabHeap: the portable core of the kernel heap: eight power-of-two size classes (16..2048 bytes)
// carved from whole pages of a PageSource, and larger or page-aligned blocks taken straight from it.
// Not synchronised: the kernel wraps every call in its own spinlock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"
#include "mm/types.h"

namespace mm {

// Where the heap gets its pages (the buddy allocator through the linear map, in the kernel).
// alloc_pages(order) returns 4 KiB << order bytes, at least 4 KiB aligned.
struct PageSource {
    virtual lib::Result<void*> alloc_pages(unsigned order) = 0;
    virtual void free_pages(void* pages, unsigned order) = 0;

protected:
    // Non-virtual and protected: the heap never deletes its source, and a virtual destructor would
    // drag operator delete into the freestanding kernel.
    ~PageSource() = default;
};

// Layout. Every heap pointer p finds its header with one page-aligned lookup:
//
//   slab page (4 KiB, one size class S = 2^shift):
//     +0   SlabPage header (64 bytes: slot bitmap, magic ^ class, hint, partial-list links)
//     +max(64, S)  object 0, then object 1 at +S ...   objects are S-aligned (natural alignment)
//
//   large block (4 KiB << order pages):
//     +0   LargeHeader (requested size, offset of the object, order; magic at the same offset as a
//          slab page's)
//     +offset  the object, offset = max(align, 64); offset == 4096 for 4096-aligned requests
//
// Objects inside a page never start at offset 0, so: p not page aligned -> header at
// align_down(p, 4 KiB), a slab page or a large block (told apart by magic); p page aligned -> a
// 4096-aligned large block whose header is the page just below p. The price: a slab page of class S
// holds (4096 - max(64, S)) / S objects (252 of 16 bytes, 63 of 64, 7 of 512, 1 of 2048), and a
// page-aligned allocation costs one extra page.
//
// A slab page's 256-bit bitmap has one bit per S-sized slot, numbered offset >> shift: set while the
// slot is handed out, and always set for the slots under the header and for the bits past the page
// end (4096 >> shift and up). Allocation takes the lowest clear bit of one word, free clears one bit.
// Nothing is ever written into a free object, so a write to freed memory cannot corrupt the heap, and
// a double free is an exact one-bit test.
class SlabHeap {
public:
    static constexpr std::size_t kNumClasses = 8;
    static constexpr std::size_t kMinObjectShift = 4;       // 16 bytes
    static constexpr std::size_t kMaxObjectSize = 2048;      // larger requests go to pages
    static constexpr std::size_t kMaxAlign = kPageSize;      // 4096
    static constexpr std::size_t kHeaderSize = 64;
    static constexpr std::uint8_t kPoisonByte = 0xDE;
#ifdef NDEBUG
    static constexpr bool kPoisonByDefault = false;
#else
    static constexpr bool kPoisonByDefault = true;
#endif

    struct ClassStats {
        std::size_t object_size;
        std::size_t objects_per_page;
        std::size_t objects_in_use;
        std::size_t pages;  // slab pages held, including the cached empty one
    };
    struct Totals {
        std::size_t slab_objects_in_use;
        std::size_t slab_bytes_in_use;   // objects in use * their class size
        std::size_t slab_pages;
        std::size_t large_allocations;
        std::size_t large_bytes_in_use;  // as requested
        std::size_t large_pages;
        std::size_t pages;               // slab_pages + large_pages: what the heap holds from its source
    };

    // poison: fill freed objects with kPoisonByte and verify it on allocation (use-after-free
    // detection; costs a pass over the object on every alloc and free).
    explicit constexpr SlabHeap(PageSource& source, bool poison = kPoisonByDefault) : m_source(&source), m_poison(poison) {}
    SlabHeap(const SlabHeap&) = delete;
    SlabHeap& operator=(const SlabHeap&) = delete;

    // size bytes (0 counts as 1) aligned to align (a power of two <= 4096; below 16 rounds up to 16).
    // NoMemory when the page source is exhausted or size is absurd; InvalidArgument for a bad align.
    [[nodiscard]] lib::Result<void*> alloc(std::size_t size, std::size_t align = 16);

    // nullptr is ignored. A pointer this heap did not hand out, one freed twice, or one into the middle
    // of an object fails a KASSERT where the header makes it detectable (always for slab objects).
    void free(void* p);

    // The usable size of the block behind p (its class size, or the requested size for large blocks).
    std::size_t allocation_size(const void* p) const;

    // Gives every cached empty slab page back to the page source.
    void release_cached_pages();

    // Objects in use are counted by walking each class's listed pages (O(pages)), which keeps every
    // counter update off the alloc and free paths.
    ClassStats class_stats(std::size_t class_index) const;
    Totals totals() const;
    bool poisoning() const { return m_poison; }

    static constexpr std::size_t class_size(std::size_t class_index) {
        return std::size_t{1} << (class_index + kMinObjectShift);
    }

private:
    static constexpr std::size_t kSlotsPerPage = kPageSize >> kMinObjectShift;  // 256 bitmap bits
    static constexpr std::size_t kBitmapWords = kSlotsPerPage / 64;

    // The first 64 bytes of a slab page. magic sits at the same offset as LargeHeader's so it can be
    // read before the kind is known; it holds kSlabMagic ^ class index, so one load and one compare
    // both recognise a slab page and bound its class.
    struct SlabPage {
        std::uint64_t used[kBitmapWords];  // bit (offset >> shift): slot unavailable (see above)
        std::uint32_t magic;
        std::uint8_t hint;                 // the word of `used` allocation tries first
        bool listed;                       // on the class's partial list
        std::uint16_t reserved;
        // A free that leaves its word with no bit outside this mask takes the slow path: the header
        // bits of word 0 while the page is listed (so a word that may have emptied the page is looked
        // at), all ones while the page is off the list (full) or the heap poisons (every free).
        std::uint64_t slow_free_mask;
        SlabPage* prev;  // partial list links: valid only while listed
        SlabPage* next;
    };

    struct LargeHeader {
        std::uint64_t size;  // as requested
        std::uint16_t offset;  // object address - header address
        std::uint8_t order;
        std::uint8_t reserved;
        std::uint32_t reserved2;
        std::uint64_t reserved3[2];
        std::uint32_t magic;  // same offset as SlabPage::magic
    };

    static_assert(sizeof(SlabPage) == kHeaderSize);
    static_assert(sizeof(LargeHeader) <= kHeaderSize);
    static_assert(offsetof(SlabPage, used) == 0, "the fast paths index the bitmap from the page address");
    static_assert(offsetof(SlabPage, magic) == offsetof(LargeHeader, magic));

    // Per size class: listed pages have had a free slot when last looked at (a page that fills up is
    // unlisted lazily, by the allocation that finds it full); full pages are on no list (free() finds
    // them through the pointer); at most one empty page is kept, listed, and remembered in
    // cached_empty (which may since have been allocated from: it is checked before use).
    struct SizeClass {
        SlabPage* partial = nullptr;
        SlabPage* cached_empty = nullptr;
        std::size_t full_pages = 0;  // unlisted pages
        std::size_t pages = 0;       // every page held, listed or not
    };

    lib::Result<void*> alloc_slow(std::size_t size, std::size_t align);
    lib::Result<void*> alloc_large(std::size_t size, std::size_t align);
    void free_page_aligned(void* p);
    void free_large(LargeHeader* h, void* p);
    void freed_slow(SlabPage* page, std::size_t class_index, void* p);
    SlabPage* page_with_space(std::size_t class_index);
    SlabPage* new_page(std::size_t class_index);
    bool page_empty(const SlabPage* page, std::size_t class_index) const;
    std::size_t objects_in_use(std::size_t class_index) const;
    void list_push(std::size_t class_index, SlabPage* page);
    void list_remove(std::size_t class_index, SlabPage* page);
    std::uint64_t listed_free_mask(std::size_t class_index) const;

    PageSource* m_source;
    bool m_poison;
    // Per class, the head of the partial list when the heap does not poison, else nullptr: the one
    // per-class word the alloc fast path reads (a null sends it to alloc_slow).
    SlabPage* m_fast[kNumClasses] = {};
    SizeClass m_classes[kNumClasses];
    std::size_t m_large_allocations = 0;
    std::size_t m_large_bytes = 0;
    std::size_t m_large_pages = 0;
};

}  // namespace mm
