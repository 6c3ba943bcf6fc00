// The user test runner: main() for every test program. Runs each selected test in a forked child
// (timeout, fault isolation), reaps any other child that comes back meanwhile (orphans, when the
// runner is pid 1), prints "[ PASS ] suite.name" / "[ FAIL ] suite.name: why" and the summary.
#include "user/lib/utest.h"

#include <cstdarg>

extern "C" const user::utest::Case __start_utest_cases[], __stop_utest_cases[];

namespace user::utest {
namespace {

bool s_failed = false;

// Polling interval of the waits: short at first (most tests finish in milliseconds), then longer.
long next_poll_ns(long poll) { return poll < 16000000 ? poll * 2 : poll; }

void sleep_ns(long ns) {
    const Timespec ts{0, ns};
    nanosleep(&ts, nullptr);
}

bool selected(const Case& c, int argc, char** argv) {
    bool any_filter = false;
    for (int i = 1; i < argc; ++i) {
        if (argv[i][0] == '-') continue;
        any_filter = true;
        if (str_find(c.name, argv[i])) return true;
    }
    return !any_filter;
}

bool has_flag(int argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i)
        if (str_eq(argv[i], flag)) return true;
    return false;
}

}  // namespace

void check_failed(const char* expr, const char* file, int line) {
    printf("    check failed: %s (%s:%d)\n", expr, file, line);
    s_failed = true;
}

void check_eq_failed(const char* ea, const char* eb, long long a, long long b, const char* file, int line) {
    printf("    check failed: %s == %s: %lld (0x%llx) != %lld (0x%llx) (%s:%d)\n", ea, eb, a,
           static_cast<unsigned long long>(a), b, static_cast<unsigned long long>(b), file, line);
    s_failed = true;
}

bool current_failed() { return s_failed; }

void child_begin() { s_failed = false; }

void child_end() { exit_group(s_failed ? 1 : 0); }

void note(const char* fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("    note: %s\n", msg);
}

const char* path(const char* p) {
    static char bufs[4][256];
    static unsigned next = 0;
    char* b = bufs[next++ % 4];
    const char* root = getenv("UTEST_ROOT");
    snprintf(b, sizeof bufs[0], "%s%s", root ? root : "", p);
    return b;
}

int wait_child(long pid, long timeout_ms) {
    const std::uint64_t deadline = monotonic_ns() + static_cast<std::uint64_t>(timeout_ms) * 1000000ull;
    long poll = 50000;
    for (;;) {
        int status = 0;
        const long r = wait4(static_cast<int>(pid), &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0) return kForkFailed;
        if (monotonic_ns() >= deadline) {
            kill(static_cast<int>(pid), SIGKILL);
            wait4(static_cast<int>(pid), &status, 0);
            return kTimedOut;
        }
        sleep_ns(poll);
        poll = next_poll_ns(poll);
    }
}

const char* describe_status(int status) {
    static char buf[64];
    if (status == kForkFailed) return "fork or wait failed";
    if (status == kTimedOut) return "timed out";
    if (wifexited(status)) snprintf(buf, sizeof buf, "exited %d", wexitstatus(status));
    else if (wifsignaled(status)) snprintf(buf, sizeof buf, "killed by signal %d", wtermsig(status));
    else snprintf(buf, sizeof buf, "status 0x%x", status);
    return buf;
}

int probe_read(std::uintptr_t addr) {
    return in_child([addr] { (void)*reinterpret_cast<volatile const char*>(addr); });
}

int probe_write(std::uintptr_t addr) {
    return in_child([addr] { *reinterpret_cast<volatile char*>(addr) = 1; });
}

bool qemu_user() {
    const char* v = getenv("UTEST_QEMU_USER");
    return v && str_eq(v, "1");
}

namespace {

// Runs one test in a child; reaps whatever else exits meanwhile. Returns "" on a pass, else why not.
const char* run_forked(const Case& c, char* why, std::size_t why_size) {
    const long pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "fork failed: %ld", pid);
        return why;
    }
    if (pid == 0) {
        s_failed = false;
        c.fn();
        exit_group(s_failed ? 1 : 0);
    }
    const unsigned timeout = c.timeout_ms ? c.timeout_ms : kDefaultTimeoutMs;
    const std::uint64_t deadline = monotonic_ns() + timeout * 1000000ull;
    long poll = 50000;
    for (;;) {
        int status = 0;
        const long r = wait4(-1, &status, WNOHANG);
        if (r == pid) {
            if (wifexited(status) && wexitstatus(status) == 0) return "";
            if (wifexited(status) && wexitstatus(status) == 1) return "checks failed";
            snprintf(why, why_size, "test process %s", describe_status(status));
            return why;
        }
        if (r > 0) continue;   // an orphan re-parented to us (we are pid 1): collected, keep waiting
        if (r < 0) {
            snprintf(why, why_size, "wait4 failed: %ld", r);
            return why;
        }
        if (monotonic_ns() >= deadline) {
            kill(static_cast<int>(pid), SIGKILL);
            wait4(static_cast<int>(pid), &status, 0);
            snprintf(why, why_size, "timed out after %u ms", timeout);
            return why;
        }
        sleep_ns(poll);
        poll = next_poll_ns(poll);
    }
}

}  // namespace
}  // namespace user::utest

int main(int argc, char** argv, char**) {
    using namespace user;
    using namespace user::utest;
    const char* suite = argc > 0 ? basename(argv[0]) : "utest";
    const char* inline_env = getenv("UTEST_INLINE");
    const bool run_inline = has_flag(argc, argv, "--inline") || (inline_env && str_eq(inline_env, "1"));
    // GCC emits a file's static objects in reverse order; put the cases back in source order.
    constexpr int kMaxCases = 256;
    static const Case* cases[kMaxCases];
    int count = 0;
    for (const Case* c = __start_utest_cases; c < __stop_utest_cases && count < kMaxCases; ++c) {
        int i = count++;
        for (; i > 0 && cases[i - 1]->line > c->line; --i) cases[i] = cases[i - 1];
        cases[i] = c;
    }
    if (has_flag(argc, argv, "--list")) {
        for (int i = 0; i < count; ++i) printf("  %s.%s\n", suite, cases[i]->name);
        return 0;
    }
    unsigned passed = 0, failed = 0;
    char why[160];
    for (int i = 0; i < count; ++i) {
        const Case* c = cases[i];
        if (!selected(*c, argc, argv)) continue;
        const char* result;
        if (run_inline) {
            s_failed = false;
            c->fn();
            result = s_failed ? "checks failed" : "";
        } else {
            result = run_forked(*c, why, sizeof why);
        }
        if (*result) {
            printf("[ FAIL ] %s.%s: %s\n", suite, c->name, result);
            ++failed;
        } else {
            printf("[ PASS ] %s.%s\n", suite, c->name);
            ++passed;
        }
    }
    if (passed + failed == 0) printf("no test matched\n");
    printf("%u passed, %u failed\n", passed, failed);
    return (failed == 0 && passed > 0) ? 0 : 1;
}
