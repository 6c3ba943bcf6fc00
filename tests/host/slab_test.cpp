// Host tests for mm::SlabHeap on a fake page source (aligned host memory that counts pages): size
// classes and alignment, page recycling, poisoning, refused frees, exhaustion, and a randomised run
// against a model of live blocks with their contents. Budget: about a second with sanitizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "host/support.h"
#include "mm/slab.h"

namespace {

using mm::kPageSize;
using mm::SlabHeap;

// Pages from std::aligned_alloc. Freed pages are kept (and reused) until the source dies, so a test
// may free a stale pointer into one without a host use-after-free.
class FakePageSource final : public mm::PageSource {
public:
    explicit FakePageSource(std::size_t limit_pages = std::numeric_limits<std::size_t>::max())
        : m_limit(limit_pages) {}
    ~FakePageSource() {
        for (auto& [p, order] : m_all) std::free(p);
    }

    lib::Result<void*> alloc_pages(unsigned order) override {
        if (order > 10) return lib::Error::InvalidArgument;
        const std::size_t n = std::size_t{1} << order;
        if (m_in_use + n > m_limit) return lib::Error::NoMemory;
        void* p = nullptr;
        for (auto it = m_pool.begin(); it != m_pool.end(); ++it) {
            if (it->second == order) {
                p = it->first;
                m_pool.erase(it);
                break;
            }
        }
        if (p == nullptr) {
            p = std::aligned_alloc(kPageSize, kPageSize << order);
            std::memset(p, 0, kPageSize << order);
            m_all[p] = order;
        }
        m_outstanding[p] = order;
        m_in_use += n;
        ++m_calls;
        return p;
    }

    void free_pages(void* p, unsigned order) override {
        auto it = m_outstanding.find(p);
        ASSERT_NE(it, m_outstanding.end()) << "free_pages of a block never handed out";
        ASSERT_EQ(it->second, order);
        m_outstanding.erase(it);
        m_in_use -= std::size_t{1} << order;
        m_pool.emplace_back(p, order);
    }

    std::size_t pages_in_use() const { return m_in_use; }
    std::size_t alloc_calls() const { return m_calls; }
    void set_limit(std::size_t pages) { m_limit = pages; }

private:
    std::size_t m_limit;
    std::size_t m_in_use = 0;
    std::size_t m_calls = 0;
    std::map<void*, unsigned> m_all;
    std::map<void*, unsigned> m_outstanding;
    std::vector<std::pair<void*, unsigned>> m_pool;
};

std::uintptr_t addr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

void* must_alloc(SlabHeap& h, std::size_t size, std::size_t align = 16) {
    auto r = h.alloc(size, align);
    EXPECT_TRUE(r.ok()) << "size " << size << " align " << align;
    return r.ok() ? r.value() : nullptr;
}

// Test-side class selection, written independently of the heap: -1 for the large path.
int expected_class(std::size_t size, std::size_t align) {
    std::size_t need = size > align ? size : align;
    if (need < 16) need = 16;
    if (need > 2048) return -1;
    int c = 0;
    while ((std::size_t{16} << c) < need) ++c;
    return c;
}

TEST(SlabTest, SmallAllocationsUseTheSmallestFittingClass) {
    FakePageSource src;
    SlabHeap heap(src, false);
    const std::size_t sizes[] = {0, 1, 16, 17, 32, 33, 64, 100, 128, 200, 256, 500, 512, 1000, 1024, 2000, 2048};
    for (std::size_t s : sizes) {
        void* p = must_alloc(heap, s);
        const int c = expected_class(s, 16);
        EXPECT_EQ(heap.allocation_size(p), SlabHeap::class_size(static_cast<std::size_t>(c))) << "size " << s;
        EXPECT_EQ(addr(p) % SlabHeap::class_size(static_cast<std::size_t>(c)), 0u) << "natural alignment, size " << s;
        EXPECT_NE(addr(p) % kPageSize, 0u);
        heap.free(p);
    }
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

TEST(SlabTest, HonoursEveryAlignmentUpTo4096) {
    FakePageSource src;
    SlabHeap heap(src, false);
    std::vector<void*> live;
    for (std::size_t align = 1; align <= 4096; align <<= 1) {
        for (std::size_t size : {1u, 24u, 100u, 2048u, 3000u, 5000u, 9000u}) {
            void* p = must_alloc(heap, size, align);
            EXPECT_EQ(addr(p) % align, 0u) << "size " << size << " align " << align;
            EXPECT_GE(heap.allocation_size(p), size);
            std::memset(p, 0xA5, size);
            live.push_back(p);
        }
    }
    for (void* p : live) heap.free(p);
    const auto t = heap.totals();
    EXPECT_EQ(t.slab_objects_in_use + t.large_allocations + t.large_pages, 0u);
}

TEST(SlabTest, RejectsBadAlignments) {
    FakePageSource src;
    SlabHeap heap(src, false);
    EXPECT_EQ(heap.alloc(16, 0).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(heap.alloc(16, 3).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(heap.alloc(16, 8192).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(src.alloc_calls(), 0u);
    // The same with a page of the class at hand (the fast path's checks).
    void* keep = must_alloc(heap, 16);
    EXPECT_EQ(heap.alloc(16, 0).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(heap.alloc(10, 3).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(heap.alloc(16, 24).error(), lib::Error::InvalidArgument);
    EXPECT_EQ(heap.alloc(16, 8192).error(), lib::Error::InvalidArgument);
    heap.free(keep);
}

// Sizes and alignments either side of each class boundary and of the slab/large boundary, with a
// page of every class already held (so each request could be served without the page source).
TEST(SlabTest, ClassBoundariesWithEveryClassPopulated) {
    FakePageSource src;
    SlabHeap heap(src, false);
    std::vector<void*> keep;
    for (std::size_t c = 0; c < SlabHeap::kNumClasses; ++c) keep.push_back(must_alloc(heap, SlabHeap::class_size(c)));
    for (std::size_t s = 8; s <= 4096; s <<= 1) {
        for (std::size_t size : {s - 1, s, s + 1}) {
            for (std::size_t align : {std::size_t{1}, std::size_t{16}, s / 2, s}) {
                void* p = must_alloc(heap, size, align);
                const int c = expected_class(size, align);
                const std::size_t usable = heap.allocation_size(p);
                if (c < 0)
                    EXPECT_EQ(usable, size) << "size " << size << " align " << align;
                else
                    EXPECT_EQ(usable, SlabHeap::class_size(static_cast<std::size_t>(c))) << "size " << size << " align " << align;
                EXPECT_EQ(addr(p) % align, 0u);
                EXPECT_EQ(heap.totals().large_allocations, c < 0 ? 1u : 0u) << "size " << size << " align " << align;
                std::memset(p, 0x3C, size);
                heap.free(p);
            }
        }
    }
    for (void* p : keep) heap.free(p);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

TEST(SlabTest, LargeAllocationsGoStraightToPages) {
    FakePageSource src;
    SlabHeap heap(src, false);
    void* a = must_alloc(heap, 2049);       // 64-byte header + 2049 -> one page
    void* b = must_alloc(heap, 4096);       // header + 4096 -> two pages
    void* c = must_alloc(heap, 100, 4096);  // page-aligned: header page + object page
    EXPECT_EQ(src.pages_in_use(), 1u + 2u + 2u);
    EXPECT_EQ(addr(c) % kPageSize, 0u);
    auto t = heap.totals();
    EXPECT_EQ(t.large_allocations, 3u);
    EXPECT_EQ(t.large_pages, 5u);
    EXPECT_EQ(t.large_bytes_in_use, 2049u + 4096u + 100u);
    EXPECT_EQ(heap.allocation_size(b), 4096u);
    EXPECT_EQ(heap.allocation_size(c), 100u);
    heap.free(a);
    heap.free(b);
    heap.free(c);
    EXPECT_EQ(src.pages_in_use(), 0u);
    t = heap.totals();
    EXPECT_EQ(t.large_allocations + t.large_pages + t.large_bytes_in_use, 0u);
}

TEST(SlabTest, KeepsAtMostOneEmptyPagePerClass) {
    FakePageSource src;
    SlabHeap heap(src, false);
    std::vector<void*> objs;
    for (int i = 0; i < 3; ++i) objs.push_back(must_alloc(heap, 2048));  // one per page
    for (int i = 0; i < 200; ++i) objs.push_back(must_alloc(heap, 64));   // 63 per page -> 4 pages
    EXPECT_EQ(heap.class_stats(7).pages, 3u);
    EXPECT_EQ(heap.class_stats(7).objects_in_use, 3u);
    EXPECT_EQ(heap.class_stats(2).pages, 4u);
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 200u);
    EXPECT_EQ(heap.class_stats(2).objects_per_page, 63u);
    EXPECT_EQ(src.pages_in_use(), 7u);
    for (void* p : objs) heap.free(p);
    EXPECT_EQ(heap.class_stats(7).pages, 1u);
    EXPECT_EQ(heap.class_stats(2).pages, 1u);
    EXPECT_EQ(src.pages_in_use(), 2u);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
    // The cached page is reused before asking the source again.
    const std::size_t calls = src.alloc_calls();
    heap.free(must_alloc(heap, 64));
    EXPECT_EQ(src.alloc_calls(), calls);
    heap.release_cached_pages();
    EXPECT_EQ(src.pages_in_use(), 0u);
    EXPECT_EQ(heap.totals().pages, 0u);
    // A released page is gone from the heap: the next allocation takes a fresh one.
    void* p = must_alloc(heap, 64);
    EXPECT_EQ(src.alloc_calls(), calls + 1);
    EXPECT_EQ(src.pages_in_use(), 1u);
    heap.free(p);
}

// The kept empty page may be allocated from again; a page that empties afterwards is then kept in
// its place rather than given back.
TEST(SlabTest, AnEmptiedPageIsKeptWhenTheKeptOneIsInUseAgain) {
    FakePageSource src;
    SlabHeap heap(src, false);
    void* a = must_alloc(heap, 2048);  // page A (one object per page)
    void* b = must_alloc(heap, 2048);  // page B
    heap.free(a);                      // A empty: kept
    void* c = must_alloc(heap, 2048);  // from A again
    EXPECT_EQ(c, a);
    heap.free(b);                      // B empty, the kept A is not: keep B
    EXPECT_EQ(src.pages_in_use(), 2u);
    EXPECT_EQ(heap.class_stats(7).pages, 2u);
    void* d = must_alloc(heap, 2048);  // from B, no new page
    EXPECT_EQ(d, b);
    EXPECT_EQ(src.alloc_calls(), 2u);
    heap.free(c);
    heap.free(d);
    EXPECT_EQ(src.pages_in_use(), 1u);  // one of the two emptied pages given back
}

TEST(SlabTest, ExhaustedPageSourceReturnsNoMemory) {
    FakePageSource src(2);
    SlabHeap heap(src, false);
    std::vector<void*> objs;
    for (;;) {
        auto r = heap.alloc(16);
        if (!r.ok()) {
            EXPECT_EQ(r.error(), lib::Error::NoMemory);
            break;
        }
        objs.push_back(r.value());
    }
    EXPECT_EQ(objs.size(), 2 * heap.class_stats(0).objects_per_page);
    EXPECT_EQ(heap.alloc(5000).error(), lib::Error::NoMemory);
    EXPECT_EQ(heap.alloc(64).error(), lib::Error::NoMemory);
    EXPECT_EQ(heap.alloc(std::numeric_limits<std::size_t>::max()).error(), lib::Error::NoMemory);
    heap.free(objs.back());
    objs.pop_back();
    objs.push_back(must_alloc(heap, 16));  // a freed slot is usable again
    for (void* p : objs) heap.free(p);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

TEST(SlabTest, PoisonsFreedObjectsAndDetectsUseAfterFree) {
    FakePageSource src;
    SlabHeap heap(src, true);
    auto* p = static_cast<unsigned char*>(must_alloc(heap, 64));
    for (std::size_t i = 8; i < 64; ++i) ASSERT_EQ(p[i], SlabHeap::kPoisonByte) << "fresh objects are poisoned";
    std::memset(p, 0x11, 64);
    auto* keep = must_alloc(heap, 64);  // keeps the page from being emptied
    heap.free(p);
    for (std::size_t i = 8; i < 64; ++i) ASSERT_EQ(p[i], SlabHeap::kPoisonByte) << "byte " << i;
    p[40] = 0x00;  // write after free
    EXPECT_THROW((void)heap.alloc(64), lib::AssertionFailure);
    heap.free(keep);
}

TEST(SlabTest, WithoutPoisoningAWriteAfterFreeGoesUnchecked) {
    FakePageSource src;
    SlabHeap heap(src, false);
    auto* p = static_cast<unsigned char*>(must_alloc(heap, 64));
    void* keep = must_alloc(heap, 64);
    heap.free(p);
    p[40] = 0x00;
    void* q = must_alloc(heap, 64);
    EXPECT_EQ(q, p);  // LIFO reuse, no check
    heap.free(q);
    heap.free(keep);
}

// The heap keeps no metadata in free objects (a bitmap in the page header says which slots are
// free), so scribbling over a freed object, its first word included, cannot send alloc astray.
TEST(SlabTest, WritesToAFreedObjectCannotCorruptTheHeap) {
    FakePageSource src;
    SlabHeap heap(src, false);
    auto* p = static_cast<unsigned char*>(must_alloc(heap, 128));
    void* keep = must_alloc(heap, 128);
    heap.free(p);
    std::memset(p, 0x5A, 128);
    const std::uintptr_t bogus = addr(p) + 8;
    std::memcpy(p, &bogus, sizeof bogus);
    void* a = must_alloc(heap, 128);
    void* b = must_alloc(heap, 128);
    EXPECT_EQ(a, p);  // the lowest free slot
    EXPECT_NE(b, a);
    EXPECT_NE(b, keep);
    EXPECT_EQ(addr(b) % 128, 0u);
    EXPECT_EQ(addr(b) & ~(kPageSize - 1), addr(p) & ~(kPageSize - 1));
    heap.free(a);
    heap.free(b);
    heap.free(keep);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

// Repeated alloc/free of one object on an otherwise idle class: the emptied page stays listed and is
// neither given back nor replaced.
TEST(SlabTest, AllocFreePairsOnAnIdleClassKeepOnePage) {
    FakePageSource src;
    SlabHeap heap(src, false);
    void* first = must_alloc(heap, 64);
    heap.free(first);
    for (int i = 0; i < 1000; ++i) {
        void* p = must_alloc(heap, 64);
        ASSERT_EQ(p, first) << "iteration " << i;
        heap.free(p);
    }
    EXPECT_EQ(src.alloc_calls(), 1u);
    EXPECT_EQ(src.pages_in_use(), 1u);
    EXPECT_EQ(heap.class_stats(2).pages, 1u);
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 0u);
    heap.release_cached_pages();
    EXPECT_EQ(src.pages_in_use(), 0u);
}

// The 16-byte class spans four bitmap words: slots freed in earlier words are found again once the
// word allocation was working in fills up, before any new page is taken.
TEST(SlabTest, SlotsFreedInEarlierBitmapWordsAreReusedBeforeANewPage) {
    FakePageSource src;
    SlabHeap heap(src, false);
    const std::size_t per_page = heap.class_stats(0).objects_per_page;
    std::vector<void*> objs;
    for (std::size_t i = 0; i < per_page - 3; ++i) objs.push_back(must_alloc(heap, 16));
    ASSERT_EQ(src.alloc_calls(), 1u);
    // Free slots in words 0, 1 and 2 while allocation is working in word 3.
    std::vector<void*> freed = {objs[0], objs[70], objs[150]};
    for (void* p : freed) heap.free(p);
    EXPECT_THROW(heap.free(objs[70]), lib::AssertionFailure);  // double free, in a later word
    std::vector<void*> again;
    for (std::size_t i = 0; i < 3 + freed.size(); ++i) again.push_back(must_alloc(heap, 16));
    EXPECT_EQ(src.alloc_calls(), 1u);
    EXPECT_EQ(heap.class_stats(0).objects_in_use, per_page);
    for (void* p : freed) EXPECT_NE(std::find(again.begin(), again.end(), p), again.end());
    void* next = must_alloc(heap, 16);  // the page is full now
    EXPECT_EQ(src.alloc_calls(), 2u);
    EXPECT_NE(addr(next) & ~(kPageSize - 1), addr(objs[0]) & ~(kPageSize - 1));
    heap.free(next);
    for (void* p : again) heap.free(p);
    for (std::size_t i = 0; i < objs.size(); ++i)
        if (i != 0 && i != 70 && i != 150) heap.free(objs[i]);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

// A full page is on no list; a free into it makes its slot available again before a new page.
TEST(SlabTest, AFreeIntoAFullPageMakesItsSlotAvailableAgain) {
    FakePageSource src;
    SlabHeap heap(src, false);
    std::vector<void*> objs;
    for (int i = 0; i < 63 * 2; ++i) objs.push_back(must_alloc(heap, 64));  // pages A and B
    objs.push_back(must_alloc(heap, 64));  // finds A and B full: page C
    EXPECT_EQ(src.alloc_calls(), 3u);
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 63u * 2 + 1);
    heap.free(objs[10]);  // page A
    heap.free(objs[63 + 5]);  // page B
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 63u * 2 - 1);
    void* a = must_alloc(heap, 64);
    void* b = must_alloc(heap, 64);
    EXPECT_EQ(src.alloc_calls(), 3u);
    EXPECT_TRUE((a == objs[10] && b == objs[68]) || (a == objs[68] && b == objs[10]));
    objs[10] = a;
    objs[68] = b;
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 63u * 2 + 1);
    for (void* p : objs) heap.free(p);
    EXPECT_EQ(heap.class_stats(2).objects_in_use, 0u);
    EXPECT_EQ(heap.class_stats(2).pages, 1u);
}

// In the 16- and 32-byte classes the header covers slot-aligned offsets 16..48: not objects.
TEST(SlabTest, FreeOfAPointerIntoTheHeaderOfASmallClassAsserts) {
    FakePageSource src;
    SlabHeap heap(src, false);
    for (std::size_t size : {16u, 32u}) {
        void* p = must_alloc(heap, size);
        const std::uintptr_t page = addr(p) & ~(kPageSize - 1);
        EXPECT_EQ(addr(p) - page, 64u) << "size " << size;
        for (std::uintptr_t off = size; off < 64; off += size)
            EXPECT_THROW(heap.free(reinterpret_cast<void*>(page + off)), lib::AssertionFailure) << off;
        heap.free(p);
    }
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

TEST(SlabTest, DoubleFreeAsserts) {
    FakePageSource src;
    SlabHeap heap(src, true);
    void* keep = must_alloc(heap, 32);
    void* p = must_alloc(heap, 32);
    heap.free(p);
    EXPECT_THROW(heap.free(p), lib::AssertionFailure);
    heap.free(keep);  // page now empty and cached: still detected
    EXPECT_THROW(heap.free(keep), lib::AssertionFailure);
    EXPECT_EQ(heap.totals().slab_objects_in_use, 0u);
}

TEST(SlabTest, FreeOfAPointerIntoAReturnedPageAsserts) {
    FakePageSource src;
    SlabHeap heap(src, false);
    void* a = must_alloc(heap, 2048);  // page 1
    void* b = must_alloc(heap, 2048);  // page 2
    heap.free(a);                      // cached
    heap.free(b);                      // returned to the source (memory kept alive by the fake)
    EXPECT_EQ(src.pages_in_use(), 1u);
    EXPECT_THROW(heap.free(b), lib::AssertionFailure);
    EXPECT_THROW((void)heap.allocation_size(b), lib::AssertionFailure);  // no longer a slab page
}

TEST(SlabTest, FreeOfAPointerNotHandedOutAsserts) {
    FakePageSource src;
    SlabHeap heap(src, false);
    auto* p = static_cast<unsigned char*>(must_alloc(heap, 64));
    EXPECT_THROW(heap.free(p + 8), lib::AssertionFailure);   // mid-object
    EXPECT_THROW(heap.free(p - 64 + 8), lib::AssertionFailure);  // inside the page header
    auto* foreign = static_cast<unsigned char*>(src.alloc_pages(1).value());  // zeroed, no magic
    EXPECT_THROW(heap.free(foreign + 200), lib::AssertionFailure);
    EXPECT_THROW(heap.free(foreign + kPageSize), lib::AssertionFailure);  // page aligned: no large header below
    src.free_pages(foreign, 1);
    auto* big = static_cast<unsigned char*>(must_alloc(heap, 3000));
    EXPECT_THROW(heap.free(big + 16), lib::AssertionFailure);  // inside a large block
    heap.free(big);
    EXPECT_THROW(heap.free(big), lib::AssertionFailure);  // large double free
    void* aligned = must_alloc(heap, 10, 4096);
    heap.free(aligned);
    EXPECT_THROW(heap.free(aligned), lib::AssertionFailure);
    heap.free(p);
    EXPECT_EQ(heap.totals().slab_objects_in_use + heap.totals().large_allocations, 0u);
}

// The randomised run: mixed sizes and alignments, contents checked by a per-block pattern, no overlap,
// per-class statistics compared with the model, everything returned at the end.
TEST(SlabTest, RandomAllocFreeMatchesReferenceModel) {
    for (bool poison : {false, true}) {
        const std::uint32_t seed = poison ? 4242 : 1717;
        SCOPED_TRACE("seed " + std::to_string(seed) + (poison ? " poison" : ""));
        std::mt19937 rng(seed);
        FakePageSource src;
        SlabHeap heap(src, poison);
        struct Block {
            std::size_t size;
            std::size_t align;
            unsigned char pattern;
        };
        std::map<std::uintptr_t, Block> live;
        std::vector<std::uintptr_t> order;  // for random picks
        std::size_t per_class[SlabHeap::kNumClasses] = {};
        std::size_t large = 0;

        auto check_block = [&](std::uintptr_t a, const Block& b) {
            const auto* p = reinterpret_cast<const unsigned char*>(a);
            for (std::size_t i = 0; i < b.size; ++i)
                if (p[i] != static_cast<unsigned char>(b.pattern + i)) return false;
            return true;
        };

        const int ops = poison ? 20000 : 60000;
        for (int op = 0; op < ops; ++op) {
            const bool do_alloc = live.empty() || rng() % 100 < ((op / 5000) % 2 == 0 ? 60u : 40u);
            if (do_alloc) {
                const unsigned kind = rng() % 100;
                std::size_t size = kind < 70 ? rng() % 257 : kind < 92 ? 257 + rng() % 1792 : 2049 + rng() % 14000;
                std::size_t align = rng() % 100 < 80 ? 16 : std::size_t{1} << (rng() % 13);
                void* p = must_alloc(heap, size, align);
                ASSERT_NE(p, nullptr) << "op " << op;
                const std::uintptr_t a = addr(p);
                ASSERT_EQ(a % align, 0u) << "op " << op;
                ASSERT_GE(heap.allocation_size(p), size) << "op " << op;
                // No overlap with the neighbours on either side.
                auto next = live.lower_bound(a);
                if (next != live.end()) {
                    ASSERT_LE(a + (size ? size : 1), next->first) << "op " << op;
                }
                if (next != live.begin()) {
                    auto prev = std::prev(next);
                    ASSERT_LE(prev->first + (prev->second.size ? prev->second.size : 1), a) << "op " << op;
                }
                const Block b{size, align, static_cast<unsigned char>(rng())};
                auto* bytes = static_cast<unsigned char*>(p);
                for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(b.pattern + i);
                live[a] = b;
                order.push_back(a);
                const int c = expected_class(size, align);
                if (c < 0) ++large; else ++per_class[c];
            } else {
                const std::size_t i = rng() % order.size();
                const std::uintptr_t a = order[i];
                order[i] = order.back();
                order.pop_back();
                const Block b = live.at(a);
                ASSERT_TRUE(check_block(a, b)) << "op " << op << ": contents of a live block changed";
                live.erase(a);
                heap.free(reinterpret_cast<void*>(a));
                const int c = expected_class(b.size, b.align);
                if (c < 0) --large; else --per_class[c];
            }
            if (op % 1000 == 0) {
                for (std::size_t c = 0; c < SlabHeap::kNumClasses; ++c)
                    ASSERT_EQ(heap.class_stats(c).objects_in_use, per_class[c]) << "op " << op << " class " << c;
                ASSERT_EQ(heap.totals().large_allocations, large) << "op " << op;
                ASSERT_EQ(src.pages_in_use(), heap.totals().pages) << "op " << op;
            }
        }
        for (auto& [a, b] : live) {
            ASSERT_TRUE(check_block(a, b));
            heap.free(reinterpret_cast<void*>(a));
        }
        const auto t = heap.totals();
        EXPECT_EQ(t.slab_objects_in_use, 0u);
        EXPECT_EQ(t.slab_bytes_in_use, 0u);
        EXPECT_EQ(t.large_allocations, 0u);
        EXPECT_EQ(t.large_bytes_in_use, 0u);
        EXPECT_EQ(t.large_pages, 0u);
        EXPECT_LE(t.slab_pages, SlabHeap::kNumClasses);  // only the cached empties remain
        heap.release_cached_pages();
        EXPECT_EQ(heap.totals().pages, 0u);
        EXPECT_EQ(src.pages_in_use(), 0u);
    }
}

}  // namespace
