// mmap, munmap, mprotect and msync as Linux gives them: anonymous private maps are mapped at once;
// file maps are recorded (kernel/fs/file_mmap.h) and paged in by the fault path. Argument checks in
// Linux's order (arm64's sys_mmap, ksys_mmap_pgoff, do_mmap; mprotect.c; msync.c).
#include "kernel/syscall/mmap_syscalls.h"

#include "kernel/fs/file.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/memory.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "mm/types.h"

namespace kernel {

namespace {

using namespace abi;

constexpr std::uint64_t kProtKnown = kPROT_READ | kPROT_WRITE | kPROT_EXEC;
constexpr std::uint64_t kMaxFileSize = 0x7fff'ffff'ffff'ffffull;  // MAX_LFS_FILESIZE on 64-bit

mm::MapFlags map_flags(std::uint64_t prot) {
    mm::MapFlags f = mm::MapFlags::Read;  // AArch64 has no write-only or execute-only user pages
    if (prot & kPROT_WRITE) f |= mm::MapFlags::Write;
    if (prot & kPROT_EXEC) f |= mm::MapFlags::Execute;
    return f;
}

// Whether every page of [start, end) belongs to a mapping: a file area (touched or not) or a page of
// the space. Linux's ENOMEM for mprotect and msync over a hole. Costs the areas and the pages
// present up to the first hole, never the range's size.
bool range_mapped(const Process* p, std::uint64_t start, std::uint64_t end) {
    if (!user_range_ok(start, end - start)) return false;
    for (std::uint64_t a = start; a < end;) {
        if (const FileMap* m = file_map_at(p, a)) {
            a = m->end;
            continue;
        }
        if (!p->space->translate(a).ok()) return false;
        a += mm::kPageSize;
    }
    return true;
}

// The checks a file mapping adds (do_mmap's file branch), in Linux's order. 0 or a negative errno;
// may_write: whether the mapping may ever be made writable (a MAP_SHARED one needs O_RDWR).
std::int64_t check_file_map(File* f, std::uint64_t size, std::uint64_t off, std::uint64_t prot, bool shared,
                            bool& may_write) {
    const std::uint64_t pgoff = static_cast<std::uint64_t>(static_cast<std::int64_t>(off) >> 12);  // off_t
    if (pgoff > ((kMaxFileSize - size) >> 12)) return -kEOVERFLOW;  // file_mmap_ok
    const int acc = f->status_flags() & kO_ACCMODE;
    may_write = !shared || acc == kO_RDWR;
    if (shared && (prot & kPROT_WRITE) && acc != kO_RDWR) return -kEACCES;
    if (acc == kO_WRONLY) return -kEACCES;  // every mapping reads
    fs::Inode* inode = f->inode();
    // Pipes, the console, directories and device nodes have no pages to map.
    if (f->kind() != File::Kind::Inode || !inode || !inode->is_reg()) return -kENODEV;
    // Nor have the regular files of a file system without pages (procfs): Inode::page says so
    // (ENODEV by default; Linux's /proc root files say EIO) for any index, where one with pages
    // answers ENXIO for an index past any file's end, and allocates nothing.
    fs::Guard g;
    const fs::ErrorOr<fs::PagePhys> probe = inode->page(kMaxFileSize >> 12);
    return !probe.ok() && probe.errno_value() != kENXIO ? -probe.errno_value() : 0;
}

std::int64_t sys_mmap(Process* p, std::uint64_t addr, std::uint64_t len, std::uint64_t prot, std::uint64_t flags,
                      std::uint64_t fd, std::uint64_t off) {
    if (off & (mm::kPageSize - 1)) return -kEINVAL;  // arm64's sys_mmap, before anything else
    File* file = nullptr;
    if (!(flags & kMAP_ANONYMOUS)) {
        file = p->fd_at(static_cast<std::uint32_t>(fd));  // Linux's fd is an unsigned int
        if (!file || file->is_path_only()) return -kEBADF;
    }
    if (len == 0) return -kEINVAL;
    if (len > (std::uint64_t{1} << 40)) return -kENOMEM;
    if (prot & ~kProtKnown) return -kEINVAL;
    const std::uint64_t known = kMAP_SHARED | kMAP_PRIVATE | kMAP_FIXED | kMAP_ANONYMOUS | kMAP_NORESERVE | kMAP_FIXED_NOREPLACE;
    if (flags & ~known) return -kEINVAL;
    const std::uint64_t type = flags & kMAP_TYPE;
    if (type != kMAP_SHARED && type != kMAP_PRIVATE && type != kMAP_SHARED_VALIDATE) return -kEINVAL;
    const bool shared = type != kMAP_PRIVATE;
    if (!file && shared) return -kEINVAL;  // shared anonymous memory: not supported yet
    if ((prot & kPROT_WRITE) && (prot & kPROT_EXEC)) return -kEINVAL;  // W^X is enforced for user pages too
    const std::uint64_t size = mm::align_up(len, mm::kPageSize);
    bool may_write = true;
    if (file)
        if (std::int64_t r = check_file_map(file, size, off, prot, shared, may_write); r < 0) return r;
    std::uint64_t va;
    const bool fixed = flags & (kMAP_FIXED | kMAP_FIXED_NOREPLACE);
    if (fixed) {
        if (addr & (mm::kPageSize - 1)) return -kEINVAL;
        if (!user_range_ok(addr, size) || addr < mm::kPageSize) return -kEINVAL;
        va = addr;
        if (flags & kMAP_FIXED) {  // MAP_FIXED replaces whatever was there (range checked above)
            if (file_maps_remove(p, va, va + size) < 0) return -kENOMEM;
            SpaceLock space(p);
            (void)p->space->unmap_mapped(va, size);
        } else if (file_maps_intersect(p, va, va + size)) {
            return -kEEXIST;  // a file area whose pages are not mapped yet is taken all the same
        }
    } else {
        if (p->mmap_next < size + (std::uint64_t{1} << 32)) return -kENOMEM;
        va = p->mmap_next - size;
    }
    if (file) {
        if ((flags & kMAP_FIXED_NOREPLACE) && p->space->table().next_mapping(va, va + size).ok()) return -kEEXIST;
        // Nothing is mapped now: each page comes from the file at its first touch.
        fs::Path where = file->path();
        where.inode->get();
        if (std::int64_t r = file_map_add(p, va, size, static_cast<std::uint32_t>(prot), shared, may_write,
                                          fs::PathRef(where), off);
            r < 0)
            return r;
    } else {
        // Anonymous pages are allocated at once (no demand paging for them yet): a request beyond
        // the free frames fails here instead of taking every frame in the system before failing.
        if (prot != 0 && size / mm::kPageSize > memory::free_frame_count()) return -kENOMEM;
        if (prot == 0) {
            // PROT_NONE: the range is reserved (never handed out again) but nothing is mapped, so
            // any access faults, as on Linux.
        } else {
            SpaceLock space(p);
            if (auto r = p->space->map_new(va, size, map_flags(prot)); !r.ok())
                return r.error() == lib::Error::AlreadyMapped ? -kEEXIST : -kENOMEM;
        }
    }
    if (!fixed) p->mmap_next = va - mm::kPageSize;  // a guard page between maps
    return static_cast<std::int64_t>(va);
}

std::int64_t sys_munmap(Process* p, std::uint64_t addr, std::uint64_t len) {
    if ((addr & (mm::kPageSize - 1)) || len == 0 || !user_range_ok(addr, len)) return -kEINVAL;
    const std::uint64_t end = mm::align_up(addr + len, mm::kPageSize);
    // The file areas first: splitting one may need memory, and then nothing may have changed.
    if (file_maps_remove(p, addr, end) < 0) return -kENOMEM;
    // Holes in the range are fine; the cost follows the pages mapped there, not len (which may span
    // the whole user half).
    SpaceLock space(p);
    return p->space->unmap_mapped(addr, end - addr).ok() ? 0 : -kEINVAL;
}

// mprotect: how a program makes code it wrote executable under W^X (write, then switch to R+X), and
// how a file mapping changes its rights (PROT_WRITE on a MAP_SHARED one needs a file open O_RDWR).
std::int64_t sys_mprotect(Process* p, std::uint64_t addr, std::uint64_t len, std::uint64_t prot) {
    if ((addr & (mm::kPageSize - 1)) || !user_range_ok(addr, len)) return -kEINVAL;
    if (prot & ~kProtKnown) return -kEINVAL;
    if ((prot & kPROT_WRITE) && (prot & kPROT_EXEC)) return -kEINVAL;  // W^X
    if (prot == 0) return -kEINVAL;  // PROT_NONE on mapped pages: not supported (no unmapped-but-reserved state)
    const std::uint64_t size = mm::align_up(len, mm::kPageSize);
    if (size == 0) return 0;
    const std::uint64_t end = addr + size;
    if (!range_mapped(p, addr, end)) return -kENOMEM;  // Linux: the range must be mapped
    if (std::int64_t r = file_maps_protect(p, addr, end, static_cast<std::uint32_t>(prot)); r < 0) return r;
    // The pages present (anonymous ones, and file pages touched already); untouched file pages get
    // the area's new rights when they fault in.
    SpaceLock space(p);
    const mm::PageTable& table = p->space->table();
    for (auto m = table.next_mapping(addr, end); m.ok(); m = table.next_mapping(m.value().va + mm::kPageSize, end)) {
        const lib::Status st = p->space->protect(m.value().va, mm::kPageSize, map_flags(prot));
        if (!st.ok()) return -kEINVAL;
    }
    if (prot & kPROT_EXEC) asm volatile("dsb ish\n ic ialluis\n dsb ish\n isb" ::: "memory");
    return 0;
}

// msync: the page cache is the file (tmpfs, the initramfs), so there is nothing to write back;
// what remains is Linux's argument checks and ENOMEM for a range with unmapped pages.
std::int64_t sys_msync(Process* p, std::uint64_t addr, std::uint64_t len, std::uint64_t flags) {
    if (flags & ~static_cast<std::uint64_t>(kMS_ASYNC | kMS_INVALIDATE | kMS_SYNC)) return -kEINVAL;
    if (addr & (mm::kPageSize - 1)) return -kEINVAL;
    if ((flags & kMS_ASYNC) && (flags & kMS_SYNC)) return -kEINVAL;
    if (len > ~std::uint64_t{0} - (mm::kPageSize - 1)) return -kENOMEM;
    const std::uint64_t end = addr + mm::align_up(len, mm::kPageSize);
    if (end < addr) return -kENOMEM;
    if (end == addr) return 0;
    return range_mapped(p, addr, end) ? 0 : -kENOMEM;
}

}  // namespace

std::int64_t h_mmap(Process* p, arch::TrapFrame& f) { return sys_mmap(p, f.x[0], f.x[1], f.x[2], f.x[3], f.x[4], f.x[5]); }
std::int64_t h_munmap(Process* p, arch::TrapFrame& f) { return sys_munmap(p, f.x[0], f.x[1]); }
std::int64_t h_mprotect(Process* p, arch::TrapFrame& f) { return sys_mprotect(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_msync(Process* p, arch::TrapFrame& f) { return sys_msync(p, f.x[0], f.x[1], f.x[2]); }

}  // namespace kernel
