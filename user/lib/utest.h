// A minimal test framework for user-space test programs: UTEST(name) registration in the
// `utest_cases` section, CHECK/CHECK_EQ/REQUIRE, and helpers for forked children.

// The runner (utest.cpp, which provides main) runs each test in a forked child with a timeout, so a
// test that faults or hangs fails alone, prints one line per test and then "N passed, N failed",
// and exits 0 iff nothing failed and something passed.
//   test_x [--inline] [--list] [NAME...]    NAME selects tests whose name contains it
// Environment: UTEST_INLINE=1 runs tests in the runner's own process (no fork); UTEST_ROOT=/dir
// prefixes the absolute paths tests open or exec (for running on a host where /bin is the host's).
#pragma once

#include <cstdint>
#include <type_traits>

#include "user/lib/user.h"

namespace user::utest {

// 32 bytes and 32-aligned, so the compiler can never pad entries of the section apart.
struct alignas(32) Case {
    const char* name;
    void (*fn)();
    unsigned timeout_ms;   // 0: the default (kDefaultTimeoutMs)
    int line;              // tests run in source order (the section holds them in emission order)
};
static_assert(sizeof(Case) == 32);
inline constexpr unsigned kDefaultTimeoutMs = 20000;

void check_failed(const char* expr, const char* file, int line);
void check_eq_failed(const char* ea, const char* eb, long long a, long long b, const char* file, int line);
bool current_failed();
// An informational line under the current test ("    note: ...").
void note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

template <typename T>
long long as_ll(T v) {
    if constexpr (std::is_pointer_v<T>) return static_cast<long long>(reinterpret_cast<std::uintptr_t>(v));
    else return static_cast<long long>(v);
}

// UTEST_ROOT + p, in one of a few rotating static buffers (valid until 4 more calls).
const char* path(const char* p);

inline constexpr int kForkFailed = -1;
inline constexpr int kTimedOut = -2;
// Waits for child `pid` (reaping only it), polling so it can give up: after timeout_ms the child is
// SIGKILLed and reaped and kTimedOut returned. Otherwise the wait status.
int wait_child(long pid, long timeout_ms = 10000);
// For in_child: starts a fresh check record in the child, and exits 1 if a CHECK failed there, else 0.
void child_begin();
[[noreturn]] void child_end();
// Runs body() in a forked child, whose CHECKs print as usual; the child exits 1 if one failed, else
// 0 (or whatever body() exits with, or the signal that kills it). Returns the wait status (or
// kForkFailed / kTimedOut).
template <typename F>
int in_child(F&& body, long timeout_ms = 10000) {
    const long pid = fork();
    if (pid < 0) return kForkFailed;
    if (pid == 0) {
        child_begin();
        body();
        child_end();
    }
    return wait_child(pid, timeout_ms);
}
// "exited 3", "killed by signal 11", "timed out" ... for messages.
const char* describe_status(int status);
// True when the wait status says "killed by signal sig" (the core-dump bit is ignored).
constexpr bool killed_by(int status, int sig) { return status >= 0 && wifsignaled(status) && wtermsig(status) == sig; }
constexpr bool exited_with(int status, int code) { return status >= 0 && wifexited(status) && wexitstatus(status) == code; }

// Reads or writes one byte at addr in a forked child; returns the child's wait status (exit 0 if
// the access worked).
int probe_read(std::uintptr_t addr);
int probe_write(std::uintptr_t addr);

// A pipe2() pair closed when the test ends (ok() is false if pipe2 failed); close_r/close_w close
// one end early (EOF and EPIPE tests).
struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, 0) == 0) r = fds[0], w = fds[1];
    }
    ~Pipe() {
        close_r();
        close_w();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_r() {
        if (r >= 0) close(r);
        r = -1;
    }
    void close_w() {
        if (w >= 0) close(w);
        w = -1;
    }
    bool ok() const { return r >= 0 && w >= 0; }
};

// True when UTEST_QEMU_USER=1: the program runs under qemu-aarch64 on a Linux host, where a few
// things are not modelled (noted at each use); those checks are then skipped with a note.
bool qemu_user();

}  // namespace user::utest

#define UTEST_TIMEOUT(name, ms)                                                              \
    static void utest_fn_##name();                                                           \
    [[gnu::used, gnu::section("utest_cases")]] static constinit const ::user::utest::Case    \
        utest_case_##name = {#name, utest_fn_##name, (ms), __LINE__};                        \
    static void utest_fn_##name()
#define UTEST(name) UTEST_TIMEOUT(name, 0)

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) ::user::utest::check_failed(#cond, __FILE__, __LINE__);         \
    } while (0)
#define CHECK_EQ(a, b)                                                                                 \
    do {                                                                                               \
        const auto utest_a_ = (a);                                                                     \
        const auto utest_b_ = (b);                                                                     \
        if (!(utest_a_ == utest_b_))                                                                   \
            ::user::utest::check_eq_failed(#a, #b, ::user::utest::as_ll(utest_a_),                     \
                                           ::user::utest::as_ll(utest_b_), __FILE__, __LINE__);        \
    } while (0)
// Like CHECK, but leaves the test function when it fails (for preconditions the rest depends on).
#define REQUIRE(cond)                                                                \
    do {                                                                             \
        if (!(cond)) {                                                               \
            ::user::utest::check_failed(#cond, __FILE__, __LINE__);                  \
            return;                                                                  \
        }                                                                            \
    } while (0)
