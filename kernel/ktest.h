// In-kernel tests. KTEST(suite, name) registers a test in the .ktests linker section; test=SUITE runs
// them, one line each, then "N passed, N failed". KTEST_PANIC registers a test that must panic: it
// only runs when named explicitly (test=suite.name), alone in its own boot, and passes by panicking.
#pragma once

#include <cstdint>

namespace kernel::ktest {

class Context {
public:
    // Records a failure (first message kept); returns cond so callers can bail out.
    bool check(bool cond, const char* expr, const char* file, int line);
    bool check_eq(std::uint64_t a, std::uint64_t b, const char* ea, const char* eb, const char* file, int line);
    bool failed() const { return m_failed; }

private:
    bool m_failed = false;
};

struct Case {
    const char* suite;
    const char* name;
    void (*fn)(Context&);
    bool expect_panic;
};

// Runs the selection ("all", "suite", "suite.name", comma separated); returns the number failed
// (a run with zero tests counts as a failure).
unsigned run(const char* selection, std::uint64_t len);
void list();

// How long a test waits for an event before it fails instead of hanging. Only a hang guard, never a
// measure: outside -icount virtual time follows the host, and a loaded host may stall a QEMU vCPU
// for seconds while the guest's clock runs on, so a wait of "5 s" can end before the guest ran 5 ms.
inline constexpr std::uint64_t kHangGuardNs = 30'000'000'000ull;

}  // namespace kernel::ktest

#define KTEST_IMPL(suite, name, panics)                                                      \
    static void ktest_fn_##suite##_##name(::kernel::ktest::Context& kt);                     \
    [[gnu::used, gnu::section(".ktests." #suite)]] static const ::kernel::ktest::Case        \
        ktest_case_##suite##_##name = {#suite, #name, ktest_fn_##suite##_##name, panics};    \
    static void ktest_fn_##suite##_##name([[maybe_unused]] ::kernel::ktest::Context& kt)

#define KTEST(suite, name) KTEST_IMPL(suite, name, false)
#define KTEST_PANIC(suite, name) KTEST_IMPL(suite, name, true)

#define KT_EXPECT(cond) kt.check((cond), #cond, __FILE__, __LINE__)
#define KT_ASSERT(cond) \
    do { if (!kt.check((cond), #cond, __FILE__, __LINE__)) return; } while (0)
#define KT_EXPECT_EQ(a, b) kt.check_eq((a), (b), #a, #b, __FILE__, __LINE__)
#define KT_ASSERT_EQ(a, b) \
    do { if (!kt.check_eq((a), (b), #a, #b, __FILE__, __LINE__)) return; } while (0)
