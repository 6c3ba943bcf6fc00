// Permission checks as Linux's generic_permission and check_sticky make them (portable,
// host-tested). Root is fsuid 0 holding CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER.
#include "kernel/fs/credentials.h"

#include "kernel/syscall/linux_abi.h"

namespace kernel::fs {

bool Credentials::in_group(std::uint32_t gid) const {
    if (gid == fsgid) return true;
    for (int i = 0; i < ngroups && i < kMaxGroups; ++i)
        if (groups[i] == gid) return true;
    return false;
}

int permission(const Credentials& cred, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid, int mask) {
    mask &= kMayRead | kMayWrite | kMayExec;
    // The owner's bits if it is the owner, else the group's if in the group, else the others':
    // only one class applies, even when it grants less than the next (an owner with 0077 is refused).
    std::uint32_t granted = mode;
    if (cred.fsuid == uid) granted >>= 6;
    else if (cred.in_group(gid)) granted >>= 3;
    if ((mask & ~static_cast<int>(granted) & 7) == 0) return 0;
    if (cred.fsuid != 0) return -abi::kEACCES;
    // Root: everything on a directory; on anything else, read and write, and execute only when
    // some execute bit is set.
    if ((mode & abi::kS_IFMT) == abi::kS_IFDIR) return 0;
    if (!(mask & kMayExec) || (mode & 0111)) return 0;
    return -abi::kEACCES;
}

int sticky_check(const Credentials& cred, std::uint32_t dir_mode, std::uint32_t dir_uid, std::uint32_t file_uid) {
    if (!(dir_mode & abi::kS_ISVTX)) return 0;
    if (cred.fsuid == file_uid || cred.fsuid == dir_uid || cred.fsuid == 0) return 0;
    return -abi::kEPERM;
}

}  // namespace kernel::fs
