// Command-line parsing: words split as Linux's next_arg() does, each key=value; unknown keys and bad
// values warn; init's argv and envp from the rest.
#include "kernel/cmdline.h"

#include "lib/string.h"

namespace kernel {

bool StrView::equals(const char* s) const {
    std::size_t n = lib::string_length(s);
    return n == len && lib::compare_bytes(ptr, s, n) == 0;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

bool parse_uint(StrView v, std::uint64_t max, std::uint64_t& out) {
    auto r = lib::parse_u64(v.ptr, v.len, 10);
    if (!r.ok() || r.value() > max) return false;
    out = r.value();
    return true;
}

// The name of a word: up to its first '=' (all of it when it has none).
StrView word_key(StrView w) {
    std::size_t eq = 0;
    while (eq < w.len && w.ptr[eq] != '=') ++eq;
    return StrView{w.ptr, eq};
}

// Whether the NUL-terminated entry names `key` (is "key=..."), reading no further than its NUL.
bool names(const char* entry, StrView key) {
    for (std::size_t i = 0; i < key.len; ++i)
        if (entry[i] != key.ptr[i] || entry[i] == 0) return false;
    return entry[key.len] == '=';
}

bool has_dot(StrView s) {
    for (std::size_t i = 0; i < s.len; ++i)
        if (s.ptr[i] == '.') return true;
    return false;
}

}  // namespace

void split_command_line(const char* s, std::size_t len, CmdlineWords& out) {
    out.count = 0;
    out.truncated = false;
    out.dashes = ~std::size_t{0};
    std::size_t used = 0, i = 0;
    while (i < len && s[i]) {
        while (i < len && s[i] && is_blank(s[i])) ++i;
        if (i >= len || !s[i]) break;
        const std::size_t raw_start = i;
        const std::size_t start = used;
        char quote = 0;
        bool fits = true;
        for (; i < len && s[i] && (quote || !is_blank(s[i])); ++i) {
            const char c = s[i];
            if (quote ? c == quote : (c == '"' || c == '\'')) {
                quote = quote ? 0 : c;  // the quote that opens or closes a group is not part of the word
                continue;
            }
            if (used + 1 < CmdlineWords::kTextSize) out.text[used++] = c;
            else fits = false;
        }
        if (!fits || out.count == CmdlineWords::kMaxWords) {
            out.truncated = true;
            used = start;
            break;
        }
        out.text[used++] = 0;
        const bool bare_dashes = i - raw_start == 2 && s[raw_start] == '-' && s[raw_start + 1] == '-';
        if (bare_dashes && out.dashes == ~std::size_t{0}) {
            out.dashes = out.count;  // the "--" itself is no word: the next one is the first after it
            used = start;
            continue;
        }
        out.start[out.count] = static_cast<std::uint16_t>(start);
        out.length[out.count] = static_cast<std::uint16_t>(used - 1 - start);
        ++out.count;
    }
    if (out.dashes == ~std::size_t{0}) out.dashes = out.count;
}

bool is_kernel_option(StrView key) {
    for (const char* k : {"test", "bench", "init", "hz", "loglevel", "asid_bits", "maxcpus", "strace"})
        if (key.equals(k)) return true;
    return false;
}

BootOptions parse_boot_options(const CmdlineWords& words, void (*warn)(const char*, StrView, void*), void* ctx) {
    BootOptions o;
    for (std::size_t w = 0; w < words.dashes; ++w) {
        const StrView tok = words.word(w);
        const StrView key = word_key(tok);
        const bool has_value = key.len < tok.len;
        const StrView val{tok.ptr + (has_value ? key.len + 1 : key.len), has_value ? tok.len - key.len - 1 : 0};
        std::uint64_t n = 0;
        if (key.equals("test") && has_value) o.test = val;
        else if (key.equals("bench") && has_value) o.bench = val;
        else if (key.equals("init") && has_value) o.init = val;
        else if (key.equals("strace")) {
            if (has_value && !val.empty()) o.strace = val;
            else if (warn) warn("bad value (a PID or all), not tracing", tok, ctx);
        } else if (key.equals("hz")) {
            if (has_value && parse_uint(val, 10000, n) && n >= 1) o.hz = static_cast<std::uint32_t>(n);
            else if (warn) warn("bad value (1..10000), using 100", tok, ctx);
        } else if (key.equals("loglevel")) {
            if (has_value && parse_uint(val, 3, n)) o.loglevel = static_cast<int>(n);
            else if (warn) warn("bad value (0..3), using 2", tok, ctx);
        } else if (key.equals("asid_bits")) {
            if (has_value && parse_uint(val, 16, n) && (n == 8 || n == 16)) o.asid_bits = static_cast<unsigned>(n);
            else if (warn) warn("bad value (8 or 16), using the CPU's", tok, ctx);
        } else if (key.equals("maxcpus")) {
            // As Linux: maxcpus=0 also means the boot CPU alone.
            if (has_value && parse_uint(val, 4096, n)) o.maxcpus = n == 0 ? 1 : static_cast<unsigned>(n);
            else if (warn) warn("bad value (a number of CPUs), starting all", tok, ctx);
        } else if (warn) {
            warn("unknown option ignored", tok, ctx);
        }
    }
    return o;
}

bool next_list_item(StrView list, std::size_t& pos, StrView& item) {
    while (pos < list.len && list.ptr[pos] == ',') ++pos;
    if (pos >= list.len) return false;
    const std::size_t start = pos;
    while (pos < list.len && list.ptr[pos] != ',') ++pos;
    item = StrView{list.ptr + start, pos - start};
    return true;
}

void build_init_args(const CmdlineWords& words, const char* path, InitArgs& out) {
    out.argc = 1;
    out.envc = 0;
    out.dropped = 0;
    out.argv[0] = path;
    for (std::size_t w = 0; w < words.count; ++w) {
        const StrView tok = words.word(w);
        const StrView key = word_key(tok);
        const bool after_dashes = w >= words.dashes;
        const bool env = !after_dashes && key.len < tok.len;
        if (!after_dashes && ((env && is_kernel_option(key)) || has_dot(key))) continue;
        if (!env) {
            if (out.argc <= InitArgs::kMax) out.argv[out.argc++] = tok.ptr;
            else ++out.dropped;
            continue;
        }
        int slot = 0;  // the entry of the same name, replaced (Linux compares the name and its '=')
        while (slot < out.envc && !names(out.envp[slot], key)) ++slot;
        if (slot < out.envc) out.envp[slot] = tok.ptr;
        else if (out.envc < InitArgs::kMax) out.envp[out.envc++] = tok.ptr;
        else ++out.dropped;
    }
    out.argv[out.argc] = nullptr;
    const int given = out.envc;
    for (const char* d : {"HOME=/", "PATH=/bin", "TERM=vt100"}) {
        const StrView key = word_key(StrView{d, lib::string_length(d)});
        bool overridden = false;
        for (int e = 0; e < given; ++e) overridden = overridden || names(out.envp[e], key);
        if (!overridden) out.envp[out.envc++] = d;
    }
    out.envp[out.envc] = nullptr;
}

}  // namespace kernel
