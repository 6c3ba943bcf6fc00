// The program loader: validated ELF segments mapped page by page with W^X rights, file bytes copied
// through the linear map, the stack built as Linux's binfmt_elf does (strings at the top, then
// kAT_RANDOM bytes, auxv, envp, argv, argc at sp, 16-byte aligned).
#include "kernel/exec.h"

#include <new>

#include "arch/aarch64/cache.h"
#include "arch/aarch64/cpu.h"
#include "hal/timer.h"
#include "kernel/elf.h"
#include "kernel/initramfs.h"
#include "kernel/linux_abi.h"
#include "kernel/memory.h"
#include "kernel/process.h"
#include "lib/string.h"

namespace kernel {

namespace {

class UserFrames final : public mm::FrameAllocator {
public:
    lib::Result<mm::PhysAddr> alloc_frame() override { return memory::alloc_frames(0); }
    void free_frame(mm::PhysAddr pa) override { memory::free_frames(pa, 0); }
    void* frame_virt(mm::PhysAddr pa) override { return memory::phys_to_virt(pa); }
    void copy_frame(mm::PhysAddr dst, mm::PhysAddr src) override {
        arch::copy_page(memory::phys_to_virt(dst), memory::phys_to_virt(src));
    }
    bool share_frame(mm::PhysAddr pa) override { return memory::frame_ref_get(pa); }
    bool release_frame(mm::PhysAddr pa) override {
        if (!memory::frame_ref_put(pa)) return false;
        memory::free_frames(pa, 0);
        return true;
    }
    bool frame_shared(mm::PhysAddr pa) override { return memory::frame_ref_shared(pa); }
};
UserFrames s_user_frames;

// Writes bytes into the (not yet active) address space through its translations.
// For code, each written line is also cleaned to the point of unification (DC CVAU) so the
// instruction side can see it once the I-cache is invalidated below.
bool write_into(mm::AddressSpace& as, std::uint64_t va, const void* src, std::size_t n, bool code = false) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    while (n > 0) {
        auto t = as.translate(va);
        if (!t.ok()) return false;
        std::size_t chunk = 4096 - (va & 4095);
        if (chunk > n) chunk = n;
        void* dst = memory::phys_to_virt(t.value().pa);
        lib::copy_bytes(dst, p, chunk);
        if (code) {
            const std::uint64_t a = reinterpret_cast<std::uint64_t>(dst);
            for (std::uint64_t line = a & ~63ull; line < a + chunk; line += 64)
                asm volatile("dc cvau, %0" ::"r"(line) : "memory");
        }
        va += chunk;
        p += chunk;
        n -= chunk;
    }
    return true;
}

std::uint64_t s_random_state = 0x9e3779b97f4a7c15ull;
std::uint64_t next_random() {
    s_random_state ^= read_sysreg(cntvct_el0);
    s_random_state ^= s_random_state << 13;
    s_random_state ^= s_random_state >> 7;
    s_random_state ^= s_random_state << 17;
    return s_random_state;
}

int to_errno(lib::Error e) { return e == lib::Error::NoMemory ? -abi::kENOMEM : -abi::kENOEXEC; }

}  // namespace

mm::FrameAllocator& user_frames() { return s_user_frames; }

mm::AddressSpace* new_space_storage_create() {
    void* storage = ::operator new(sizeof(mm::AddressSpace), std::align_val_t{alignof(mm::AddressSpace)});
    if (!storage) return nullptr;
    auto r = mm::AddressSpace::create(storage, memory::table_frames(), s_user_frames, memory::tlb());
    if (!r.ok()) {
        ::operator delete(storage, std::align_val_t{alignof(mm::AddressSpace)});
        return nullptr;
    }
    return r.value();
}

void free_space(mm::AddressSpace* space) {
    if (!space) return;
    space->destroy();
    ::operator delete(static_cast<void*>(space), std::align_val_t{alignof(mm::AddressSpace)});
}

std::int64_t load_program(const char* path, const char* const* argv, const char* const* envp, LoadedProgram& out) {
    const CpioArchive* fs = initramfs::archive();
    if (!fs) return -abi::kENOENT;
    auto entry = fs->find(path);
    if (!entry.ok()) return -abi::kENOENT;
    if (is_directory(entry.value())) return -abi::kEACCES;  // as Linux: a directory is not executable
    if (!is_regular(entry.value())) return -abi::kENOEXEC;
    constexpr std::uint64_t kImageLimit = kUserStackTop - kUserStackSize - 0x10000;  // guard gap below the stack
    auto elf = parse_elf(entry.value().data, entry.value().size, kImageLimit);
    if (!elf.ok()) return -abi::kENOEXEC;
    const ElfImage& img = elf.value();
    // A static PIE (no interpreter: parse_elf refuses PT_INTERP) goes at kPieLoadBase; its libc's
    // start-up code applies its own relocations (glibc's and musl's static-pie crt files do), the
    // kernel only moves the image and says where through AT_PHDR and AT_ENTRY.
    const std::uint64_t bias = img.is_pie ? kPieLoadBase - img.image_start : 0;
    if (img.is_pie && img.image_end + bias > kMmapTop) return -abi::kENOEXEC;  // too large to sit below the maps

    mm::AddressSpace* as = new_space_storage_create();
    if (!as) return -abi::kENOMEM;
    auto fail = [&](std::int64_t err) {
        free_space(as);
        return err;
    };
    std::uint64_t brk = 0;
    for (std::size_t i = 0; i < img.segment_count; ++i) {
        const ElfSegment& s = img.segments[i];
        const std::uint64_t vaddr = s.vaddr + bias;
        const std::uint64_t start = mm::align_down(vaddr, mm::kPageSize);
        const std::uint64_t end = mm::align_up(vaddr + s.memsz, mm::kPageSize);
        mm::MapFlags f = mm::MapFlags::Read;
        if (s.write) f |= mm::MapFlags::Write;
        if (s.exec) f |= mm::MapFlags::Execute;
        auto m = as->map_new(start, end - start, f);
        if (!m.ok()) return fail(to_errno(m.error()));
        // A bss-only segment (filesz 0) reads nothing: its offset may lie past the end of the file.
        if (s.filesz != 0 && !write_into(*as, vaddr, entry.value().data + s.offset, s.filesz, s.exec))
            return fail(-abi::kENOMEM);
        if (end > brk) brk = end;
    }
    // The top of the stack; it grows on demand down to kUserStackSize (process.cpp), with an unmapped
    // guard gap below that.
    if (!as->map_new(kUserStackTop - kUserStackInitial, kUserStackInitial, mm::MapFlags::Read | mm::MapFlags::Write).ok())
        return fail(-abi::kENOMEM);

    // Strings first (top down), then the pointer block.
    std::uint64_t sp = kUserStackTop;
    auto push_bytes = [&](const void* data, std::size_t n) -> std::uint64_t {
        sp -= n;
        return write_into(*as, sp, data, n) ? sp : 0;
    };
    constexpr int kMaxArgs = 256;
    std::uint64_t argv_ptrs[kMaxArgs + 1], envp_ptrs[kMaxArgs + 1];
    int argc = 0, envc = 0;
    const std::uint64_t execfn = push_bytes(path, lib::string_length(path) + 1);
    for (; envp && envp[envc]; ++envc) {
        if (envc == kMaxArgs) return fail(-abi::kE2BIG);
    }
    for (; argv && argv[argc]; ++argc) {
        if (argc == kMaxArgs) return fail(-abi::kE2BIG);
    }
    for (int i = envc - 1; i >= 0; --i) envp_ptrs[i] = push_bytes(envp[i], lib::string_length(envp[i]) + 1);
    for (int i = argc - 1; i >= 0; --i) argv_ptrs[i] = push_bytes(argv[i], lib::string_length(argv[i]) + 1);
    if (kUserStackTop - sp > kUserStackInitial / 2) return fail(-abi::kE2BIG);  // arguments fit the initial stack
    std::uint64_t random_bytes[2] = {next_random(), next_random()};
    sp &= ~15ull;
    const std::uint64_t at_random = push_bytes(random_bytes, 16);

    const std::uint64_t auxv[][2] = {
        {abi::kAT_PHDR, img.phdr_vaddr ? img.phdr_vaddr + bias : 0}, {abi::kAT_PHENT, img.phentsize},
        {abi::kAT_PHNUM, img.phnum}, {abi::kAT_PAGESZ, 4096}, {abi::kAT_BASE, 0 /* no interpreter */},
        {abi::kAT_FLAGS, 0}, {abi::kAT_ENTRY, img.entry + bias},
        {abi::kAT_UID, 0}, {abi::kAT_EUID, 0}, {abi::kAT_GID, 0}, {abi::kAT_EGID, 0},
        {abi::kAT_HWCAP, 0x3 /* FP | ASIMD */}, {abi::kAT_CLKTCK, 100}, {abi::kAT_SECURE, 0},
        {abi::kAT_RANDOM, at_random}, {abi::kAT_EXECFN, execfn}, {abi::kAT_NULL, 0}};
    const std::size_t words = 1 + (argc + 1) + (envc + 1) + sizeof(auxv) / 8;
    sp -= words * 8;
    sp &= ~15ull;  // sp is 16-byte aligned and points at argc
    std::uint64_t at = sp;
    auto put = [&](std::uint64_t v) {
        bool ok = write_into(*as, at, &v, 8);
        at += 8;
        return ok;
    };
    bool ok = put(static_cast<std::uint64_t>(argc));
    for (int i = 0; i < argc; ++i) ok = ok && put(argv_ptrs[i]);
    ok = ok && put(0);
    for (int i = 0; i < envc; ++i) ok = ok && put(envp_ptrs[i]);
    ok = ok && put(0);
    for (const auto& a : auxv) ok = ok && put(a[0]) && put(a[1]);
    if (!ok || !execfn || !at_random) return fail(-abi::kE2BIG);

    // The code was written through the data side and cleaned to the PoU above: wait for the cleans,
    // invalidate every I-cache, wait again, resynchronise this CPU's fetch.
    asm volatile("dsb ish\n ic ialluis\n dsb ish\n isb" ::: "memory");
    out = LoadedProgram{as, img.entry + bias, sp, brk};
    return 0;
}

}  // namespace kernel
