// tmpfs regular files: data in pages allocated on first write (holes read as zeros), a truncate
// that frees what it cuts off and zeroes the tail of the last page, page() for mmap.
#include "kernel/fs/clock.h"
#include "kernel/fs/tmpfs_internal.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs {

namespace {
constexpr std::uint64_t kPage = 4096;
// Linux's MAX_LFS_FILESIZE on 64 bits.
constexpr std::uint64_t kMaxFileSize = 0x7fff'ffff'ffff'ffffull;
const std::uint8_t s_zeros[512] = {};
}  // namespace

TmpFile::~TmpFile() { free_pages_from(0); }

PagePhys TmpFile::lookup_page(std::uint64_t index) const {
    const std::uint64_t t = index / kLeaf;
    if (t >= m_top_len || !m_top[t]) return 0;
    return m_top[t][index % kLeaf];
}

ErrorOr<PagePhys> TmpFile::get_or_alloc(std::uint64_t index) {
    if (PagePhys p = lookup_page(index)) return p;
    const std::uint64_t t = index / kLeaf;
    if (t >= m_top_len) {   // grow the top level to reach index (doubling, so appends stay cheap)
        std::uint64_t n = m_top_len ? m_top_len : 4;
        while (n <= t) {
            if (n > (std::uint64_t{1} << 40)) return ErrorOr<PagePhys>::error(abi::kENOSPC);
            n *= 2;
        }
        auto** top = new PagePhys*[n];
        if (!top) return ErrorOr<PagePhys>::error(abi::kENOSPC);
        for (std::uint64_t i = 0; i < n; ++i) top[i] = i < m_top_len ? m_top[i] : nullptr;
        delete[] m_top;
        m_top = top;
        m_top_len = n;
    }
    if (!m_top[t]) {
        auto* leaf = new PagePhys[kLeaf];
        if (!leaf) return ErrorOr<PagePhys>::error(abi::kENOSPC);
        for (std::size_t i = 0; i < kLeaf; ++i) leaf[i] = 0;
        m_top[t] = leaf;
    }
    auto r = fs().alloc_page();
    if (!r.ok()) return r;
    m_top[t][index % kLeaf] = r.value();
    ++m_pages;
    return r;
}

void TmpFile::free_pages_from(std::uint64_t first) {
    for (std::uint64_t t = first / kLeaf; t < m_top_len; ++t) {
        PagePhys* leaf = m_top[t];
        if (!leaf) continue;
        const std::uint64_t from = t == first / kLeaf ? first % kLeaf : 0;
        for (std::uint64_t i = from; i < kLeaf; ++i) {
            if (leaf[i]) {
                fs().free_page(leaf[i]);
                leaf[i] = 0;
                --m_pages;
            }
        }
        if (from == 0) {
            delete[] leaf;
            m_top[t] = nullptr;
        }
    }
    if (first == 0) {
        delete[] m_top;
        m_top = nullptr;
        m_top_len = 0;
    }
}

std::int64_t TmpFile::read(std::uint64_t off, IoBuffer& buf, std::size_t n) {
    if (off >= size) return 0;
    if (n > size - off) n = static_cast<std::size_t>(size - off);
    std::size_t done = 0;
    while (done < n) {
        const std::uint64_t pos = off + done;
        std::size_t chunk = static_cast<std::size_t>(kPage - pos % kPage);
        if (chunk > n - done) chunk = n - done;
        std::size_t got;
        if (const PagePhys p = lookup_page(pos / kPage)) {
            got = buf.copy_out(done, fs().page_address(p) + pos % kPage, chunk);
        } else {   // a hole
            got = 0;
            while (got < chunk) {
                const std::size_t z = chunk - got < sizeof s_zeros ? chunk - got : sizeof s_zeros;
                const std::size_t c = buf.copy_out(done + got, s_zeros, z);
                got += c;
                if (c < z) break;
            }
        }
        done += got;
        if (got < chunk) return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
    }
    return static_cast<std::int64_t>(done);   // atime is not updated (as with Linux's noatime)
}

std::int64_t TmpFile::write(std::uint64_t off, IoBuffer& buf, std::size_t n) {
    if (off > kMaxFileSize) return -abi::kEFBIG;
    if (n > kMaxFileSize - off) n = static_cast<std::size_t>(kMaxFileSize - off);
    std::size_t done = 0;
    int err = 0;
    while (done < n) {
        const std::uint64_t pos = off + done;
        std::size_t chunk = static_cast<std::size_t>(kPage - pos % kPage);
        if (chunk > n - done) chunk = n - done;
        auto p = get_or_alloc(pos / kPage);
        if (!p.ok()) {
            err = p.errno_value();
            break;
        }
        const std::size_t got = buf.copy_in(done, fs().page_address(p.value()) + pos % kPage, chunk);
        done += got;
        if (got < chunk) {
            err = abi::kEFAULT;
            break;
        }
    }
    if (done > 0) {
        if (off + done > size) size = off + done;
        touch_mc();
        return static_cast<std::int64_t>(done);
    }
    return n == 0 ? 0 : -err;
}

std::int64_t TmpFile::truncate(std::uint64_t new_size) {
    if (new_size > kMaxFileSize) return -abi::kEFBIG;
    if (new_size < size) {
        free_pages_from((new_size + kPage - 1) / kPage);
        // The cut-off tail of the last page must read as zeros if the file grows again.
        if (new_size % kPage)
            if (const PagePhys p = lookup_page(new_size / kPage))
                lib::fill_bytes(fs().page_address(p) + new_size % kPage, 0, kPage - new_size % kPage);
    }
    size = new_size;
    touch_mc();
    return 0;
}

ErrorOr<PagePhys> TmpFile::page(std::uint64_t index) {
    if (index >= (size + kPage - 1) / kPage) return ErrorOr<PagePhys>::error(abi::kENXIO);
    return get_or_alloc(index);
}

}  // namespace kernel::fs
