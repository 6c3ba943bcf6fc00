// rootfs: the tree built from the archive, and its read-only inodes.
#include "kernel/fs/rootfs.h"

#include "kernel/fs/clock.h"
#include "kernel/fs/vfs.h"
#include "kernel/fs/vfs_dir_table.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs {

class RootInode : public Inode {
public:
    RootInode(RootFs* fs, std::uint32_t mode) : Inode(fs, fs->next_ino(), mode) { atime = mtime = ctime = now(); }
    RootFs& fs() const { return *static_cast<RootFs*>(sb); }
    RootInode* m_all_next = nullptr;
};

namespace {

constexpr std::uint64_t kPage = 4096;

std::uint64_t s_cached_pages = 0;   // RootFs::cached_pages (atomic: instances are independent)

template <typename T>
ErrorOr<T> rofs() {
    return ErrorOr<T>::error(abi::kEROFS);
}

class RootDir final : public RootInode {
public:
    RootDir(RootFs* fs, std::uint32_t mode) : RootInode(fs, mode) { nlink = 2; }
    ErrorOr<Inode*> lookup(const char* name, std::size_t len) override {
        Inode* i = entries.find(name, len);
        if (!i) return ErrorOr<Inode*>::error(abi::kENOENT);
        i->get();
        return i;
    }
    ErrorOr<Inode*> create(const char*, std::size_t, std::uint32_t, std::uint64_t, std::uint32_t, std::uint32_t) override {
        return rofs<Inode*>();
    }
    ErrorOr<Inode*> mkdir(const char*, std::size_t, std::uint32_t, std::uint32_t, std::uint32_t) override {
        return rofs<Inode*>();
    }
    ErrorOr<Inode*> symlink(const char*, std::size_t, const char*, std::size_t, std::uint32_t, std::uint32_t) override {
        return rofs<Inode*>();
    }
    std::int64_t link(const char*, std::size_t, Inode*) override { return -abi::kEROFS; }
    std::int64_t unlink(const char*, std::size_t) override { return -abi::kEROFS; }
    std::int64_t rmdir(const char*, std::size_t) override { return -abi::kEROFS; }
    std::int64_t rename(const char*, std::size_t, Inode*, const char*, std::size_t, unsigned) override {
        return -abi::kEROFS;
    }
    std::int64_t readdir(std::uint64_t& cookie, DirSink& sink) override {
        return readdir_table(*this, entries, cookie, sink);
    }
    DirTable entries;
};

class RootFile final : public RootInode {
public:
    RootFile(RootFs* fs, std::uint32_t mode) : RootInode(fs, mode) {}
    ~RootFile() override {
        if (m_pages) {
            for (std::uint64_t i = 0; i < page_count(); ++i)
                if (m_pages[i]) {
                    fs().pages().free(m_pages[i]);
                    __atomic_sub_fetch(&s_cached_pages, 1, __ATOMIC_RELAXED);
                }
            delete[] m_pages;
        }
    }
    std::int64_t read(std::uint64_t off, IoBuffer& buf, std::size_t n) override {
        if (off >= size) return 0;
        if (n > size - off) n = static_cast<std::size_t>(size - off);
        const std::size_t got = buf.copy_out(0, data + off, n);
        return got ? static_cast<std::int64_t>(got) : (n ? -abi::kEFAULT : 0);
    }
    std::int64_t write(std::uint64_t, IoBuffer&, std::size_t) override { return -abi::kEROFS; }
    std::int64_t truncate(std::uint64_t) override { return -abi::kEROFS; }
    // The page cache. The archive's bytes are not page-aligned (cpio aligns data to 4 bytes), so a
    // page for mmap and exec (which maps a program's segments from here) is a copy in a frame of its
    // own, made on first use (under the VFS lock, as every Inode call) and kept as long as the file:
    // every later map of the page, by any process, shares that frame (each mapping holds a frame
    // reference, so the frame outlives the file if a mapping does; a private mapping copies it on
    // write and never writes it). Cost: at most the archive's file data again, a page per 4 KiB
    // touched (rounded up per file), plus a pointer per page of each file mapped; never given back
    // while the file lives (the initramfs never goes), as Linux's rootfs (a ramfs) keeps its pages.
    ErrorOr<PagePhys> page(std::uint64_t index) override {
        if (index >= page_count() || !m_pages) return ErrorOr<PagePhys>::error(abi::kENXIO);
        if (!m_pages[index]) {
            auto p = fs().pages().alloc_zeroed();
            if (!p.ok()) return ErrorOr<PagePhys>::error(abi::kENOMEM);
            const std::uint64_t off = index * kPage;
            const std::uint64_t n = size - off < kPage ? size - off : kPage;
            lib::copy_bytes(fs().pages().address(p.value()), data + off, n);
            m_pages[index] = p.value();
            __atomic_add_fetch(&s_cached_pages, 1, __ATOMIC_RELAXED);
        }
        return m_pages[index];
    }
    std::uint64_t page_count() const { return (size + kPage - 1) / kPage; }
    // The cache's table, made once the tree is complete (hard links may still change size before):
    // the heap it takes stays the same from then on, whatever runs. False when out of memory.
    bool make_cache_table() {
        if (m_pages || page_count() == 0) return true;
        m_pages = new PagePhys[page_count()];
        if (!m_pages) return false;
        for (std::uint64_t i = 0; i < page_count(); ++i) m_pages[i] = 0;
        return true;
    }
    const std::uint8_t* data = nullptr;
    std::uint32_t archive_ino = 0;   // hard links: the header's inode number

private:
    PagePhys* m_pages = nullptr;
};

class RootSymlink final : public RootInode {
public:
    RootSymlink(RootFs* fs, std::uint32_t mode) : RootInode(fs, mode) {}
    ErrorOr<const char*> link_target(std::size_t& len) override {
        len = size;
        return target;
    }
    const char* target = nullptr;
};

class RootNode final : public RootInode {
public:
    RootNode(RootFs* fs, std::uint32_t mode) : RootInode(fs, mode) {}
};

// The next component of an archive name, skipping "" and "." (so a leading "./" or "/" too):
// 1 with [s, s+l), 0 at the end, -1 for a ".." or an over-long component (the entry is skipped).
int next_component(const char*& p, const char* end, const char*& s, std::size_t& l) {
    for (;;) {
        while (p < end && *p == '/') ++p;
        if (p == end) return 0;
        s = p;
        while (p < end && *p != '/') ++p;
        l = static_cast<std::size_t>(p - s);
        if (l == 1 && s[0] == '.') continue;
        if ((l == 2 && s[0] == '.' && s[1] == '.') || l > kNameMax) return -1;
        return 1;
    }
}

void set_attributes(Inode* i, const CpioEntry& e) {
    i->mode = e.mode;
    i->uid = e.uid;
    i->gid = e.gid;
    i->mtime = i->atime = Timestamp{e.mtime, 0};
}

}  // namespace

void RootFs::adopt(RootInode* inode) {
    inode->m_all_next = m_all;
    m_all = inode;
    ++m_count;
}

RootFs::~RootFs() {
    while (m_all) {
        RootInode* i = m_all;
        m_all = i->m_all_next;
        delete i;
    }
}

Inode* RootFs::root() { return m_root; }

std::uint64_t RootFs::cached_pages() { return __atomic_load_n(&s_cached_pages, __ATOMIC_RELAXED); }

bool RootFs::busy() {
    for (RootInode* i = m_all; i; i = i->m_all_next) {
        const long expected = i->is_dir() ? (i->nlink ? 1 : 0) : static_cast<long>(i->nlink);
        if (i->refs() > expected) return true;
    }
    return false;
}

FsStats RootFs::stats() {
    FsStats s{};
    s.type_magic = abi::kRAMFS_MAGIC;   // Linux's rootfs is a ramfs (or tmpfs) instance
    s.block_size = 4096;
    s.blocks = (m_data_bytes + kPage - 1) / kPage;
    s.files = m_count;
    s.name_max = 255;
    return s;
}

// One archive entry into the tree. False only when out of memory; malformed names are skipped.
bool RootFs::add(const CpioEntry& e) {
    std::size_t n = 0;   // components, counted first: all but the last are directories
    const char* s = nullptr;
    std::size_t l = 0;
    for (const char* p = e.name; ;) {
        const int r = next_component(p, e.name + e.name_len, s, l);
        if (r < 0) return true;
        if (r == 0) break;
        ++n;
    }
    const std::uint32_t type = e.mode & abi::kS_IFMT;
    if (n == 0) {   // "." or "/": the root's own attributes
        if (type == abi::kS_IFDIR) set_attributes(m_root, e);
        return true;
    }
    auto* dir = static_cast<RootDir*>(m_root);
    const char* p = e.name;
    for (std::size_t k = 0; k < n; ++k) {
        (void)next_component(p, e.name + e.name_len, s, l);
        if (k + 1 == n) break;
        Inode* next = dir->entries.find(s, l);
        if (next && !next->is_dir()) return true;   // a file in the way: Linux's unpacking fails there too
        if (!next) {
            auto* d = new RootDir(this, abi::kS_IFDIR | 0755);
            if (!d) return false;
            adopt(d);
            d->parent = dir;
            if (!dir->entries.insert(s, l, d)) return false;
            ++dir->nlink;
            next = d;
        }
        dir = static_cast<RootDir*>(next);
    }
    const char* name = s;
    const std::size_t len = l;
    Inode* old = dir->entries.find(name, len);
    if (old && old->is_dir()) {
        if (type == abi::kS_IFDIR) {   // the same directory again: its attributes win
            set_attributes(old, e);
            return true;
        }
        if (static_cast<RootDir*>(old)->entries.size() != 0) return true;   // cannot replace a full directory
    }
    RootInode* inode = nullptr;
    if (type == abi::kS_IFREG && e.nlink > 1) {   // a hard link to an earlier entry of the same inode?
        for (RootInode* i = m_all; i; i = i->m_all_next)
            if (i->is_reg() && static_cast<RootFile*>(i)->archive_ino == e.ino && i->nlink > 0) {
                if (i == old) return true;
                inode = i;
                break;
            }
    }
    if (inode) {
        ++inode->nlink;
        inode->get();   // the new name's reference
        if (e.size) {   // newc stores a hard-linked file's data with its last name
            auto* f = static_cast<RootFile*>(inode);
            f->data = e.data;
            f->size = e.size;
            m_data_bytes += e.size;
        }
    } else if (type == abi::kS_IFDIR) {
        auto* d = new RootDir(this, abi::kS_IFDIR);
        if (!d) return false;
        d->parent = dir;
        inode = d;
    } else if (type == abi::kS_IFREG) {
        auto* f = new RootFile(this, e.mode);
        if (!f) return false;
        f->data = e.data;
        f->size = e.size;
        f->archive_ino = e.ino;
        m_data_bytes += e.size;
        inode = f;
    } else if (type == abi::kS_IFLNK) {
        auto* s = new RootSymlink(this, e.mode);
        if (!s) return false;
        s->target = reinterpret_cast<const char*>(e.data);
        s->size = e.size;
        inode = s;
    } else {
        auto* n = new RootNode(this, e.mode);
        if (!n) return false;
        if (type == abi::kS_IFCHR || type == abi::kS_IFBLK) n->rdev = abi::encode_dev(e.rdev_major, e.rdev_minor);
        inode = n;
    }
    const bool fresh = inode->nlink == 1 || inode->is_dir();
    if (fresh) {
        adopt(inode);
        set_attributes(inode, e);
    }
    if (old) {   // a later entry of the same name wins
        dir->entries.replace(name, len, inode);
        if (old->is_dir()) --dir->nlink;
        old->nlink = old->is_dir() ? 0 : old->nlink - 1;
        old->put_locked();   // the entry's reference (the inode stays on the list until the end)
    } else if (!dir->entries.insert(name, len, inode)) {
        return false;
    }
    if (inode->is_dir()) ++dir->nlink;
    return true;
}

RootFs* RootFs::create(const CpioArchive& archive, PageSource& pages) {
    auto* fs = new RootFs(pages);
    if (!fs) return nullptr;
    fs->read_only = true;
    auto* root = new RootDir(fs, abi::kS_IFDIR | 0755);
    if (!root) {
        delete fs;
        return nullptr;
    }
    root->parent = root;
    fs->adopt(root);
    fs->m_root = root;
    bool ok = true;
    for (const CpioEntry& e : archive) {
        if (!fs->add(e)) {
            ok = false;
            break;
        }
    }
    for (RootInode* i = fs->m_all; ok && i; i = i->m_all_next)
        if (i->is_reg()) ok = static_cast<RootFile*>(i)->make_cache_table();
    if (!ok) {
        delete fs;
        return nullptr;
    }
    return fs;
}

}  // namespace kernel::fs
