// The descriptor table (fd_table.h): growth, lookup of free descriptors, fork's copy, exec's and
// exit's closes.
#include "kernel/fs/fd_table.h"

#include "kernel/fs/file.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel {

FdTable::~FdTable() {
    for (unsigned i = 0; i < m_end; ++i) KASSERT(m_files[i] == nullptr);
    if (m_files != m_inline_files) {
        delete[] m_files;
        delete[] m_cloexec;
    }
}

File* FdTable::get_ref(unsigned fd) {
    arch::IrqSpinGuard g(m_lock);
    File* f = fd < m_end ? m_files[fd] : nullptr;
    return f ? f->get() : nullptr;
}

bool FdTable::reserve(unsigned fd) {
    if (fd < m_cap) return true;
    if (fd >= kNrOpen) return false;
    unsigned cap = 64;
    while (cap <= fd) cap *= 2;
    File** files = new File*[cap];
    std::uint64_t* bits = new std::uint64_t[cap / 64];
    if (!files || !bits) {
        delete[] files;
        delete[] bits;
        return false;
    }
    lib::fill_bytes(files, 0, cap * sizeof(File*));
    lib::fill_bytes(bits, 0, cap / 64 * sizeof(std::uint64_t));
    File** old_files;
    std::uint64_t* old_bits;
    {
        arch::IrqSpinGuard g(m_lock);
        lib::copy_bytes(files, m_files, m_cap * sizeof(File*));
        lib::copy_bytes(bits, m_cloexec, (m_cap + 63) / 64 * sizeof(std::uint64_t));
        old_files = m_files;
        old_bits = m_cloexec;
        m_files = files;
        m_cloexec = bits;
        m_cap = cap;
    }
    if (old_files != m_inline_files) {
        delete[] old_files;
        delete[] old_bits;
    }
    return true;
}

int FdTable::find_free(std::uint64_t from, std::uint64_t limit) {
    if (limit > kNrOpen) limit = kNrOpen;
    std::uint64_t fd = from;
    for (; fd < m_end && fd < limit; ++fd)
        if (!m_files[fd]) break;
    if (fd >= limit) return -abi::kEMFILE;
    if (!reserve(static_cast<unsigned>(fd))) return -abi::kENOMEM;
    return static_cast<int>(fd);
}

File* FdTable::set(unsigned fd, File* f, bool close_on_exec) {
    KASSERT(fd < m_cap);
    arch::IrqSpinGuard g(m_lock);
    File* old = m_files[fd];
    m_files[fd] = f;
    const std::uint64_t bit = std::uint64_t{1} << (fd % 64);
    m_cloexec[fd / 64] = close_on_exec ? m_cloexec[fd / 64] | bit : m_cloexec[fd / 64] & ~bit;
    if (fd >= m_end) m_end = fd + 1;
    return old;
}

void FdTable::set_cloexec(unsigned fd, bool on) {
    KASSERT(fd < m_end);
    arch::IrqSpinGuard g(m_lock);
    const std::uint64_t bit = std::uint64_t{1} << (fd % 64);
    m_cloexec[fd / 64] = on ? m_cloexec[fd / 64] | bit : m_cloexec[fd / 64] & ~bit;
}

bool FdTable::copy_from(const FdTable& other) {
    KASSERT(m_end == 0);
    if (other.m_end == 0) return true;
    if (!reserve(other.m_end - 1)) return false;
    arch::IrqSpinGuard g(m_lock);
    for (unsigned i = 0; i < other.m_end; ++i) m_files[i] = other.m_files[i] ? other.m_files[i]->get() : nullptr;
    lib::copy_bytes(m_cloexec, other.m_cloexec, (other.m_end + 63) / 64 * sizeof(std::uint64_t));
    m_end = other.m_end;
    return true;
}

void FdTable::close_on_exec() {
    for (unsigned i = 0; i < m_end; ++i) {
        if (!cloexec(i)) continue;
        if (File* f = take(i)) f->close_by(this);
    }
}

void FdTable::close_all() {
    for (unsigned i = 0; i < m_end; ++i)
        if (File* f = take(i)) f->close_by(this);
}

}  // namespace kernel
