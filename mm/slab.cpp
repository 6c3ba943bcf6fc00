// SlabHeap: size-class selection, slab page carving and recycling, large blocks, and the checks that
// turn a bad free or a write to freed memory into a KASSERT. Layout diagram in mm/slab.h.
#include "mm/slab.h"

#include <bit>

#include "lib/kassert.h"

namespace mm {

namespace {

constexpr std::uint32_t kSlabMagic = 0x51AB0B1Eu;
constexpr std::uint32_t kLargeMagic = 0x1A46EB1Cu;
constexpr std::uintptr_t kPageMask = kPageSize - 1;
// Bounds the arithmetic in alloc_large; the page source refuses far smaller orders anyway.
constexpr std::size_t kMaxLargeSize = std::size_t{1} << 40;

constexpr std::size_t first_offset(std::size_t class_index) {
    const std::size_t s = SlabHeap::class_size(class_index);
    return s > SlabHeap::kHeaderSize ? s : SlabHeap::kHeaderSize;
}
constexpr std::size_t capacity(std::size_t class_index) {
    return (kPageSize - first_offset(class_index)) / SlabHeap::class_size(class_index);
}
static_assert(capacity(0) == 252 && capacity(2) == 63 && capacity(7) == 1);
static_assert(SlabHeap::class_size(SlabHeap::kNumClasses - 1) == SlabHeap::kMaxObjectSize);

void fill_poison(void* obj, std::size_t from, std::size_t to) {
    auto* b = static_cast<unsigned char*>(obj);
    for (std::size_t i = from; i < to; ++i) b[i] = SlabHeap::kPoisonByte;
}

bool poison_intact(const void* obj, std::size_t from, std::size_t to) {
    const auto* b = static_cast<const unsigned char*>(obj);
    for (std::size_t i = from; i < to; ++i)
        if (b[i] != SlabHeap::kPoisonByte) return false;
    return true;
}

}  // namespace

lib::Result<void*> SlabHeap::alloc(std::size_t size, std::size_t align) {
    if (align == 0 || (align & (align - 1)) != 0 || align > kMaxAlign) return lib::Error::InvalidArgument;
    const std::size_t need = size > align ? size : align;
    if (__builtin_expect(need > kMaxObjectSize, 0)) return alloc_large(size, align);
    // Class c holds 2^(c+4)-byte objects: the smallest class that fits `need`, which (objects being
    // naturally aligned) also satisfies align.
    const std::size_t ci = need <= 16 ? 0 : static_cast<std::size_t>(std::bit_width(need - 1)) - kMinObjectShift;
    const std::size_t shift = ci + kMinObjectShift;
    SizeClass& c = m_classes[ci];
    SlabPage* page = c.partial;
    if (__builtin_expect(page == nullptr, 0)) {
        page = refill(ci);
        if (page == nullptr) return lib::Error::NoMemory;
    }
    FreeObject* obj = page->free_list;
    // The list lives in freed objects: check the head is a free slot of this page before trusting it.
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(obj) - reinterpret_cast<std::uintptr_t>(page);
    const std::size_t first = first_offset(ci);
    const std::size_t slot = (off - first) >> shift;
    KASSERT_MSG(off - first < kPageSize - first && (off & ((std::uintptr_t{1} << shift) - 1)) == 0 &&
                    (page->allocated[slot / 64] & (std::uint64_t{1} << (slot % 64))) == 0,
                "slab: free list corrupted (write to freed memory?)");
    page->allocated[slot / 64] |= std::uint64_t{1} << (slot % 64);
    page->free_list = obj->next;
    ++page->in_use;
    ++c.objects_in_use;
    if (page->free_list == nullptr) partial_remove(c, page);  // now full
    if (m_poison)
        KASSERT_MSG(poison_intact(obj, sizeof(FreeObject), std::size_t{1} << shift),
                    "slab: freed object was written to (use after free)");
    return static_cast<void*>(obj);
}

void SlabHeap::free(void* p) {
    if (p == nullptr) return;
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if (__builtin_expect((a & kPageMask) == 0, 0)) {
        // Only 4096-aligned large blocks hand out page-aligned pointers; their header is the page below.
        free_large(reinterpret_cast<LargeHeader*>(a - kPageSize), p);
        return;
    }
    void* base = reinterpret_cast<void*>(a & ~kPageMask);
    const std::uint32_t magic = *static_cast<const std::uint32_t*>(base);
    if (__builtin_expect(magic == kSlabMagic, 1)) {
        free_slab_object(static_cast<SlabPage*>(base), p);
        return;
    }
    KASSERT_MSG(magic == kLargeMagic, "slab: free of a pointer the heap never handed out");
    free_large(static_cast<LargeHeader*>(base), p);
}

void SlabHeap::free_slab_object(SlabPage* page, void* p) {
    const std::size_t ci = page->class_index;
    KASSERT_MSG(ci < kNumClasses, "slab: page header corrupted");
    const std::size_t shift = ci + kMinObjectShift;
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(page);
    const std::size_t first = first_offset(ci);
    KASSERT_MSG(off >= first && (off & ((std::uintptr_t{1} << shift) - 1)) == 0,
                "slab: free of a pointer into the middle of an object or the header");
    const std::size_t slot = (off - first) >> shift;
    std::uint64_t& word = page->allocated[slot / 64];
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    KASSERT_MSG((word & bit) != 0, "slab: double free");
    word &= ~bit;

    auto* obj = static_cast<FreeObject*>(p);
    if (m_poison) fill_poison(obj, sizeof(FreeObject), std::size_t{1} << shift);
    const bool was_full = page->free_list == nullptr;
    obj->next = page->free_list;
    page->free_list = obj;
    --page->in_use;
    SizeClass& c = m_classes[ci];
    --c.objects_in_use;
    if (page->in_use == 0) {
        if (!was_full) partial_remove(c, page);
        release_page(c, page);
    } else if (was_full) {
        partial_push(c, page);
    }
}

// A page for class ci, on the partial list with every object free: the cached empty page if there is
// one, else a fresh page from the source carved into a free list. nullptr if the source is exhausted.
SlabHeap::SlabPage* SlabHeap::refill(std::size_t ci) {
    SizeClass& c = m_classes[ci];
    SlabPage* page = c.cached_empty;
    if (page != nullptr) {
        c.cached_empty = nullptr;
    } else {
        auto pages = m_source->alloc_pages(0);
        if (!pages.ok()) return nullptr;
        KASSERT_MSG((reinterpret_cast<std::uintptr_t>(pages.value()) & kPageMask) == 0,
                    "slab: page source returned an unaligned page");
        page = static_cast<SlabPage*>(pages.value());
        page->magic = kSlabMagic;
        page->class_index = static_cast<std::uint8_t>(ci);
        page->reserved = 0;
        page->in_use = 0;
        page->prev = page->next = nullptr;
        for (auto& w : page->allocated) w = 0;
        const std::size_t size = class_size(ci);
        const std::size_t first = first_offset(ci);
        auto* bytes = reinterpret_cast<unsigned char*>(page);
        if (m_poison) fill_poison(bytes, first, kPageSize);
        // Ascending order: the first allocations come from the start of the page.
        FreeObject* head = nullptr;
        for (std::size_t i = capacity(ci); i-- > 0;) {
            auto* obj = reinterpret_cast<FreeObject*>(bytes + first + i * size);
            obj->next = head;
            head = obj;
        }
        page->free_list = head;
        ++c.pages;
    }
    partial_push(c, page);
    return page;
}

// page just became empty: keep it as the class's one cached page, or give it back.
void SlabHeap::release_page(SizeClass& c, SlabPage* page) {
    if (c.cached_empty == nullptr) {
        c.cached_empty = page;
        return;
    }
    page->magic = 0;  // a later free() of a stale pointer into it is refused, while the memory is intact
    --c.pages;
    m_source->free_pages(page, 0);
}

void SlabHeap::release_cached_pages() {
    for (auto& c : m_classes) {
        if (c.cached_empty == nullptr) continue;
        SlabPage* page = c.cached_empty;
        c.cached_empty = nullptr;
        page->magic = 0;
        --c.pages;
        m_source->free_pages(page, 0);
    }
}

void SlabHeap::partial_push(SizeClass& c, SlabPage* page) {
    page->prev = nullptr;
    page->next = c.partial;
    if (c.partial != nullptr) c.partial->prev = page;
    c.partial = page;
}

void SlabHeap::partial_remove(SizeClass& c, SlabPage* page) {
    if (page->prev != nullptr)
        page->prev->next = page->next;
    else
        c.partial = page->next;
    if (page->next != nullptr) page->next->prev = page->prev;
    page->prev = page->next = nullptr;
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
    h->magic = kLargeMagic;
    h->order = static_cast<std::uint8_t>(order);
    h->reserved = 0;
    h->offset = static_cast<std::uint16_t>(offset);
    h->reserved2 = 0;
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
    const auto* base = reinterpret_cast<const void*>((a & kPageMask) == 0 ? a - kPageSize : a & ~kPageMask);
    const std::uint32_t magic = *static_cast<const std::uint32_t*>(base);
    if (magic == kSlabMagic && (a & kPageMask) != 0)
        return class_size(static_cast<const SlabPage*>(base)->class_index);
    KASSERT_MSG(magic == kLargeMagic, "slab: allocation_size of a pointer the heap never handed out");
    return static_cast<std::size_t>(static_cast<const LargeHeader*>(base)->size);
}

SlabHeap::ClassStats SlabHeap::class_stats(std::size_t ci) const {
    KASSERT(ci < kNumClasses);
    const SizeClass& c = m_classes[ci];
    return ClassStats{class_size(ci), capacity(ci), c.objects_in_use, c.pages};
}

SlabHeap::Totals SlabHeap::totals() const {
    Totals t{};
    for (std::size_t ci = 0; ci < kNumClasses; ++ci) {
        t.slab_objects_in_use += m_classes[ci].objects_in_use;
        t.slab_bytes_in_use += m_classes[ci].objects_in_use * class_size(ci);
        t.slab_pages += m_classes[ci].pages;
    }
    t.large_allocations = m_large_allocations;
    t.large_bytes_in_use = m_large_bytes;
    t.large_pages = m_large_pages;
    t.pages = t.slab_pages + t.large_pages;
    return t;
}

}  // namespace mm
