// What process.cpp shares with kill.cpp: the process-tree lock and the lookups made under it (the
// rules are at the top of process.cpp).
#pragma once

#include "arch/aarch64/spinlock.h"
#include "kernel/process/process.h"
#include "lib/intrusive_list.h"

namespace kernel {

arch::SpinLock& tree_lock();
// With tree_lock() held: the published process with this pid, or null; every published process
// (Process::all_link); the init process, or null.
Process* find_locked(int pid);
lib::IntrusiveList& all_processes_locked();
Process* init_process_locked();

}  // namespace kernel
