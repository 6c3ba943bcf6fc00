// The load average's arithmetic against Linux's: values it gives for known sequences, catch-up
// after missed samples, and /proc/loadavg's rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sched/loadavg.h"

namespace {

using sched::kFixed1;

std::string fmt(std::uint64_t avg) {
    char b[32];
    return std::string(b, sched::format_load(avg, b, sizeof b));
}

double as_double(std::uint64_t avg) { return static_cast<double>(avg) / kFixed1; }

TEST(LoadAvgTest, FirstSampleMatchesLinux) {
    // Linux: calc_load(0, EXP_1, FIXED_1) = (2048 * 164 + 2047) / 2048 = 164 (0.08).
    EXPECT_EQ(sched::calc_load(0, sched::kExp[0], kFixed1), 164u);
    EXPECT_EQ(sched::calc_load(0, sched::kExp[1], kFixed1), 34u);
    EXPECT_EQ(sched::calc_load(0, sched::kExp[2], kFixed1), 11u);
    EXPECT_EQ(sched::calc_load(0, sched::kExp[0], 0), 0u);   // idle stays at 0
}

TEST(LoadAvgTest, ConvergesExponentiallyToTheActiveCount) {
    sched::LoadAverage la;
    std::uint64_t t = 0;
    for (int i = 0; i < 12; ++i) {   // one minute of one runnable task
        t += sched::kLoadPeriodNs;
        la.tick(t, [] { return 1u; });
    }
    EXPECT_NEAR(as_double(la.avg(0)), 1 - std::exp(-1.0), 0.02);
    EXPECT_NEAR(as_double(la.avg(1)), 1 - std::exp(-1.0 / 5), 0.02);
    EXPECT_NEAR(as_double(la.avg(2)), 1 - std::exp(-1.0 / 15), 0.02);
    for (int i = 0; i < 2000; ++i) {
        t += sched::kLoadPeriodNs;
        la.tick(t, [] { return 3u; });
    }
    EXPECT_EQ(fmt(la.avg(0)), "3.00");
    EXPECT_EQ(fmt(la.avg(2)), "3.00");
    for (int i = 0; i < 2000; ++i) {
        t += sched::kLoadPeriodNs;
        la.tick(t, [] { return 0u; });
    }
    EXPECT_EQ(fmt(la.avg(0)), "0.00");
}

TEST(LoadAvgTest, SamplesOnlyAtFiveSecondBoundaries) {
    sched::LoadAverage la;
    int calls = 0;
    auto count = [&] { ++calls; return 2u; };
    for (std::uint64_t ms = 0; ms < 4999; ms += 10) la.tick(ms * 1'000'000, count);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(la.avg(0), 0u);
    la.tick(5'000'000'000ull, count);
    EXPECT_EQ(calls, 1);
    la.tick(5'010'000'000ull, count);   // the next boundary is 10 s
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(la.avg(0), sched::calc_load(0, sched::kExp[0], 2 * kFixed1));
}

TEST(LoadAvgTest, ALateTickCatchesUpEveryMissedPeriod) {
    sched::LoadAverage stepwise, late;
    std::uint64_t t = 0;
    for (int i = 0; i < 7; ++i) {
        t += sched::kLoadPeriodNs;
        stepwise.tick(t, [] { return 4u; });
    }
    late.tick(t + 1000, [] { return 4u; });   // one tick, 7 periods late
    for (int i = 0; i < 3; ++i)   // fixed_power rounds differently from 7 steps: a few units at most
        EXPECT_NEAR(static_cast<double>(late.avg(i)), static_cast<double>(stepwise.avg(i)), 8.0) << i;
    // Both now wait for the same next boundary.
    int calls = 0;
    late.tick(t + sched::kLoadPeriodNs - 1, [&] { ++calls; return 0u; });
    EXPECT_EQ(calls, 0);
}

TEST(LoadAvgTest, FixedPowerMatchesRepeatedMultiplication) {
    EXPECT_EQ(sched::fixed_power(sched::kExp[0], 11, 0), kFixed1);
    EXPECT_EQ(sched::fixed_power(sched::kExp[0], 11, 1), sched::kExp[0]);
    const double exact = std::pow(1884.0 / 2048.0, 10) * 2048.0;
    EXPECT_NEAR(static_cast<double>(sched::fixed_power(sched::kExp[0], 11, 10)), exact, 2.0);
}

TEST(LoadAvgTest, FormatsAsProcLoadavg) {
    EXPECT_EQ(fmt(0), "0.00");
    EXPECT_EQ(fmt(kFixed1), "1.00");
    EXPECT_EQ(fmt(kFixed1 * 3 / 2), "1.50");
    EXPECT_EQ(fmt(kFixed1 - 1), "1.00");   // rounds to the nearest hundredth, as Linux
    EXPECT_EQ(fmt(164), "0.08");
    EXPECT_EQ(fmt(kFixed1 * 123 + kFixed1 / 4), "123.25");
    char small[3];
    EXPECT_EQ(sched::format_load(kFixed1, small, sizeof small), 3u);
    EXPECT_EQ(sched::sysinfo_load(kFixed1), 65536u);
}

}  // namespace
