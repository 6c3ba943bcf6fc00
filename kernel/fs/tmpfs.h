// tmpfs: a writable file system in memory (portable; host-tested with a fake page source). Regular
// files keep their data in 4 KiB pages from a PageSource (mmap maps them: page()), with holes for
// pages never written; directories, symbolic links, hard links, device nodes, FIFOs and sockets
// (attributes only: opening those is the device layer's business). Linux's semantics and errno
// values; ENOSPC when the page source runs out or the instance's size limit is reached. An inode
// is freed when its last name and its last reference are gone, its pages with it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"

namespace kernel::fs {

// Where file pages come from. The kernel's takes frames from the frame allocator (a page mapped by
// a process keeps its own frame reference, so freeing the file's does not pull it from under the
// mapping); the host tests' counts pages and can be told to fail.
class PageSource {
public:
    virtual ErrorOr<PagePhys> alloc_zeroed() = 0;   // never 0; -ENOSPC when none is left
    virtual void free(PagePhys page) = 0;            // the file's reference
    virtual std::uint8_t* address(PagePhys page) = 0;   // where the kernel reads and writes it
    virtual std::uint64_t total_pages() = 0;         // RAM, for the default size limit
protected:
    ~PageSource() = default;
};
PageSource& kernel_page_source();   // kernel only (tmpfs_kernel_pages.cpp)

class TmpInode;

class TmpFs final : public SuperBlock {
public:
    // A new, empty instance whose root has `root_mode` (permission bits; tmpfs's default 01777) and
    // the given owner. max_pages 0: half of the page source's RAM, as Linux's default size. Null
    // when out of memory.
    static TmpFs* create(PageSource& pages, std::uint64_t max_pages = 0, std::uint32_t root_mode = 01777,
                         std::uint32_t uid = 0, std::uint32_t gid = 0);
    ~TmpFs() override;   // frees every inode and page (umount calls it once busy() is false)

    Inode* root() override;
    FsStats stats() override;
    const char* type_name() const override { return "tmpfs"; }
    void release(Inode* inode) override;
    bool busy() override;

    std::uint64_t pages_used() const { return m_pages_used; }
    std::uint64_t inode_count() const { return m_inodes; }

    // For the inode classes (tmpfs_*.cpp).
    ErrorOr<PagePhys> alloc_page();   // counted against the limit
    void free_page(PagePhys page);
    std::uint8_t* page_address(PagePhys page) { return m_source.address(page); }
    bool inode_slot_free() const { return m_inodes < m_max_inodes; }
    void adopt(TmpInode* inode);      // a new inode joins the instance's list
    std::uint64_t next_ino() { return m_next_ino++; }
    // Frees a directory's or other inode whose names and references are all gone, then any
    // ancestor directory that was only kept for it (iteratively: chains may be deep).
    void destroy(TmpInode* inode);

private:
    TmpFs(PageSource& pages, std::uint64_t max_pages);
    PageSource& m_source;
    TmpInode* m_root = nullptr;
    TmpInode* m_all = nullptr;       // every live inode, linked through TmpInode::m_all_next/prev
    std::uint64_t m_max_pages, m_pages_used = 0;
    std::uint64_t m_max_inodes, m_inodes = 0;
    std::uint64_t m_next_ino = 1;
};

}  // namespace kernel::fs
