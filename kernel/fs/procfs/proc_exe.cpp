// The name /proc/<pid>/exe shows: the absolute path of the file exec ran, symbolic links resolved
// (Linux shows the file's own path: /bin/busybox for /bin/sh). Each link is read where the walk
// meets it; the file's directory then gives the path (path_of names directories only).
#include "kernel/fs/procfs/procfs.h"

#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs {

std::int64_t program_name(const WalkStart& from, const char* path, char* out, std::size_t size) {
    char* name = new char[kPathMax];
    if (!name) return -abi::kENOMEM;
    std::size_t n = lib::string_length(path);
    if (n >= kPathMax) n = kPathMax - 1;
    lib::copy_bytes(name, path, n);
    name[n] = 0;
    WalkStart s = from;
    Path owned{};   // the directory a relative link target continues from (referenced), when it is ours
    std::int64_t result = -abi::kELOOP;
    for (int hops = 0; hops <= kMaxSymlinks; ++hops) {
        auto parent = walk_parent(s, name);
        if (!parent.ok()) {
            result = -parent.errno_value();
            break;
        }
        const Parent par = parent.value();
        auto child = par.dir.inode->lookup(par.name, par.len);
        if (!child.ok()) {
            par.dir.inode->put_locked();
            result = -child.errno_value();
            break;
        }
        Inode* file = child.value();
        if (file->is_symlink()) {   // go on from the link's target, in the link's directory
            std::size_t len = 0;
            auto target = file->link_target(len);
            const bool ok = target.ok() && len > 0 && len < kPathMax;
            if (ok) {
                lib::copy_bytes(name, target.value(), len);
                name[len] = 0;
            }
            file->put_locked();
            if (owned.inode) owned.inode->put_locked();
            owned = par.dir;
            s.base = owned;
            if (!ok) {
                result = target.ok() ? -abi::kENOENT : -target.errno_value();
                break;
            }
            continue;
        }
        file->put_locked();
        const std::int64_t dir_len = path_of(from.root, par.dir, out, size);
        par.dir.inode->put_locked();
        if (dir_len < 0) {
            result = dir_len;
            break;
        }
        // "/" + the name after the directory ("/bin" + "/ls"; the root: "/" + "ls").
        std::size_t at = static_cast<std::size_t>(dir_len);
        if (at == 1 && out[0] == '/') at = 0;
        if (at + 1 + par.len + 1 > size) {
            result = -abi::kENAMETOOLONG;
            break;
        }
        out[at] = '/';
        lib::copy_bytes(out + at + 1, par.name, par.len);
        out[at + 1 + par.len] = 0;
        result = static_cast<std::int64_t>(at + 1 + par.len);
        break;
    }
    if (owned.inode) owned.inode->put_locked();
    delete[] name;
    return result;
}

}  // namespace kernel::fs
