// devtmpfs (devfs.h): a tmpfs inside a superblock that calls itself "devtmpfs" (/proc/mounts,
// statfs's f_type stays tmpfs's, as on Linux), populated from the device registry.
#include "kernel/fs/devfs.h"

#include "kernel/fs/devices.h"
#include "kernel/fs/tmpfs.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs {

namespace {

// Every operation is the tmpfs's: its inodes name it as their superblock (release, statfs, st_dev),
// so this only answers for the mount (its name) and owns the tmpfs.
class DevTmpFs final : public SuperBlock {
public:
    explicit DevTmpFs(TmpFs* inner) : m_inner(inner) {}
    ~DevTmpFs() override { delete m_inner; }
    // mount() gives this superblock its device number; the tmpfs's inodes report the tmpfs's, so
    // it takes the same one before anything below the root can be reached (every walk into the
    // mount asks for the root first).
    Inode* root() override {
        m_inner->dev = dev;
        return m_inner->root();
    }
    FsStats stats() override { return m_inner->stats(); }
    const char* type_name() const override { return "devtmpfs"; }
    void release(Inode* inode) override { m_inner->release(inode); }
    bool busy() override { return m_inner->busy(); }

private:
    TmpFs* m_inner;
};

}  // namespace

SuperBlock* make_devtmpfs() {
    TmpFs* tmp = TmpFs::create(kernel_page_source(), 0, 0755);   // Linux's /dev: drwxr-xr-x
    if (!tmp) return nullptr;
    Inode* root = tmp->root();
    for (std::size_t i = 0; const Device* d = device_at(i); ++i) {
        auto node = root->create(d->name, lib::string_length(d->name), abi::kS_IFCHR | d->mode,
                                 abi::encode_dev(d->major, d->minor), 0, 0);
        if (!node.ok()) {
            delete tmp;
            return nullptr;
        }
        node.value()->put_locked();   // the directory's entry keeps it
    }
    auto* sb = new DevTmpFs(tmp);
    if (!sb) delete tmp;
    return sb;
}

}  // namespace kernel::fs
