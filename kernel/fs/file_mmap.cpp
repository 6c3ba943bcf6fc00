// File mappings (file_mmap.h): the per-process list of file-backed areas, its edits (split, trim,
// protect), the demand-paging fault and the fork/exec/exit hooks.
#include "kernel/fs/file_mmap.h"


#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"
#include "mm/types.h"
#include "sched/wait_queue.h"

namespace kernel {

namespace {

FileMap* entry(lib::ListNode* n) { return lib::list_entry<FileMap, &FileMap::link>(n); }
FileMap* all_entry(lib::ListNode* n) { return lib::list_entry<FileMap, &FileMap::all_link>(n); }

// Every area of every process (FileMap::all_link), for truncation. VFS lock.
lib::IntrusiveList s_all_maps;

void link(Process* p, FileMap* m) {
    m->owner = p;
    p->file_maps.push_back(m->link);
    s_all_maps.push_back(m->all_link);
}

// Holds the VFS lock for a scope unless this task holds it already: a fault taken while read(2)
// or write(2) copies to or from a mapped buffer under the lock resolves under that same hold.
class [[nodiscard]] VfsHold {
public:
    VfsHold() : m_taken(!fs::locked_by_me()) {
        if (m_taken) fs::lock();
    }
    ~VfsHold() {
        if (m_taken) fs::unlock();
    }
    VfsHold(const VfsHold&) = delete;
    VfsHold& operator=(const VfsHold&) = delete;

private:
    bool m_taken;
};

// Areas unlinked under the VFS lock and freed after it: dropping an area's path may put the
// file's last reference, which takes the VFS lock itself.
class Graveyard {
public:
    void bury(Process* p, FileMap* m) {
        p->file_maps.remove(m->link);
        s_all_maps.remove(m->all_link);
        m_dead.push_back(m->link);
    }
    void bury_spare(FileMap* m) {
        if (m) m_dead.push_back(m->link);
    }
    ~Graveyard() {
        while (lib::ListNode* n = m_dead.pop_front()) delete entry(n);
    }

private:
    lib::IntrusiveList m_dead;
};

// A new area like m (same file, shared, rights), for the part of it from `at` on; null when out of
// memory. Not linked.
FileMap* piece_of(const FileMap& m, std::uint64_t at, std::uint64_t end) {
    FileMap* n = new FileMap;
    if (!n) return nullptr;
    n->start = at;
    n->end = end;
    n->offset = m.offset + (at - m.start);
    n->prot = m.prot;
    n->shared = m.shared;
    n->may_write = m.may_write;
    n->path = m.path.clone();
    return n;
}

mm::MapFlags map_flags(std::uint32_t prot) {
    mm::MapFlags f = mm::MapFlags::Read;  // AArch64 has no write-only or execute-only user pages
    if (prot & abi::kPROT_WRITE) f |= mm::MapFlags::Write;
    if (prot & abi::kPROT_EXEC) f |= mm::MapFlags::Execute;
    return f;
}

}  // namespace

FileMap* file_map_new(std::uint64_t start, std::uint64_t size, std::uint32_t prot, bool shared, bool may_write,
                      fs::PathRef path, std::uint64_t offset) {
    FileMap* m = new FileMap;
    if (!m) return nullptr;   // `path` goes with this frame, outside any VFS lock
    m->start = start;
    m->end = start + size;
    m->offset = offset;
    m->prot = prot;
    m->shared = shared;
    m->may_write = may_write;
    m->path = static_cast<fs::PathRef&&>(path);
    return m;
}

std::int64_t file_map_add(Process* p, std::uint64_t start, std::uint64_t size, std::uint32_t prot, bool shared,
                          bool may_write, fs::PathRef path, std::uint64_t offset) {
    FileMap* m = file_map_new(start, size, prot, shared, may_write, static_cast<fs::PathRef&&>(path), offset);
    if (!m) return -abi::kENOMEM;
    fs::Guard g;
    link(p, m);
    return 0;
}

void file_maps_adopt(Process* p, FileMap* const* maps, std::size_t n) {
    if (n == 0) return;
    fs::Guard g;
    for (std::size_t i = 0; i < n; ++i) link(p, maps[i]);
}

void file_maps_discard(FileMap* const* maps, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) delete maps[i];   // each puts its file (never linked: no lock)
}

const FileMap* file_map_at(const Process* p, std::uint64_t addr) {
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end(); n = n->next) {
        const FileMap* m = entry(n);
        if (addr >= m->start && addr < m->end) return m;
    }
    return nullptr;
}

bool file_maps_intersect(const Process* p, std::uint64_t start, std::uint64_t end) {
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end(); n = n->next)
        if (entry(n)->start < end && start < entry(n)->end) return true;
    return false;
}

std::int64_t file_maps_remove(Process* p, std::uint64_t start, std::uint64_t end) {
    // At most one area goes on beyond both ends of the range, and it needs one new piece: allocated
    // before anything changes, so that the call fails whole or not at all.
    FileMap* spare = nullptr;
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end(); n = n->next) {
        FileMap* m = entry(n);
        if (m->start < start && end < m->end) {
            spare = piece_of(*m, end, m->end);
            if (!spare) return -abi::kENOMEM;
        }
    }
    Graveyard dead;  // freed after the guard below is released (declared first: destroyed last)
    fs::Guard g;
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end();) {
        FileMap* m = entry(n);
        n = n->next;
        if (m->end <= start || end <= m->start) continue;
        if (start <= m->start && m->end <= end) {
            dead.bury(p, m);
        } else if (start <= m->start) {  // the range covers the area's front
            m->offset += end - m->start;
            m->start = end;
        } else if (m->end <= end) {  // the area's back
            m->end = start;
        } else {  // the middle: the area keeps the front, the spare takes the back
            m->end = start;
            link(p, spare);
            spare = nullptr;
        }
    }
    dead.bury_spare(spare);
    return 0;
}

std::int64_t file_maps_protect(Process* p, std::uint64_t start, std::uint64_t end, std::uint32_t prot) {
    // The rights first (nothing changes on EACCES), then the pieces the ends cut off: at most two
    // (one range inside one area, or the ends of two areas), allocated before any change.
    FileMap* spares[2] = {nullptr, nullptr};
    int needed = 0;
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end(); n = n->next) {
        const FileMap* m = entry(n);
        if (m->end <= start || end <= m->start) continue;
        if ((prot & abi::kPROT_WRITE) && !m->may_write) return -abi::kEACCES;
        if (m->prot == prot) continue;
        needed += (m->start < start) + (end < m->end);
    }
    Graveyard dead;
    for (int i = 0; i < needed; ++i) {
        spares[i] = new FileMap;
        if (!spares[i]) {
            dead.bury_spare(spares[0]);
            return -abi::kENOMEM;
        }
    }
    int used = 0;
    auto cut = [&](FileMap* m, std::uint64_t at) {  // m keeps [start, at); a spare takes [at, end)
        FileMap* s = spares[used++];
        s->start = at;
        s->end = m->end;
        s->offset = m->offset + (at - m->start);
        s->prot = m->prot;
        s->shared = m->shared;
        s->may_write = m->may_write;
        s->path = m->path.clone();
        m->end = at;
        link(p, s);
        return s;
    };
    fs::Guard g;
    for (lib::ListNode* n = p->file_maps.first(); n != p->file_maps.end(); n = n->next) {
        FileMap* m = entry(n);
        if (m->end <= start || end <= m->start || m->prot == prot) continue;
        if (m->start < start) m = cut(m, start);  // the part before the range keeps its prot
        if (end < m->end) cut(m, end);            // and so does the part after it
        m->prot = prot;
    }
    return 0;
}

FileFault file_map_fault(Process* p, std::uint64_t addr, FileAccess access) {
    const FileMap* m = file_map_at(p, addr);  // the owner's own list: no lock (file_mmap.h)
    if (!m) return FileFault::NotFileMap;
    if (m->prot == 0 || (access == FileAccess::Write && !(m->prot & abi::kPROT_WRITE)) ||
        (access == FileAccess::Execute && !(m->prot & abi::kPROT_EXEC)))
        return FileFault::Denied;
    const std::uint64_t va = mm::align_down(addr, mm::kPageSize);
    const std::uint64_t off = m->offset + (va - m->start);
    {
        VfsHold hold;   // the file's size and pages; and no truncation until the page is mapped
        SpaceLock space(p);
        fs::Inode* inode = m->path.inode();
        // Linux's rule (filemap_fault): a page that starts at or past the end is SIGBUS; the last
        // partial page maps whole, its tail reading as the zeros the file system keeps there.
        if (off >= inode->size) return FileFault::PastEnd;
        const fs::ErrorOr<fs::PagePhys> page = inode->page(off / mm::kPageSize);
        if (!page.ok())
            return page.errno_value() == abi::kENOMEM || page.errno_value() == abi::kENOSPC ? FileFault::NoMemory
                                                                                            : FileFault::PastEnd;
        // Under the lock: the file cannot drop the page before this space holds its reference.
        const lib::Status st = p->space->map_file_page(va, page.value(), map_flags(m->prot), m->shared);
        if (!st.ok()) return st.error() == lib::Error::NoMemory ? FileFault::NoMemory : FileFault::Denied;
        // A private page starts as the file's, read-only: the write that faulted copies it now
        // (the page cannot be truncated away in between: the VFS lock is still held).
        if (access == FileAccess::Write && !m->shared && !p->space->resolve_cow_fault(va).ok())
            return FileFault::NoMemory;
    }
    if (m->prot & abi::kPROT_EXEC)  // the file's bytes were written through the linear map
        asm volatile("dsb ish\n ic ialluis\n dsb ish\n isb" ::: "memory");
    return FileFault::Resolved;
}

SpaceLock::SpaceLock(Process* p) : m_locked(p->file_maps.empty() ? nullptr : p) {
    if (m_locked) m_locked->space_lock.lock();
}

SpaceLock::~SpaceLock() {
    if (m_locked) m_locked->space_lock.unlock();
}

void file_maps_truncate(const fs::Inode* inode, std::uint64_t new_size) {
    KASSERT(fs::locked_by_me());
    const std::uint64_t keep = mm::align_up(new_size, mm::kPageSize);  // file offsets below stay
    for (lib::ListNode* n = s_all_maps.first(); n != s_all_maps.end(); n = n->next) {
        const FileMap* m = all_entry(n);
        if (m->path.inode() != inode || m->offset + (m->end - m->start) <= keep) continue;
        const std::uint64_t from = keep > m->offset ? m->start + (keep - m->offset) : m->start;
        // The owner's areas are linked, so its space is alive (exit and exec unlink them first).
        sched::MutexGuard g(m->owner->space_lock);
        const lib::Status st = m->owner->space->unmap_mapped(from, m->end - from);
        KASSERT(st.ok());  // an area's range is page-aligned and inside the user half
    }
}

lib::Result<mm::AddressSpace*> file_maps_fork(Process* parent, Process* child, void* storage) {
    if (parent->file_maps.empty()) return parent->space->clone_cow(storage);  // no truncation can reach it
    lib::Result<mm::AddressSpace*> copy = lib::Error::NoMemory;
    bool ok = true;
    {
        fs::Guard g;   // no truncation between the copy of the pages and the copy of the areas
        {
            SpaceLock space(parent);
            copy = parent->space->clone_cow(storage);
        }
        if (!copy.ok()) return copy;
        child->space = copy.value();  // linked areas imply a live space (file_maps_truncate)
        for (lib::ListNode* n = parent->file_maps.first(); ok && n != parent->file_maps.end(); n = n->next) {
            const FileMap* m = entry(n);
            FileMap* c = piece_of(*m, m->start, m->end);
            if (c) link(child, c);
            ok = c != nullptr;
        }
    }
    if (ok) return copy;
    file_maps_release(child);
    child->space = nullptr;
    copy.value()->destroy();  // never ran: no ASID to release
    return lib::Error::NoMemory;
}

void file_maps_release(Process* p) {
    Graveyard dead;
    fs::Guard g;
    while (!p->file_maps.empty()) dead.bury(p, entry(p->file_maps.first()));
}

void for_each_file_map(const Process& p, void (*fn)(const FileMapInfo& m, void* ctx), void* ctx) {
    // Address order without keeping the list sorted: a process has few areas, and the list is
    // appended to by splits and new maps alike.
    std::uint64_t after = 0;
    bool first = true;
    for (;;) {
        const FileMap* next = nullptr;
        for (lib::ListNode* n = p.file_maps.first(); n != p.file_maps.end(); n = n->next) {
            const FileMap* m = entry(n);
            if ((first || m->start > after) && (!next || m->start < next->start)) next = m;
        }
        if (!next) return;
        const fs::Inode* inode = next->path.inode();
        const FileMapInfo info{next->start, next->end, next->prot, next->shared, next->offset,
                               inode->sb ? inode->sb->dev : 0, inode->ino, &next->path.get()};
        fn(info, ctx);
        after = next->start;
        first = false;
    }
}

}  // namespace kernel
