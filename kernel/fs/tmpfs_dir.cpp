// tmpfs directories: names, links, removal and rename with Linux's errno values and link counts
// (a directory has 2 + its subdirectories), mtime/ctime on every change of an entry.
#include "kernel/fs/clock.h"
#include "kernel/fs/tmpfs_internal.h"
#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs {

namespace {
template <typename T>
ErrorOr<T> fail(int e) {
    return ErrorOr<T>::error(e);
}
}  // namespace

TmpDir::TmpDir(TmpFs* fs, std::uint32_t mode, std::uint32_t uid_, std::uint32_t gid_) : TmpInode(fs, mode, uid_, gid_) {
    nlink = 2;
}

ErrorOr<Inode*> TmpDir::lookup(const char* name, std::size_t len) {
    Inode* i = m_entries.find(name, len);
    if (!i) return fail<Inode*>(abi::kENOENT);
    i->get();
    return i;
}

int TmpDir::check_new_name(const char* name, std::size_t len) const {
    if (nlink == 0) return abi::kENOENT;   // a removed directory takes no new entries
    if (len == 0) return abi::kENOENT;
    if (len > kNameMax) return abi::kENAMETOOLONG;
    if (m_entries.find(name, len)) return abi::kEEXIST;
    return 0;
}

ErrorOr<Inode*> TmpDir::add_new(const char* name, std::size_t len, TmpInode* inode) {
    if (!inode) return fail<Inode*>(abi::kENOSPC);
    fs().adopt(inode);
    if (!m_entries.insert(name, len, inode)) {
        inode->nlink = 0;
        inode->put_locked();   // the creator's reference: the last, so it is freed
        return fail<Inode*>(abi::kENOSPC);
    }
    inode->get();   // the entry's
    touch_mc();
    return static_cast<Inode*>(inode);
}

ErrorOr<Inode*> TmpDir::create(const char* name, std::size_t len, std::uint32_t mode, std::uint64_t rdev,
                               std::uint32_t uid_, std::uint32_t gid_) {
    if (int e = check_new_name(name, len)) return fail<Inode*>(e);
    if (!fs().inode_slot_free()) return fail<Inode*>(abi::kENOSPC);
    const std::uint32_t type = mode & abi::kS_IFMT;
    const std::uint32_t m = mode & (abi::kS_IFMT | 07777);
    TmpInode* inode = nullptr;
    if (type == abi::kS_IFREG) inode = new TmpFile(&fs(), m, uid_, gid_);
    else if (type == abi::kS_IFCHR || type == abi::kS_IFBLK || type == abi::kS_IFIFO || type == abi::kS_IFSOCK)
        inode = new TmpNode(&fs(), m, type == abi::kS_IFCHR || type == abi::kS_IFBLK ? rdev : 0, uid_, gid_);
    else return fail<Inode*>(abi::kEINVAL);
    return add_new(name, len, inode);
}

ErrorOr<Inode*> TmpDir::mkdir(const char* name, std::size_t len, std::uint32_t mode, std::uint32_t uid_,
                              std::uint32_t gid_) {
    if (int e = check_new_name(name, len)) return fail<Inode*>(e);
    if (!fs().inode_slot_free()) return fail<Inode*>(abi::kENOSPC);
    auto* d = new TmpDir(&fs(), abi::kS_IFDIR | (mode & 07777), uid_, gid_);
    if (d) {
        d->parent = this;
        ++m_child_dirs;   // before add_new: its failure path destroys d, which drops the pin
    }
    auto r = add_new(name, len, d);
    if (r.ok()) ++nlink;   // the new directory's ".."
    return r;
}

ErrorOr<Inode*> TmpDir::symlink(const char* name, std::size_t len, const char* target, std::size_t target_len,
                                std::uint32_t uid_, std::uint32_t gid_) {
    if (int e = check_new_name(name, len)) return fail<Inode*>(e);
    if (target_len == 0) return fail<Inode*>(abi::kENOENT);
    if (target_len >= kPathMax) return fail<Inode*>(abi::kENAMETOOLONG);
    if (!fs().inode_slot_free()) return fail<Inode*>(abi::kENOSPC);
    char* copy = new char[target_len + 1];
    if (!copy) return fail<Inode*>(abi::kENOSPC);
    lib::copy_bytes(copy, target, target_len);
    copy[target_len] = '\0';
    auto* s = new TmpSymlink(&fs(), copy, target_len, uid_, gid_);
    if (!s) delete[] copy;
    return add_new(name, len, s);
}

std::int64_t TmpDir::link(const char* name, std::size_t len, Inode* target) {
    if (int e = check_new_name(name, len)) return -e;
    if (target->is_dir()) return -abi::kEPERM;
    if (target->sb != sb) return -abi::kEXDEV;
    if (target->nlink == ~0u) return -abi::kEMLINK;
    if (!m_entries.insert(name, len, target)) return -abi::kENOSPC;
    target->get();
    ++target->nlink;
    target->ctime = now();
    touch_mc();
    return 0;
}

std::int64_t TmpDir::unlink(const char* name, std::size_t len) {
    Inode* i = m_entries.find(name, len);
    if (!i) return -abi::kENOENT;
    if (i->is_dir()) return -abi::kEISDIR;
    m_entries.remove(name, len);
    --i->nlink;
    i->ctime = now();
    touch_mc();
    i->put_locked();
    return 0;
}

std::int64_t TmpDir::rmdir(const char* name, std::size_t len) {
    Inode* i = m_entries.find(name, len);
    if (!i) return -abi::kENOENT;
    if (!i->is_dir()) return -abi::kENOTDIR;
    auto* d = static_cast<TmpDir*>(i);
    if (d->m_entries.size() != 0) return -abi::kENOTEMPTY;
    m_entries.remove(name, len);
    d->nlink = 0;
    d->ctime = now();
    --nlink;
    touch_mc();
    d->put_locked();
    return 0;
}

namespace {

// Whether `dir` is `ancestor` or below it.
bool is_within(const Inode* dir, const Inode* ancestor) {
    for (const Inode* d = dir;; d = d->parent) {
        if (d == ancestor) return true;
        if (d->parent == d) return false;
    }
}

// A directory changes parent: its ".." link and its pin move.
void reparent(TmpDir* d, TmpDir* from, TmpDir* to) {
    if (from == to) return;
    --from->nlink;
    --from->m_child_dirs;
    ++to->nlink;
    ++to->m_child_dirs;
    d->parent = to;
}

}  // namespace

std::int64_t TmpDir::rename(const char* name, std::size_t len, Inode* new_dir_inode, const char* new_name,
                            std::size_t new_len, unsigned flags) {
    if (new_dir_inode->sb != sb) return -abi::kEXDEV;
    auto* to = static_cast<TmpDir*>(new_dir_inode);
    Inode* src = m_entries.find(name, len);
    if (!src) return -abi::kENOENT;
    if (new_len > kNameMax) return -abi::kENAMETOOLONG;
    Inode* dst = to->m_entries.find(new_name, new_len);
    const bool exchange = flags & abi::kRENAME_EXCHANGE;
    if ((flags & abi::kRENAME_NOREPLACE) && dst) return -abi::kEEXIST;
    if (exchange && !dst) return -abi::kENOENT;
    if (to->nlink == 0) return -abi::kENOENT;
    if (src == dst) return 0;   // two names of one file (or one name): Linux does nothing
    // A directory cannot go below itself (nor, exchanged, can the other).
    if (src->is_dir() && is_within(to, src)) return -abi::kEINVAL;
    if (exchange && dst->is_dir() && is_within(this, dst)) return -abi::kEINVAL;
    const Timestamp t = now();
    if (exchange) {
        m_entries.replace(name, len, dst);
        to->m_entries.replace(new_name, new_len, src);
        if (src->is_dir()) reparent(static_cast<TmpDir*>(src), this, to);
        if (dst->is_dir()) reparent(static_cast<TmpDir*>(dst), to, this);
        src->ctime = dst->ctime = t;
        mtime = ctime = to->mtime = to->ctime = t;
        return 0;
    }
    if (dst) {
        if (src->is_dir() && !dst->is_dir()) return -abi::kENOTDIR;
        if (!src->is_dir() && dst->is_dir()) return -abi::kEISDIR;
        if (dst->is_dir() && static_cast<TmpDir*>(dst)->m_entries.size() != 0) return -abi::kENOTEMPTY;
        to->m_entries.replace(new_name, new_len, src);
        m_entries.remove(name, len);
        if (dst->is_dir()) {
            dst->nlink = 0;
            --to->nlink;   // its ".."
        } else {
            --dst->nlink;
        }
        dst->ctime = t;
        if (src->is_dir()) reparent(static_cast<TmpDir*>(src), this, to);
        src->ctime = t;
        mtime = ctime = to->mtime = to->ctime = t;
        dst->put_locked();   // the replaced entry's reference
        return 0;
    }
    // A new name: added first, the only step that can fail.
    if (!to->m_entries.insert(new_name, new_len, src)) return -abi::kENOSPC;
    m_entries.remove(name, len);
    if (src->is_dir()) reparent(static_cast<TmpDir*>(src), this, to);
    src->ctime = t;
    mtime = ctime = to->mtime = to->ctime = t;
    return 0;
}

std::int64_t TmpDir::readdir(std::uint64_t& cookie, DirSink& sink) {
    return readdir_table(*this, m_entries, cookie, sink);
}

}  // namespace kernel::fs
