// Memory bring-up and the kernel's frame, page-table and heap services.
//
// Order at boot: (1) extend the boot linear map to every GiB of RAM so the allocator can touch any
// frame; (2) usable RAM = memory ranges minus image, device tree, initrd and reserved ranges;
// (3) the buddy allocator over it, its metadata carved from usable RAM; (4) a new kernel page table
// built by the engine (W^X image, linear map in blocks, MMIO), installed in TTBR1; TTBR0 gets an
// empty table so the boot identity map is gone; (5) the heap.
//
// Locks: s_frames_lock guards the buddy allocator; s_table_lock guards the kernel page table;
// s_heap_lock guards the slab heap. Order: table -> frames, heap -> frames (never the reverse).
#include "kernel/memory.h"

#include "arch/aarch64/cache.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/pte.h"
#include "arch/aarch64/spinlock.h"
#include "arch/aarch64/tlb.h"
#include "kernel/hardware_tlb.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "lib/string.h"
#include "mm/buddy_allocator.h"
#include "mm/layout.h"
#include "mm/phys_ranges.h"
#include "mm/slab.h"

extern "C" char _kernel_start[], _etext[], _erodata[], _kernel_end[];
extern std::uint64_t boot_l1_linear[512];

namespace kernel::memory {

namespace {

using mm::MapFlags;
using mm::PhysAddr;

arch::SpinLock s_frames_lock;
constinit mm::BuddyAllocator s_buddy;   // guarded by s_frames_lock

// Per-frame extra reference counts over the buddy allocator's span (frame_ref_*): carved and
// zeroed at init like the buddy metadata. Touched only with atomics.
std::uint8_t* s_frame_refs = nullptr;
PhysAddr s_frame_refs_base = 0;
std::size_t s_frame_refs_count = 0;

arch::SpinLock s_table_lock;
alignas(mm::PageTable) unsigned char s_table_storage[sizeof(mm::PageTable)];
mm::PageTable* s_kernel_table = nullptr;  // guarded by s_table_lock
PhysAddr s_empty_user_root = 0;

HardwareTlb s_tlb;

void* linear(PhysAddr pa, void*) { return reinterpret_cast<void*>(mm::phys_to_linear(pa)); }

// Page-table frames. The engine frees tables only once every entry is zero again, so a small per-CPU
// stack of freed tables is handed out again without zeroing (fork and exit build and tear down a few
// tables each; zeroing 4 KiB costs more than the rest of a table's allocation).
class KernelFrames final : public mm::FrameSource {
public:
    constexpr KernelFrames() : mm::FrameSource(mm::kLinearBase) {}  // tables are in the linear map
    lib::Result<PhysAddr> alloc_table() override {
        {
            arch::IrqGuard irq;
            ZeroedTables& z = m_zeroed[arch::cpu_index() & 7];
            if (z.count > 0) return z.frames[--z.count];
        }
        return alloc_zeroed_frame();
    }
    void free_table(PhysAddr pa) override {
        {
            arch::IrqGuard irq;
            ZeroedTables& z = m_zeroed[arch::cpu_index() & 7];
            // Only the engine frees tables, and it cannot free one twice (host tests check that on
            // every path); the frame cache behind this one still catches double frees of frames.
            if (z.count > 0 && z.frames[z.count - 1] == pa)
                panic("memory: table frame 0x%llx freed twice", static_cast<unsigned long long>(pa));
            if (z.count < kZeroedMax) {
                z.frames[z.count++] = pa;
                return;
            }
        }
        free_frames(pa, 0);
    }
    void* table_virt(PhysAddr pa) override { return phys_to_virt(pa); }
    std::size_t cached() const {  // frames held in every CPU's stack (racy read: statistics only)
        std::size_t n = 0;
        for (const ZeroedTables& z : m_zeroed) n += __atomic_load_n(&z.count, __ATOMIC_RELAXED);
        return n;
    }
    // This CPU's stack back to the frame allocator (memory accounting in tests).
    void drain() {
        arch::IrqGuard irq;
        ZeroedTables& z = m_zeroed[arch::cpu_index() & 7];
        while (z.count > 0) free_frames(z.frames[--z.count], 0);
    }

private:
    static constexpr unsigned kZeroedMax = 16;
    struct ZeroedTables {
        PhysAddr frames[kZeroedMax];
        unsigned count;
    };
    ZeroedTables m_zeroed[8] = {};  // indexed by CPU; touched only with IRQs masked on that CPU
};
KernelFrames s_table_frames;

class HeapPages final : public mm::PageSource {
public:
    lib::Result<void*> alloc_pages(unsigned order) override {
        auto r = alloc_frames(order);
        if (!r.ok()) return r.error();
        return phys_to_virt(r.value());
    }
    void free_pages(void* p, unsigned order) override {
        free_frames(mm::linear_to_phys(reinterpret_cast<std::uint64_t>(p)), order);
    }
};
HeapPages s_heap_pages;
arch::SpinLock s_heap_lock;
alignas(mm::SlabHeap) unsigned char s_heap_storage[sizeof(mm::SlabHeap)];
mm::SlabHeap* s_heap = nullptr;  // guarded by s_heap_lock

std::uint64_t image_pa(const void* sym, std::uint64_t kimage_pa) {
    return reinterpret_cast<std::uint64_t>(sym) - mm::kKernelImageBase + kimage_pa;
}

// (1) The boot tables map only the GiBs of the image and the device tree. Add 1 GiB blocks for the
// rest of RAM: new entries in invalid slots need no TLB maintenance, only the barrier.
void extend_boot_linear_map(const hal::PlatformInfo& p) {
    for (std::size_t i = 0; i < p.memory_count; ++i) {
        const std::uint64_t base = p.memory[i].base, end = base + p.memory[i].size;
        if (end > (std::uint64_t{1} << 39))
            panic("memory: RAM above 512 GiB (0x%llx) is beyond the boot linear map",
                  static_cast<unsigned long long>(end));
        for (std::uint64_t g = base >> 30; g < ((end + (1ull << 30) - 1) >> 30); ++g) {
            if (boot_l1_linear[g] & arch::kPteValid) continue;
            boot_l1_linear[g] = arch::pte_make_block(g << 30, 1, {.write = true, .global = true});
        }
    }
    arch::dsb_ishst();  // the walker sees the new entries
    arch::isb();
}

void check(lib::Status s, const char* what) {
    if (!s.ok()) panic("memory: %s failed: %s", what, lib::error_name(s.error()));
}

void map_device(std::uint64_t pa, std::uint64_t size) {
    if (pa == 0 || size == 0) return;
    const std::uint64_t base = mm::align_down(pa, mm::kPageSize);
    const std::uint64_t end = mm::align_up(pa + size, mm::kPageSize);
    for (std::uint64_t a = base; a < end; a += mm::kPageSize) {
        if (s_kernel_table->translate(mm::kMmioBase + a).ok()) continue;  // shared page
        check(s_kernel_table->map_page(mm::kMmioBase + a, a,
                                       MapFlags::Read | MapFlags::Write | MapFlags::Device | MapFlags::Global),
              "MMIO mapping");
    }
}

}  // namespace

void* phys_to_virt(PhysAddr pa) { return reinterpret_cast<void*>(mm::phys_to_linear(pa)); }

namespace {
std::uint8_t* frame_ref(PhysAddr pa) {
    const std::size_t i = (pa - s_frame_refs_base) >> 12;
    if (pa < s_frame_refs_base || i >= s_frame_refs_count || (pa & (mm::kPageSize - 1)))
        panic("memory: reference count of a frame outside RAM: 0x%llx", static_cast<unsigned long long>(pa));
    return &s_frame_refs[i];
}
}  // namespace

bool frame_ref_get(PhysAddr pa) {
    // Relaxed: the caller holds a reference, so the frame cannot be freed meanwhile. Saturates: the
    // 256th sharer gets a copy instead (one byte per frame keeps boot cost low).
    std::uint8_t* r = frame_ref(pa);
    std::uint8_t c = __atomic_load_n(r, __ATOMIC_RELAXED);
    do {
        if (c == 0xFF) return false;
    } while (!__atomic_compare_exchange_n(r, &c, static_cast<std::uint8_t>(c + 1), true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return true;
}

bool frame_ref_put(PhysAddr pa) {
    std::uint8_t* r = frame_ref(pa);
    std::uint8_t c = __atomic_load_n(r, __ATOMIC_ACQUIRE);
    while (c != 0) {
        // Release: our accesses to the frame happen before whoever drops the last reference frees it.
        if (__atomic_compare_exchange_n(r, &c, static_cast<std::uint8_t>(c - 1), true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return false;
    }
    return true;  // acquire above: every other holder's accesses happen before the caller frees it
}

bool frame_ref_shared(PhysAddr pa) { return __atomic_load_n(frame_ref(pa), __ATOMIC_ACQUIRE) != 0; }

// Per-CPU cache of single frames in front of the buddy allocator (like Linux's per-CPU page lists):
// the common alloc/free pair then neither takes the lock nor splits and re-merges a large block.
// A cached frame carries {kCachedMagic, its own address} in its first 16 bytes, so freeing it a
// second time is caught here, before it could be handed out twice.
namespace {
constexpr unsigned kFrameCacheMax = 64;
constexpr unsigned kFrameCacheBatch = 16;
constexpr std::uint64_t kCachedMagic = 0xf4ee'f4a3'e0ca'c4edull;
struct FrameCache {
    PhysAddr frames[kFrameCacheMax];
    unsigned count;
};
FrameCache s_frame_cache[8];  // indexed by CPU; touched only with IRQs masked on that CPU

FrameCache& this_cpu_cache() { return s_frame_cache[arch::cpu_index() & 7]; }

void mark_cached(PhysAddr pa) {
    auto* w = static_cast<std::uint64_t*>(phys_to_virt(pa));
    if (w[0] == kCachedMagic && w[1] == pa) panic("memory: double free of frame 0x%llx", static_cast<unsigned long long>(pa));
    w[0] = kCachedMagic;
    w[1] = pa;
}
}  // namespace

lib::Result<PhysAddr> alloc_frames(unsigned order) {
    if (order == 0) {
        arch::IrqGuard irq;
        FrameCache& c = this_cpu_cache();
        if (c.count == 0) {
            arch::IrqSpinGuard g(s_frames_lock);
            while (c.count < kFrameCacheBatch) {
                auto r = s_buddy.alloc(0);
                if (!r.ok()) break;
                mark_cached(r.value());
                c.frames[c.count++] = r.value();
            }
            if (c.count == 0) return lib::Error::NoMemory;
        }
        const PhysAddr pa = c.frames[--c.count];
        static_cast<std::uint64_t*>(phys_to_virt(pa))[0] = 0;  // no longer cached
        return pa;
    }
    arch::IrqSpinGuard g(s_frames_lock);
    return s_buddy.alloc(order);
}

lib::Result<PhysAddr> alloc_zeroed_frame() {
    auto r = alloc_frames(0);
    if (r.ok()) arch::zero_memory(phys_to_virt(r.value()), mm::kPageSize);
    return r;
}

void free_frames(PhysAddr pa, unsigned order) {
    if (order == 0) {
        if (pa & (mm::kPageSize - 1)) panic("memory: free of misaligned frame 0x%llx", static_cast<unsigned long long>(pa));
        arch::IrqGuard irq;
        FrameCache& c = this_cpu_cache();
        mark_cached(pa);
        if (c.count == kFrameCacheMax) {
            arch::IrqSpinGuard g(s_frames_lock);
            while (c.count > kFrameCacheMax - kFrameCacheBatch) s_buddy.free(c.frames[--c.count], 0);
        }
        c.frames[c.count++] = pa;
        return;
    }
    arch::IrqSpinGuard g(s_frames_lock);
    s_buddy.free(pa, order);
}

void drain_frame_cache() {
    s_table_frames.drain();
    arch::IrqGuard irq;
    FrameCache& c = this_cpu_cache();
    arch::IrqSpinGuard g(s_frames_lock);
    while (c.count > 0) s_buddy.free(c.frames[--c.count], 0);
}

mm::PageTable& kernel_table() { return *s_kernel_table; }
mm::FrameSource& table_frames() { return s_table_frames; }
mm::TlbMaintainer& tlb() { return s_tlb; }
PhysAddr empty_user_root() { return s_empty_user_root; }
std::uint64_t mmio_virt(std::uint64_t pa) { return mm::kMmioBase + pa; }

lib::Status kernel_map(mm::VirtAddr va, PhysAddr pa, std::size_t size, MapFlags flags) {
    arch::IrqSpinGuard g(s_table_lock);
    return s_kernel_table->map_range(va, pa, size, flags);
}

lib::Status kernel_unmap(mm::VirtAddr va, std::size_t size) {
    arch::IrqSpinGuard g(s_table_lock);
    return s_kernel_table->unmap_range(va, size);
}

void init(const hal::PlatformInfo& p, std::uint64_t kimage_pa, std::uint64_t dtb_pa) {
    extend_boot_linear_map(p);


    // (2) Usable RAM.
    mm::RangeSet<32> usable;
    PhysAddr span_lo = ~0ull, span_hi = 0;
    for (std::size_t i = 0; i < p.memory_count; ++i) {
        const PhysAddr b = mm::align_up(p.memory[i].base, mm::kPageSize);
        const PhysAddr e = mm::align_down(p.memory[i].base + p.memory[i].size, mm::kPageSize);
        if (e <= b) continue;
        check(usable.add({b, e - b}), "usable RAM");
        span_lo = b < span_lo ? b : span_lo;
        span_hi = e > span_hi ? e : span_hi;
    }
    if (usable.count() == 0) panic("memory: the device tree lists no usable RAM");
    auto reserve = [&](PhysAddr b, std::uint64_t size) {
        if (size == 0) return;
        const PhysAddr lo = mm::align_down(b, mm::kPageSize), hi = mm::align_up(b + size, mm::kPageSize);
        check(usable.subtract({lo, hi - lo}), "reserving a range");
    };
    reserve(kimage_pa, image_pa(_kernel_end, kimage_pa) - kimage_pa);
    reserve(dtb_pa, p.dtb_size);
    if (p.has_initrd) reserve(p.initrd_start, p.initrd_end - p.initrd_start);
    for (std::size_t i = 0; i < p.reserved_count; ++i) reserve(p.reserved[i].base, p.reserved[i].size);

    // (3) The buddy allocator; its metadata (one byte per frame) from the first range that fits.
    const std::size_t meta = mm::align_up(mm::BuddyAllocator::metadata_bytes_needed(span_lo, span_hi - span_lo),
                                          mm::kPageSize);
    PhysAddr meta_pa = 0;
    for (const mm::PhysRange& r : usable) {
        if (r.size >= meta) {
            meta_pa = r.base;
            break;
        }
    }
    if (!meta_pa) panic("memory: no room for %zu bytes of frame metadata", meta);
    check(usable.subtract({meta_pa, meta}), "carving frame metadata");
    arch::zero_memory(phys_to_virt(meta_pa), meta);  // the allocator expects zeroed metadata
    // The frame reference counts (2 bytes per frame of the span), zeroed: no frame is shared yet.
    s_frame_refs_count = (span_hi - span_lo) >> 12;
    const std::size_t refs = mm::align_up(s_frame_refs_count * sizeof(std::uint8_t), mm::kPageSize);
    PhysAddr refs_pa = 0;
    for (const mm::PhysRange& r : usable) {
        if (r.size >= refs) {
            refs_pa = r.base;
            break;
        }
    }
    if (!refs_pa) panic("memory: no room for %zu bytes of frame reference counts", refs);
    check(usable.subtract({refs_pa, refs}), "carving frame reference counts");
    arch::zero_memory(phys_to_virt(refs_pa), refs);
    s_frame_refs = static_cast<std::uint8_t*>(phys_to_virt(refs_pa));
    s_frame_refs_base = span_lo;
    check(s_buddy.init(span_lo, span_hi - span_lo, phys_to_virt(meta_pa), meta, linear, nullptr), "buddy init");
    for (const mm::PhysRange& r : usable) check(s_buddy.add_free_range(r.base, r.size), "adding free RAM");

    // (4) The kernel page table: image with W^X, all RAM linear, devices. Global: shared by all ASIDs.
    auto kt = mm::PageTable::create(mm::Half::Kernel, 0, s_table_frames, s_tlb);
    if (!kt.ok()) panic("memory: no frame for the kernel root table");
    s_kernel_table = new (s_table_storage) mm::PageTable(kt.value());
    const auto va = [](const void* s) { return reinterpret_cast<std::uint64_t>(s); };
    check(s_kernel_table->map_range(va(_kernel_start), kimage_pa, va(_etext) - va(_kernel_start),
                                    MapFlags::Read | MapFlags::Execute | MapFlags::Global), "mapping text");
    check(s_kernel_table->map_range(va(_etext), image_pa(_etext, kimage_pa), va(_erodata) - va(_etext),
                                    MapFlags::Read | MapFlags::Global), "mapping rodata");
    check(s_kernel_table->map_range(va(_erodata), image_pa(_erodata, kimage_pa), va(_kernel_end) - va(_erodata),
                                    MapFlags::Read | MapFlags::Write | MapFlags::Global), "mapping data");
    for (std::size_t i = 0; i < p.memory_count; ++i) {
        const PhysAddr b = mm::align_up(p.memory[i].base, mm::kPageSize);
        const PhysAddr e = mm::align_down(p.memory[i].base + p.memory[i].size, mm::kPageSize);
        if (e > b)
            check(s_kernel_table->map_range(mm::phys_to_linear(b), b, e - b,
                                            MapFlags::Read | MapFlags::Write | MapFlags::Global), "linear map");
    }
    map_device(p.uart.base, p.uart.size ? p.uart.size : mm::kPageSize);
    if (p.rtc.present) map_device(p.rtc.base, p.rtc.size ? p.rtc.size : mm::kPageSize);

    map_device(p.gic.dist_base, p.gic.dist_size ? p.gic.dist_size : 0x10000);
    if (p.gic.version == hal::GicVersion::V3) map_device(p.gic.redist_base, p.gic.redist_size);
    else map_device(p.gic.cpu_base, p.gic.cpu_size ? p.gic.cpu_size : 0x2000);

    auto empty = alloc_zeroed_frame();
    if (!empty.ok()) panic("memory: no frame for the empty user table");
    s_empty_user_root = empty.value();

    // Install: same translations for everything the CPU is using now, so no break-before-make is
    // needed; then drop every cached boot entry.
    arch::dsb_ishst();  // the new tables are visible to the walker
    write_sysreg(ttbr1_el1, s_kernel_table->root());
    write_sysreg(ttbr0_el1, s_empty_user_root);  // the boot identity map is gone
    arch::isb();
    arch::tlb_flush_all();

    // (5) The heap.
    s_heap = new (s_heap_storage) mm::SlabHeap(s_heap_pages);
}

namespace {
// Free frames, the cached ones included (s_frames_lock held).
std::size_t free_frames_locked() {
    std::size_t n = s_buddy.free_frames() + s_table_frames.cached();
    for (const FrameCache& c : s_frame_cache) n += c.count;
    return n;
}
}  // namespace

std::size_t free_frame_count() {
    arch::IrqSpinGuard g(s_frames_lock);
    return free_frames_locked();
}

Stats stats() {
    Stats s{};
    {
        arch::IrqSpinGuard g(s_frames_lock);
        s.total_frames = s_buddy.total_frames();
        s.free_frames = free_frames_locked();
        for (unsigned o = 0; o <= mm::BuddyAllocator::kMaxOrder; ++o) {
            s.free_blocks[o] = s_buddy.free_blocks(o);
            s.allocated_blocks[o] = s_buddy.allocated_blocks(o);
        }
    }
    {
        arch::IrqSpinGuard g(s_heap_lock);
        const auto t = s_heap->totals();
        s.heap_bytes_in_use = t.slab_bytes_in_use + t.large_bytes_in_use - cached_bytes();  // cached = free
        s.heap_objects = t.slab_objects_in_use;
        s.heap_large = t.large_allocations;
        s.heap_pages = t.pages;
    }
    {
        arch::IrqSpinGuard g(s_table_lock);
        s.kernel_tables = s_kernel_table->table_count();
    }
    return s;
}

void print_stats() {
    const Stats s = stats();
    kprintf("frames: %zu total, %zu free (%zu KiB free), %zu in use\n", s.total_frames, s.free_frames,
            s.free_frames * 4, s.total_frames - s.free_frames);
    kprintf("order:      ");
    for (unsigned o = 0; o <= mm::BuddyAllocator::kMaxOrder; ++o) kprintf("%7u", o);
    kprintf("\nfree blocks:");
    for (unsigned o = 0; o <= mm::BuddyAllocator::kMaxOrder; ++o) kprintf("%7zu", s.free_blocks[o]);
    kprintf("\nallocated:  ");
    for (unsigned o = 0; o <= mm::BuddyAllocator::kMaxOrder; ++o) kprintf("%7zu", s.allocated_blocks[o]);
    kprintf("\nheap: %zu bytes in use (%zu small objects, %zu large), %zu pages held\n", s.heap_bytes_in_use,
            s.heap_objects, s.heap_large, s.heap_pages);
    kprintf("kernel page tables: %zu\n", s.kernel_tables);
}

// ---- operator new/delete: the slab heap. Failure returns null (no exceptions in the kernel).
void* heap_alloc(std::size_t size, std::size_t align) {
    arch::IrqSpinGuard g(s_heap_lock);
    auto r = s_heap->alloc(size ? size : 1, align);
    return r.ok() ? r.value() : nullptr;
}

void heap_free(void* p) {
    if (!p) return;
    arch::IrqSpinGuard g(s_heap_lock);
    s_heap->free(p);
}

// Per-CPU magazines of small objects in front of the heap (like SLUB's per-CPU slabs): a new/delete
// pair of a small object then takes no lock. Only sized, non-array delete fills them (the size names
// the class); a cached object carries {kCachedObject, its own address} in its first 16 bytes, so a
// second delete of it is caught before it could be handed out twice.
namespace {
constexpr unsigned kMagazineSize = 16;
constexpr std::uint64_t kCachedObject = 0x0b1e'c7ca'c4ed'f7eeull;
struct Magazines {
    void* objects[mm::SlabHeap::kNumClasses][kMagazineSize];
    unsigned count[mm::SlabHeap::kNumClasses];
};
Magazines s_magazines[8];  // by CPU; touched only with IRQs masked on that CPU

// Size class of a small request (the slab's: 16, 32, ... 2048), or -1 when it goes to pages.
inline int small_class(std::size_t n) {
    if (n > mm::SlabHeap::kMaxObjectSize) return -1;
    if (n <= 16) return 0;
    return 64 - __builtin_clzll(n - 1) - 4;
}
static_assert(mm::SlabHeap::class_size(3) == 128);
}  // namespace

void* cached_alloc(std::size_t n) {
    const int c = small_class(n);
    if (c >= 0) {
        arch::IrqGuard irq;
        Magazines& m = s_magazines[arch::cpu_index() & 7];
        if (m.count[c] > 0) {
            auto* obj = static_cast<std::uint64_t*>(m.objects[c][--m.count[c]]);
            obj[0] = 0;  // no longer cached
            return obj;
        }
    }
    return heap_alloc(n, 16);
}

void cached_free(void* p, std::size_t n) {
    const int c = small_class(n);
    if (!p) return;
    if (c < 0) return heap_free(p);
    auto* obj = static_cast<std::uint64_t*>(p);
    arch::IrqGuard irq;
    if (obj[0] == kCachedObject && obj[1] == reinterpret_cast<std::uint64_t>(p))
        panic("heap: double delete of %p (size %zu)", p, n);
    Magazines& m = s_magazines[arch::cpu_index() & 7];
    if (m.count[c] == kMagazineSize) {  // full: half of it goes back to the heap
        arch::SpinGuardIrqsOff g(s_heap_lock);
        while (m.count[c] > kMagazineSize / 2) {
            void* o = m.objects[c][--m.count[c]];
            static_cast<std::uint64_t*>(o)[0] = 0;
            s_heap->free(o);
        }
    }
    obj[0] = kCachedObject;
    obj[1] = reinterpret_cast<std::uint64_t>(p);
    m.objects[c][m.count[c]++] = p;
}

std::size_t cached_bytes() {
    std::size_t bytes = 0;
    for (const Magazines& m : s_magazines)
        for (std::size_t c = 0; c < mm::SlabHeap::kNumClasses; ++c) bytes += m.count[c] * mm::SlabHeap::class_size(c);
    return bytes;
}

}  // namespace kernel::memory

void* operator new(std::size_t n) noexcept { return kernel::memory::cached_alloc(n); }
void* operator new[](std::size_t n) noexcept { return kernel::memory::heap_alloc(n, 16); }
void* operator new(std::size_t n, std::align_val_t a) noexcept {
    return kernel::memory::heap_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) noexcept {
    return kernel::memory::heap_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { kernel::memory::heap_free(p); }
void operator delete[](void* p) noexcept { kernel::memory::heap_free(p); }
void operator delete(void* p, std::size_t n) noexcept { kernel::memory::cached_free(p, n); }
void operator delete[](void* p, std::size_t) noexcept { kernel::memory::heap_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { kernel::memory::heap_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { kernel::memory::heap_free(p); }
