// The boot mounts: rootfs at "/" from the initramfs, then each file system on its directory when the
// archive has that directory (as Linux's init scripts mount them on existing mount points).
#include "kernel/fs/fs_init.h"

#include "kernel/fs/devfs.h"
#include "kernel/fs/initramfs.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/fs/rootfs.h"
#include "kernel/fs/tmpfs.h"
#include "kernel/fs/vfs.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel::fs {

namespace {

const Credentials s_kernel_cred{};   // root

// The directory `path` names in the boot name space, referenced; an empty PathRef if none.
PathRef boot_dir(const char* path) {
    const WalkStart s{root_path(), root_path(), &s_kernel_cred};
    auto r = walk(s, path, kFollowLast | kMustBeDir);
    return r.ok() ? PathRef(r.value()) : PathRef();
}

void mount_tmpfs_on(const char* path) {
    PathRef where = boot_dir(path);
    if (!where) {
        log_info("fs: no %s directory in the initramfs: no tmpfs there", path);
        return;
    }
    TmpFs* tmp = TmpFs::create(kernel_page_source(), 0, 01777);
    if (!tmp) panic("fs: out of memory for the tmpfs on %s", path);
    auto m = mount(tmp, where.get(), 0, "tmpfs");
    if (!m.ok()) panic("fs: cannot mount a tmpfs on %s (errno %d)", path, m.errno_value());
    Path p = where.release();
    p.inode->put_locked();
}

// procdev: proc at /proc and devtmpfs at /dev, as mount_tmpfs_on (make: the file system's maker).
void mount_boot(const char* path, SuperBlock* (*make)(), const char* type) {
    PathRef where = boot_dir(path);
    if (!where) {
        log_info("fs: no %s directory in the initramfs: no %s there", path, type);
        return;
    }
    SuperBlock* sb = make();
    if (!sb) panic("fs: out of memory for the %s on %s", type, path);
    auto m = mount(sb, where.get(), 0, type);
    if (!m.ok()) panic("fs: cannot mount the %s on %s (errno %d)", type, path, m.errno_value());
    Path p = where.release();
    p.inode->put_locked();
}

}  // namespace

void init() {
    const CpioArchive* archive = initramfs::archive();
    static const CpioArchive s_empty = CpioArchive::empty();
    RootFs* root = RootFs::create(archive ? *archive : s_empty, kernel_page_source());
    if (!root) panic("fs: out of memory building the root file system");
    Guard g;
    auto m = mount(root, Path{}, abi::kMS_RDONLY, "rootfs");
    if (!m.ok()) panic("fs: cannot mount the root file system (errno %d)", m.errno_value());
    log_info("fs: rootfs from the initramfs: %llu inodes", static_cast<unsigned long long>(root->inode_count()));
    mount_tmpfs_on("/tmp");
    mount_boot("/proc", make_procfs, "proc");          // procdev
    mount_boot("/dev", make_devtmpfs, "devtmpfs");     // procdev
}

}  // namespace kernel::fs
