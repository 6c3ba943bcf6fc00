// SlabHeap: size-class selection, slot bitmaps, page recycling, large blocks, and the checks that turn
// a bad free (or, when poisoning, a write to freed memory) into a KASSERT. Layout diagram in mm/slab.h. alloc() and
// free() are short fast paths (no poisoning, a listed page with a free slot in its hint word, nothing
// to do to the page's list) that hand everything else to out-of-line slow paths.
#include "mm/slab.h"

#include <bit>

#include "lib/kassert.h"

namespace mm {

namespace {

// A slab page stores kSlabMagic ^ class index. The low half is zero so the constant costs one
// instruction to build; the check still matches 29 bits.
constexpr std::uint32_t kSlabMagic = 0x51AB0000u;
constexpr std::uint32_t kLargeMagic = 0x1A46EB1Cu;
static_assert(((kLargeMagic ^ kSlabMagic) >= SlabHeap::kNumClasses) && (kSlabMagic & 7) == 0);
constexpr std::uintptr_t kPageMask = kPageSize - 1;
constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};
constexpr std::size_t kWords = (kPageSize >> SlabHeap::kMinObjectShift) / 64;  // of a page's bitmap
// Bounds the arithmetic in alloc_large; the page source refuses far smaller orders anyway.
constexpr std::size_t kMaxLargeSize = std::size_t{1} << 40;

constexpr unsigned class_shift(std::size_t class_index) {
    return static_cast<unsigned>(class_index + SlabHeap::kMinObjectShift);
}
constexpr std::size_t first_offset(std::size_t class_index) {
    const std::size_t s = SlabHeap::class_size(class_index);
    return s > SlabHeap::kHeaderSize ? s : SlabHeap::kHeaderSize;
}
constexpr std::size_t capacity(std::size_t class_index) {
    return (kPageSize - first_offset(class_index)) / SlabHeap::class_size(class_index);
}
static_assert(capacity(0) == 252 && capacity(2) == 63 && capacity(7) == 1);
static_assert(SlabHeap::class_size(SlabHeap::kNumClasses - 1) == SlabHeap::kMaxObjectSize);

// Word w of an empty page's bitmap: the bits of the slots under the header and past the page end.
constexpr std::uint64_t reserved_bits(std::size_t class_index, std::size_t w) {
    const std::size_t first_slot = first_offset(class_index) >> class_shift(class_index);
    const std::size_t end_slot = kPageSize >> class_shift(class_index);
    std::uint64_t bits = 0;
    for (std::size_t b = 0; b < 64; ++b) {
        const std::size_t slot = w * 64 + b;
        if (slot < first_slot || slot >= end_slot) bits |= std::uint64_t{1} << b;
    }
    return bits;
}
// The same, as a table for the slow paths and statistics.
struct ReservedTable {
    std::uint64_t bits[SlabHeap::kNumClasses][kWords];
};
constexpr ReservedTable make_reserved_table() {
    ReservedTable t{};
    for (std::size_t ci = 0; ci < SlabHeap::kNumClasses; ++ci)
        for (std::size_t w = 0; w < kWords; ++w) t.bits[ci][w] = reserved_bits(ci, w);
    return t;
}
constexpr ReservedTable kReserved = make_reserved_table();
static_assert(reserved_bits(0, 0) == 0xF && reserved_bits(0, 3) == 0 && reserved_bits(1, 2) == kAllOnes);
static_assert(reserved_bits(2, 0) == 1 && reserved_bits(7, 0) == ~std::uint64_t{2});
// The free fast path masks word 0's reserved bits only; every other word's are none or all.
static_assert(reserved_bits(0, 1) == 0 && reserved_bits(1, 1) == 0 && reserved_bits(2, 1) == kAllOnes);

unsigned popcount(std::uint64_t x) {  // not std::popcount: that may become a libgcc call in the kernel
    unsigned n = 0;
    for (; x != 0; x &= x - 1) ++n;
    return n;
}

void fill_poison(void* obj, std::size_t from, std::size_t to) {
    auto* b = static_cast<unsigned char*>(obj);
    for (std::size_t i = from; i < to; ++i) b[i] = SlabHeap::kPoisonByte;
}

// free()'s refusals, out of line so that its fast path needs no stack frame (a tail call, where a
// KASSERT inline would be a call that keeps a frame). Called only with one of the two false.
[[gnu::noinline, gnu::cold]] void refuse_free(bool slot_start, bool handed_out) {
    KASSERT_MSG(slot_start, "slab: free of a pointer into the middle of an object or the header");
    KASSERT_MSG(handed_out, "slab: double free");
}

bool poison_intact(const void* obj, std::size_t size) {
    const auto* b = static_cast<const unsigned char*>(obj);
    for (std::size_t i = 0; i < size; ++i)
        if (b[i] != SlabHeap::kPoisonByte) return false;
    return true;
}

}  // namespace

lib::Result<void*> SlabHeap::alloc(std::size_t size, std::size_t align) {
    // One test for the common case, size 1..2048 and align a power of two up to 2048: size 0, align 0
    // and align > 2048 all make span >= 2048 (the slow path sorts them out).
    const std::size_t span = (size - 1) | (align - 1);
    if (__builtin_expect(span >= kMaxObjectSize || (align & (align - 1)) != 0, 0)) return alloc_slow(size, align);
    // Class size 2^shift is the smallest power of two >= max(size, align, 16); objects being naturally
    // aligned, it also satisfies align.
    const unsigned shift = static_cast<unsigned>(std::bit_width(span | 15));
    SlabPage* page = m_fast[shift - kMinObjectShift];
    if (__builtin_expect(page == nullptr, 0)) return alloc_slow(size, align);
    const std::size_t w = page->hint;
    const std::uint64_t word = page->used[w];
    const std::uint64_t lowest_clear = word + 1;  // the carry stops at the lowest clear bit
    if (__builtin_expect(lowest_clear == 0, 0)) return alloc_slow(size, align);  // hint word full
    page->used[w] = word | lowest_clear;
    const std::size_t slot = w * 64 + static_cast<std::size_t>(std::countr_zero(lowest_clear));
    return static_cast<void*>(reinterpret_cast<unsigned char*>(page) + (slot << shift));
}

// All of alloc: argument checks, large blocks, poisoning, finding (or making) a page with a free slot.
[[gnu::noinline]] lib::Result<void*> SlabHeap::alloc_slow(std::size_t size, std::size_t align) {
    if (align == 0 || (align & (align - 1)) != 0 || align > kMaxAlign) return lib::Error::InvalidArgument;
    if (size == 0) size = 1;
    const std::size_t need = size > align ? size : align;
    if (need > kMaxObjectSize) return alloc_large(size, align);
    const std::size_t ci = need <= 16 ? 0 : static_cast<std::size_t>(std::bit_width(need - 1)) - kMinObjectShift;
    SlabPage* page = page_with_space(ci);
    if (page == nullptr) return lib::Error::NoMemory;
    const std::uint64_t word = page->used[page->hint];
    const std::uint64_t lowest_clear = word + 1;
    KASSERT(lowest_clear != 0);
    page->used[page->hint] = word | lowest_clear;
    const std::size_t slot = std::size_t{page->hint} * 64 + static_cast<std::size_t>(std::countr_zero(lowest_clear));
    void* obj = reinterpret_cast<unsigned char*>(page) + (slot << class_shift(ci));
    if (m_poison)
        KASSERT_MSG(poison_intact(obj, class_size(ci)), "slab: freed object was written to (use after free)");
    return obj;
}

// A listed page of class ci whose hint word has a clear bit, or nullptr if the source is exhausted.
// Listed pages found full on the way are unlisted (each once per time it fills: amortised O(1)).
SlabHeap::SlabPage* SlabHeap::page_with_space(std::size_t ci) {
    SizeClass& c = m_classes[ci];
    while (SlabPage* page = c.partial) {
        for (std::size_t w = 0; w < kBitmapWords; ++w) {
            if (page->used[w] != kAllOnes) {
                page->hint = static_cast<std::uint8_t>(w);
                return page;
            }
        }
        list_remove(ci, page);
        page->slow_free_mask = kAllOnes;  // the next free into it relists it
        ++c.full_pages;
    }
    return new_page(ci);
}

// A fresh page from the source, every slot free, listed. nullptr if the source is exhausted.
SlabHeap::SlabPage* SlabHeap::new_page(std::size_t ci) {
    auto pages = m_source->alloc_pages(0);
    if (!pages.ok()) return nullptr;
    KASSERT_MSG((reinterpret_cast<std::uintptr_t>(pages.value()) & kPageMask) == 0,
                "slab: page source returned an unaligned page");
    auto* page = static_cast<SlabPage*>(pages.value());
    for (std::size_t w = 0; w < kBitmapWords; ++w) page->used[w] = kReserved.bits[ci][w];
    page->magic = kSlabMagic ^ static_cast<std::uint32_t>(ci);
    page->hint = 0;
    page->reserved = 0;
    if (m_poison) fill_poison(page, first_offset(ci), kPageSize);
    ++m_classes[ci].pages;
    list_push(ci, page);
    return page;
}

void SlabHeap::free(void* p) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t off = a & kPageMask;
    if (__builtin_expect(off == 0, 0)) {
        free_page_aligned(p);
        return;
    }
    auto* page = reinterpret_cast<SlabPage*>(a - off);
    const std::uint32_t ci = page->magic ^ kSlabMagic;
    if (__builtin_expect(ci >= kNumClasses, 0)) {
        free_large(reinterpret_cast<LargeHeader*>(page), p);  // or a foreign pointer: it asserts
        return;
    }
    // off rotated right by the class shift is off >> shift if p is slot aligned, and huge if not.
    const std::uintptr_t slot = std::rotr(off, static_cast<int>(class_shift(ci)));
    if (__builtin_expect(slot >= kSlotsPerPage || off < kHeaderSize, 0)) {
        refuse_free(false, true);
        return;
    }
    std::uint64_t& word = page->used[slot / 64];
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (__builtin_expect((word & bit) == 0, 0)) {
        refuse_free(true, false);
        return;
    }
    const std::uint64_t left = word & ~bit;
    word = left;
    if (__builtin_expect((left & ~page->slow_free_mask) == 0, 0)) freed_slow(page, ci, p);
}

// After free() cleared p's bit: poisoning, relisting a full page, and an emptied page.
[[gnu::noinline]] void SlabHeap::freed_slow(SlabPage* page, std::size_t ci, void* p) {
    if (m_poison) fill_poison(p, 0, class_size(ci));
    SizeClass& c = m_classes[ci];
    if (!page->listed) {
        --c.full_pages;
        list_push(ci, page);
    }
    // Keep one empty page per class, listed, so an alloc/free pair on an otherwise idle class stays
    // on the fast paths; give back a second one. The kept page may empty and refill any number of
    // times without a look at its bitmap.
    SlabPage* cached = c.cached_empty;
    if (cached == page || !page_empty(page, ci)) return;
    if (cached == nullptr || !page_empty(cached, ci)) {
        c.cached_empty = page;
        return;
    }
    list_remove(ci, page);
    page->magic = 0;  // a later free() of a stale pointer into it is refused, while the memory is intact
    --c.pages;
    m_source->free_pages(page, 0);
}

bool SlabHeap::page_empty(const SlabPage* page, std::size_t ci) const {
    for (std::size_t w = 0; w < kBitmapWords; ++w)
        if (page->used[w] != kReserved.bits[ci][w]) return false;
    return true;
}

void SlabHeap::release_cached_pages() {
    for (std::size_t ci = 0; ci < kNumClasses; ++ci) {
        SizeClass& c = m_classes[ci];
        SlabPage* page = c.cached_empty;
        c.cached_empty = nullptr;
        if (page == nullptr || !page_empty(page, ci)) continue;
        list_remove(ci, page);
        page->magic = 0;
        --c.pages;
        m_source->free_pages(page, 0);
    }
}

std::uint64_t SlabHeap::listed_free_mask(std::size_t ci) const {
    return m_poison ? kAllOnes : kReserved.bits[ci][0];
}

void SlabHeap::list_push(std::size_t ci, SlabPage* page) {
    SizeClass& c = m_classes[ci];
    page->listed = true;
    page->slow_free_mask = listed_free_mask(ci);
    page->prev = nullptr;
    page->next = c.partial;
    if (c.partial != nullptr) c.partial->prev = page;
    c.partial = page;
    m_fast[ci] = m_poison ? nullptr : page;
}

void SlabHeap::list_remove(std::size_t ci, SlabPage* page) {
    SizeClass& c = m_classes[ci];
    if (page->prev != nullptr)
        page->prev->next = page->next;
    else
        c.partial = page->next;
    if (page->next != nullptr) page->next->prev = page->prev;
    page->prev = page->next = nullptr;
    page->listed = false;
    m_fast[ci] = m_poison ? nullptr : c.partial;
}

void SlabHeap::free_page_aligned(void* p) {
    if (p == nullptr) return;
    // Only 4096-aligned large blocks hand out page-aligned pointers; their header is the page below.
    free_large(reinterpret_cast<LargeHeader*>(reinterpret_cast<std::uintptr_t>(p) - kPageSize), p);
}

lib::Result<void*> SlabHeap::alloc_large(std::size_t size, std::size_t align) {
    if (size > kMaxLargeSize) return lib::Error::NoMemory;
    // offset <= 2048 keeps the object off the page boundary (header found by align_down); offset 4096
    // (page-aligned requests) puts it exactly one page above its header.
    const std::size_t offset = align > kHeaderSize ? align : kHeaderSize;
    const std::size_t total = offset + size;
    unsigned order = 0;
    while ((kPageSize << order) < total) ++order;
    void* pages = TRY(m_source->alloc_pages(order));
    KASSERT_MSG((reinterpret_cast<std::uintptr_t>(pages) & kPageMask) == 0,
                "slab: page source returned unaligned pages");
    auto* h = static_cast<LargeHeader*>(pages);
    *h = LargeHeader{};
    h->magic = kLargeMagic;
    h->order = static_cast<std::uint8_t>(order);
    h->offset = static_cast<std::uint16_t>(offset);
    h->size = size;
    ++m_large_allocations;
    m_large_bytes += size;
    m_large_pages += std::size_t{1} << order;
    return static_cast<void*>(static_cast<unsigned char*>(pages) + offset);
}

void SlabHeap::free_large(LargeHeader* h, void* p) {
    KASSERT_MSG(h->magic == kLargeMagic, "slab: free of a pointer the heap never handed out (or freed twice)");
    KASSERT_MSG(reinterpret_cast<unsigned char*>(h) + h->offset == p, "slab: free of a pointer inside a large block");
    --m_large_allocations;
    m_large_bytes -= h->size;
    m_large_pages -= std::size_t{1} << h->order;
    h->magic = 0;  // a second free() of p is refused while the memory is intact
    m_source->free_pages(h, h->order);
}

std::size_t SlabHeap::allocation_size(const void* p) const {
    KASSERT(p != nullptr);
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if ((a & kPageMask) != 0) {
        const auto* page = reinterpret_cast<const SlabPage*>(a & ~kPageMask);
        const std::uint32_t ci = page->magic ^ kSlabMagic;
        if (ci < kNumClasses) return class_size(ci);
    }
    const auto* h = reinterpret_cast<const LargeHeader*>((a & kPageMask) == 0 ? a - kPageSize : a & ~kPageMask);
    KASSERT_MSG(h->magic == kLargeMagic, "slab: allocation_size of a pointer the heap never handed out");
    return static_cast<std::size_t>(h->size);
}

// Full pages hold capacity objects each; listed ones are counted from their bitmaps.
std::size_t SlabHeap::objects_in_use(std::size_t ci) const {
    const SizeClass& c = m_classes[ci];
    std::size_t n = c.full_pages * capacity(ci);
    for (const SlabPage* page = c.partial; page != nullptr; page = page->next)
        for (std::size_t w = 0; w < kBitmapWords; ++w) n += popcount(page->used[w] & ~kReserved.bits[ci][w]);
    return n;
}

SlabHeap::ClassStats SlabHeap::class_stats(std::size_t ci) const {
    KASSERT(ci < kNumClasses);
    return ClassStats{class_size(ci), capacity(ci), objects_in_use(ci), m_classes[ci].pages};
}

SlabHeap::Totals SlabHeap::totals() const {
    Totals t{};
    for (std::size_t ci = 0; ci < kNumClasses; ++ci) {
        const std::size_t n = objects_in_use(ci);
        t.slab_objects_in_use += n;
        t.slab_bytes_in_use += n * class_size(ci);
        t.slab_pages += m_classes[ci].pages;
    }
    t.large_allocations = m_large_allocations;
    t.large_bytes_in_use = m_large_bytes;
    t.large_pages = m_large_pages;
    t.pages = t.slab_pages + t.large_pages;
    return t;
}

}  // namespace mm
