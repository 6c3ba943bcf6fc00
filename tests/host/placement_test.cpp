// Host tests for sched placement and migration: select_cpu and pull_sources on hand-written cases and
// against a brute-force reference over random snapshots, and RunQueue::steal (affinity, which entity
// goes first, size and bitmap kept). Budget: well under 100 ms with sanitizers.
#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "host/support.h"
#include "sched/placement.h"
#include "sched/run_queue.h"
#include "sched/sched_entity.h"

namespace {

using sched::cpu_bit;
using sched::CpuLoads;
using sched::CpuMask;
using sched::kAllCpus;
using sched::kMaxCpus;
using sched::kNoCpu;
using sched::PolicyKind;
using sched::pull_sources;
using sched::RunQueue;
using sched::SchedEntity;
using sched::select_cpu;

CpuLoads loads_of(CpuMask online, std::vector<unsigned> load) {
    CpuLoads l;
    l.online = online;
    for (unsigned c = 0; c < load.size() && c < kMaxCpus; ++c) l.load[c] = load[c];
    return l;
}

CpuMask mask_of(std::initializer_list<unsigned> cpus) {
    CpuMask m = 0;
    for (unsigned c : cpus) m |= cpu_bit(c);
    return m;
}

std::vector<unsigned> sources(const CpuLoads& l, unsigned self) {
    unsigned out[kMaxCpus];
    const unsigned n = pull_sources(l, self, out);
    EXPECT_LE(n, kMaxCpus);
    return {out, out + n};
}

// --- select_cpu ----------------------------------------------------------------------------------

TEST(SelectCpuTest, PicksLowestNumberedOfTheLeastLoaded) {
    const CpuLoads l = loads_of(mask_of({0, 1, 2, 3}), {3, 1, 2, 1});
    EXPECT_EQ(select_cpu(l, kAllCpus, kNoCpu), 1u);
    EXPECT_EQ(select_cpu(l, mask_of({0, 2, 3}), kNoCpu), 3u);
    EXPECT_EQ(select_cpu(l, mask_of({0, 2}), kNoCpu), 2u);
    EXPECT_EQ(select_cpu(l, mask_of({0}), kNoCpu), 0u);  // the only allowed CPU, however loaded
}

TEST(SelectCpuTest, LastCpuWinsOnlyATie) {
    const CpuLoads l = loads_of(mask_of({0, 1, 2, 3}), {3, 1, 2, 1});
    EXPECT_EQ(select_cpu(l, kAllCpus, 3), 3u);  // tied with CPU 1: the warm cache wins
    EXPECT_EQ(select_cpu(l, kAllCpus, 1), 1u);
    EXPECT_EQ(select_cpu(l, kAllCpus, 2), 1u);  // one more task than the least loaded: it loses
    EXPECT_EQ(select_cpu(l, kAllCpus, 0), 1u);
}

TEST(SelectCpuTest, LastCpuWinsOnlyWhenAllowedAndOnline) {
    // CPU 3 has the least load of all, but the task may not run there.
    const CpuLoads l = loads_of(mask_of({0, 1, 2, 3}), {2, 1, 2, 0});
    EXPECT_EQ(select_cpu(l, mask_of({0, 1, 2}), 3), 1u);
    // CPU 3 went offline (its stale load says 0): never chosen, even as the task's last CPU.
    const CpuLoads off = loads_of(mask_of({0, 1, 2}), {2, 1, 2, 0});
    EXPECT_EQ(select_cpu(off, kAllCpus, 3), 1u);
    EXPECT_EQ(select_cpu(off, mask_of({2, 3}), 3), 2u);
}

TEST(SelectCpuTest, OfflineCpusAreNeverChosen) {
    const CpuLoads l = loads_of(mask_of({1, 2}), {0, 5, 4, 0, 0, 0, 0, 0});
    EXPECT_EQ(select_cpu(l, kAllCpus, kNoCpu), 2u);
    EXPECT_EQ(select_cpu(l, mask_of({0, 1, 3}), kNoCpu), 1u);
    // Bits past kMaxCpus in either mask name no CPU.
    const CpuLoads high = loads_of(~CpuMask{0} & ~kAllCpus, {});
    EXPECT_EQ(select_cpu(high, ~CpuMask{0}, kNoCpu), kNoCpu);
}

TEST(SelectCpuTest, EmptyCandidateSetGivesNoCpu) {
    const CpuLoads l = loads_of(mask_of({0, 1}), {0, 0});
    EXPECT_EQ(select_cpu(l, 0, kNoCpu), kNoCpu);
    EXPECT_EQ(select_cpu(l, 0, 1), kNoCpu);
    EXPECT_EQ(select_cpu(l, mask_of({2, 5}), 2), kNoCpu);
    EXPECT_EQ(select_cpu(loads_of(0, {}), kAllCpus, 0), kNoCpu);
}

TEST(SelectCpuTest, LastOutOfRangeAsserts) {
    const CpuLoads l = loads_of(mask_of({0}), {0});
    EXPECT_THROW((void)select_cpu(l, kAllCpus, kMaxCpus), lib::AssertionFailure);
}

// The rule in its plainest form, to compare with on random snapshots.
unsigned reference_select(const CpuLoads& l, CpuMask allowed, unsigned last) {
    std::vector<unsigned> cand;
    for (unsigned c = 0; c < kMaxCpus; ++c)
        if ((allowed & l.online) & cpu_bit(c)) cand.push_back(c);
    if (cand.empty()) return kNoCpu;
    unsigned min = UINT_MAX;
    for (unsigned c : cand) min = std::min(min, l.load[c]);
    for (unsigned c : cand)
        if (c == last && l.load[c] == min) return c;
    for (unsigned c : cand)
        if (l.load[c] == min) return c;
    return kNoCpu;
}

std::vector<unsigned> reference_sources(const CpuLoads& l, unsigned self) {
    std::vector<unsigned> out;
    // Busiest first; within one load, ascending CPU numbers.
    for (unsigned load = 64; load-- > 0;)
        for (unsigned c = 0; c < kMaxCpus; ++c)
            if (c != self && (l.online & cpu_bit(c)) && l.load[c] == load && load >= l.load[self] + 2)
                out.push_back(c);
    return out;
}

TEST(PlacementTest, MatchesReferenceOnRandomSnapshots) {
    std::mt19937 rng(0x91ace);
    for (int i = 0; i < 20000; ++i) {
        CpuLoads l;
        l.online = static_cast<CpuMask>(rng() & kAllCpus);
        const unsigned spread = 1 + rng() % 6;  // small loads, so that ties are common
        for (unsigned& x : l.load) x = rng() % spread;
        const auto allowed = static_cast<CpuMask>(rng() & kAllCpus);
        const unsigned last = rng() % 3 == 0 ? kNoCpu : rng() % kMaxCpus;
        ASSERT_EQ(select_cpu(l, allowed, last), reference_select(l, allowed, last))
            << "case " << i << " online " << l.online << " allowed " << allowed << " last " << last;
        const unsigned self = rng() % kMaxCpus;
        ASSERT_EQ(sources(l, self), reference_sources(l, self)) << "case " << i << " self " << self;
    }
}

// --- pull_sources --------------------------------------------------------------------------------

TEST(PullSourcesTest, GapOfOneIsBalanced) {
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {1, 2}), 0).empty());
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {0, 1}), 0).empty());
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {3, 3}), 0).empty());
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {1, 3}), 1).empty());  // self is the busy one
    EXPECT_EQ(sources(loads_of(mask_of({0, 1}), {1, 3}), 0), std::vector<unsigned>{1});
    EXPECT_EQ(sources(loads_of(mask_of({0, 1}), {0, 2}), 0), std::vector<unsigned>{1});
}

TEST(PullSourcesTest, BusiestFirstTiesLowestNumberFirst) {
    const CpuLoads l = loads_of(kAllCpus, {0, 3, 5, 3, 1, 5, 2, 0});
    EXPECT_EQ(sources(l, 0), (std::vector<unsigned>{2, 5, 1, 3, 6}));
    EXPECT_EQ(sources(l, 7), (std::vector<unsigned>{2, 5, 1, 3, 6}));
    EXPECT_EQ(sources(l, 4), (std::vector<unsigned>{2, 5, 1, 3}));
    EXPECT_EQ(sources(l, 1), (std::vector<unsigned>{2, 5}));
    EXPECT_TRUE(sources(l, 2).empty());
}

TEST(PullSourcesTest, SkipsSelfAndOfflineCpus) {
    const CpuLoads l = loads_of(mask_of({0, 1, 3}), {0, 4, 9, 2});
    EXPECT_EQ(sources(l, 0), (std::vector<unsigned>{1, 3}));  // CPU 2 is offline
    EXPECT_TRUE(sources(loads_of(mask_of({0}), {0, 9}), 0).empty());
}

TEST(PullSourcesTest, HugeLoadsDoNotWrap) {
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {UINT_MAX - 1, UINT_MAX}), 0).empty());
    EXPECT_TRUE(sources(loads_of(mask_of({0, 1}), {UINT_MAX, UINT_MAX}), 0).empty());
    EXPECT_EQ(sources(loads_of(mask_of({0, 1}), {UINT_MAX - 2, UINT_MAX}), 0), std::vector<unsigned>{1});
    EXPECT_EQ(sources(loads_of(mask_of({0, 1}), {0, UINT_MAX}), 0), std::vector<unsigned>{1});
}

TEST(PullSourcesTest, SelfOutOfRangeAsserts) {
    unsigned out[kMaxCpus];
    EXPECT_THROW((void)pull_sources(loads_of(kAllCpus, {}), kMaxCpus, out), lib::AssertionFailure);
}

// --- RunQueue::steal -----------------------------------------------------------------------------

SchedEntity rr(CpuMask affinity = kAllCpus) {
    SchedEntity e;
    e.affinity = affinity;
    return e;
}

SchedEntity fp(std::uint8_t priority, CpuMask affinity = kAllCpus) {
    SchedEntity e = rr(affinity);
    e.policy = PolicyKind::FixedPriority;
    e.priority = priority;
    return e;
}

TEST(RunQueueStealTest, RoundRobinFromTheTail) {
    RunQueue rq;
    std::array<SchedEntity, 3> e{};
    for (auto& x : e) rq.enqueue(x);
    EXPECT_EQ(rq.steal(1), &e[2]);
    EXPECT_FALSE(e[2].queued);
    EXPECT_EQ(rq.size(), 2u);
    EXPECT_EQ(rq.steal(1), &e[1]);
    EXPECT_EQ(rq.steal(1), &e[0]);
    EXPECT_EQ(rq.size(), 0u);
    EXPECT_EQ(rq.steal(1), nullptr);
    EXPECT_EQ(rq.pick_next(), nullptr);
}

TEST(RunQueueStealTest, AffinityIsRespected) {
    RunQueue rq;
    SchedEntity a = rr(), b = rr(mask_of({0})), c = rr(mask_of({0, 2}));
    rq.enqueue(a);
    rq.enqueue(b);
    rq.enqueue(c);
    EXPECT_EQ(rq.steal(1), &a);  // c and b, nearer the tail, may not run on CPU 1
    EXPECT_EQ(rq.steal(1), nullptr);
    EXPECT_EQ(rq.size(), 2u);
    EXPECT_TRUE(b.queued);
    EXPECT_TRUE(c.queued);
    EXPECT_EQ(rq.steal(2), &c);
    EXPECT_EQ(rq.steal(2), nullptr);
    // What was left behind still runs in order.
    EXPECT_EQ(rq.pick_next(), &b);
    EXPECT_EQ(rq.pick_next(), nullptr);
    EXPECT_EQ(rq.size(), 0u);
}

TEST(RunQueueStealTest, FixedPriorityLowestLevelFirstEachFromItsTail) {
    RunQueue rq;
    SchedEntity x = fp(5), y = fp(5), z = fp(2), w = fp(2), v = fp(9);
    for (SchedEntity* e : {&x, &v, &z, &y, &w}) rq.enqueue(*e);
    EXPECT_EQ(rq.steal(3), &w);
    EXPECT_EQ(rq.steal(3), &z);
    EXPECT_EQ(rq.fixed_priority().level_bitmap(), (1u << 5) | (1u << 9));  // level 2 emptied
    EXPECT_EQ(rq.steal(3), &y);
    EXPECT_EQ(rq.fixed_priority().size(), 2u);
    EXPECT_EQ(rq.size(), 2u);
    EXPECT_EQ(rq.pick_next(), &v);
    EXPECT_EQ(rq.pick_next(), &x);
    EXPECT_EQ(rq.fixed_priority().level_bitmap(), 0u);
}

TEST(RunQueueStealTest, RoundRobinGoesBeforeFixedPriorityAndAffinitySkipsLevels) {
    RunQueue rq;
    SchedEntity r = rr(mask_of({0})), r2 = rr(), p0 = fp(0, mask_of({0})), p4 = fp(4);
    for (SchedEntity* e : {&p4, &r2, &p0, &r}) rq.enqueue(*e);
    EXPECT_EQ(rq.steal(1), &r2);  // round robin first, past r (pinned to CPU 0)
    EXPECT_EQ(rq.steal(1), &p4);  // then level 0 has only p0 (pinned): level 4
    EXPECT_EQ(rq.fixed_priority().level_bitmap(), 1u << 0);
    EXPECT_EQ(rq.steal(1), nullptr);
    EXPECT_EQ(rq.size(), 2u);
    EXPECT_EQ(rq.round_robin().size(), 1u);
    EXPECT_EQ(rq.steal(0), &r);
    EXPECT_EQ(rq.steal(0), &p0);
    EXPECT_EQ(rq.size(), 0u);
    EXPECT_EQ(rq.fixed_priority().level_bitmap(), 0u);
}

TEST(RunQueueStealTest, StolenEntityEnqueuesElsewhereWithItsSlice) {
    RunQueue from(5, 5), to(5, 5);
    SchedEntity a = rr();
    a.quantum_left = 2;  // preempted mid-slice: keeps what it had left wherever it goes
    from.enqueue(a);
    SchedEntity* e = from.steal(1);
    ASSERT_EQ(e, &a);
    to.enqueue(*e);
    EXPECT_EQ(a.quantum_left, 2u);
    EXPECT_EQ(to.pick_next(), &a);
    EXPECT_EQ(from.size(), 0u);
}

TEST(RunQueueStealTest, DestOutOfRangeAsserts) {
    RunQueue rq;
    SchedEntity a = rr();
    rq.enqueue(a);
    EXPECT_THROW((void)rq.steal(kMaxCpus), lib::AssertionFailure);
    EXPECT_EQ(rq.size(), 1u);
}

}  // namespace
