// Initramfs selection: a valid -initrd archive wins; the built-in one is the fallback.
#include "kernel/fs/initramfs.h"

#include "kernel/log.h"
#include "kernel/memory.h"

extern "C" const unsigned char g_builtin_initramfs[];
extern "C" const unsigned char g_builtin_initramfs_end[];

namespace kernel::initramfs {

namespace {
CpioArchive s_archive = CpioArchive::empty();
bool s_ok = false;
bool s_from_initrd = false;
}  // namespace

bool init(std::uint64_t start, std::uint64_t end, bool has_initrd) {
    if (has_initrd && end > start) {
        auto a = CpioArchive::open(memory::phys_to_virt(start), end - start);
        if (a.ok()) {
            s_archive = a.value();
            s_ok = s_from_initrd = true;
            log_info("initramfs: %zu entries from -initrd (%llu KiB)", s_archive.count(),
                     static_cast<unsigned long long>((end - start) / 1024));
            return true;
        }
        log_warn("initramfs: the -initrd archive is not a valid cpio newc archive (%s); using the built-in one",
                 lib::error_name(a.error()));
    }
    auto b = CpioArchive::open(g_builtin_initramfs, static_cast<std::size_t>(g_builtin_initramfs_end - g_builtin_initramfs));
    if (!b.ok()) {
        log_error("initramfs: the built-in archive is invalid (%s)", lib::error_name(b.error()));
        return false;
    }
    s_archive = b.value();
    s_ok = true;
    log_info("initramfs: %zu entries (built in)", s_archive.count());
    return true;
}

const CpioArchive* archive() { return s_ok ? &s_archive : nullptr; }
bool from_initrd() { return s_from_initrd; }

}  // namespace kernel::initramfs
