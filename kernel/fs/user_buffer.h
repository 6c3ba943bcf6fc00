// User memory as an fs::IoBuffer: what a read(2)'s bytes go to and a write(2)'s come from.
//
// The copies are the fault-tolerant LDTR/STTR ones (kernel/syscall/user_copy.h) without the retry
// that resolves faults: they run under the VFS lock, and making a page (stack growth, copy-on-write,
// a file mapping's page) may itself need that lock or allocate. So a copy stops at the first page
// that is not there, notes it (faulted()), and the file layer drops the VFS lock, makes the page
// with resolve_user_access and goes on from there (File::inode_io).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"
#include "kernel/syscall/user_copy.h"

namespace kernel {

class UserBuffer final : public fs::IoBuffer {
public:
    explicit UserBuffer(std::uint64_t base) : m_base(base) {}
    std::size_t copy_out(std::size_t at, const void* src, std::size_t n) override {
        const std::size_t left = arch_copy_to_user(reinterpret_cast<void*>(m_base + at), src, n);
        if (left) m_faulted = true;
        return n - left;
    }
    std::size_t copy_in(std::size_t at, void* dst, std::size_t n) override {
        const std::size_t left = arch_copy_from_user(dst, reinterpret_cast<const void*>(m_base + at), n);
        if (left) m_faulted = true;
        return n - left;
    }
    bool faulted() const { return m_faulted; }

private:
    std::uint64_t m_base;      // the caller checked that the whole range is user space
    bool m_faulted = false;
};

}  // namespace kernel
