// The identity system calls (getuid ... setgroups) as table entries for syscall.cpp, and the
// credentials lock: how a process changes its own identity and how another reads it consistently.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "kernel/fs/credentials.h"

namespace kernel {

struct Process;

// A consistent copy of p's credentials, for checks on another process (kill, sched_setaffinity,
// prlimit64). Takes the credentials lock, a leaf: callable under the process-tree lock.
fs::Credentials credentials_of(const Process& p);
// The credentials of the process with this pid (zombies included), false if there is none.
bool credentials_of_pid(int pid, fs::Credentials& out);
// The calling process replaces its own credentials with `n` (exec's set-id change, the set* calls).
// As Linux's commit_creds, a change of the effective or file-system ids makes it non-dumpable.
void commit_credentials(Process* self, const fs::Credentials& n);

std::int64_t h_getuid(Process* p, arch::TrapFrame& f);
std::int64_t h_geteuid(Process* p, arch::TrapFrame& f);
std::int64_t h_getgid(Process* p, arch::TrapFrame& f);
std::int64_t h_getegid(Process* p, arch::TrapFrame& f);
std::int64_t h_getresuid(Process* p, arch::TrapFrame& f);   // (ruid*, euid*, suid*)
std::int64_t h_getresgid(Process* p, arch::TrapFrame& f);
std::int64_t h_setuid(Process* p, arch::TrapFrame& f);
std::int64_t h_setgid(Process* p, arch::TrapFrame& f);
std::int64_t h_setreuid(Process* p, arch::TrapFrame& f);
std::int64_t h_setregid(Process* p, arch::TrapFrame& f);
std::int64_t h_setresuid(Process* p, arch::TrapFrame& f);
std::int64_t h_setresgid(Process* p, arch::TrapFrame& f);
std::int64_t h_setfsuid(Process* p, arch::TrapFrame& f);
std::int64_t h_setfsgid(Process* p, arch::TrapFrame& f);
std::int64_t h_getgroups(Process* p, arch::TrapFrame& f);   // (size, list)
std::int64_t h_setgroups(Process* p, arch::TrapFrame& f);   // (size, list)

}  // namespace kernel
