// Host-side pieces of the VFS for the tests: the VFS lock (a mutex with an owner), a settable
// clock, a counting page source that can be told to fail, a cpio newc writer, and a fixture name
// space (a rootfs from a test archive at "/", tmpfs instances mounted on it).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kernel/fs/cpio.h"
#include "kernel/fs/rootfs.h"
#include "kernel/fs/tmpfs.h"
#include "kernel/fs/vfs.h"

namespace vfs_test {

using namespace kernel::fs;

// The clock fs::now() reads on the host: starts at 1000 s, moved by tests.
void set_clock(Timestamp t);
Timestamp clock_now();

class FakePages final : public PageSource {
public:
    ~FakePages();
    ErrorOr<PagePhys> alloc_zeroed() override;
    void free(PagePhys page) override;
    std::uint8_t* address(PagePhys page) override;
    std::uint64_t total_pages() override { return total; }
    std::size_t live() const { return m_live.size(); }
    // Allocation fails once `limit` pages are live (-1: never).
    long limit = -1;
    std::uint64_t total = 1 << 16;
    std::uint64_t allocations = 0;

private:
    std::set<PagePhys> m_live;
};

// A cpio newc archive, each entry's header fields as given.
struct CpioSpec {
    std::string name;
    std::uint32_t mode;
    std::string data;
    std::uint32_t uid = 0, gid = 0, mtime = 0, nlink = 1, ino = 0;
    std::uint32_t rdev_major = 0, rdev_minor = 0;
};
std::vector<std::uint8_t> build_cpio(const std::vector<CpioSpec>& entries);

// Unmounts and frees every mount (host tests only: the name space starts empty in each test).
void reset_name_space();

// A KernelBuffer-like IoBuffer over a std::string, for reads and writes.
std::string read_all(Inode* i, std::uint64_t off = 0, std::size_t n = 1 << 20);
std::int64_t write_str(Inode* i, std::uint64_t off, const std::string& s);

}  // namespace vfs_test
