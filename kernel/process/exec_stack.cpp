// The execve stack builder: strings stream from the caller (user or kernel memory) into the new
// space page by page; their pointers are found again afterwards by walking the packed strings, as
// Linux's create_elf_tables does, so nothing records one entry per string.
#include "kernel/process/exec_stack.h"

#include "kernel/syscall/linux_abi.h"
#include "kernel/memory.h"
#include "kernel/syscall/user_copy.h"
#include "lib/kassert.h"
#include "lib/string.h"

namespace kernel {

namespace {

constexpr std::size_t kChunk = 256;   // bytes moved per step, on the kernel stack

bool read_pointer(const ArgVector& v, std::size_t i, std::uint64_t& out) {
    if (v.user) return get_user(out, v.addr + i * 8).ok();
    out = reinterpret_cast<const std::uint64_t*>(v.addr)[i];
    return true;
}

// Length of the string at `s` with its NUL; kMaxArgStrlen + 1 when longer; 0 when unreadable. As
// Linux's strnlen_user, it reads no byte past the first kMaxArgStrlen: a string that long is
// E2BIG even when unmapped memory follows it.
std::size_t arg_strnlen(bool user, std::uint64_t s) {
    static_assert(kMaxArgStrlen % kChunk == 0);
    if (!user) {
        const char* k = reinterpret_cast<const char*>(s);
        std::size_t n = 0;
        while (n < kMaxArgStrlen && k[n] != '\0') ++n;
        return n == kMaxArgStrlen ? kMaxArgStrlen + 1 : n + 1;
    }
    char tmp[kChunk];
    for (std::size_t n = 0; n < kMaxArgStrlen; n += kChunk) {
        auto r = copy_string_from_user(tmp, s + n, kChunk);
        if (r.ok()) return n + r.value() + 1;
        if (r.error() != lib::Error::OutOfRange) return 0;
    }
    return kMaxArgStrlen + 1;
}

}  // namespace

int count_args(const ArgVector& v, std::size_t& count) {
    count = 0;
    if (v.addr == 0) return 0;
    for (;; ++count) {
        std::uint64_t p;
        if (!read_pointer(v, count, p)) return -abi::kEFAULT;
        if (p == 0) return 0;
        if (count == 0x7fff'ffff) return -abi::kE2BIG;   // MAX_ARG_STRINGS
    }
}

bool write_to_space(mm::AddressSpace& as, std::uint64_t va, const void* src, std::size_t n, bool code) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    while (n > 0) {
        auto t = as.translate(va);
        if (!t.ok()) return false;
        std::size_t chunk = 4096 - (va & 4095);
        if (chunk > n) chunk = n;
        void* dst = memory::phys_to_virt(t.value().pa);
        lib::copy_bytes(dst, p, chunk);
        // Code is cleaned to the point of unification (DC CVAU) line by line, so the instruction
        // side sees it once the loader invalidates the I-cache.
        if (code) {
            const std::uint64_t a = reinterpret_cast<std::uint64_t>(dst);
            for (std::uint64_t line = a & ~63ull; line < a + chunk; line += 64)
                asm volatile("dc cvau, %0" ::"r"(line) : "memory");
        }
        va += chunk;
        p += chunk;
        n -= chunk;
    }
    return true;
}

bool read_from_space(const mm::AddressSpace& as, std::uint64_t va, void* dst, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(dst);
    while (n > 0) {
        auto t = as.translate(va);
        if (!t.ok()) return false;
        std::size_t chunk = 4096 - (va & 4095);
        if (chunk > n) chunk = n;
        lib::copy_bytes(p, memory::phys_to_virt(t.value().pa), chunk);
        va += chunk;
        p += chunk;
        n -= chunk;
    }
    return true;
}

ExecStack::ExecStack(mm::AddressSpace& as, std::uint64_t top, std::uint64_t min_mapped)
    : m_as(as), m_top(top), m_min_mapped(min_mapped), m_p(top - 8), m_mapped_low(top), m_string_floor(top - 8) {
    // The top word stays zero, as Linux leaves it (bprm->p starts a pointer below the end). No
    // string fits until limit_strings says how much room they have.
    KASSERT(mm::is_aligned(top, mm::kPageSize) && mm::is_aligned(min_mapped, mm::kPageSize) && min_mapped > 0);
}

int ExecStack::map_down_to(std::uint64_t addr) {
    const std::uint64_t lo = mm::align_down(addr, mm::kPageSize);
    if (lo >= m_mapped_low) return 0;
    if (!m_as.map_new(lo, m_mapped_low - lo, mm::MapFlags::Read | mm::MapFlags::Write).ok()) return -abi::kENOMEM;
    m_mapped_low = lo;
    return 0;
}

int ExecStack::push(const void* data, std::size_t n) {
    if (int e = map_down_to(m_p - n); e < 0) return e;
    m_p -= n;
    return write_to_space(m_as, m_p, data, n) ? 0 : -abi::kENOMEM;
}

int ExecStack::push_kernel_string(const char* s) {
    const std::size_t len = lib::string_length(s) + 1;
    if (len > kMaxArgStrlen || m_p - m_string_floor < len) return -abi::kE2BIG;
    return push(s, len);
}

int ExecStack::push_strings(const ArgVector& v, std::size_t count) {
    char tmp[kChunk];
    for (std::size_t i = count; i-- > 0;) {
        std::uint64_t s;
        if (!read_pointer(v, i, s)) return -abi::kEFAULT;
        const std::size_t len = arg_strnlen(v.user, s);
        if (len == 0) return -abi::kEFAULT;
        if (len > kMaxArgStrlen || m_p - m_string_floor < len) return -abi::kE2BIG;
        if (int e = map_down_to(m_p - len); e < 0) return e;
        m_p -= len;
        // Pass two: the bytes the first pass measured; the NUL is written here, so a string
        // changed in between can only come out different, never unterminated.
        for (std::size_t done = 0; done < len - 1;) {
            const std::size_t n = len - 1 - done < kChunk ? len - 1 - done : kChunk;
            if (v.user) {
                if (!copy_from_user(tmp, s + done, n).ok()) return -abi::kEFAULT;
            } else {
                lib::copy_bytes(tmp, reinterpret_cast<const char*>(s) + done, n);
            }
            if (!write_to_space(m_as, m_p + done, tmp, n)) return -abi::kENOMEM;
            done += n;
        }
        const char nul = 0;
        if (!write_to_space(m_as, m_p + len - 1, &nul, 1)) return -abi::kENOMEM;
    }
    return 0;
}

int ExecStack::drop_lowest_string() {
    char tmp[kChunk];
    for (;;) {
        const std::size_t n = m_top - 8 - m_p < kChunk ? m_top - 8 - m_p : kChunk;
        if (n == 0 || !read_from_space(m_as, m_p, tmp, n)) return -abi::kEFAULT;
        for (std::size_t i = 0; i < n; ++i) {
            if (tmp[i] == '\0') {
                m_p += i + 1;
                return 0;
            }
        }
        m_p += n;
    }
}

int ExecStack::push_random(const std::uint64_t bytes[2], std::uint64_t& at) {
    m_strings_low = m_p;
    const std::uint64_t lo = (m_p & ~15ull) - 16;
    if (int e = map_down_to(lo); e < 0) return e;
    m_p = lo;
    at = m_p;
    return write_to_space(m_as, m_p, bytes, 16) ? 0 : -abi::kENOMEM;
}

// The address just past the NUL of the string at `s` (inside the packed strings).
std::uint64_t ExecStack::next_string(std::uint64_t s) const {
    char tmp[kChunk];
    while (s < m_top) {
        const std::size_t n = m_top - s < kChunk ? m_top - s : kChunk;
        if (!read_from_space(m_as, s, tmp, n)) return m_top;
        for (std::size_t i = 0; i < n; ++i)
            if (tmp[i] == '\0') return s + i + 1;
        s += n;
    }
    return m_top;
}

int ExecStack::finish(std::size_t argc, std::size_t envc, const std::uint64_t (*auxv)[2], std::size_t auxv_pairs,
                      std::uint64_t& sp_out) {
    KASSERT(m_strings_low != 0);   // push_random came first
    const std::uint64_t words = 1 + (argc + 1) + (envc + 1) + 2 * auxv_pairs;
    const std::uint64_t sp = (m_p - words * 8) & ~15ull;
    if (int e = map_down_to(sp < m_top - m_min_mapped ? sp : m_top - m_min_mapped); e < 0) return e;
    // The words go out through a small buffer, one write per 32.
    std::uint64_t buf[32];
    std::size_t used = 0;
    std::uint64_t at = sp;
    bool ok = true;
    auto put = [&](std::uint64_t v) {
        buf[used++] = v;
        if (used == 32) {
            ok = ok && write_to_space(m_as, at, buf, sizeof buf);
            at += sizeof buf;
            used = 0;
        }
    };
    put(argc);
    std::uint64_t s = m_strings_low;   // argv[0]: the lowest string
    for (std::size_t i = 0; i < argc; ++i, s = next_string(s)) put(s);
    put(0);
    for (std::size_t i = 0; i < envc; ++i, s = next_string(s)) put(s);
    put(0);
    for (std::size_t i = 0; i < auxv_pairs; ++i) {
        put(auxv[i][0]);
        put(auxv[i][1]);
    }
    ok = ok && write_to_space(m_as, at, buf, used * 8);
    if (!ok) return -abi::kENOMEM;
    m_p = sp;
    sp_out = sp;
    return 0;
}

}  // namespace kernel
