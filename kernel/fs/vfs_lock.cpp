// The VFS lock in the kernel: one sleeping mutex (vfs.h says what it guards). Not recursive; the
// owner is the task, so locked_by_me() is exact for the caller (only it can set or clear it).
#include "kernel/fs/vfs.h"

#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel::fs {

namespace {
sched::Mutex s_vfs_lock;   // constructed by .init_array, before kmain uses it
}  // namespace

void lock() { s_vfs_lock.lock(); }
void unlock() { s_vfs_lock.unlock(); }
bool locked_by_me() { return s_vfs_lock.owner() == sched::current(); }

}  // namespace kernel::fs
