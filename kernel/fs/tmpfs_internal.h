// tmpfs's inode classes (only tmpfs_*.cpp include this). Called with the VFS lock held.
//
// References: a directory entry holds one on the inode it names, the instance holds one on its
// root. A directory's parent pointer is a tmpfs-internal pin instead (TmpDir::m_child_dirs), so a
// removed directory kept alive by a working directory below it keeps its parent alive without a
// chain of Inode references to drop recursively.
#pragma once

#include "kernel/fs/tmpfs.h"
#include "kernel/fs/vfs_dir_table.h"

namespace kernel::fs {

class TmpInode : public Inode {
public:
    TmpInode(TmpFs* fs, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid);
    TmpFs& fs() const { return *static_cast<TmpFs*>(sb); }
    void touch_mc();   // mtime and ctime: now
    TmpInode* m_all_next = nullptr;
    TmpInode* m_all_prev = nullptr;
};

class TmpDir final : public TmpInode {
public:
    TmpDir(TmpFs* fs, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid);
    ErrorOr<Inode*> lookup(const char* name, std::size_t len) override;
    ErrorOr<Inode*> create(const char* name, std::size_t len, std::uint32_t mode, std::uint64_t rdev, std::uint32_t uid,
                           std::uint32_t gid) override;
    ErrorOr<Inode*> mkdir(const char* name, std::size_t len, std::uint32_t mode, std::uint32_t uid,
                          std::uint32_t gid) override;
    ErrorOr<Inode*> symlink(const char* name, std::size_t len, const char* target, std::size_t target_len,
                            std::uint32_t uid, std::uint32_t gid) override;
    std::int64_t link(const char* name, std::size_t len, Inode* target) override;
    std::int64_t unlink(const char* name, std::size_t len) override;
    std::int64_t rmdir(const char* name, std::size_t len) override;
    std::int64_t rename(const char* name, std::size_t len, Inode* new_dir, const char* new_name, std::size_t new_len,
                        unsigned flags) override;
    std::int64_t readdir(std::uint64_t& cookie, DirSink& sink) override;

    std::size_t entry_count() const { return m_entries.size(); }
    std::uint32_t m_child_dirs = 0;   // live directories whose parent this is (removed ones included)

private:
    // Adds a new inode under `name`: the entry's reference, the times. Frees it on failure.
    ErrorOr<Inode*> add_new(const char* name, std::size_t len, TmpInode* inode);
    int check_new_name(const char* name, std::size_t len) const;
    DirTable m_entries;
};

class TmpFile final : public TmpInode {
public:
    TmpFile(TmpFs* fs, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid) : TmpInode(fs, mode, uid, gid) {}
    ~TmpFile() override;   // frees the pages
    std::int64_t read(std::uint64_t off, IoBuffer& buf, std::size_t n) override;
    std::int64_t write(std::uint64_t off, IoBuffer& buf, std::size_t n) override;
    std::int64_t truncate(std::uint64_t new_size) override;
    ErrorOr<PagePhys> page(std::uint64_t index) override;
    std::uint64_t pages_held() const { return m_pages; }

private:
    // Two levels: m_top[i] is a leaf of kLeaf page addresses (0: a hole), for pages i*kLeaf on.
    static constexpr std::size_t kLeaf = 512;
    PagePhys lookup_page(std::uint64_t index) const;
    ErrorOr<PagePhys> get_or_alloc(std::uint64_t index);
    void free_pages_from(std::uint64_t first);
    PagePhys** m_top = nullptr;
    std::size_t m_top_len = 0;
    std::uint64_t m_pages = 0;
};

class TmpSymlink final : public TmpInode {
public:
    TmpSymlink(TmpFs* fs, char* target, std::size_t len, std::uint32_t uid, std::uint32_t gid);
    ~TmpSymlink() override { delete[] m_target; }
    ErrorOr<const char*> link_target(std::size_t& len) override;

private:
    char* m_target;   // owned
};

// Device nodes, FIFOs and sockets: attributes only here.
class TmpNode final : public TmpInode {
public:
    TmpNode(TmpFs* fs, std::uint32_t mode, std::uint64_t dev, std::uint32_t uid, std::uint32_t gid)
        : TmpInode(fs, mode, uid, gid) {
        rdev = dev;
    }
};

}  // namespace kernel::fs
