// Kernel suite `mm`: frames, the kernel page table, the heap and kernel stacks on the real MMU.
#include "arch/aarch64/cpu.h"
#include "kernel/extable.h"
#include "kernel/kernel_stack.h"
#include "kernel/ktest.h"
#include "kernel/memory.h"
#include "mm/layout.h"

extern "C" std::uint64_t call_on_stack(std::uint64_t (*fn)(std::uint64_t), std::uint64_t arg, std::uint64_t sp);

namespace {
// A VA nothing else uses: the top of the MMIO region.
constexpr std::uint64_t kScratchVa = mm::kMmioBase + 0x0000'0fff'0000'0000ull;

struct Baseline {
    std::size_t free_frames, heap_bytes, heap_pages, tables;
    static Baseline take() {
        kernel::kernel_stack_drain_cache();
        const auto s = kernel::memory::stats();
        return {s.free_frames, s.heap_bytes_in_use, s.heap_pages, s.kernel_tables};
    }
};
}  // namespace

KTEST(mm, mapped_frame_is_visible_through_the_linear_map_and_faults_after_unmap) {
    auto f = kernel::memory::alloc_zeroed_frame();
    KT_ASSERT(f.ok());
    const mm::MapFlags rw = mm::MapFlags::Read | mm::MapFlags::Write | mm::MapFlags::Global;
    KT_ASSERT(kernel::memory::kernel_map(kScratchVa, f.value(), mm::kPageSize, rw).ok());
    KT_EXPECT(probe_write_u64(kScratchVa + 64, 0x1122334455667788ull));
    auto* linear = static_cast<volatile std::uint64_t*>(kernel::memory::phys_to_virt(f.value()));
    KT_EXPECT_EQ(linear[8], 0x1122334455667788ull);
    // Mapping the same page again is refused.
    auto again = kernel::memory::kernel_map(kScratchVa, f.value(), mm::kPageSize, rw);
    KT_EXPECT(!again.ok() && again.error() == lib::Error::AlreadyMapped);
    KT_ASSERT(kernel::memory::kernel_unmap(kScratchVa, mm::kPageSize).ok());
    std::uint64_t v;
    KT_EXPECT(!probe_read_u64(kScratchVa + 64, v));  // the TLB entry is gone too
    auto twice = kernel::memory::kernel_unmap(kScratchVa, mm::kPageSize);
    KT_EXPECT(!twice.ok() && twice.error() == lib::Error::NotMapped);
    kernel::memory::free_frames(f.value(), 0);
}

KTEST(mm, ten_thousand_map_unmap_and_alloc_free_cycles_leak_nothing) {
    const Baseline before = Baseline::take();
    const mm::MapFlags rw = mm::MapFlags::Read | mm::MapFlags::Write | mm::MapFlags::Global;
    for (int i = 0; i < 10000; ++i) {
        auto f = kernel::memory::alloc_frames(static_cast<unsigned>(i % 3));
        KT_ASSERT(f.ok());
        const std::uint64_t va = kScratchVa + static_cast<std::uint64_t>(i % 7) * (1ull << 30);  // fresh tables
        KT_ASSERT(kernel::memory::kernel_map(va, f.value(), mm::kPageSize, rw).ok());
        KT_ASSERT(probe_write_u64(va, static_cast<std::uint64_t>(i)));
        KT_ASSERT(kernel::memory::kernel_unmap(va, mm::kPageSize).ok());
        kernel::memory::free_frames(f.value(), static_cast<unsigned>(i % 3));
    }
    const Baseline after = Baseline::take();
    KT_EXPECT_EQ(after.free_frames, before.free_frames);
    KT_EXPECT_EQ(after.tables, before.tables);  // emptied tables were freed
}

KTEST(mm, heap_allocations_return_to_baseline) {
    const Baseline before = Baseline::take();
    void* ptrs[256];
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 256; ++i) {
            const std::size_t size = static_cast<std::size_t>((i * 37 + round * 11) % 5000 + 1);
            ptrs[i] = kernel::memory::heap_alloc(size, (i % 4 == 0) ? 64 : 16);
            KT_ASSERT(ptrs[i] != nullptr);
            static_cast<char*>(ptrs[i])[size - 1] = static_cast<char>(i);
        }
        for (int i = 255; i >= 0; --i) kernel::memory::heap_free(ptrs[i]);
    }
    auto* obj = new std::uint64_t[100];
    KT_EXPECT(obj != nullptr && (reinterpret_cast<std::uint64_t>(obj) & 15) == 0);
    delete[] obj;
    const Baseline after = Baseline::take();
    KT_EXPECT_EQ(after.heap_bytes, before.heap_bytes);
    // Slab pages may stay cached (one empty page per class); frames match once the heap gives them back.
    KT_EXPECT(after.free_frames + after.heap_pages >= before.free_frames + before.heap_pages);
}

KTEST(mm, kernel_stacks_have_an_unmapped_guard_below) {
    const Baseline before = Baseline::take();
    auto s = kernel::kernel_stack_alloc();
    KT_ASSERT(s.ok());
    std::uint64_t v;
    KT_EXPECT(probe_write_u64(s.value().bottom, 1));
    KT_EXPECT(probe_write_u64(s.value().top - 8, 1));
    KT_EXPECT(!probe_read_u64(s.value().bottom - 8, v));                 // guard
    KT_EXPECT(!probe_read_u64(s.value().bottom - mm::kKernelStackSize, v));
    KT_EXPECT(s.value().top & (1u << 14) ? false : true);                // top is slot-aligned
    KT_EXPECT((s.value().bottom & (1u << 14)) != 0);                     // the layout vectors.S checks
    kernel::kernel_stack_free(s.value());
    const Baseline after = Baseline::take();
    KT_EXPECT_EQ(after.free_frames, before.free_frames);
}

namespace {
std::uint64_t sum_on_stack(std::uint64_t n) {
    std::uint64_t s = 0;
    for (std::uint64_t i = 0; i <= n; ++i) s += i;
    return s;
}

[[gnu::noinline]] std::uint64_t deep(std::uint64_t n) {
    volatile char pad[256];
    pad[0] = static_cast<char>(n);
    return n == 0 ? 0 : deep(n - 1) + static_cast<std::uint64_t>(pad[0]);
}
}  // namespace

KTEST(mm, code_runs_on_an_allocated_kernel_stack) {
    auto s = kernel::kernel_stack_alloc();
    KT_ASSERT(s.ok());
    KT_EXPECT_EQ(call_on_stack(sum_on_stack, 1000, s.value().top), 500500);
    kernel::kernel_stack_free(s.value());
}

// Expected panic, booted alone: overflowing an allocated kernel stack hits its guard page; the fault
// (or the next exception entry) finds sp outside the stack and reports from the emergency stack.
KTEST_PANIC(mm, kernel_stack_guard_overflow) {
    auto s = kernel::kernel_stack_alloc();
    KT_ASSERT(s.ok());
    call_on_stack(deep, 1u << 20, s.value().top);
}

namespace {
struct Small {
    std::uint64_t words[6];
};
}  // namespace

KTEST(mm, small_objects_are_recycled_through_the_per_cpu_cache) {
    const auto before = kernel::memory::stats();
    auto* a = new Small{};
    delete a;
    auto* b = new Small{};  // the object just freed, from this CPU's magazine
    KT_EXPECT(a == b);
    KT_EXPECT_EQ(b->words[0], 0);  // the cache marker is gone
    delete b;
    KT_EXPECT_EQ(kernel::memory::stats().heap_bytes_in_use, before.heap_bytes_in_use);
}

// Expected panic, booted alone: deleting an object twice is caught, never a double hand-out.
KTEST_PANIC(mm, heap_double_delete) {
    Small* volatile a = new Small{};
    Small* same = a;
    delete same;
    delete a;  // the same pointer, read back through a volatile: the compiler cannot see the reuse
}
