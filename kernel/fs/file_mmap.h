// mmap of regular files: each process's list of file-backed areas and the demand paging over them.
// Pages are mapped on first touch by the fault path (file_map_fault) from the file's own pages
// (Inode::page): MAP_SHARED maps the file's page itself, MAP_PRIVATE maps it copy-on-write; a page
// wholly past the end of the file is SIGBUS, as on Linux. Every mapped page holds a frame
// reference (mm::AddressSpace::map_file_page), so truncate or unlink never frees a page still mapped.
//
// Truncation: a file system calls file_maps_truncate before it drops pages past a new end; every
// process's pages of the file from there on are unmapped (shared pages and private copies alike,
// as Linux's truncate_pagecache), so their next access faults and finds them past the end: SIGBUS.
//
// Locking. A process's area list (Process::file_maps) is changed only by the process's own task
// (or by fork before the child runs), always with the VFS lock held; every area is also on one
// global list (for truncation), under the VFS lock. The owner reads its own list without a lock
// (nobody else changes it); every other reader (/proc/<pid>/maps, truncation) holds the VFS lock.
// Page tables: besides the owner, a truncating task unmaps file pages in other processes' spaces,
// so while a process has file areas, every change to its space (by itself or a truncation) is made
// under its Process::space_lock (SpaceLock below); a process without file areas needs no lock, as
// no truncation can find it. The fault path takes the VFS lock (a sleeping mutex) to read the
// file's size and page: it runs in process context with IRQs on and no spinlock held
// (user_fault.cpp resolves EL0 faults with IRQs enabled, and kernel accesses to user memory
// resolve outside any spinlock), and when the faulting task already holds the VFS lock (read(2)
// into a mapped buffer) it uses it as is. Lock order: VFS lock, then a space_lock, then the frame
// reference counts and the frame and table caches (leaves). Exit and exec forget the areas before
// their space is destroyed or replaced, so a truncation never reaches a dead space.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/vfs.h"
#include "lib/intrusive_list.h"
#include "lib/result.h"
#include "mm/address_space.h"

namespace kernel {

struct Process;

// One file-backed area [start, end) of a process. Heap-allocated; owned by the process's list.
struct FileMap {
    lib::ListNode link;                 // in owner->file_maps
    lib::ListNode all_link;             // in the list of every area (truncation)
    Process* owner = nullptr;
    std::uint64_t start = 0, end = 0;   // page-aligned
    std::uint64_t offset = 0;           // the file offset `start` maps (page-aligned)
    std::uint32_t prot = 0;             // abi::kPROT_* bits
    bool shared = false;                // MAP_SHARED (else MAP_PRIVATE)
    bool may_write = true;              // false: MAP_SHARED of a file not open for writing
    fs::PathRef path;                   // the file, referenced while mapped (unlink keeps it)
};

// Records a new area (the range is already free of other mappings; nothing is mapped yet).
// path: referenced, taken over. 0 or -ENOMEM.
std::int64_t file_map_add(Process* p, std::uint64_t start, std::uint64_t size, std::uint32_t prot, bool shared,
                          bool may_write, fs::PathRef path, std::uint64_t offset);
// exec (kernel/process/exec.cpp): an area made for a space that is not the process's yet (a
// MAP_PRIVATE mapping of the program's file, nothing mapped), unlinked; null when out of memory.
// path: referenced, taken over (dropped when out of memory). file_maps_adopt links such areas to p
// once p->space holds their range (it cannot fail: the exec is past its point of no return);
// file_maps_discard frees areas never adopted. Neither with the VFS lock held by the caller.
FileMap* file_map_new(std::uint64_t start, std::uint64_t size, std::uint32_t prot, bool shared, bool may_write,
                      fs::PathRef path, std::uint64_t offset);
void file_maps_adopt(Process* p, FileMap* const* maps, std::size_t n);
void file_maps_discard(FileMap* const* maps, std::size_t n);
// Forgets the areas' parts inside [start, end) (munmap, MAP_FIXED), splitting an area that goes on
// beyond both ends; the caller unmaps the pages. 0, or -ENOMEM (a split found no memory: nothing
// changed).
std::int64_t file_maps_remove(Process* p, std::uint64_t start, std::uint64_t end);
// mprotect over file areas: checks every area inside [start, end) allows prot (-EACCES for
// PROT_WRITE on a MAP_SHARED area of a file not open for writing), then gives their parts in the
// range the new prot (splitting at the ends). 0, -EACCES or -ENOMEM (nothing changed).
std::int64_t file_maps_protect(Process* p, std::uint64_t start, std::uint64_t end, std::uint32_t prot);
// The area holding addr, or null. For the owner, or with the VFS lock held.
const FileMap* file_map_at(const Process* p, std::uint64_t addr);
// Whether any area intersects [start, end).
bool file_maps_intersect(const Process* p, std::uint64_t start, std::uint64_t end);

// A fault at addr (from EL0, or a kernel access to user memory) inside a file area: maps the page.
enum class FileFault {
    NotFileMap,   // addr is in no file area
    Resolved,     // mapped: retry the access
    Denied,       // the area's protection forbids this access: SIGSEGV (SEGV_ACCERR)
    PastEnd,      // the page lies wholly past the end of the file: SIGBUS (BUS_ADRERR)
    NoMemory,     // no frame for the page or a table, or the frame's share count is saturated
};
enum class FileAccess { Read, Write, Execute };
FileFault file_map_fault(Process* p, std::uint64_t addr, FileAccess access);

// Holds p's space_lock while p has file areas (see Locking above). Taken by p's own task around
// every change to its address space.
class [[nodiscard]] SpaceLock {
public:
    explicit SpaceLock(Process* p);
    ~SpaceLock();
    SpaceLock(const SpaceLock&) = delete;
    SpaceLock& operator=(const SpaceLock&) = delete;

private:
    Process* m_locked;
};

// The file's pages from byte new_size (rounded up to a page) on are about to leave it: unmaps them
// from every process mapping the file. VFS lock held; before the file system drops the pages.
void file_maps_truncate(const fs::Inode* inode, std::uint64_t new_size);

// fork: the child's address space, a copy-on-write clone of the parent's (AddressSpace::clone_cow
// in `storage`: shared file pages stay shared, private ones copy-on-write), and a copy of every
// file area, taken together so that no truncation falls between them. NoMemory: the child has
// neither (storage is dead).
lib::Result<mm::AddressSpace*> file_maps_fork(Process* parent, Process* child, void* storage);
// exec and exit: forgets every area (the caller destroys or replaced the address space, which drops
// the pages). Takes the VFS lock.
void file_maps_release(Process* p);

// /proc/<pid>/maps: calls fn for each area of p in address order. Call with the VFS lock held.
struct FileMapInfo {
    std::uint64_t start, end;
    std::uint32_t prot;       // abi::kPROT_* bits
    bool shared;
    std::uint64_t offset;
    std::uint64_t dev, ino;   // the file's st_dev and st_ino
    const fs::Path* path;     // the file, for fs::path_of
};
void for_each_file_map(const Process& p, void (*fn)(const FileMapInfo& m, void* ctx), void* ctx);

}  // namespace kernel
