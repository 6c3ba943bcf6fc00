// tmpfs: the instance (limits, the list of its inodes, freeing) and what all its inodes share.
#include "kernel/fs/tmpfs.h"

#include "kernel/fs/clock.h"
#include "kernel/fs/tmpfs_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"

namespace kernel::fs {

TmpInode::TmpInode(TmpFs* fs, std::uint32_t mode, std::uint32_t uid_, std::uint32_t gid_)
    : Inode(fs, fs->next_ino(), mode) {
    uid = uid_;
    gid = gid_;
    atime = mtime = ctime = now();
}

void TmpInode::touch_mc() { mtime = ctime = now(); }

TmpFs::TmpFs(PageSource& pages, std::uint64_t max_pages) : m_source(pages), m_max_pages(max_pages) {
    // Linux's default nr_inodes, whatever the size: half of RAM's pages.
    m_max_inodes = pages.total_pages() / 2 ? pages.total_pages() / 2 : 1;
}

TmpFs* TmpFs::create(PageSource& pages, std::uint64_t max_pages, std::uint32_t root_mode, std::uint32_t uid,
                     std::uint32_t gid) {
    if (max_pages == 0) max_pages = pages.total_pages() / 2;
    if (max_pages == 0) max_pages = 1;
    TmpFs* fs = new TmpFs(pages, max_pages);
    if (!fs) return nullptr;
    auto* root = new TmpDir(fs, abi::kS_IFDIR | (root_mode & 07777), uid, gid);
    if (!root) {
        delete fs;
        return nullptr;
    }
    root->parent = root;   // its own parent: ".." at a file system's root (the walk climbs mounts)
    fs->adopt(root);
    fs->m_root = root;     // keeps the creator's reference: the instance's own
    return fs;
}

TmpFs::~TmpFs() {
    while (m_all) {
        TmpInode* i = m_all;
        m_all = i->m_all_next;
        delete i;
    }
}

Inode* TmpFs::root() { return m_root; }

FsStats TmpFs::stats() {
    FsStats s{};
    s.type_magic = abi::kTMPFS_MAGIC;
    s.block_size = 4096;
    s.blocks = m_max_pages;
    s.blocks_free = s.blocks_avail = m_max_pages - m_pages_used;
    s.files = m_max_inodes;
    s.files_free = m_max_inodes - m_inodes;
    s.name_max = 255;
    return s;
}

ErrorOr<PagePhys> TmpFs::alloc_page() {
    if (m_pages_used >= m_max_pages) return ErrorOr<PagePhys>::error(abi::kENOSPC);
    auto r = m_source.alloc_zeroed();
    if (!r.ok()) return ErrorOr<PagePhys>::error(abi::kENOSPC);
    ++m_pages_used;
    return r.value();
}

void TmpFs::free_page(PagePhys page) {
    KASSERT(m_pages_used > 0);
    --m_pages_used;
    m_source.free(page);
}

void TmpFs::adopt(TmpInode* inode) {
    inode->m_all_next = m_all;
    inode->m_all_prev = nullptr;
    if (m_all) m_all->m_all_prev = inode;
    m_all = inode;
    ++m_inodes;
}

void TmpFs::destroy(TmpInode* inode) {
    while (inode) {
        TmpDir* next = nullptr;
        if (inode->is_dir() && inode != m_root) {
            auto* p = static_cast<TmpDir*>(inode->parent);
            KASSERT(p->m_child_dirs > 0);
            // The pin on the parent goes with it: a removed parent nobody references goes too.
            if (--p->m_child_dirs == 0 && p->nlink == 0 && p->refs() == 0) next = p;
        }
        if (inode->m_all_prev) inode->m_all_prev->m_all_next = inode->m_all_next;
        else m_all = inode->m_all_next;
        if (inode->m_all_next) inode->m_all_next->m_all_prev = inode->m_all_prev;
        --m_inodes;
        delete inode;
        inode = next;
    }
}

void TmpFs::release(Inode* inode) {
    auto* t = static_cast<TmpInode*>(inode);
    if (t->nlink != 0) return;   // still named (only the root's instance reference is never dropped)
    if (t->is_dir() && static_cast<TmpDir*>(t)->m_child_dirs != 0) return;   // pinned by a live subdirectory
    destroy(t);
}

bool TmpFs::busy() {
    // The tree's own references: one per name (a directory has one name, the root the
    // instance's). Any more is an open file, a working directory or a walk.
    for (TmpInode* i = m_all; i; i = i->m_all_next) {
        const long expected = i->is_dir() ? (i->nlink ? 1 : 0) : static_cast<long>(i->nlink);
        if (i->refs() > expected) return true;
    }
    return false;
}

TmpSymlink::TmpSymlink(TmpFs* fs, char* target, std::size_t len, std::uint32_t uid_, std::uint32_t gid_)
    : TmpInode(fs, abi::kS_IFLNK | 0777, uid_, gid_), m_target(target) {
    size = len;
}

ErrorOr<const char*> TmpSymlink::link_target(std::size_t& len) {
    len = size;
    return static_cast<const char*>(m_target);
}

}  // namespace kernel::fs
