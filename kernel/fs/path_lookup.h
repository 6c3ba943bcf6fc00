// Path lookup in the initramfs, the whole (read-only) file system (portable, host-tested). Walks one
// component at a time as Linux does: "." and ".." against the walk so far, symbolic links followed
// (a relative target against the link's directory). The working directory is always "/".
#pragma once

#include <cstddef>

#include "kernel/fs/cpio.h"
#include "lib/result.h"

namespace kernel {

inline constexpr std::size_t kPathMax = 4096;  // PATH_MAX, the NUL included
inline constexpr int kMaxSymlinks = 40;        // Linux's MAXSYMLINKS

enum class FollowLast { No, Yes };  // whether a symbolic link as the last component is followed

// The entry `path` names. A missing root entry (archives rarely hold ".") stands as a 0755
// directory. Errors: NotFound; NotDirectory when a component before the last, or a last one
// followed by "/", is not a directory; OutOfRange when the path, or a link's expansion of it,
// reaches kPathMax; TooManyLinks past kMaxSymlinks. `scratch` must hold 2 * kPathMax bytes.
lib::Result<CpioEntry> lookup_path(const CpioArchive& fs, const char* path, FollowLast follow, char* scratch);

// The inode number a synthesised root gets (archive writers count theirs up from 1 or take the host's).
inline constexpr std::uint32_t kSyntheticRootIno = 0xffff'ffff;

}  // namespace kernel
