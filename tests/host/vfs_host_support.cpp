// Host implementations of the VFS lock and clock, and the test helpers (vfs_host_support.h).
#include "vfs_host_support.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "kernel/fs/clock.h"
#include "kernel/fs/vfs_internal.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel::fs {

namespace {
std::mutex s_lock;
std::thread::id s_owner;   // guarded by s_lock (read unlocked only by the owner itself, for itself)
Timestamp s_now{1000, 0};
}  // namespace

void lock() {
    s_lock.lock();
    s_owner = std::this_thread::get_id();
}
void unlock() {
    s_owner = std::thread::id();
    s_lock.unlock();
}
bool locked_by_me() { return s_owner == std::this_thread::get_id(); }

Timestamp now() { return s_now; }

}  // namespace kernel::fs

namespace vfs_test {

void set_clock(Timestamp t) { kernel::fs::s_now = t; }
Timestamp clock_now() { return kernel::fs::s_now; }

FakePages::~FakePages() {
    for (PagePhys p : m_live) std::free(reinterpret_cast<void*>(p));
}

ErrorOr<PagePhys> FakePages::alloc_zeroed() {
    if (limit >= 0 && static_cast<long>(m_live.size()) >= limit) return ErrorOr<PagePhys>::error(kernel::abi::kENOSPC);
    void* p = std::aligned_alloc(4096, 4096);
    std::memset(p, 0, 4096);
    const auto a = reinterpret_cast<PagePhys>(p);
    m_live.insert(a);
    ++allocations;
    return a;
}

void FakePages::free(PagePhys page) {
    if (m_live.erase(page) != 1) std::abort();   // a page freed twice, or never ours
    std::free(reinterpret_cast<void*>(page));
}

std::uint8_t* FakePages::address(PagePhys page) {
    if (!m_live.count(page)) std::abort();       // a page used after it was freed
    return reinterpret_cast<std::uint8_t*>(page);
}

std::vector<std::uint8_t> build_cpio(const std::vector<CpioSpec>& entries) {
    std::vector<std::uint8_t> out;
    auto pad = [&] {
        while (out.size() % 4) out.push_back(0);
    };
    auto put = [&](const CpioSpec& e, std::uint32_t ino) {
        const std::uint32_t f[13] = {ino, e.mode, e.uid, e.gid, e.nlink, e.mtime,
                                     static_cast<std::uint32_t>(e.data.size()), 0, 0, e.rdev_major, e.rdev_minor,
                                     static_cast<std::uint32_t>(e.name.size() + 1), 0};
        const char* magic = "070701";
        out.insert(out.end(), magic, magic + 6);
        for (std::uint32_t v : f) {
            char buf[9];
            std::snprintf(buf, sizeof buf, "%08X", v);
            out.insert(out.end(), buf, buf + 8);
        }
        out.insert(out.end(), e.name.begin(), e.name.end());
        out.push_back(0);
        pad();
        out.insert(out.end(), e.data.begin(), e.data.end());
        pad();
    };
    std::uint32_t ino = 0;
    for (const CpioSpec& e : entries) put(e, e.ino ? e.ino : ++ino + 1000);
    put(CpioSpec{"TRAILER!!!", 0, ""}, 0);
    return out;
}

void reset_name_space() {
    Guard g;
    kernel::fs::detail::reset_mounts_for_tests();
}

namespace {
class StringBuffer final : public IoBuffer {
public:
    explicit StringBuffer(std::string& s) : m_s(s) {}
    std::size_t copy_out(std::size_t at, const void* src, std::size_t n) override {
        if (m_s.size() < at + n) m_s.resize(at + n);
        std::memcpy(&m_s[at], src, n);
        return n;
    }
    std::size_t copy_in(std::size_t at, void* dst, std::size_t n) override {
        if (at >= m_s.size()) return 0;
        if (n > m_s.size() - at) n = m_s.size() - at;
        std::memcpy(dst, m_s.data() + at, n);
        return n;
    }

private:
    std::string& m_s;
};
}  // namespace

std::string read_all(Inode* i, std::uint64_t off, std::size_t n) {
    std::string s;
    StringBuffer b(s);
    const std::int64_t r = i->read(off, b, n);
    if (r < 0) return "<errno " + std::to_string(-r) + ">";
    s.resize(static_cast<std::size_t>(r));
    return s;
}

std::int64_t write_str(Inode* i, std::uint64_t off, const std::string& s) {
    std::string copy = s;
    StringBuffer b(copy);
    return i->write(off, b, s.size());
}

}  // namespace vfs_test
