// mount (new tmpfs instances, with tmpfs's options, and proc instances), umount2 and sync. Linux's order: the strings
// are copied, the target looked up, then root is required (EPERM), then the file-system type
// (EINVAL without one, ENODEV for an unknown one) and its options (EINVAL for one tmpfs does not
// know). Remounts, bind, move and propagation changes are not supported: EINVAL.
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/fs_syscalls_internal.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/fs/tmpfs.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"

namespace kernel {

using namespace abi;
using namespace fsc;

namespace {

constexpr std::size_t kTypeMax = 64;     // longer than any file-system type name
constexpr std::size_t kSourceMax = 256;
constexpr std::size_t kDataMax = 4096;   // copy_mount_options: one page

bool str_is(const char* a, const char* b) { return lib::string_compare(a, b) == 0; }

// memparse: a number with an optional K/M/G/T suffix (binary units). False when malformed.
bool parse_size(const char* s, std::uint64_t& out) {
    if (*s < '0' || *s > '9') return false;
    std::uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) {
        if (v > (~std::uint64_t{0} - 9) / 10) return false;
        v = v * 10 + static_cast<std::uint64_t>(*s - '0');
    }
    int shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; ++s; break;
    case 'm': case 'M': shift = 20; ++s; break;
    case 'g': case 'G': shift = 30; ++s; break;
    case 't': case 'T': shift = 40; ++s; break;
    default: break;
    }
    if (*s != '\0' && *s != '%') return false;
    if (shift && v > (~std::uint64_t{0} >> shift)) return false;
    out = v << shift;
    return *s == '\0' || (s[0] == '%' && s[1] == '\0' && shift == 0);
}

bool parse_number(const char* s, unsigned base, std::uint64_t& out) {
    if (!*s) return false;
    std::uint64_t v = 0;
    for (; *s; ++s) {
        const unsigned d = static_cast<unsigned>(*s - '0');
        if (d >= base) return false;
        if (v > 0xffff'ffffull) return false;
        v = v * base + d;
    }
    out = v;
    return true;
}

struct TmpfsOptions {
    std::uint64_t max_pages = 0;   // 0: the default, half of RAM
    std::uint32_t mode = 01777, uid = 0, gid = 0;
    bool read_only = false;
};

// tmpfs's options (mm/shmem.c shmem_fs_parameters): size=N[kmgt%], nr_blocks=N, mode=OCTAL, uid=N,
// gid=N, and the generic ro/rw. Any other is EINVAL, as tmpfs's "Unknown parameter".
std::int64_t parse_tmpfs_options(char* data, TmpfsOptions& o) {
    const std::uint64_t ram_pages = fs::kernel_page_source().total_pages();
    for (char* opt = data; opt && *opt;) {
        char* next = opt;
        while (*next && *next != ',') ++next;
        if (*next) *next++ = '\0';
        else next = nullptr;
        char* value = opt;
        while (*value && *value != '=') ++value;
        if (*value) *value++ = '\0';
        else value = nullptr;
        std::uint64_t v = 0;
        if (str_is(opt, "size") && value && parse_size(value, v)) {
            const std::size_t n = lib::string_length(value);
            const bool percent = value[n - 1] == '%';
            std::uint64_t pages = percent ? ram_pages * v / 100 : (v + 4095) / 4096;
            if (percent && v > 100 * 100) return -kEINVAL;
            if (pages == 0 && v != 0) pages = 1;
            o.max_pages = v == 0 ? ~std::uint64_t{0} : pages;   // size=0: no limit, as Linux
        } else if (str_is(opt, "nr_blocks") && value && parse_size(value, v)) {
            o.max_pages = v == 0 ? ~std::uint64_t{0} : v;
        } else if (str_is(opt, "mode") && value && parse_number(value, 8, v)) {
            o.mode = static_cast<std::uint32_t>(v) & 07777;
        } else if (str_is(opt, "uid") && value && parse_number(value, 10, v)) {
            o.uid = static_cast<std::uint32_t>(v);
        } else if (str_is(opt, "gid") && value && parse_number(value, 10, v)) {
            o.gid = static_cast<std::uint32_t>(v);
        } else if (str_is(opt, "ro") && !value) {
            o.read_only = true;
        } else if (str_is(opt, "rw") && !value) {
            o.read_only = false;
        } else {
            return -kEINVAL;
        }
        opt = next;
    }
    return 0;
}

// Copied mount(2) arguments, on the heap.
struct MountStrings {
    char* type = nullptr;
    char* source = nullptr;
    char* data = nullptr;
    ~MountStrings() {
        delete[] type;
        delete[] source;
        delete[] data;
    }
};

// copy_mount_string: null stays null; EFAULT, and ENAMETOOLONG past its limit.
std::int64_t copy_optional(char*& dst, std::uint64_t user, std::size_t max) {
    if (!user) return 0;
    dst = new char[max];
    if (!dst) return -kENOMEM;
    return copy_short_string(dst, user, max);
}

// copy_mount_options: up to a page, as much as is readable (a string near the end of a mapping).
std::int64_t copy_options(char*& dst, std::uint64_t user) {
    if (!user) return 0;
    dst = new char[kDataMax];
    if (!dst) return -kENOMEM;
    const std::size_t got = copy_from_user_partial(dst, user, kDataMax - 1);
    if (got == 0) return -kEFAULT;
    dst[got] = '\0';
    return 0;
}

}  // namespace

std::int64_t sys_mount(Process* p, arch::TrapFrame& f) {
    std::uint64_t flags = f.x[3];
    MountStrings s;
    if (std::int64_t e = copy_optional(s.type, f.x[2], kTypeMax); e < 0) return e;
    if (std::int64_t e = copy_optional(s.source, f.x[0], kSourceMax); e < 0) return e;
    if (std::int64_t e = copy_options(s.data, f.x[4]); e < 0) return e;
    UserPath target;
    if (std::int64_t e = target.copy(f.x[1]); e < 0) return e;
    if ((flags & kMS_MGC_MSK) == kMS_MGC_VAL) flags &= ~kMS_MGC_MSK;

    fs::Guard g;
    Resolved where;
    if (std::int64_t e = resolve_at(p, kAT_FDCWD, target, true, false, where); e < 0) return e;
    if (flags & kMS_NOUSER) return -kEINVAL;
    if (!capable(p->cred)) return -kEPERM;   // CAP_SYS_ADMIN
    if (flags & (kMS_REMOUNT | kMS_BIND | kMS_MOVE | kMS_SHARED | kMS_PRIVATE | kMS_SLAVE | kMS_UNBINDABLE))
        return -kEINVAL;   // not supported: only new mounts
    if (!s.type) return -kEINVAL;
    fs::SuperBlock* sb = nullptr;
    bool read_only = false;
    if (str_is(s.type, "tmpfs")) {
        TmpfsOptions o;
        if (s.data) {
            if (std::int64_t e = parse_tmpfs_options(s.data, o); e < 0) return e;
        }
        if (!where.place.inode()->is_dir()) return -kENOTDIR;   // a directory's root on a non-directory
        sb = fs::TmpFs::create(fs::kernel_page_source(), o.max_pages, o.mode, o.uid, o.gid);
        read_only = o.read_only;
    } else if (str_is(s.type, "proc")) {
        // proc's options (hidepid=, gid=, subset=) are not supported: any is EINVAL, as proc says
        // of one it does not know.
        if (s.data && s.data[0]) return -kEINVAL;
        if (!where.place.inode()->is_dir()) return -kENOTDIR;
        sb = fs::make_procfs();
    } else {
        return -kENODEV;
    }
    if (!sb) return -kENOMEM;
    const std::uint64_t mnt_flags = (flags & (kMS_RDONLY | kMS_NOSUID | kMS_NODEV | kMS_NOEXEC)) | (read_only ? kMS_RDONLY : 0);
    auto m = fs::mount(sb, where.place.get(), mnt_flags, s.source ? s.source : "none");
    if (!m.ok()) {
        delete sb;
        return -m.errno_value();
    }
    return 0;
}

std::int64_t sys_umount2(Process* p, arch::TrapFrame& f) {
    const int flags = static_cast<int>(f.x[1]);
    if (flags & ~(kMNT_FORCE | kMNT_DETACH | kMNT_EXPIRE | kUMOUNT_NOFOLLOW)) return -kEINVAL;
    UserPath target;
    if (std::int64_t e = target.copy(f.x[0]); e < 0) return e;
    fs::Guard g;
    Resolved where;
    if (std::int64_t e = resolve_at(p, kAT_FDCWD, target, !(flags & kUMOUNT_NOFOLLOW), false, where); e < 0) return e;
    if (!capable(p->cred)) return -kEPERM;
    if ((flags & kMNT_EXPIRE) && (flags & (kMNT_FORCE | kMNT_DETACH))) return -kEINVAL;
    // fs::umount takes the walk's reference over, whatever it answers.
    return fs::umount(where.place.release(), flags);
}

// sync: every file system here lives in memory (the initramfs, tmpfs, proc, devtmpfs), so there is
// nothing to write back; it succeeds as Linux's does once everything is on disk.
std::int64_t sys_sync(Process*, arch::TrapFrame&) { return 0; }

}  // namespace kernel
