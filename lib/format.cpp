// The printf engine: parses one conversion spec at a time and streams characters to a PutChar.
// It never allocates, never touches floating point and never writes through an argument (%n).
#include "lib/format.h"

#include <cstdint>
#include <limits>
#include <type_traits>

namespace lib {
namespace {

static_assert(sizeof(std::uintmax_t) == 8 && sizeof(unsigned long long) == 8,
              "the engine formats integers through a 64-bit magnitude");

class Sink {
public:
    Sink(PutChar put, void* ctx) : m_put(put), m_ctx(ctx) {}

    void emit(char c) {
        m_put(c, m_ctx);
        ++m_count;
    }
    void repeat(char c, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) emit(c);
    }
    void emit_chars(const char* s, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) emit(s[i]);
    }
    std::size_t count() const { return m_count; }

private:
    PutChar m_put;
    void* m_ctx;
    std::size_t m_count = 0;
};

enum class Length { None, Char, Short, Long, LongLong, Size, PtrDiff, Max };

struct Spec {
    bool left = false;       // '-'
    bool zero = false;       // '0'
    bool plus = false;       // '+'
    bool space = false;      // ' '
    bool alt = false;        // '#'
    std::size_t width = 0;
    bool has_precision = false;
    std::size_t precision = 0;
    Length length = Length::None;
};

// Widths and precisions are capped so that a silly "%99999999999d" cannot overflow the parser; the
// cap is far beyond anything a bounded kernel buffer could take anyway.
constexpr std::size_t kMaxFieldWidth = std::numeric_limits<int>::max();

std::size_t parse_decimal(const char*& p) {
    std::size_t v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + static_cast<std::size_t>(*p - '0');
        if (v > kMaxFieldWidth) v = kMaxFieldWidth;
        ++p;
    }
    return v;
}

// Pads a ready-made run of characters to the field width (used by %s, %c and %p).
void emit_padded(Sink& out, const Spec& spec, const char* s, std::size_t n) {
    std::size_t pad = spec.width > n ? spec.width - n : 0;
    if (!spec.left) out.repeat(' ', pad);
    out.emit_chars(s, n);
    if (spec.left) out.repeat(' ', pad);
}

// Layout of an integer field: [spaces][sign or 0x][zeros][digits][spaces]. The zeros come from the
// precision (minimum digit count) or, without a precision, from the '0' flag filling the width.
void emit_integer(Sink& out, const Spec& spec, std::uint64_t magnitude, bool negative, bool is_signed,
                  unsigned base, char conv) {
    const char* digit_chars = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[64];  // base 2 of a 64-bit value is the longest: 64 digits
    std::size_t ndigits = 0;
    // C rule: a zero value with precision 0 produces no digits at all.
    if (!(spec.has_precision && spec.precision == 0 && magnitude == 0)) {
        std::uint64_t v = magnitude;
        do {
            digits[sizeof(digits) - 1 - ndigits++] = digit_chars[v % base];
            v /= base;
        } while (v != 0);
    }

    char prefix[2];
    std::size_t nprefix = 0;
    if (is_signed) {
        if (negative) prefix[nprefix++] = '-';
        else if (spec.plus) prefix[nprefix++] = '+';
        else if (spec.space) prefix[nprefix++] = ' ';
    }
    if (spec.alt && magnitude != 0 && (conv == 'x' || conv == 'X' || conv == 'b')) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = conv;
    }

    std::size_t zeros = spec.precision > ndigits ? spec.precision - ndigits : 0;
    // "%#o" guarantees a leading 0: add one unless the precision already supplied it or the only
    // digit printed is the value 0 itself.
    if (conv == 'o' && spec.alt && zeros == 0 && (ndigits == 0 || magnitude != 0)) zeros = 1;

    std::size_t body = nprefix + zeros + ndigits;
    std::size_t pad = spec.width > body ? spec.width - body : 0;
    if (!spec.left && spec.zero && !spec.has_precision) {
        zeros += pad;
        pad = 0;
    }
    if (!spec.left) out.repeat(' ', pad);
    out.emit_chars(prefix, nprefix);
    out.repeat('0', zeros);
    out.emit_chars(digits + sizeof(digits) - ndigits, ndigits);
    if (spec.left) out.repeat(' ', pad);
}

// The va_list is passed by pointer to a local copy: on AArch64 va_list is a struct (passing it by
// value would not advance the caller's), on x86-64 an array (whose address has the wrong type).
std::uint64_t fetch_unsigned(va_list* ap, Length length) {
    switch (length) {
    case Length::None: return va_arg(*ap, unsigned int);
    case Length::Char: return static_cast<unsigned char>(va_arg(*ap, unsigned int));
    case Length::Short: return static_cast<unsigned short>(va_arg(*ap, unsigned int));
    case Length::Long: return va_arg(*ap, unsigned long);
    case Length::LongLong: return va_arg(*ap, unsigned long long);
    case Length::Size: return va_arg(*ap, std::size_t);
    case Length::PtrDiff: return static_cast<std::make_unsigned_t<std::ptrdiff_t>>(va_arg(*ap, std::ptrdiff_t));
    case Length::Max: return va_arg(*ap, std::uintmax_t);
    }
    return 0;
}

std::int64_t fetch_signed(va_list* ap, Length length) {
    switch (length) {
    case Length::None: return va_arg(*ap, int);
    case Length::Char: return static_cast<signed char>(va_arg(*ap, int));
    case Length::Short: return static_cast<short>(va_arg(*ap, int));
    case Length::Long: return va_arg(*ap, long);
    case Length::LongLong: return va_arg(*ap, long long);
    case Length::Size: return va_arg(*ap, std::make_signed_t<std::size_t>);
    case Length::PtrDiff: return va_arg(*ap, std::ptrdiff_t);
    case Length::Max: return va_arg(*ap, std::intmax_t);
    }
    return 0;
}

// Parses flags, width, precision and length after a '%'. Leaves p on the conversion character.
Spec parse_spec(const char*& p, va_list* ap) {
    Spec spec;
    for (;; ++p) {
        if (*p == '-') spec.left = true;
        else if (*p == '0') spec.zero = true;
        else if (*p == '+') spec.plus = true;
        else if (*p == ' ') spec.space = true;
        else if (*p == '#') spec.alt = true;
        else break;
    }
    if (*p == '*') {
        ++p;
        int w = va_arg(*ap, int);
        // A negative '*' width means '-' with its magnitude (computed unsigned: INT_MIN is legal).
        if (w < 0) spec.left = true;
        unsigned int mag = w < 0 ? 0u - static_cast<unsigned int>(w) : static_cast<unsigned int>(w);
        spec.width = mag > kMaxFieldWidth ? kMaxFieldWidth : mag;
    } else {
        spec.width = parse_decimal(p);
    }
    if (*p == '.') {
        ++p;
        spec.has_precision = true;
        if (*p == '*') {
            ++p;
            int prec = va_arg(*ap, int);
            // A negative '*' precision is taken as if it were omitted.
            if (prec < 0) spec.has_precision = false;
            else spec.precision = static_cast<std::size_t>(prec);
        } else {
            spec.precision = parse_decimal(p);  // "." alone means precision 0
        }
    }
    switch (*p) {
    case 'h':
        ++p;
        if (*p == 'h') {
            ++p;
            spec.length = Length::Char;
        } else {
            spec.length = Length::Short;
        }
        break;
    case 'l':
        ++p;
        if (*p == 'l') {
            ++p;
            spec.length = Length::LongLong;
        } else {
            spec.length = Length::Long;
        }
        break;
    case 'z': ++p; spec.length = Length::Size; break;
    case 't': ++p; spec.length = Length::PtrDiff; break;
    case 'j': ++p; spec.length = Length::Max; break;
    default: break;
    }
    return spec;
}

}  // namespace

std::size_t vformat(PutChar put, void* ctx, const char* fmt, va_list args) {
    Sink out(put, ctx);
    va_list ap;
    va_copy(ap, args);
    const char* p = fmt;
    while (*p != '\0') {
        if (*p != '%') {
            out.emit(*p++);
            continue;
        }
        const char* spec_start = p++;
        Spec spec = parse_spec(p, &ap);
        char conv = *p;
        switch (conv) {
        case 'd':
        case 'i': {
            std::int64_t v = fetch_signed(&ap, spec.length);
            // Negate in unsigned arithmetic so INT64_MIN has a well-defined magnitude.
            std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
            emit_integer(out, spec, mag, v < 0, true, 10, conv);
            break;
        }
        case 'u': emit_integer(out, spec, fetch_unsigned(&ap, spec.length), false, false, 10, conv); break;
        case 'x':
        case 'X': emit_integer(out, spec, fetch_unsigned(&ap, spec.length), false, false, 16, conv); break;
        case 'o': emit_integer(out, spec, fetch_unsigned(&ap, spec.length), false, false, 8, conv); break;
        case 'b': emit_integer(out, spec, fetch_unsigned(&ap, spec.length), false, false, 2, conv); break;
        case 'p': {
            auto v = reinterpret_cast<std::uintptr_t>(va_arg(ap, void*));
            char text[18] = {'0', 'x'};
            for (int i = 0; i < 16; ++i) text[17 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
            emit_padded(out, spec, text, sizeof(text));
            break;
        }
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (spec.length != Length::None) {
                // %ls takes a wide string this engine cannot print: show the spec, keep args in step.
                out.emit_chars(spec_start, static_cast<std::size_t>(p + 1 - spec_start));
                break;
            }
            if (s == nullptr) s = "(null)";
            // With a precision the string need not be terminated: never look past precision bytes.
            std::size_t n = 0;
            while ((!spec.has_precision || n < spec.precision) && s[n] != '\0') ++n;
            emit_padded(out, spec, s, n);
            break;
        }
        case 'c': {
            char c = static_cast<char>(va_arg(ap, int));
            emit_padded(out, spec, &c, 1);
            break;
        }
        case '%': out.emit('%'); break;
        case '\0':
            // The format ended inside a spec: show what there was and stop.
            out.emit_chars(spec_start, static_cast<std::size_t>(p - spec_start));
            va_end(ap);
            return out.count();
        default:
            // Floating point, %n and anything unknown: copied verbatim so the mistake is visible.
            out.emit_chars(spec_start, static_cast<std::size_t>(p + 1 - spec_start));
            break;
        }
        ++p;
    }
    va_end(ap);
    return out.count();
}

std::size_t format(PutChar put, void* ctx, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::size_t n = vformat(put, ctx, fmt, ap);
    va_end(ap);
    return n;
}

namespace {
struct BufferSink {
    char* buf;
    std::size_t size;
    std::size_t pos;
};

void put_to_buffer(char c, void* ctx) {
    auto* b = static_cast<BufferSink*>(ctx);
    if (b->pos + 1 < b->size) b->buf[b->pos] = c;  // keep the last byte for the NUL
    ++b->pos;
}
}  // namespace

std::size_t vsnformat(char* buf, std::size_t size, const char* fmt, va_list ap) {
    BufferSink sink{buf, size, 0};
    std::size_t n = vformat(put_to_buffer, &sink, fmt, ap);
    if (size > 0) buf[n < size ? n : size - 1] = '\0';
    return n;
}

std::size_t snformat(char* buf, std::size_t size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::size_t n = vsnformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace lib
