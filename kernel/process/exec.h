// execve's work: finding the program (symbolic links followed, "#!" scripts run through their
// interpreter), the Linux argument limits, and loading a static ELF into a fresh address space with
// the Linux initial stack (argc, argv, envp, auxv). Errors are Linux's errno, in Linux's order.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "kernel/fs/credentials.h"
#include "kernel/fs/vfs.h"
#include "kernel/process/elf.h"
#include "kernel/process/exec_stack.h"
#include "mm/address_space.h"

namespace kernel {

struct FileMap;

struct LoadedProgram {
    mm::AddressSpace* space;   // heap storage; the caller owns it
    std::uint64_t entry, sp, brk_base;
    // cred: the identity the program runs with (set-user-id / set-group-id applied), and whether
    // that exec raised privileges (AT_SECURE). The caller commits it once the exec is certain.
    fs::Credentials cred;
    bool secure;
    // For /proc/<pid> (procdev): where argv's strings lie in the new stack (argv[0] first, each
    // NUL-terminated, as Linux's mm->arg_start..arg_end), and the file run (an interpreter for a script).
    std::uint64_t arg_start, arg_end;
    char exe[256];
    // The program's segments as MAP_PRIVATE file areas over its file (file_mmap.h), made but not
    // linked: the caller links them with file_maps_adopt once `space` is the process's, or frees
    // them with file_maps_discard (with `space`) when it gives the exec up.
    FileMap* areas[kElfMaxSegments];
    std::size_t area_count;
};

// cred: who executes; null: the kernel starting a program as root (init=, the monitor's run).
struct ExecCaller {
    fs::Credentials cred;
    bool no_new_privs = false;   // prctl(PR_SET_NO_NEW_PRIVS): set-id bits are ignored
};
// Copies up to `size` bytes of the new program's argv strings into buf (procdev: /proc/<pid>/cmdline).
std::size_t copy_program_args(const LoadedProgram& prog, char* buf, std::size_t size);

// Why an exec failed, for the ones that report it (init=, the shell): the errno, what failed in
// words, and the file it concerns (the program, or an interpreter it names).
struct ExecFailure {
    int err = 0;              // positive errno
    const char* why = "";     // static text
    char file[128] = {};
};

// path: a kernel string, walked from `from` (the process's root and working directory, its
// credentials for the search and execute checks); called without the VFS lock. Returns 0, or a
// negative errno with `failure` (if given) filled in; on failure nothing leaks and the caller's
// address space is untouched. caller: who executes (cred: set-id programs); null for root.
std::int64_t load_program(const fs::WalkStart& from, const char* path, const ArgVector& argv, const ArgVector& envp,
                          LoadedProgram& out, ExecFailure* failure = nullptr, const ExecCaller* caller = nullptr);

// "ENOENT", "EACCES", ... for the errno values exec gives.
const char* errno_name(int err);

// Allocation helpers for address-space storage (heap, 16-byte aligned).
mm::AddressSpace* new_space_storage_create();
void free_space(mm::AddressSpace* space);
mm::FrameAllocator& user_frames();

}  // namespace kernel
