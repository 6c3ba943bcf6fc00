// Who a process is, for permission checks (portable). Linux's rules: real, effective and saved ids,
// the file-system ids that follow the effective ones, supplementary groups. Root (fsuid 0) passes
// every read/write check and a search or exec check when any x bit is set (CAP_DAC_OVERRIDE).
#pragma once

#include <cstdint>

namespace kernel::fs {

inline constexpr int kMaxGroups = 32;   // supplementary groups kept (Linux: NGROUPS_MAX 65536)

struct Credentials {
    std::uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
    std::uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
    std::uint32_t groups[kMaxGroups] = {};
    int ngroups = 0;
    bool in_group(std::uint32_t gid) const;   // fsgid or a supplementary group
};

// Access bits asked for (as access(2)'s R_OK/W_OK/X_OK).
inline constexpr int kMayExec = 1, kMayWrite = 2, kMayRead = 4;

// 0 if `cred` may access a file with this mode/owner/group as `mask` asks, else -EACCES.
int permission(const Credentials& cred, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid, int mask);
// The sticky-directory rule for unlink/rename/rmdir: in a sticky directory only the file's owner,
// the directory's owner or root may remove an entry. 0 or -EPERM.
int sticky_check(const Credentials& cred, std::uint32_t dir_mode, std::uint32_t dir_uid, std::uint32_t file_uid);

}  // namespace kernel::fs
