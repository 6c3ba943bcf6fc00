// printf for user programs: formats into a buffer, then one write.
#include "user/lib/printf.h"

#include <cstdint>

#include "user/lib/string.h"
#include "user/lib/syscall.h"

namespace user {
namespace {

class Sink {
public:
    Sink(char* buf, std::size_t size) : m_buf(buf), m_size(size) {}
    void put(char c) {
        if (m_len + 1 < m_size) m_buf[m_len] = c;
        ++m_len;
    }
    void repeat(char c, int n) {
        while (n-- > 0) put(c);
    }
    void finish() {
        if (m_size) m_buf[m_len < m_size ? m_len : m_size - 1] = '\0';
    }
    std::size_t length() const { return m_len; }

private:
    char* m_buf;
    std::size_t m_size;
    std::size_t m_len = 0;
};

struct Spec {
    bool left = false;
    bool zero = false;
    int width = 0;
    int precision = -1;
};

void emit_padded(Sink& out, const Spec& spec, const char* prefix, const char* body, int body_len) {
    const int plen = static_cast<int>(strlen(prefix));
    const int pad = spec.width - plen - body_len;
    if (!spec.left && !spec.zero) out.repeat(' ', pad);
    for (const char* p = prefix; *p; ++p) out.put(*p);
    if (!spec.left && spec.zero) out.repeat('0', pad);
    for (int i = 0; i < body_len; ++i) out.put(body[i]);
    if (spec.left) out.repeat(' ', pad);
}

void emit_number(Sink& out, Spec spec, std::uint64_t v, bool negative, unsigned base, bool upper,
                 const char* prefix) {
    char digits[24];
    int n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v);
    // A precision gives a minimum digit count and disables zero padding, as in C.
    char body[40];
    int len = 0;
    for (int i = n; i < spec.precision && len < 20; ++i) body[len++] = '0';
    while (n) body[len++] = digits[--n];
    if (spec.precision >= 0) spec.zero = false;
    emit_padded(out, spec, negative ? "-" : prefix, body, len);
}

}  // namespace

int vsnprintf(char* buf, std::size_t size, const char* fmt, va_list ap) {
    Sink out(buf, size);
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        Spec spec;
        for (++p; *p == '-' || *p == '0'; ++p) (*p == '-' ? spec.left : spec.zero) = true;
        if (*p == '*') {
            spec.width = va_arg(ap, int);
            if (spec.width < 0) spec.left = true, spec.width = -spec.width;
            ++p;
        } else {
            while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            spec.precision = 0;
            if (*++p == '*') {
                spec.precision = va_arg(ap, int);
                ++p;
            } else {
                while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + (*p++ - '0');
            }
        }
        if (spec.left) spec.zero = false;
        int longs = 0;
        for (;; ++p) {
            if (*p == 'l') ++longs;
            else if (*p == 'z' || *p == 'j' || *p == 't') longs = 2;
            else if (*p != 'h') break;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            const long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);
            const std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
            emit_number(out, spec, mag, v < 0, 10, false, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            const std::uint64_t v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            emit_number(out, spec, v, false, *p == 'u' ? 10 : 16, *p == 'X', "");
            break;
        }
        case 'p': {
            const auto v = reinterpret_cast<std::uintptr_t>(va_arg(ap, void*));
            emit_number(out, spec, v, false, 16, false, "0x");
            break;
        }
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s) s = "(null)";
            int len = 0;
            while (s[len] && (spec.precision < 0 || len < spec.precision)) ++len;
            spec.zero = false;
            emit_padded(out, spec, "", s, len);
            break;
        }
        case 'c': {
            const char c = static_cast<char>(va_arg(ap, int));
            spec.zero = false;
            emit_padded(out, spec, "", &c, 1);
            break;
        }
        case '%': out.put('%'); break;
        case '\0': --p; break;   // a lone '%' at the end
        default:                 // unknown conversion: show it rather than guess at its argument
            out.put('%');
            out.put(*p);
            break;
        }
    }
    out.finish();
    return static_cast<int>(out.length());
}

int snprintf(char* buf, std::size_t size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

bool write_all(int fd, const void* buf, std::size_t n) {
    const auto* p = static_cast<const char*>(buf);
    while (n) {
        const long r = write(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool read_exact(int fd, void* buf, std::size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n) {
        const long r = read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

int vdprintf(int fd, const char* fmt, va_list ap) {
    char buf[1024];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n > static_cast<int>(sizeof buf) - 1) n = sizeof buf - 1;
    // One write for the whole message; loop only if the kernel took part of it.
    const char* p = buf;
    std::size_t left = static_cast<std::size_t>(n);
    while (left) {
        const long r = write(fd, p, left);
        if (r < 0) return static_cast<int>(r);
        if (r == 0) break;
        p += r;
        left -= static_cast<std::size_t>(r);
    }
    return n;
}

int dprintf(int fd, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = vdprintf(kStdout, fmt, ap);
    va_end(ap);
    return n;
}

bool puts(const char* s) { return dprintf(kStdout, "%s\n", s) >= 0; }

}  // namespace user
