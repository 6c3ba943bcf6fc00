// String copies from user space, a chunk at a time without crossing a page (a fault in a later page
// must not hide a terminator in an earlier one).
#include "kernel/user_copy.h"

namespace kernel {

lib::Result<std::size_t> copy_string_from_user(char* dst, std::uint64_t src, std::size_t max) {
    std::size_t n = 0;
    while (n < max) {
        std::size_t chunk = 4096 - ((src + n) & 4095);
        if (chunk > max - n) chunk = max - n;
        if (!copy_from_user(dst + n, src + n, chunk).ok()) {
            // The chunk may straddle into an unmapped page after the terminator: retry bytewise.
            for (std::size_t i = 0; i < chunk; ++i) {
                if (!copy_from_user(dst + n + i, src + n + i, 1).ok()) return lib::Error::Fault;
                if (dst[n + i] == 0) return n + i;
            }
        }
        for (std::size_t i = 0; i < chunk; ++i)
            if (dst[n + i] == 0) return n + i;
        n += chunk;
    }
    return lib::Error::OutOfRange;
}

}  // namespace kernel
