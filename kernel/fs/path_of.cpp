// The name of a place (portable): getcwd's string and /proc/<pid>/cwd, built from the place up to
// the root through each directory's parent and its name in that parent. Called with the VFS lock
// held.
#include "kernel/fs/vfs.h"

#include "kernel/fs/vfs_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel::fs {

namespace {

// Finds the entry naming the directory `child` in its parent (directories have exactly one name).
class NameFinder final : public DirSink {
public:
    explicit NameFinder(const Inode* child) : m_child(child) {}
    bool emit(const DirEntry& e, std::uint64_t) override {
        if (m_found) return false;
        const bool dots = (e.name_len == 1 && e.name[0] == '.') || (e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
        if (!dots && e.ino == m_child->ino && e.name_len <= kNameMax) {
            lib::copy_bytes(name, e.name, e.name_len);
            len = e.name_len;
            m_found = true;
            return false;   // stop: not consumed, which does not matter here
        }
        return true;
    }
    bool found() const { return m_found; }
    char name[kNameMax];
    std::size_t len = 0;

private:
    const Inode* m_child;
    bool m_found = false;
};

// Prepends s to the string growing down from *pos (buf is its lower limit).
bool prepend(char* buf, char*& pos, const char* s, std::size_t n) {
    if (static_cast<std::size_t>(pos - buf) < n) return false;
    pos -= n;
    lib::copy_bytes(pos, s, n);
    return true;
}

}  // namespace

std::int64_t path_of(const Path& root, const Path& p, char* buf, std::size_t size) {
    KASSERT(locked_by_me());
    if (!p.inode->is_dir() || p.inode->nlink == 0) return -abi::kENOENT;   // only directories have a parent link;
                                                                         // a removed one has no name (getcwd: ENOENT)
    // Built backwards in a scratch buffer of kPathMax, then moved to buf.
    char* scratch = new char[kPathMax];
    if (!scratch) return -abi::kENOMEM;
    char* pos = scratch + kPathMax;
    bool fits = prepend(scratch, pos, "", 1);   // the NUL
    bool reachable = true;
    Path cur = p;
    std::int64_t err = 0;
    while (fits && !detail::same(cur, root)) {
        if (detail::is_mount_root(cur)) {
            if (!cur.mnt->parent) {   // the top of the name space without meeting root: outside it
                reachable = false;
                break;
            }
            cur = Path{cur.mnt->parent, cur.mnt->mountpoint};
            continue;
        }
        Inode* parent = cur.inode->parent;
        if (!parent || parent == cur.inode) break;
        NameFinder finder(cur.inode);
        std::uint64_t cookie = 0;
        if (std::int64_t e = parent->readdir(cookie, finder); e < 0) { err = e; break; }
        if (!finder.found()) { err = -abi::kENOENT; break; }
        fits = prepend(scratch, pos, finder.name, finder.len) && prepend(scratch, pos, "/", 1);
        cur = Path{cur.mnt, parent};
    }
    if (!err && fits && pos == scratch + kPathMax - 1) fits = prepend(scratch, pos, "/", 1);   // the root itself
    if (!err && fits && !reachable) fits = prepend(scratch, pos, "(unreachable)", 13);
    if (!err && !fits) err = -abi::kENAMETOOLONG;
    if (!err) {
        const std::size_t n = static_cast<std::size_t>(scratch + kPathMax - pos);   // with the NUL
        if (n > size) err = -abi::kERANGE;
        else {
            lib::copy_bytes(buf, pos, n);
            err = static_cast<std::int64_t>(n - 1);
        }
    }
    delete[] scratch;
    return err;
}

}  // namespace kernel::fs
