// The in-kernel test runner.
#include "kernel/ktest.h"

#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "lib/string.h"
#include "sched/scheduler.h"

extern "C" const kernel::ktest::Case __ktests_start[], __ktests_end[];

namespace kernel::ktest {

bool Context::check(bool cond, const char* expr, const char* file, int line) {
    if (!cond) {
        kprintf("    check failed: %s (%s:%d)\n", expr, file, line);
        m_failed = true;
    }
    return cond;
}

bool Context::check_eq(std::uint64_t a, std::uint64_t b, const char* ea, const char* eb, const char* file,
                       int line) {
    if (a != b) {
        kprintf("    check failed: %s == %s: 0x%llx != 0x%llx (%s:%d)\n", ea, eb,
                static_cast<unsigned long long>(a), static_cast<unsigned long long>(b), file, line);
        m_failed = true;
    }
    return a == b;
}

namespace {
bool selected(const Case& c, StrView item) {
    const std::size_t sl = lib::string_length(c.suite);
    if (item.equals("all")) return !c.expect_panic;
    if (item.len == sl && lib::compare_bytes(item.ptr, c.suite, sl) == 0) return !c.expect_panic;
    // suite.name: an exact test, the only way to run an expected-panic test
    const std::size_t nl = lib::string_length(c.name);
    return item.len == sl + 1 + nl && lib::compare_bytes(item.ptr, c.suite, sl) == 0 && item.ptr[sl] == '.' &&
           lib::compare_bytes(item.ptr + sl + 1, c.name, nl) == 0;
}
}  // namespace

unsigned run(const char* selection, std::uint64_t len) {
    StrView sel{selection, static_cast<std::size_t>(len)};
    unsigned passed = 0, failed = 0;
    for (const Case* c = __ktests_start; c < __ktests_end; ++c) {
        bool want = false;
        std::size_t pos = 0;
        StrView item;
        while (next_list_item(sel, pos, item)) want = want || selected(*c, item);
        if (!want) continue;
        if (c->expect_panic) kprintf("[ RUN  ] %s.%s (expects a panic)\n", c->suite, c->name);
        // The suites written for one CPU (their tasks' order, fairness and counts) run on CPU 0, where
        // the kernel tasks they spawn inherit it; the smp suite spreads over every CPU. User
        // processes they start run anywhere, as processes do.
        const bool spread = lib::compare_bytes(c->suite, "smp", 4) == 0;
        (void)sched::set_affinity(sched::current()->id, spread ? sched::online_cpus() : sched::cpu_bit(0));
        Context ctx;
        c->fn(ctx);
        if (c->expect_panic) {
            kprintf("[ FAIL ] %s.%s: returned without the expected panic\n", c->suite, c->name);
            ++failed;
            continue;
        }
        kprintf("[ %s ] %s.%s\n", ctx.failed() ? "FAIL" : "PASS", c->suite, c->name);
        (ctx.failed() ? failed : passed)++;
    }
    if (passed + failed == 0) kprintf("no test matched \"%.*s\"\n", static_cast<int>(len), selection);
    kprintf("%u passed, %u failed\n", passed, failed);
    return (passed + failed == 0) ? 1 : failed;
}

void list() {
    for (const Case* c = __ktests_start; c < __ktests_end; ++c)
        kprintf("  %s.%s%s\n", c->suite, c->name, c->expect_panic ? " (expects panic)" : "");
}

}  // namespace kernel::ktest
