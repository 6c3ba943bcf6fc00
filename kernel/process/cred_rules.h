// Linux's rules for changing a process's identity (kernel/sys.c: __sys_setuid and its family,
// kernel/groups.c, fs/exec.c's bprm_fill_uid with commoncap's cap_bprm_creds_from_file) and for
// acting on another process (kill_ok_by_cred, check_same_owner, check_prlimit_permission).
// Portable: pure functions on fs::Credentials, host-tested; the system calls are in cred_syscalls.cpp.
//
// Capabilities follow Linux's defaults without capset or securebits: a process holds every
// capability while its effective uid is 0 and none otherwise (Linux's setuid fix-ups keep exactly
// that: effective caps are dropped when euid leaves 0 and raised from the permitted set when it
// returns; the permitted set survives while any of the three uids is 0, which is also when euid
// can return to 0). The file-system capabilities (DAC override) follow fsuid 0 the same way.
#pragma once

#include <cstdint>

#include "kernel/fs/credentials.h"

namespace kernel::cred {

inline constexpr std::uint32_t kUnchanged = 0xffff'ffffu;   // -1 as uid_t: "leave this id" (and never valid)

// CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_SYS_NICE, CAP_SYS_RESOURCE: root's effective uid.
constexpr bool capable(const fs::Credentials& c) { return c.euid == 0; }

// Each applies the call's rule to `c` in place and returns 0, or -EPERM / -EINVAL with `c`
// unchanged. uid/gid arguments are the low 32 bits of the register, as uid_t.
int set_uid(fs::Credentials& c, std::uint32_t uid);
int set_gid(fs::Credentials& c, std::uint32_t gid);
int set_reuid(fs::Credentials& c, std::uint32_t ruid, std::uint32_t euid);
int set_regid(fs::Credentials& c, std::uint32_t rgid, std::uint32_t egid);
int set_resuid(fs::Credentials& c, std::uint32_t ruid, std::uint32_t euid, std::uint32_t suid);
int set_resgid(fs::Credentials& c, std::uint32_t rgid, std::uint32_t egid, std::uint32_t sgid);
// setfsuid/setfsgid never fail: they return the old value, whether or not the change was allowed.
std::uint32_t set_fsuid(fs::Credentials& c, std::uint32_t fsuid);
std::uint32_t set_fsgid(fs::Credentials& c, std::uint32_t fsgid);
// setgroups: `n` groups (n <= fs::kMaxGroups, checked by the caller), stored sorted as Linux's
// groups_sort does (getgroups returns them in that order). -EPERM without CAP_SETGID.
int set_groups(fs::Credentials& c, const std::uint32_t* groups, int n);

// Whether a change from `before` to `after` makes Linux's commit_creds reset the process's
// dumpable flag and parent-death signal (the effective or file-system ids changed).
bool ids_changed_for_dumpable(const fs::Credentials& before, const fs::Credentials& after);

// The credentials a program runs with after execve of a file with this mode/owner/group: the
// set-user-id and set-group-id bits (S_ISGID only with S_IXGRP: without it, it marks mandatory
// locking) make the owner/group effective unless no_new_privs; then the saved and file-system ids
// follow the effective ones, as for every exec. `secure`: AT_SECURE (the effective ids differ from
// the real ones), which also tells the process to clear its parent-death signal.
fs::Credentials exec_credentials(const fs::Credentials& old, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid,
                                 bool no_new_privs, bool& secure);

// kill(2): may `sender` signal `target` (Linux's kill_ok_by_cred)?
bool may_signal(const fs::Credentials& sender, const fs::Credentials& target);
// sched_setaffinity (and the other scheduler setters) on another process: check_same_owner or CAP_SYS_NICE.
bool may_set_scheduling(const fs::Credentials& caller, const fs::Credentials& target);
// prlimit64 on another process: all six real/effective/saved ids equal the caller's real ones, or CAP_SYS_RESOURCE.
bool may_prlimit(const fs::Credentials& caller, const fs::Credentials& target);

}  // namespace kernel::cred
