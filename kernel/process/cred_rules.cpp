// Linux's identity rules, line for line after kernel/sys.c (6.x), with uid_valid() meaning "not -1"
// (the only invalid id in the initial user namespace). See cred_rules.h.
#include "kernel/process/cred_rules.h"

#include "kernel/syscall/linux_abi.h"

namespace kernel::cred {

namespace {

using abi::kEINVAL;
using abi::kEPERM;

constexpr bool valid(std::uint32_t id) { return id != kUnchanged; }

}  // namespace

int set_uid(fs::Credentials& c, std::uint32_t uid) {
    if (!valid(uid)) return -kEINVAL;
    fs::Credentials n = c;
    if (capable(c)) {
        n.ruid = n.suid = uid;   // root sets all four
    } else if (uid != c.ruid && uid != c.suid) {
        return -kEPERM;          // others may only return to the real or saved id
    }
    n.euid = n.fsuid = uid;
    c = n;
    return 0;
}

int set_gid(fs::Credentials& c, std::uint32_t gid) {
    if (!valid(gid)) return -kEINVAL;
    if (capable(c)) {
        c.rgid = c.egid = c.sgid = c.fsgid = gid;
    } else if (gid == c.rgid || gid == c.sgid) {
        c.egid = c.fsgid = gid;
    } else {
        return -kEPERM;
    }
    return 0;
}

int set_reuid(fs::Credentials& c, std::uint32_t ruid, std::uint32_t euid) {
    const fs::Credentials o = c;
    fs::Credentials n = c;
    // Both arguments pass through make_kuid, which maps -1 to "invalid": only -1 itself is.
    if (ruid != kUnchanged) {
        n.ruid = ruid;
        if (o.ruid != ruid && o.euid != ruid && !capable(o)) return -kEPERM;
    }
    if (euid != kUnchanged) {
        n.euid = euid;
        if (o.ruid != euid && o.euid != euid && o.suid != euid && !capable(o)) return -kEPERM;
    }
    // The saved id follows the new effective one when the real id is set, or when the effective
    // one is set to something other than the old real id.
    if (ruid != kUnchanged || (euid != kUnchanged && euid != o.ruid)) n.suid = n.euid;
    n.fsuid = n.euid;
    c = n;
    return 0;
}

int set_regid(fs::Credentials& c, std::uint32_t rgid, std::uint32_t egid) {
    const fs::Credentials o = c;
    fs::Credentials n = c;
    if (rgid != kUnchanged) {
        if (o.rgid != rgid && o.egid != rgid && !capable(o)) return -kEPERM;
        n.rgid = rgid;
    }
    if (egid != kUnchanged) {
        if (o.rgid != egid && o.egid != egid && o.sgid != egid && !capable(o)) return -kEPERM;
        n.egid = egid;
    }
    if (rgid != kUnchanged || (egid != kUnchanged && egid != o.rgid)) n.sgid = n.egid;
    n.fsgid = n.egid;
    c = n;
    return 0;
}

namespace {

// setresuid and setresgid share their shape: ids[0..2] real, effective, saved; fs the file-system id.
int set_res(std::uint32_t* ids, std::uint32_t& fs, const std::uint32_t* want, bool cap) {
    const std::uint32_t o[3] = {ids[0], ids[1], ids[2]};
    // A no-op (every id -1 or already what is asked, the effective one also being the fs one)
    // succeeds without a capability check.
    if ((want[0] == kUnchanged || want[0] == o[0]) &&
        (want[1] == kUnchanged || (want[1] == o[1] && want[1] == fs)) &&
        (want[2] == kUnchanged || want[2] == o[2]))
        return 0;
    // Without the capability each id asked for must be one of the three current ones.
    for (int i = 0; i < 3; ++i)
        if (want[i] != kUnchanged && want[i] != o[0] && want[i] != o[1] && want[i] != o[2] && !cap) return -kEPERM;
    for (int i = 0; i < 3; ++i)
        if (want[i] != kUnchanged) ids[i] = want[i];
    fs = ids[1];
    return 0;
}

}  // namespace

int set_resuid(fs::Credentials& c, std::uint32_t ruid, std::uint32_t euid, std::uint32_t suid) {
    std::uint32_t ids[3] = {c.ruid, c.euid, c.suid};
    std::uint32_t fs = c.fsuid;
    const std::uint32_t want[3] = {ruid, euid, suid};
    if (const int r = set_res(ids, fs, want, capable(c)); r < 0) return r;
    c.ruid = ids[0], c.euid = ids[1], c.suid = ids[2], c.fsuid = fs;
    return 0;
}

int set_resgid(fs::Credentials& c, std::uint32_t rgid, std::uint32_t egid, std::uint32_t sgid) {
    std::uint32_t ids[3] = {c.rgid, c.egid, c.sgid};
    std::uint32_t fs = c.fsgid;
    const std::uint32_t want[3] = {rgid, egid, sgid};
    if (const int r = set_res(ids, fs, want, capable(c)); r < 0) return r;
    c.rgid = ids[0], c.egid = ids[1], c.sgid = ids[2], c.fsgid = fs;
    return 0;
}

std::uint32_t set_fsuid(fs::Credentials& c, std::uint32_t fsuid) {
    const std::uint32_t old = c.fsuid;
    if (!valid(fsuid)) return old;   // setfsuid(-1): Linux's way to read the current value
    if (fsuid == c.ruid || fsuid == c.euid || fsuid == c.suid || fsuid == c.fsuid || capable(c)) c.fsuid = fsuid;
    return old;
}

std::uint32_t set_fsgid(fs::Credentials& c, std::uint32_t fsgid) {
    const std::uint32_t old = c.fsgid;
    if (!valid(fsgid)) return old;
    if (fsgid == c.rgid || fsgid == c.egid || fsgid == c.sgid || fsgid == c.fsgid || capable(c)) c.fsgid = fsgid;
    return old;
}

int set_groups(fs::Credentials& c, const std::uint32_t* groups, int n) {
    if (!capable(c)) return -kEPERM;
    for (int i = 0; i < n; ++i) c.groups[i] = groups[i];
    // Insertion sort (at most kMaxGroups); duplicates stay, as with Linux's groups_sort.
    for (int i = 1; i < n; ++i)
        for (int j = i; j > 0 && c.groups[j - 1] > c.groups[j]; --j) {
            const std::uint32_t t = c.groups[j];
            c.groups[j] = c.groups[j - 1];
            c.groups[j - 1] = t;
        }
    for (int i = n; i < fs::kMaxGroups; ++i) c.groups[i] = 0;
    c.ngroups = n;
    return 0;
}

bool ids_changed_for_dumpable(const fs::Credentials& b, const fs::Credentials& a) {
    return b.euid != a.euid || b.egid != a.egid || b.fsuid != a.fsuid || b.fsgid != a.fsgid;
}

fs::Credentials exec_credentials(const fs::Credentials& old, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid,
                                 bool no_new_privs, bool& secure) {
    constexpr std::uint32_t kSetUid = 04000, kSetGid = 02000, kGroupExec = 010;
    fs::Credentials n = old;
    if (!no_new_privs) {
        if (mode & kSetUid) n.euid = uid;
        if ((mode & (kSetGid | kGroupExec)) == (kSetGid | kGroupExec)) n.egid = gid;
    }
    n.suid = n.fsuid = n.euid;
    n.sgid = n.fsgid = n.egid;
    // cap_bprm_creds_from_file: a privilege-elevated exec. Root's own capabilities do not count
    // (a real uid of 0 runs as root anyway); a set-user-id-root program run by a user elevates.
    secure = n.euid != old.ruid || n.egid != old.rgid;
    return n;
}

bool may_signal(const fs::Credentials& s, const fs::Credentials& t) {
    return s.euid == t.suid || s.euid == t.ruid || s.ruid == t.suid || s.ruid == t.ruid || capable(s);
}

bool may_set_scheduling(const fs::Credentials& c, const fs::Credentials& t) {
    return c.euid == t.euid || c.euid == t.ruid || capable(c);
}

bool may_prlimit(const fs::Credentials& c, const fs::Credentials& t) {
    const bool match = c.ruid == t.euid && c.ruid == t.suid && c.ruid == t.ruid && c.rgid == t.egid &&
                       c.rgid == t.sgid && c.rgid == t.rgid;
    return match || capable(c);
}

}  // namespace kernel::cred
