// Memory benchmarks: map+unmap of one page (with its TLB invalidation), frame alloc+free, heap new+delete.
#include "kernel/bench.h"
#include "kernel/memory.h"
#include "mm/layout.h"

namespace {
constexpr std::uint64_t kBenchVa = mm::kMmioBase + 0x0000'0ffe'0000'0000ull;
struct Obj64 {
    std::uint64_t words[8];
};
}  // namespace

// Steady state: the intermediate tables stay (a neighbour page keeps them alive), as in a process
// mapping and unmapping pages of its heap.
KBENCH(map) {
    auto keep = kernel::memory::alloc_zeroed_frame();
    auto f = kernel::memory::alloc_zeroed_frame();
    if (!keep.ok() || !f.ok()) return 0;
    const mm::MapFlags rw = mm::MapFlags::Read | mm::MapFlags::Write | mm::MapFlags::Global;
    if (!kernel::memory::kernel_map(kBenchVa + mm::kPageSize, keep.value(), mm::kPageSize, rw).ok()) return 0;
    mm::PageTable& kt = kernel::memory::kernel_table();
    const std::uint64_t per_op = kernel::bench::measure(5000, [&] {
        (void)kt.map_page(kBenchVa, f.value(), rw);
        (void)kt.unmap_page(kBenchVa);
    });
    (void)kernel::memory::kernel_unmap(kBenchVa + mm::kPageSize, mm::kPageSize);
    kernel::memory::free_frames(keep.value(), 0);
    kernel::memory::free_frames(f.value(), 0);
    return per_op;
}

KBENCH(frame) {
    return kernel::bench::measure(20000, [] {
        auto f = kernel::memory::alloc_frames(0);
        if (f.ok()) kernel::memory::free_frames(f.value(), 0);
    });
}

KBENCH(heap) {
    return kernel::bench::measure(20000, [] {
        auto* o = new Obj64;
        asm volatile("" : : "r"(o) : "memory");
        delete o;
    });
}
