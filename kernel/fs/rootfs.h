// rootfs: the initramfs (a cpio archive in memory) as a read-only file system (portable,
// host-tested). The directory tree is built once at creation from the archive's entries (file
// data and link targets point into the archive: nothing is copied), missing parent directories
// are made (0755, root-owned), and a later entry of the same name wins, as when Linux unpacks an
// initramfs. Every modifying operation gives -EROFS (sb->read_only is set, so the VFS refuses
// first).
#pragma once

#include "kernel/fs/cpio.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/tmpfs.h"

namespace kernel::fs {

class RootInode;

class RootFs final : public SuperBlock {
public:
    // Null when out of memory. The archive's bytes must outlive the instance; `pages` gives the
    // frames page() copies file data into. Called with the VFS lock held.
    static RootFs* create(const CpioArchive& archive, PageSource& pages);
    ~RootFs() override;

    Inode* root() override;
    FsStats stats() override;
    const char* type_name() const override { return "rootfs"; }
    void release(Inode*) override {}   // the tree holds every inode until the instance goes
    bool busy() override;   // as tmpfs's: references beyond one per name

    PageSource& pages() { return m_pages; }
    // The frames the page caches of every instance hold (RootFile::page): kernel suites that check
    // every frame comes back count these with the free ones, as a program's first run fills the
    // cache for good.
    static std::uint64_t cached_pages();
    std::uint64_t inode_count() const { return m_count; }
    void adopt(RootInode* inode);
    std::uint64_t next_ino() { return m_next_ino++; }

private:
    explicit RootFs(PageSource& pages) : m_pages(pages) {}
    bool add(const CpioEntry& e);
    PageSource& m_pages;
    RootInode* m_root = nullptr;
    RootInode* m_all = nullptr;   // every inode, for the destructor and busy()
    std::uint64_t m_count = 0;
    std::uint64_t m_next_ino = 1;
    std::uint64_t m_data_bytes = 0;
};

}  // namespace kernel::fs
