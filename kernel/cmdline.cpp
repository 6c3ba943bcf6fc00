// Command-line parsing: tokens split on spaces, each key=value; unknown keys and bad values warn.
#include "kernel/cmdline.h"

#include "lib/string.h"

namespace kernel {

bool StrView::equals(const char* s) const {
    std::size_t n = lib::string_length(s);
    return n == len && lib::compare_bytes(ptr, s, n) == 0;
}

namespace {
bool parse_uint(StrView v, std::uint64_t max, std::uint64_t& out) {
    auto r = lib::parse_u64(v.ptr, v.len, 10);
    if (!r.ok() || r.value() > max) return false;
    out = r.value();
    return true;
}
}  // namespace

bool is_kernel_option(StrView key) {
    for (const char* k : {"test", "bench", "init", "hz", "loglevel", "asid_bits", "maxcpus"})
        if (key.equals(k)) return true;
    return false;
}

BootOptions parse_boot_options(const char* s, std::size_t len, void (*warn)(const char*, StrView, void*),
                               void* ctx) {
    BootOptions o;
    std::size_t i = 0;
    while (i < len && s[i]) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
        const std::size_t start = i;
        while (i < len && s[i] && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
        if (i == start) break;
        StrView tok{s + start, i - start};
        std::size_t eq = 0;
        while (eq < tok.len && tok.ptr[eq] != '=') ++eq;
        StrView key{tok.ptr, eq};
        StrView val{tok.ptr + (eq < tok.len ? eq + 1 : eq), eq < tok.len ? tok.len - eq - 1 : 0};
        const bool has_value = eq < tok.len;
        std::uint64_t n = 0;
        if (key.equals("test") && has_value) o.test = val;
        else if (key.equals("bench") && has_value) o.bench = val;
        else if (key.equals("init") && has_value) o.init = val;
        else if (key.equals("hz")) {
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

}  // namespace kernel
