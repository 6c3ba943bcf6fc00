// The slow paths of the user copies: a fault resolved as EL0's would be (then the copy goes on), a
// short count at a hole, and string copies a chunk at a time without crossing a page (a fault in a
// later page must not hide a terminator in an earlier one).
#include "kernel/syscall/user_copy.h"

#include "mm/types.h"

namespace kernel {

namespace {

// copy(done) copies [done, n) and returns the bytes it did NOT copy (arch_copy_*: exact, because
// the word loop only runs aligned, and an aligned word never straddles a page).
template <typename Copy>
std::size_t copy_resolving(std::uint64_t user, std::size_t n, UserAccess access, Copy copy) {
    if (!user_range_ok(user, n)) return 0;  // as Linux's access_ok: nothing, not a partial copy
    std::size_t done = 0;
    std::uint64_t resolved = ~std::uint64_t{0};  // the page made accessible last: faulting there again is final
    for (;;) {
        done = n - copy(done);
        if (done == n) return n;
        const std::uint64_t page = mm::align_down(user + done, mm::kPageSize);
        if (page == resolved || !resolve_user_access(user + done, access)) return done;
        resolved = page;
    }
}

}  // namespace

std::size_t copy_to_user_partial(std::uint64_t user_dst, const void* src, std::size_t n) {
    const auto* from = static_cast<const unsigned char*>(src);
    return copy_resolving(user_dst, n, UserAccess::Write, [&](std::size_t done) {
        return arch_copy_to_user(reinterpret_cast<void*>(user_dst + done), from + done, n - done);
    });
}

std::size_t copy_from_user_partial(void* dst, std::uint64_t user_src, std::size_t n) {
    auto* to = static_cast<unsigned char*>(dst);
    return copy_resolving(user_src, n, UserAccess::Read, [&](std::size_t done) {
        return arch_copy_from_user(to + done, reinterpret_cast<const void*>(user_src + done), n - done);
    });
}

lib::Result<std::size_t> copy_string_from_user(char* dst, std::uint64_t src, std::size_t max) {
    std::size_t n = 0;
    while (n < max) {
        std::size_t chunk = mm::kPageSize - ((src + n) & (mm::kPageSize - 1));
        if (chunk > max - n) chunk = max - n;
        // A chunk never crosses a page, so a short copy stops at the first unreachable byte: the
        // terminator, if it is before that, was copied.
        const std::size_t got = copy_from_user_partial(dst + n, src + n, chunk);
        for (std::size_t i = 0; i < got; ++i)
            if (dst[n + i] == 0) return n + i;
        if (got < chunk) return lib::Error::Fault;
        n += chunk;
    }
    return lib::Error::OutOfRange;
}

}  // namespace kernel
