// What the file-system system calls share: user paths, the start of *at() walks, descriptors as
// places, and Linux's permission rules for names (fs_syscalls_internal.h); and ioctl.
#include "kernel/fs/fs_syscalls.h"

#include "kernel/fs/fs_syscalls_internal.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"
#include "mm/types.h"

namespace kernel {

using namespace abi;

std::int64_t sys_ioctl(Process* p, std::uint64_t fd, std::uint64_t request, std::uint64_t arg) {
    File* f = p->fd_at(fd);
    if (!f) return -kEBADF;
    return f->ioctl(static_cast<std::uint32_t>(request), arg);  // Linux's cmd is an unsigned int
}

namespace fsc {

UserPath::~UserPath() {
    if (m_buf != m_inline) delete[] m_buf;
}

namespace {

// Copies the string at `user` into dst[at, max) a chunk at a time, never across a page (a fault in
// a later page must not hide a terminator in an earlier one). Its length, or -EFAULT, or
// -ENAMETOOLONG when no terminator comes before max.
std::int64_t copy_string_chunks(char* dst, std::size_t at, std::uint64_t user, std::size_t max) {
    constexpr std::size_t kChunk = 32;
    for (std::size_t n = at; n < max;) {
        std::size_t chunk = mm::kPageSize - ((user + n) & (mm::kPageSize - 1));
        if (chunk > kChunk) chunk = kChunk;
        if (chunk > max - n) chunk = max - n;
        if (!user_range_ok(user + n, chunk)) return -kEFAULT;
        // The inline copy first (aligned words when it can); the slow path resolves faults.
        std::size_t got = chunk;
        if (arch_copy_from_user(dst + n, reinterpret_cast<const void*>(user + n), chunk) != 0)
            got = copy_from_user_partial(dst + n, user + n, chunk);
        // The terminator, a word at a time ("has a zero byte": Hacker's Delight 6-1), then bytes.
        std::size_t i = 0;
        for (; i + 8 <= got; i += 8) {
            std::uint64_t w;
            __builtin_memcpy(&w, dst + n + i, 8);
            if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) break;
        }
        for (; i < got; ++i)
            if (dst[n + i] == 0) return static_cast<std::int64_t>(n + i);
        if (got < chunk) return -kEFAULT;
        n += chunk;
    }
    return -kENAMETOOLONG;
}

}  // namespace

std::int64_t UserPath::copy(std::uint64_t user, bool empty_ok) {
    std::int64_t r = copy_string_chunks(m_inline, 0, user, kInline);
    if (r == -kENAMETOOLONG) {   // longer than the inline buffer: the rest goes to the heap
        m_buf = new char[fs::kPathMax];
        if (!m_buf) {
            m_buf = m_inline;
            m_inline[0] = '\0';
            return -kENOMEM;
        }
        lib::copy_bytes(m_buf, m_inline, kInline);
        r = copy_string_chunks(m_buf, kInline, user, fs::kPathMax);
    }
    if (r < 0) {
        m_buf[0] = '\0';
        return r;
    }
    if (m_buf[0] == '\0' && !empty_ok) return -kENOENT;
    return 0;
}

Path file_path(File* f) { return f->path(); }
bool file_is_opath(File* f) { return f->is_path_only(); }

std::int64_t AtStart::init(Process* p, int dirfd, const char* path) {
    m_start.root = p->root;
    m_start.cred = &p->cred;
    m_file = nullptr;
    if (path[0] == '/' || dirfd == kAT_FDCWD) {
        m_start.base = p->cwd;
        return 0;
    }
    if (dirfd < 0) return -kEBADF;
    File* f = p->fd_at(static_cast<std::uint64_t>(dirfd));
    if (!f) return -kEBADF;
    m_file = f;
    m_start.base = file_path(f);
    if (path[0] != '\0' && (!m_start.base.inode || !m_start.base.inode->is_dir())) return -kENOTDIR;
    return 0;
}

ErrorOr<Path> walk_at(const AtStart& s, const char* path, unsigned flags) { return fs::walk(s.get(), path, flags); }

std::int64_t resolve_at(Process* p, int dirfd, const UserPath& path, bool follow, bool empty_path, Resolved& out) {
    AtStart start;
    if (std::int64_t e = start.init(p, dirfd, path.str()); e < 0) return e;
    if (path.empty() && start.get().base.inode == nullptr) {   // AT_EMPTY_PATH on a console or pipe
        out.file = start.dir_file();
        return 0;
    }
    const unsigned flags = (follow ? fs::kFollowLast : 0u) | (empty_path ? fs::kAllowEmpty : 0u);
    auto r = walk_at(start, path.str(), flags);
    if (!r.ok()) return -r.errno_value();
    out.place = HeldPath(r.value());
    return 0;
}

bool read_only(const Path& p) {
    return p.inode->sb->read_only || (p.mnt && (p.mnt->flags & kMS_RDONLY));
}

int may_access(const fs::Credentials& cred, const Path& p, int mask) {
    const Inode* i = p.inode;
    if ((mask & fs::kMayWrite) && read_only(p) && (i->is_reg() || i->is_dir() || i->is_symlink())) return -kEROFS;
    return fs::permission(cred, i->mode, i->uid, i->gid, mask);
}

bool capable(const fs::Credentials& cred) { return cred.euid == 0; }

bool is_owner_or_root(const fs::Credentials& cred, const Inode* inode) {
    // inode_owner_or_capable: the fsuid owns it, or CAP_FOWNER (root's, which follows the fsuid).
    return cred.fsuid == inode->uid || cred.fsuid == 0;
}

namespace {
struct MountpointQuery {
    const Inode* inode;
    bool found;
};
}  // namespace

bool is_mountpoint(const Inode* inode) {
    MountpointQuery q{inode, false};
    fs::for_each_mount(
        [](const fs::Mount& m, void* ctx) {
            auto* q = static_cast<MountpointQuery*>(ctx);
            if (m.parent && m.mountpoint == q->inode) q->found = true;
        },
        &q);
    return q.found;
}

NewOwner new_owner(const fs::Credentials& cred, const Inode* dir, std::uint32_t mode) {
    NewOwner o{cred.fsuid, cred.fsgid, mode};
    if (dir->mode & kS_ISGID) {
        o.gid = dir->gid;
        if ((mode & kS_IFMT) == kS_IFDIR) o.mode |= kS_ISGID;
        else if ((mode & (kS_ISGID | kS_IXGRP)) == (kS_ISGID | kS_IXGRP) && !cred.in_group(o.gid) && cred.fsuid != 0)
            o.mode &= ~kS_ISGID;
    }
    return o;
}

int may_create(const fs::Credentials& cred, const Path& dir) {
    if (dir.inode->nlink == 0) return -kENOENT;   // IS_DEADDIR: the directory was removed
    return may_access(cred, dir, fs::kMayWrite | fs::kMayExec);
}

int may_delete(const fs::Credentials& cred, const Path& dir, const Inode* victim, bool is_dir) {
    if (int e = may_access(cred, dir, fs::kMayWrite | fs::kMayExec); e < 0) return e;
    if (int e = fs::sticky_check(cred, dir.inode->mode, dir.inode->uid, victim->uid); e < 0) return e;
    if (is_dir) {
        if (!victim->is_dir()) return -kENOTDIR;
    } else if (victim->is_dir()) {
        return -kEISDIR;
    }
    if (dir.inode->nlink == 0) return -kENOENT;   // IS_DEADDIR
    return 0;
}

namespace {
class AnyEntry final : public fs::DirSink {
public:
    bool found = false;
    bool emit(const fs::DirEntry& e, std::uint64_t) override {
        const bool dot = (e.name_len == 1 && e.name[0] == '.') || (e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
        if (!dot) found = true;
        return !found;   // stop at the first real entry
    }
};
}  // namespace

bool dir_has_entries(Inode* dir) {
    AnyEntry sink;
    std::uint64_t cookie = 0;
    (void)dir->readdir(cookie, sink);
    return sink.found;
}

Last last_kind(const char* name, std::size_t len) {
    if (len == 0) return Last::Root;
    if (name[0] == '.' && len == 1) return Last::Dot;
    if (name[0] == '.' && name[1] == '.' && len == 2) return Last::DotDot;
    return Last::Normal;
}

std::int64_t parent_at(const AtStart& at, const char* path, ParentAt& out) {
    auto r = fs::walk_parent(at.get(), path);
    if (!r.ok()) return -r.errno_value();
    const fs::Parent& pr = r.value();
    out.dir = HeldPath(pr.dir);
    out.name = pr.name;
    out.len = pr.len;
    out.trailing_slash = pr.trailing_slash;
    out.kind = last_kind(pr.name, pr.len);
    return 0;
}

std::int64_t filename_create(Process* p, int dirfd, const char* path, bool want_dir, ParentAt& out) {
    AtStart at;
    if (std::int64_t e = at.init(p, dirfd, path); e < 0) return e;
    if (std::int64_t e = parent_at(at, path, out); e < 0) return e;
    if (out.kind != Last::Normal) return -kEEXIST;
    auto child = out.dir.inode()->lookup(out.name, out.len);
    if (child.ok()) {
        child.value()->put_locked();
        return -kEEXIST;
    }
    if (child.errno_value() != kENOENT) return -child.errno_value();
    if (out.trailing_slash && !want_dir) return -kENOENT;
    if (read_only(out.dir.get())) return -kEROFS;
    return may_create(p->cred, out.dir.get());
}

std::int64_t copy_short_string(char* dst, std::uint64_t user, std::size_t max) {
    auto r = copy_string_from_user(dst, user, max);
    if (!r.ok()) return r.error() == lib::Error::Fault ? -kEFAULT : -kENAMETOOLONG;
    return 0;
}

}  // namespace fsc
}  // namespace kernel
