// A line-for-line reading of Linux's load_script (fs/binfmt_script.c, 5.1 and later) over a copy of
// the file's first bytes, zero-padded as the kernel's bprm->buf is when the file is shorter.
#include "kernel/process/shebang.h"

#include "lib/string.h"

namespace kernel {

namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// First character in [first, last] (inclusive, as Linux writes it) that is not a blank, or null.
const char* next_non_blank(const char* first, const char* last) {
    for (; first <= last; ++first)
        if (!blank(*first)) return first;
    return nullptr;
}

// First blank or NUL in [first, last], or null.
const char* next_terminator(const char* first, const char* last) {
    for (; first <= last; ++first)
        if (blank(*first) || *first == '\0') return first;
    return nullptr;
}

// Copies the NUL-terminated prefix of [from, end) into `to` (which holds kBinprmBufSize bytes).
void copy_word(char* to, const char* from, const char* end) {
    std::size_t n = 0;
    while (from + n < end && from[n] != '\0' && n + 1 < kBinprmBufSize) ++n;
    lib::copy_bytes(to, from, n);
    to[n] = '\0';
}

}  // namespace

lib::Result<bool> parse_shebang(const std::uint8_t* file, std::size_t size, Shebang& out) {
    char buf[kBinprmBufSize] = {};
    const std::size_t n = size < sizeof buf ? size : sizeof buf;
    if (n > 0) lib::copy_bytes(buf, file, n);
    if (buf[0] != '#' || buf[1] != '!') return false;

    // Either a newline ends the line (nothing is cut), or a blank or NUL must follow the
    // interpreter's name inside the buffer: a cut name is never run. A cut argument is fine.
    const char* buf_end = buf + sizeof buf - 1;
    const char* end = nullptr;
    for (const char* c = buf; c <= buf_end && !end; ++c)
        if (*c == '\n') end = c;
    if (!end) {
        const char* first = next_non_blank(buf + 2, buf_end);
        if (!first) return lib::Error::Malformed;   // only blanks
        if (!next_terminator(first, buf_end)) return lib::Error::Malformed;
        end = buf_end;   // Linux overwrites the buffer's last byte with the terminator
    }
    while (blank(end[-1])) --end;   // buf[1] is '!', so this stops

    const char* name = next_non_blank(buf + 2, end);
    if (!name || name == end) return lib::Error::Malformed;   // no interpreter named
    const char* arg = nullptr;
    const char* sep = next_terminator(name, end);
    if (sep && *sep != '\0') arg = next_non_blank(sep, end);
    // The name runs to the separator when there is an argument, else to the end of the line; either
    // way a NUL inside ends it (Linux copies it as a C string).
    copy_word(out.interpreter, name, arg ? sep : end);
    out.has_argument = arg != nullptr;
    if (arg) copy_word(out.argument, arg, end);
    else out.argument[0] = '\0';
    return true;
}

}  // namespace kernel
