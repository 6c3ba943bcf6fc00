// Inode's default operations (Linux's errno for "not this kind of file"), its reference counting,
// and KernelBuffer (portable: compiled into the host tests too).
#include "kernel/fs/inode.h"

#include "kernel/fs/vfs.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel::fs {

std::size_t KernelBuffer::copy_out(std::size_t at, const void* src, std::size_t n) {
    if (at >= m_size) return 0;
    if (n > m_size - at) n = m_size - at;
    lib::copy_bytes(m_p + at, src, n);
    return n;
}

std::size_t KernelBuffer::copy_in(std::size_t at, void* dst, std::size_t n) {
    if (at >= m_size) return 0;
    if (n > m_size - at) n = m_size - at;
    lib::copy_bytes(dst, m_p + at, n);
    return n;
}

// The last reference is dropped under the VFS lock, so that no walk can find the inode (through a
// file system's cache) between the count reaching 0 and release(); the others need no lock.
void Inode::put() {
    long r = __atomic_load_n(&m_refs, __ATOMIC_RELAXED);
    while (r > 1) {
        if (__atomic_compare_exchange_n(&m_refs, &r, r - 1, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) return;
    }
    Guard g;
    put_locked();
}

void Inode::put_locked() {
    KASSERT(locked_by_me());
    const long r = __atomic_sub_fetch(&m_refs, 1, __ATOMIC_ACQ_REL);
    KASSERT(r >= 0);
    if (r == 0) sb->release(this);
}

namespace {
std::int64_t not_dir() { return -abi::kENOTDIR; }
}  // namespace

ErrorOr<Inode*> Inode::lookup(const char*, std::size_t) { return ErrorOr<Inode*>::error(abi::kENOTDIR); }
ErrorOr<Inode*> Inode::create(const char*, std::size_t, std::uint32_t, std::uint64_t, std::uint32_t, std::uint32_t) {
    return ErrorOr<Inode*>::error(abi::kENOTDIR);
}
ErrorOr<Inode*> Inode::mkdir(const char*, std::size_t, std::uint32_t, std::uint32_t, std::uint32_t) {
    return ErrorOr<Inode*>::error(abi::kENOTDIR);
}
ErrorOr<Inode*> Inode::symlink(const char*, std::size_t, const char*, std::size_t, std::uint32_t, std::uint32_t) {
    return ErrorOr<Inode*>::error(abi::kENOTDIR);
}
std::int64_t Inode::link(const char*, std::size_t, Inode*) { return not_dir(); }
std::int64_t Inode::unlink(const char*, std::size_t) { return not_dir(); }
std::int64_t Inode::rmdir(const char*, std::size_t) { return not_dir(); }
std::int64_t Inode::rename(const char*, std::size_t, Inode*, const char*, std::size_t, unsigned) { return not_dir(); }
std::int64_t Inode::readdir(std::uint64_t&, DirSink&) { return not_dir(); }

std::int64_t Inode::read(std::uint64_t, IoBuffer&, std::size_t) { return is_dir() ? -abi::kEISDIR : -abi::kEINVAL; }
std::int64_t Inode::write(std::uint64_t, IoBuffer&, std::size_t) { return is_dir() ? -abi::kEISDIR : -abi::kEINVAL; }
std::int64_t Inode::truncate(std::uint64_t) { return is_dir() ? -abi::kEISDIR : -abi::kEINVAL; }
ErrorOr<PagePhys> Inode::page(std::uint64_t) { return ErrorOr<PagePhys>::error(abi::kENODEV); }
std::int64_t Inode::ioctl(std::uint32_t, std::uint64_t) { return -abi::kENOTTY; }

ErrorOr<const char*> Inode::link_target(std::size_t& len) {
    len = 0;
    return ErrorOr<const char*>::error(abi::kEINVAL);
}

}  // namespace kernel::fs
