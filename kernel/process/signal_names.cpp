// Linux's signal names: one table, indexed by number.
#include "kernel/process/signal_names.h"

#include <cstddef>
#include <cstdint>

#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel {

namespace {

// Index = signal number (asm-generic/signal.h, which arm64 uses); SIGIOT, SIGPOLL and SIGCLD are
// other names for 6, 29 and 17.
constexpr const char* kNames[] = {
    nullptr,     "SIGHUP",  "SIGINT",  "SIGQUIT",   "SIGILL",  "SIGTRAP",  "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",  "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP", "SIGTTIN",  "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};
constexpr int kNamed = sizeof kNames / sizeof kNames[0];
static_assert(kNamed == 32);
constexpr bool named(int sig, const char* n) {
    for (int i = 0; n[i] || kNames[sig][i]; ++i)
        if (n[i] != kNames[sig][i]) return false;
    return true;
}
static_assert(named(abi::kSIGINT, "SIGINT") && named(abi::kSIGKILL, "SIGKILL") && named(abi::kSIGTERM, "SIGTERM") &&
              named(abi::kSIGCHLD, "SIGCHLD") && named(abi::kSIGSTOP, "SIGSTOP") &&
              named(abi::kSIGWINCH, "SIGWINCH") && named(abi::kSIGSEGV, "SIGSEGV") && named(abi::kSIGURG, "SIGURG"));

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// s, in any case, is name (which is upper case).
bool equals_upper(const char* s, const char* name) {
    std::size_t i = 0;
    for (; s[i] && name[i]; ++i)
        if (upper(s[i]) != name[i]) return false;
    return s[i] == 0 && name[i] == 0;
}

}  // namespace

const char* signal_name(int sig) { return sig > 0 && sig < kNamed ? kNames[sig] : nullptr; }

int signal_number(const char* s) {
    const auto v = lib::parse_u64(s, lib::string_length(s), 10);
    if (v.ok()) return v.value() <= static_cast<std::uint64_t>(abi::kMaxSignal) ? static_cast<int>(v.value()) : -1;
    const char* name = s;
    if (upper(s[0]) == 'S' && upper(s[1]) == 'I' && upper(s[2]) == 'G') name = s + 3;
    for (int i = 1; i < kNamed; ++i)
        if (equals_upper(name, kNames[i] + 3)) return i;  // past "SIG"
    if (equals_upper(name, "IOT")) return abi::kSIGABRT;
    if (equals_upper(name, "POLL")) return 29;
    if (equals_upper(name, "CLD")) return abi::kSIGCHLD;
    return -1;
}

}  // namespace kernel
