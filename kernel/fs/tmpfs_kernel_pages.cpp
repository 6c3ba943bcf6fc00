// tmpfs's pages in the kernel: single frames from the frame allocator. A frame a process maps
// (mmap of the file) holds an extra frame reference, so the file's free below only drops its own.
#include "kernel/fs/tmpfs.h"

#include "kernel/memory.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel::fs {

namespace {

class KernelPages final : public PageSource {
public:
    ErrorOr<PagePhys> alloc_zeroed() override {
        auto r = memory::alloc_zeroed_frame();
        if (!r.ok()) return ErrorOr<PagePhys>::error(abi::kENOSPC);
        return static_cast<PagePhys>(r.value());
    }
    void free(PagePhys page) override {
        if (memory::frame_ref_put(page)) memory::free_frames(page, 0);
    }
    std::uint8_t* address(PagePhys page) override { return static_cast<std::uint8_t*>(memory::phys_to_virt(page)); }
    std::uint64_t total_pages() override { return memory::stats().total_frames; }
};

KernelPages s_pages;

}  // namespace

PageSource& kernel_page_source() { return s_pages; }

}  // namespace kernel::fs
