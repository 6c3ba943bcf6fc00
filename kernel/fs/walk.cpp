// The path walk (portable), as Linux's fs/namei.c: one component at a time from the root or the
// base, "." and ".." resolved against the walk so far (".." stops at the process's root and climbs
// out of a mount's root to its mount point), mounts crossed downwards, symbolic links followed with
// a relative target taken against the link's directory, search permission checked on every
// directory a component is looked up in. Called with the VFS lock held.
#include "kernel/fs/vfs.h"

#include "kernel/fs/vfs_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"

namespace kernel::fs {

PathRef& PathRef::operator=(PathRef&& o) {
    if (this != &o) {
        if (m_p.inode) m_p.inode->put();
        m_p = o.m_p;
        o.m_p = {};
    }
    return *this;
}

PathRef::~PathRef() {
    if (m_p.inode) m_p.inode->put();
}

PathRef PathRef::clone() const {
    if (m_p.inode) m_p.inode->get();
    return PathRef(m_p);
}

Path PathRef::release() {
    const Path p = m_p;
    m_p = {};
    return p;
}

namespace detail {

Path parent_of(const Path& root, Path p) {
    for (;;) {
        if (same(p, root)) return p;
        if (!is_mount_root(p)) return Path{p.mnt, p.inode->parent ? p.inode->parent : p.inode};
        if (!p.mnt->parent) return p;   // the root of the whole name space: ".." is itself
        p = Path{p.mnt->parent, p.mnt->mountpoint};
    }
}

}  // namespace detail

namespace {

using detail::mount_on;

std::size_t bounded_length(const char* s, std::size_t max) {
    std::size_t n = 0;
    while (n < max && s[n]) ++n;
    return n;
}

// The topmost mount's root when something is mounted on p (not referenced).
Path cross_down(Path p) {
    while (Mount* m = mount_on(p)) p = Path{m, m->sb->root()};
    return p;
}

// Replaces the walk's position, moving the reference.
void move_to(Path& cur, Path next, bool next_referenced) {
    if (!next_referenced) next.inode->get();
    cur.inode->put_locked();
    cur = next;
}

// One string being walked: the path itself (depth 0) or a symbolic link's target, which stays
// valid while the link's inode is referenced (`link` holds that reference).
struct Frame {
    const char* p;
    const char* end;
    Inode* link;
};

bool exhausted(const Frame& f) {
    for (const char* q = f.p; q < f.end; ++q)
        if (*q != '/') return false;
    return true;
}

// Walks [path, end) from `cur` (referenced; replaced by the result, still referenced). Returns 0 or
// a positive errno; on error cur is left referenced wherever the walk stopped.
int walk_from(const WalkStart& s, Path& cur, const char* path, const char* end, unsigned flags) {
    Frame frames[kMaxSymlinks + 1];
    int depth = 0;
    frames[0] = Frame{path, end, nullptr};
    int links = 0;
    bool must_dir = (flags & kMustBeDir) != 0;
    int err = 0;
    for (;;) {
        Frame& f = frames[depth];
        while (f.p < f.end && *f.p == '/') ++f.p;
        if (f.p == f.end) {
            if (depth == 0) break;
            f.link->put_locked();   // its target is walked: the string is no longer needed
            --depth;
            continue;
        }
        const char* name = f.p;
        while (f.p < f.end && *f.p != '/') ++f.p;
        const std::size_t len = static_cast<std::size_t>(f.p - name);
        // The last component of the whole walk: nothing left here nor in the strings it came from.
        bool last = exhausted(f);
        for (int d = depth - 1; last && d >= 0; --d) last = exhausted(frames[d]);
        if (len > kNameMax) { err = abi::kENAMETOOLONG; break; }
        if (!cur.inode->is_dir()) { err = abi::kENOTDIR; break; }
        if (int e = permission(*s.cred, cur.inode->mode, cur.inode->uid, cur.inode->gid, kMayExec); e < 0) {
            err = -e;
            break;
        }
        // A trailing "/" makes the last component a directory, through symbolic links.
        if (last && f.p < f.end) must_dir = true;
        if (len == 1 && name[0] == '.') continue;
        if (len == 2 && name[0] == '.' && name[1] == '.') {
            move_to(cur, cross_down(detail::parent_of(s.root, cur)), false);
            continue;
        }
        auto r = cur.inode->lookup(name, len);
        if (!r.ok()) { err = r.errno_value(); break; }
        Path child{cur.mnt, r.value()};
        if (Mount* m = mount_on(child); m) {
            const Path top = cross_down(child);
            top.inode->get();
            child.inode->put_locked();
            child = top;
        }
        if (child.inode->is_symlink() && (!last || (flags & kFollowLast) || must_dir)) {
            std::size_t tlen = 0;
            auto t = child.inode->link_target(tlen);
            if (!t.ok() || ++links > kMaxSymlinks || tlen == 0) {
                err = !t.ok() ? t.errno_value() : tlen == 0 ? abi::kENOENT : abi::kELOOP;
                child.inode->put_locked();
                break;
            }
            frames[++depth] = Frame{t.value(), t.value() + tlen, child.inode};
            if (t.value()[0] == '/') move_to(cur, s.root, false);
            continue;
        }
        move_to(cur, child, true);
    }
    for (; depth > 0; --depth) frames[depth].link->put_locked();
    if (!err && must_dir && !cur.inode->is_dir()) err = abi::kENOTDIR;
    return err;
}

// Where a walk of `path` starts, referenced.
Path start_of(const WalkStart& s, const char* path) {
    const Path p = path[0] == '/' ? s.root : s.base;
    p.inode->get();
    return p;
}

}  // namespace

ErrorOr<Path> walk(const WalkStart& s, const char* path, unsigned flags) {
    KASSERT(locked_by_me());
    const std::size_t len = bounded_length(path, kPathMax);
    if (len >= kPathMax) return ErrorOr<Path>::error(abi::kENAMETOOLONG);
    if (len == 0 && !(flags & kAllowEmpty)) return ErrorOr<Path>::error(abi::kENOENT);
    Path cur = start_of(s, path);
    if (int e = walk_from(s, cur, path, path + len, flags); e != 0) {
        cur.inode->put_locked();
        return ErrorOr<Path>::error(e);
    }
    return cur;
}

ErrorOr<Parent> walk_parent(const WalkStart& s, const char* path) {
    KASSERT(locked_by_me());
    const std::size_t len = bounded_length(path, kPathMax);
    if (len >= kPathMax) return ErrorOr<Parent>::error(abi::kENAMETOOLONG);
    if (len == 0) return ErrorOr<Parent>::error(abi::kENOENT);
    const char* end = path + len;
    const char* e = end;
    while (e > path && e[-1] == '/') --e;
    const char* n = e;
    while (n > path && n[-1] != '/') --n;
    if (static_cast<std::size_t>(e - n) > kNameMax) return ErrorOr<Parent>::error(abi::kENAMETOOLONG);
    Path cur = start_of(s, path);
    int err = walk_from(s, cur, path, n, kFollowLast | kMustBeDir);
    // The last component will be looked up (or created) in the directory: search permission, as
    // Linux's may_lookup before every component. "/" alone has no component (len 0).
    if (err == 0 && e > n)
        err = -permission(*s.cred, cur.inode->mode, cur.inode->uid, cur.inode->gid, kMayExec);
    if (err != 0) {
        cur.inode->put_locked();
        return ErrorOr<Parent>::error(err);
    }
    return Parent{cur, n, static_cast<std::size_t>(e - n), e > n && e < end};
}

}  // namespace kernel::fs
