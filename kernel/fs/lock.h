// Advisory file locks as a single-node Linux keeps them: flock(2) locks (whole file, owned by the
// open file description), POSIX record locks (fcntl F_SETLK..., byte ranges owned by the process,
// released by any close of the file by that process) and open-file-description record locks
// (F_OFD_SETLK..., owned by the File). flock and record locks do not see each other; POSIX and OFD
// record locks conflict with each other.
//
// Locking: one spinlock guards every lock record and the one wait queue of all blocked lockers
// (woken all at once by any release: few files are locked at a time). Never taken with the VFS lock
// held, nor does it take it.
#pragma once

#include <cstdint>

namespace kernel {

class File;

namespace locks {

// flock(2) on f: LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB. 0, -EWOULDBLOCK, -EINVAL, -EINTR.
std::int64_t flock(File* f, int op);
// F_GETLK / F_SETLK / F_SETLKW (ofd false; owner: the caller's descriptor table, pid: the caller's)
// and the F_OFD_* forms (ofd true: owned by f). user_flock: a struct flock in user memory.
std::int64_t getlk(File* f, std::uint64_t user_flock, bool ofd, const void* owner, int pid);
std::int64_t setlk(File* f, std::uint64_t user_flock, bool ofd, bool wait, const void* owner, int pid);
// The POSIX locks `owner` holds on the object (a close of a file by that process).
void release_owner(const void* object, const void* owner);
// Every flock and OFD lock f holds (its last reference is gone).
void release_file(const File* f);

}  // namespace locks
}  // namespace kernel
