// The monitor's command lines: word splitting and the program search path.
#include "kernel/monitor/monitor_args.h"

#include "lib/string.h"

namespace kernel::monitor {

namespace {
bool blank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

ParseError split_line(char* line, ParsedLine& out) {
    out.argc = 0;
    out.background = false;
    out.argv[0] = nullptr;
    // Words are compacted in place (quotes vanish): `w` writes, never ahead of `r`, which reads.
    char* r = line;
    char* w = line;
    for (;;) {
        while (blank(*r)) ++r;
        if (!*r) break;
        if (out.background) return ParseError::MisplacedAmpersand;  // something after the "&"
        if (*r == '&') {
            out.background = true;
            ++r;
            continue;
        }
        if (out.argc == kMaxArgs) return ParseError::TooManyArgs;
        char* word = w;
        while (*r && !blank(*r) && *r != '&') {
            if (*r == '\'' || *r == '"') {
                const char q = *r++;
                while (*r && *r != q) *w++ = *r++;
                if (!*r) return ParseError::UnterminatedQuote;
                ++r;
            } else {
                *w++ = *r++;
            }
        }
        // The byte that ended the word (blank, '&' or the end) is consumed before the word's NUL is
        // written, so the NUL (at w < r) never lands on input not yet read.
        const char stop = *r;
        if (stop) ++r;
        *w++ = 0;
        out.argv[out.argc++] = word;
        if (stop == '&') out.background = true;  // "spin&"
    }
    out.argv[out.argc] = nullptr;
    return ParseError::None;
}

const char* parse_error_message(ParseError e) {
    switch (e) {
    case ParseError::None: return "no error";
    case ParseError::TooManyArgs: return "too many words (at most 16)";
    case ParseError::UnterminatedQuote: return "unterminated quote";
    case ParseError::MisplacedAmpersand: return "'&' may only end the line";
    }
    return "?";
}

FileKind kind_from_mode(std::uint32_t mode) {
    constexpr std::uint32_t kTypeMask = 0170000, kRegular = 0100000, kDirectory = 0040000;
    if ((mode & kTypeMask) == kDirectory) return FileKind::Directory;
    if ((mode & kTypeMask) == kRegular && (mode & 0111)) return FileKind::Executable;
    return FileKind::NotExecutable;
}

namespace {
// dir + "/" + word into out (kMaxPath); false when it does not fit.
bool join(char* out, const char* dir, const char* word) {
    const std::size_t dl = lib::string_length(dir), wl = lib::string_length(word);
    if (dl + 1 + wl + 1 > kMaxPath) return false;
    lib::copy_bytes(out, dir, dl);
    out[dl] = '/';
    lib::copy_bytes(out + dl + 1, word, wl + 1);
    return true;
}
}  // namespace

Resolved resolve_command(const char* word, StatFn stat, void* ctx) {
    Resolved r;
    const std::size_t wl = lib::string_length(word);
    if (lib::string_find_char(word, '/')) {
        if (wl + 1 > kMaxPath) {
            r.kind = FileKind::NameTooLong;
            return r;
        }
        lib::copy_bytes(r.path, word, wl + 1);
        r.kind = stat(r.path, ctx);
        return r;
    }
    r.searched = true;
    if (wl == 0) return r;  // "" names nothing (execvp: ENOENT)
    Resolved best;          // the first candidate that exists but cannot run
    best.searched = true;
    char candidate[kMaxPath];
    for (const char* dir : kSearchPath) {
        if (!join(candidate, dir, word)) {
            r.kind = FileKind::NameTooLong;
            return r;
        }
        const FileKind k = stat(candidate, ctx);
        if (k == FileKind::Executable) {
            r.kind = k;
            lib::copy_bytes(r.path, candidate, lib::string_length(candidate) + 1);
            return r;
        }
        if (k != FileKind::Missing && best.kind == FileKind::Missing) {
            best.kind = k;
            lib::copy_bytes(best.path, candidate, lib::string_length(candidate) + 1);
        }
    }
    return best;
}

}  // namespace kernel::monitor
