// The decoders behind strace=: each argument kind as strace prints it (strings quoted and escaped,
// cut at 32 bytes with "..."; flags by name; structures the programs' next step depends on).
#include "kernel/syscall/strace_format.h"

#include <cstdarg>

#include "kernel/process/signal_names.h"
#include "lib/format.h"

namespace kernel::strace {

void Line::put(char c) {
    if (len_ < limit_) {
        buf_[len_++] = c;
        buf_[len_] = 0;
    } else {
        overflowed_ = true;
    }
}

void Line::puts(const char* s) {
    while (*s) put(*s++);
}

void Line::printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lib::vformat([](char c, void* ctx) { static_cast<Line*>(ctx)->put(c); }, this, fmt, ap);
    va_end(ap);
}

namespace {

using ull = unsigned long long;

struct Flag {
    std::uint64_t value;
    const char* name;
};

// Names for the set bits of v, in the table's order ("A|B|0x40" for bits without one); zero prints as
// `zero`. A table entry may cover several bits (O_TMPFILE includes O_DIRECTORY's): it must all be set.
template <std::size_t N>
void print_flags(Line& out, std::uint64_t v, const Flag (&table)[N], const char* zero, bool first = true) {
    if (v == 0) {
        if (first) out.puts(zero);
        return;
    }
    for (const Flag& f : table) {
        if (f.value && (v & f.value) == f.value) {
            out.puts(first ? "" : "|");
            out.puts(f.name);
            v &= ~f.value;
            first = false;
        }
    }
    if (v) out.printf("%s%#llx", first ? "" : "|", static_cast<ull>(v));
}

template <std::size_t N>
bool print_value(Line& out, std::uint64_t v, const Flag (&table)[N]) {
    for (const Flag& f : table)
        if (f.value == v) return out.puts(f.name), true;
    return false;
}

constexpr Flag kOpenFlags[] = {
    {0100, "O_CREAT"}, {0200, "O_EXCL"}, {0400, "O_NOCTTY"}, {01000, "O_TRUNC"}, {02000, "O_APPEND"},
    {04000, "O_NONBLOCK"}, {04010000, "O_SYNC"}, {010000, "O_DSYNC"}, {020000, "O_ASYNC"}, {0200000, "O_DIRECT"},
    {0400000, "O_LARGEFILE"}, {0100000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"},
    {010000000, "O_PATH"}, {020040000, "O_TMPFILE"}, {040000, "O_DIRECTORY"},  // arm64's values
};
constexpr std::uint64_t kO_CREAT = 0100, kO_TMPFILE = 020000000;
constexpr Flag kProt[] = {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {0x10, "PROT_BTI"}, {0x20, "PROT_MTE"},
                          {0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"}};
constexpr Flag kMapType[] = {{1, "MAP_SHARED"}, {2, "MAP_PRIVATE"}, {3, "MAP_SHARED_VALIDATE"}};
constexpr Flag kMapFlags[] = {
    {0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"},
    {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
    {0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"}, {0x80000, "MAP_SYNC"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
};
constexpr Flag kCloneFlags[] = {
    {0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"}, {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"}, {0x4000, "CLONE_VFORK"}, {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"}, {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"}, {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"}, {0x1000000, "CLONE_CHILD_SETTID"}, {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"}, {0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"},
};
constexpr Flag kAtFlags[] = {{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"}, {0x400, "AT_SYMLINK_FOLLOW"},
                             {0x800, "AT_NO_AUTOMOUNT"}, {0x1000, "AT_EMPTY_PATH"}, {0x2000, "AT_STATX_FORCE_SYNC"},
                             {0x4000, "AT_STATX_DONT_SYNC"}};
constexpr Flag kAccess[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};
constexpr Flag kWaitOptions[] = {{1, "WNOHANG"}, {2, "WUNTRACED"}, {4, "WEXITED"}, {8, "WCONTINUED"},
                                 {0x1000000, "WNOWAIT"}, {0x20000000, "__WNOTHREAD"}, {0x40000000, "__WALL"},
                                 {0x80000000, "__WCLONE"}};
constexpr Flag kWhence[] = {{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}};
constexpr Flag kSigHow[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};
constexpr Flag kFcntl[] = {{0, "F_DUPFD"}, {1, "F_GETFD"}, {2, "F_SETFD"}, {3, "F_GETFL"}, {4, "F_SETFL"},
                           {5, "F_GETLK"}, {6, "F_SETLK"}, {7, "F_SETLKW"}, {8, "F_SETOWN"}, {9, "F_GETOWN"},
                           {36, "F_OFD_GETLK"}, {37, "F_OFD_SETLK"}, {38, "F_OFD_SETLKW"}, {1030, "F_DUPFD_CLOEXEC"},
                           {1031, "F_SETPIPE_SZ"}, {1032, "F_GETPIPE_SZ"}};
constexpr Flag kIoctl[] = {{0x5401, "TCGETS"}, {0x5402, "TCSETS"}, {0x5403, "TCSETSW"}, {0x5404, "TCSETSF"},
                           {0x540e, "TIOCSCTTY"}, {0x540f, "TIOCGPGRP"}, {0x5410, "TIOCSPGRP"}, {0x5413, "TIOCGWINSZ"},
                           {0x5414, "TIOCSWINSZ"}, {0x541b, "FIONREAD"}, {0x5421, "FIONBIO"}, {0x5451, "FIOCLEX"}};
constexpr Flag kClocks[] = {{0, "CLOCK_REALTIME"}, {1, "CLOCK_MONOTONIC"}, {2, "CLOCK_PROCESS_CPUTIME_ID"},
                            {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
                            {6, "CLOCK_MONOTONIC_COARSE"}, {7, "CLOCK_BOOTTIME"}};
constexpr Flag kFileTypes[] = {{0140000, "S_IFSOCK"}, {0120000, "S_IFLNK"}, {0100000, "S_IFREG"}, {060000, "S_IFBLK"},
                               {040000, "S_IFDIR"}, {020000, "S_IFCHR"}, {010000, "S_IFIFO"}};

bool is_error(std::int64_t r) { return r < 0 && r >= -4095; }

constexpr std::size_t kResultReserve = 96;  // " = -1 ERESTART_RESTARTBLOCK (Interrupted by signal)" and padding

void print_ptr(Line& out, std::uint64_t p) {
    if (p == 0) out.puts("NULL");
    else out.printf("%#llx", static_cast<ull>(p));
}

void print_octal(Line& out, std::uint64_t v) {
    if (v == 0) out.puts("000");
    else out.printf("%#llo", static_cast<ull>(v));
}

// One byte inside quotes, as strace's string_quote(): C escapes, else octal, 3 digits when a digit follows.
void put_escaped(Line& out, unsigned char c, int next) {
    switch (c) {
    case '"': out.puts("\\\""); return;
    case '\\': out.puts("\\\\"); return;
    case '\f': out.puts("\\f"); return;
    case '\n': out.puts("\\n"); return;
    case '\r': out.puts("\\r"); return;
    case '\t': out.puts("\\t"); return;
    case '\v': out.puts("\\v"); return;
    default: break;
    }
    if (c >= ' ' && c < 0x7f) return out.put(static_cast<char>(c));
    out.put('\\');
    if (next >= '0' && next <= '7') {
        out.put(static_cast<char>('0' + (c >> 6)));
        out.put(static_cast<char>('0' + ((c >> 3) & 7)));
    } else if (c >> 3) {
        if (c >> 6) out.put(static_cast<char>('0' + (c >> 6)));
        out.put(static_cast<char>('0' + ((c >> 3) & 7)));
    }
    out.put(static_cast<char>('0' + (c & 7)));
}

// A string of user memory: `len` bytes (a buffer) or up to its NUL (len == ~0), at most `limit` shown
// and "..." after the closing quote when there is more. An unreadable start prints the address.
void print_string(Line& out, const Memory& mem, std::uint64_t addr, std::size_t len, std::size_t limit) {
    const bool nul_terminated = len == ~std::size_t{0};
    const std::size_t want = nul_terminated ? limit + 1 : (len < limit ? len : limit);
    unsigned char chunk[64];
    std::size_t have = 0, pos = 0, shown = 0;
    bool started = false, more = !nul_terminated && len > limit, ended = false;
    int held = -1;  // a byte waits for the next one: its octal form depends on it
    while (shown < want && !ended) {
        if (pos == have) {
            const std::size_t n = want - shown < sizeof chunk ? want - shown : sizeof chunk;
            have = mem.read(mem.ctx, addr + shown, chunk, n);
            pos = 0;
            if (have == 0) {
                if (!started) return print_ptr(out, addr);
                break;  // a hole after the start: what was readable
            }
        }
        if (!started) out.put('"'), started = true;
        const unsigned char c = chunk[pos++];
        if (nul_terminated && c == 0) {
            ended = true;
            break;
        }
        if (nul_terminated && shown == limit) {  // a byte past the limit: there is more
            more = true;
            break;
        }
        if (held >= 0) put_escaped(out, static_cast<unsigned char>(held), c);
        held = c;
        ++shown;
    }
    if (!started) out.put('"');
    if (held >= 0) put_escaped(out, static_cast<unsigned char>(held), -1);
    out.put('"');
    if (more) out.puts("...");
}

bool read_u64(const Memory& mem, std::uint64_t addr, std::uint64_t& v) { return mem.read(mem.ctx, addr, &v, 8) == 8; }

void print_mode_with_type(Line& out, std::uint32_t mode) {
    if (print_value(out, mode & 0170000, kFileTypes)) out.put('|');
    if (mode & 04000) out.puts("S_ISUID|");
    if (mode & 02000) out.puts("S_ISGID|");
    if (mode & 01000) out.puts("S_ISVTX|");
    print_octal(out, mode & 0777);
}

void print_stat(Line& out, const Memory& mem, std::uint64_t addr) {
    unsigned char st[64];  // arm64 struct stat: st_mode at 16, st_rdev at 32, st_size at 48
    if (mem.read(mem.ctx, addr, st, sizeof st) != sizeof st) return print_ptr(out, addr);
    auto u32 = [&](int off) { return static_cast<std::uint32_t>(st[off] | st[off + 1] << 8 | st[off + 2] << 16 | static_cast<std::uint32_t>(st[off + 3]) << 24); };
    auto u64 = [&](int off) { return u32(off) | static_cast<std::uint64_t>(u32(off + 4)) << 32; };
    const std::uint32_t mode = u32(16);
    out.puts("{st_mode=");
    print_mode_with_type(out, mode);
    const std::uint32_t type = mode & 0170000;
    if (type == 020000 || type == 060000) {
        const std::uint64_t dev = u64(32);
        out.printf(", st_rdev=makedev(%#llx, %#llx)", static_cast<ull>((dev >> 8) & 0xfff),
                   static_cast<ull>((dev & 0xff) | ((dev >> 12) & 0xfff00)));
    } else {
        out.printf(", st_size=%lld", static_cast<long long>(u64(48)));
    }
    out.puts(", ...}");
}

void print_wait_status(Line& out, const Memory& mem, std::uint64_t addr) {
    std::uint32_t s;
    if (mem.read(mem.ctx, addr, &s, 4) != 4) return print_ptr(out, addr);
    const int sig = static_cast<int>(s & 0x7f);
    auto signame = [&](int n) {
        const char* name = signal_name(n);
        if (name) out.puts(name);
        else out.printf("%d", n);
    };
    out.puts("[{");
    if (sig == 0) {
        out.printf("WIFEXITED(s) && WEXITSTATUS(s) == %u", (s >> 8) & 0xff);
    } else if (sig == 0x7f) {
        out.puts("WIFSTOPPED(s) && WSTOPSIG(s) == ");
        signame(static_cast<int>((s >> 8) & 0xff));
    } else {
        out.puts("WIFSIGNALED(s) && WTERMSIG(s) == ");
        signame(sig);
        if (s & 0x80) out.puts(" && WCOREDUMP(s)");
    }
    out.puts("}]");
}

void print_argv(Line& out, const Memory& mem, std::uint64_t addr) {
    if (addr == 0) return out.puts("NULL");
    std::uint64_t p;
    if (!read_u64(mem, addr, p)) return print_ptr(out, addr);
    out.put('[');
    for (std::size_t i = 0; p != 0; ++i) {
        if (i) out.puts(", ");
        if (i == kArrayLimit) {
            out.puts("...");
            break;
        }
        print_string(out, mem, p, ~std::size_t{0}, kStringLimit);
        if (!read_u64(mem, addr + (i + 1) * 8, p)) break;
    }
    out.put(']');
}

void print_envp(Line& out, const Memory& mem, std::uint64_t addr) {
    print_ptr(out, addr);
    if (addr == 0) return;
    std::size_t n = 0;
    std::uint64_t p;
    while (n < 100000 && read_u64(mem, addr + n * 8, p) && p != 0) ++n;
    out.printf(" /* %zu var%s */", n, n == 1 ? "" : "s");
}

void print_iov(Line& out, const Memory& mem, std::uint64_t addr, std::uint64_t count) {
    std::uint64_t v[2];
    if (count == 0 || mem.read(mem.ctx, addr, v, sizeof v) != sizeof v) return print_ptr(out, addr);
    out.put('[');
    for (std::uint64_t i = 0; i < count; ++i) {
        if (i) out.puts(", ");
        if (i == kArrayLimit) {
            out.puts("...");
            break;
        }
        if (i && mem.read(mem.ctx, addr + i * 16, v, sizeof v) != sizeof v) {
            out.puts("...");
            break;
        }
        out.puts("{iov_base=");
        print_string(out, mem, v[0], v[1], kStringLimit);
        out.printf(", iov_len=%llu}", static_cast<ull>(v[1]));
    }
    out.put(']');
}

void print_signal(Line& out, std::uint64_t v) {
    const char* name = v < 65 ? signal_name(static_cast<int>(v)) : nullptr;
    if (name) out.puts(name);
    else out.printf("%d", static_cast<int>(v));
}

void print_clone(Line& out, const std::uint64_t a[6]) {
    // arm64's clone: flags, stack, parent_tid, tls, child_tid (strace names them so).
    out.puts("child_stack=");
    print_ptr(out, a[1]);
    out.puts(", flags=");
    const std::uint64_t flags = a[0] & 0xffffffffull;
    print_flags(out, flags & ~0xffull, kCloneFlags, "", true);
    if (flags & 0xff) {
        if (flags & ~0xffull) out.put('|');
        print_signal(out, flags & 0xff);
    } else if (!(flags & ~0xffull)) {
        out.put('0');
    }
    if (flags & 0x100000) out.puts(", parent_tid="), print_ptr(out, a[2]);
    if (flags & 0x80000) out.printf(", tls=%#llx", static_cast<ull>(a[3]));
    if (flags & 0x1200000) out.puts(", child_tidptr="), print_ptr(out, a[4]);
}

void print_open_mode(Line& out, std::uint64_t v) {
    const std::uint64_t f = v & 0xffffffffull;
    const char* const access[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    out.puts(access[f & 3]);
    print_flags(out, f & ~3ull, kOpenFlags, "", false);
}

// Whether argument i is shown: openat's mode means something only with O_CREAT or O_TMPFILE, and
// strace leaves it out otherwise.
bool applies(const CallInfo& ci, int i, const std::uint64_t a[6]) {
    if (ci.args[i] != Arg::Mode || i == 0 || ci.args[i - 1] != Arg::OpenFlags) return true;
    return (a[i - 1] & kO_CREAT) || (a[i - 1] & kO_TMPFILE) == kO_TMPFILE;
}

// One argument; returns false when the call's printing stops here (an argument that does not apply).
bool print_arg(Line& out, const CallInfo& ci, int i, const std::uint64_t a[6], bool done, std::int64_t result,
               const Memory& mem) {
    const std::uint64_t v = a[i];
    const bool out_ok = done && !is_error(result);
    switch (ci.args[i]) {
    case Arg::Int: out.printf("%d", static_cast<int>(v)); break;
    case Arg::Long: out.printf("%lld", static_cast<long long>(v)); break;
    case Arg::UInt: out.printf("%llu", static_cast<ull>(v)); break;
    case Arg::Hex: out.printf("%#llx", static_cast<ull>(v)); break;
    case Arg::Ptr: print_ptr(out, v); break;
    case Arg::Octal: print_octal(out, v); break;
    case Arg::Fd: out.printf("%d", static_cast<int>(v)); break;
    case Arg::DirFd:
        if (static_cast<int>(v) == -100) out.puts("AT_FDCWD");
        else out.printf("%d", static_cast<int>(v));
        break;
    case Arg::Path: print_string(out, mem, v, ~std::size_t{0}, 4096); break;
    case Arg::Str: print_string(out, mem, v, ~std::size_t{0}, kStringLimit); break;
    case Arg::BufIn: print_string(out, mem, v, i < 5 ? a[i + 1] : 0, kStringLimit); break;
    case Arg::BufOut:
        if (out_ok) print_string(out, mem, v, static_cast<std::size_t>(result), kStringLimit);
        else print_ptr(out, v);
        break;
    case Arg::GetcwdBuf:
        if (out_ok && result > 0) print_string(out, mem, v, ~std::size_t{0}, 4096);
        else print_ptr(out, v);
        break;
    case Arg::IovIn: print_iov(out, mem, v, i < 5 ? a[i + 1] : 0); break;
    case Arg::OpenFlags:
        if (ci.args[0] == Arg::DirFd) print_open_mode(out, v);  // openat's: an access mode first
        else print_flags(out, v & 0xffffffffull, kOpenFlags, "0");  // pipe2, dup3: flags alone
        break;
    case Arg::Mode: print_octal(out, v & 07777); break;
    case Arg::AtFlags: print_flags(out, v & 0xffffffffull, kAtFlags, "0"); break;
    case Arg::AccessMode: print_flags(out, v & 0xffffffffull, kAccess, "F_OK"); break;
    case Arg::Prot: print_flags(out, v & 0xffffffffull, kProt, "PROT_NONE"); break;
    case Arg::MapFlags:
        if (!print_value(out, v & 3, kMapType)) out.printf("%#llx", static_cast<ull>(v & 3));
        print_flags(out, v & 0xffffffffull & ~3ull, kMapFlags, "", false);
        break;
    case Arg::Clone: print_clone(out, a); return false;
    case Arg::WaitOptions: print_flags(out, v & 0xffffffffull, kWaitOptions, "0"); break;
    case Arg::WaitStatus:
        if (out_ok && result > 0 && v) print_wait_status(out, mem, v);
        else print_ptr(out, v);
        break;
    case Arg::Argv: print_argv(out, mem, v); break;
    case Arg::Envp: print_envp(out, mem, v); break;
    case Arg::Signal: print_signal(out, v); break;
    case Arg::SigHow:
        if (!print_value(out, v, kSigHow)) out.printf("%#llx", static_cast<ull>(v));
        break;
    case Arg::Whence:
        if (!print_value(out, v, kWhence)) out.printf("%#llx /* SEEK_??? */", static_cast<ull>(v));
        break;
    case Arg::FcntlCmd: {
        const int cmd = static_cast<int>(v);
        if (!print_value(out, static_cast<std::uint64_t>(cmd), kFcntl)) out.printf("%#x /* F_??? */", cmd);
        if (cmd == 1 || cmd == 3 || cmd == 9 || cmd == 1032) return false;  // F_GETFD/GETFL/GETOWN/GETPIPE_SZ: no argument
        out.puts(", ");
        if (cmd == 2) out.puts(a[2] & 1 ? "FD_CLOEXEC" : "0");
        else if (cmd == 4) print_open_mode(out, a[2]);
        else if (cmd == 0 || cmd == 1030 || cmd == 1031 || cmd == 8) out.printf("%d", static_cast<int>(a[2]));
        else print_ptr(out, a[2]);
        return false;
    }
    case Arg::IoctlCmd:
        if (!print_value(out, v & 0xffffffffull, kIoctl)) out.printf("%#llx", static_cast<ull>(v & 0xffffffffull));
        break;
    case Arg::Clock:
        if (!print_value(out, v, kClocks)) out.printf("%d", static_cast<int>(v));
        break;
    case Arg::PipeFds: {
        std::int32_t fds[2];
        if (out_ok && mem.read(mem.ctx, v, fds, sizeof fds) == sizeof fds) out.printf("[%d, %d]", fds[0], fds[1]);
        else print_ptr(out, v);
        break;
    }
    case Arg::TimespecIn: {
        std::int64_t ts[2];
        if (v && mem.read(mem.ctx, v, ts, sizeof ts) == sizeof ts)
            out.printf("{tv_sec=%lld, tv_nsec=%lld}", static_cast<long long>(ts[0]), static_cast<long long>(ts[1]));
        else print_ptr(out, v);
        break;
    }
    case Arg::StatOut:
        if (out_ok) print_stat(out, mem, v);
        else print_ptr(out, v);
        break;
    }
    return true;
}

}  // namespace

void format_call(Line& out, std::uint64_t nr, const std::uint64_t a[6], bool done, std::int64_t result,
                 const Memory& mem) {
    const CallInfo* ci = call_info(nr);
    if (ci) out.printf("%s(", ci->name);
    else out.printf("syscall_%#llx(", static_cast<ull>(nr));
    if (!ci || ci->nargs == kUnknownArgs) {
        for (int i = 0; i < 6; ++i) out.printf("%s%#llx", i ? ", " : "", static_cast<ull>(a[i]));
    } else {
        for (int i = 0; i < ci->nargs && applies(*ci, i, a); ++i) {
            if (i) out.puts(", ");
            if (!print_arg(out, *ci, i, a, done, result, mem)) break;
        }
    }
    if (out.overflowed()) {
        out.set_reserve(kResultReserve - 8);  // the cut call ends with "...)", the result still fits
        out.puts("...");
    }
    out.put(')');
}

void format_result(Line& out, std::uint64_t nr, std::int64_t r) {
    out.set_reserve(0);
    out.put(' ');
    while (out.length() < kResultColumn) out.put(' ');
    out.puts("= ");
    const CallInfo* ci = call_info(nr);
    const Ret kind = ci ? ci->ret : Ret::Int;
    if (is_error(r)) {
        const int e = static_cast<int>(-r);
        const char* name = errno_name(e);
        if (name) out.printf("-1 %s (%s)", name, errno_message(e));
        else out.printf("-1 (errno %d)", e);
    } else if (kind == Ret::Hex) {
        out.printf("%#llx", static_cast<ull>(r));
    } else if (kind == Ret::Octal) {
        print_octal(out, static_cast<std::uint64_t>(r));
    } else {
        out.printf("%lld", static_cast<long long>(r));
    }
}

void format_no_return(Line& out) {
    out.set_reserve(0);
    out.put(' ');
    while (out.length() < kResultColumn) out.put(' ');
    out.puts("= ?");
}

std::size_t format_line(char* buf, std::size_t cap, int pid, std::uint64_t nr, const std::uint64_t args[6],
                        std::int64_t result, const Memory& mem) {
    Line out(buf, cap);
    out.set_reserve(kResultReserve);
    out.printf("[pid %d] ", pid);
    format_call(out, nr, args, true, result, mem);
    format_result(out, nr, result);
    out.set_reserve(0);
    out.put('\n');
    return out.length();
}

}  // namespace kernel::strace
