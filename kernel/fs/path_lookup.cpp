// Component-by-component lookup over CpioArchive::find. Two buffers: `walked` holds the directories
// resolved so far ("" for the root, else "a/b"), `pending` what is left to walk; a symbolic link is
// expanded by putting its target in front of the rest of `pending`.
#include "kernel/fs/path_lookup.h"

#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel {

namespace {

constexpr std::uint32_t kRootMode = kCpioTypeDirectory | 0755;

CpioEntry root_of(const CpioArchive& fs) {
    auto r = fs.find("/");
    if (r.ok() && is_directory(r.value())) return r.value();
    return CpioEntry{".", 1, kRootMode, nullptr, 0, kSyntheticRootIno, 0, 0, 2, 0, 0, 0};
}

// The entry for `walked` (a directory already walked into, so it exists).
CpioEntry entry_of(const CpioArchive& fs, const char* walked) {
    if (walked[0] == '\0') return root_of(fs);
    auto r = fs.find(walked);
    KASSERT(r.ok());
    return r.value();
}

}  // namespace

lib::Result<CpioEntry> lookup_path(const CpioArchive& fs, const char* path, FollowLast follow, char* scratch) {
    KASSERT(path && scratch);
    char* walked = scratch;
    char* pending = scratch + kPathMax;
    const std::size_t n = lib::string_length(path);
    if (n >= kPathMax) return lib::Error::OutOfRange;
    if (n == 0) return lib::Error::NotFound;  // Linux: ENOENT for an empty path
    lib::copy_bytes(pending, path, n + 1);
    walked[0] = '\0';
    std::size_t walked_len = 0;
    const char* rest = pending;
    CpioEntry current = root_of(fs);
    int links = 0;
    // Invariant: `current` is the entry `walked` names, and a directory unless `rest` is empty.
    for (;;) {
        while (*rest == '/') ++rest;
        if (*rest == '\0') return current;
        if (!is_directory(current)) return lib::Error::NotDirectory;
        const char* comp = rest;
        std::size_t len = 0;
        while (comp[len] != '\0' && comp[len] != '/') ++len;
        rest = comp + len;
        bool dir_required = *rest == '/';  // "x/" names a directory, as "x/y" needs one
        const char* after = rest;
        while (*after == '/') ++after;
        const bool last = *after == '\0';
        if (len == 1 && comp[0] == '.') continue;
        if (len == 2 && comp[0] == '.' && comp[1] == '.') {  // the root's parent is the root
            while (walked_len > 0 && walked[walked_len - 1] != '/') --walked_len;
            if (walked_len > 0) --walked_len;
            walked[walked_len] = '\0';
            current = entry_of(fs, walked);
            continue;
        }
        const std::size_t parent_len = walked_len;
        if (walked_len + 1 + len >= kPathMax) return lib::Error::OutOfRange;
        if (walked_len > 0) walked[walked_len++] = '/';
        lib::copy_bytes(walked + walked_len, comp, len);
        walked_len += len;
        walked[walked_len] = '\0';
        auto found = fs.find(walked);
        if (!found.ok()) return lib::Error::NotFound;
        const CpioEntry e = found.value();
        if (is_symlink(e) && (!last || dir_required || follow == FollowLast::Yes)) {
            if (++links > kMaxSymlinks) return lib::Error::TooManyLinks;
            // pending := target + rest (rest is empty or starts with "/"). `rest` lies inside
            // `pending`, so it moves first.
            const std::size_t rest_len = lib::string_length(rest);
            if (e.size == 0) return lib::Error::NotFound;  // Linux: an empty link target is ENOENT
            if (e.size + rest_len >= kPathMax) return lib::Error::OutOfRange;
            lib::move_bytes(pending + e.size, rest, rest_len + 1);
            lib::copy_bytes(pending, e.data, e.size);
            rest = pending;
            // The target is resolved from the link's directory, or from the root if absolute.
            walked_len = pending[0] == '/' ? 0 : parent_len;
            walked[walked_len] = '\0';
            current = entry_of(fs, walked);
            // A link target with a NUL inside ends there, as the kernel's string handling would.
            continue;
        }
        current = e;
        if (last && dir_required && !is_directory(current)) return lib::Error::NotDirectory;
    }
}

}  // namespace kernel
