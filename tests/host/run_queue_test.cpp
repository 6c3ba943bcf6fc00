// Host tests for sched::RoundRobin, sched::FixedPriority and sched::RunQueue: rotation after the
// quantum, level order, preemption rules, every KASSERT precondition, and a seeded randomised run of
// the kernel's scheduling loop against a reference model (a std::deque per level), then steal (for
// migration) against the same model.
// Budget: well under 1 s with sanitizers.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "host/support.h"
#include "sched/priority_policy.h"
#include "sched/round_robin.h"
#include "sched/run_queue.h"
#include "sched/sched_entity.h"

namespace {

using sched::FixedPriority;
using sched::kMaxPriority;
using sched::kPriorityLevels;
using sched::PolicyKind;
using sched::RoundRobin;
using sched::RunQueue;
using sched::SchedEntity;

SchedEntity rr_entity() { return SchedEntity{}; }

SchedEntity fp_entity(std::uint8_t priority) {
    SchedEntity e;
    e.policy = PolicyKind::FixedPriority;
    e.priority = priority;
    return e;
}

// The kernel's timer-tick path: account a tick; on expiry requeue the runner and switch if anything
// else is ready. Returns the entity running afterwards.
template <typename Queue>
SchedEntity* tick_and_maybe_switch(Queue& q, SchedEntity* running) {
    if (q.tick(*running) && q.size() > 0) {
        q.enqueue(*running);
        return q.pick_next();
    }
    return running;
}

// --- RoundRobin ---------------------------------------------------------------------------------

TEST(RoundRobinTest, PicksInFifoOrderAndEmptiesToNull) {
    RoundRobin rr;
    std::array<SchedEntity, 3> e{};
    for (auto& x : e) rr.enqueue(x);
    EXPECT_EQ(rr.size(), 3u);
    for (auto& x : e) {
        SchedEntity* got = rr.pick_next();
        EXPECT_EQ(got, &x);
        EXPECT_FALSE(got->queued);
    }
    EXPECT_EQ(rr.pick_next(), nullptr);
    EXPECT_EQ(rr.size(), 0u);
}

TEST(RoundRobinTest, RotatesAfterQuantumExpires) {
    constexpr std::uint32_t kQuantum = 3;
    RoundRobin rr(kQuantum);
    std::array<SchedEntity, 3> e{};
    for (auto& x : e) rr.enqueue(x);
    SchedEntity* running = rr.pick_next();
    ASSERT_EQ(running, &e[0]);
    // Each entity runs exactly kQuantum ticks, then the next one in FIFO order takes over.
    std::vector<SchedEntity*> trace;
    for (int t = 0; t < 3 * 3 * static_cast<int>(kQuantum); ++t) {
        trace.push_back(running);
        running = tick_and_maybe_switch(rr, running);
    }
    for (std::size_t t = 0; t < trace.size(); ++t)
        EXPECT_EQ(trace[t], &e[(t / kQuantum) % 3]) << "tick " << t;
}

TEST(RoundRobinTest, TickReportsExpiryExactlyAtQuantumAndRestartsSliceIfKept) {
    RoundRobin rr(2);
    SchedEntity e = rr_entity();
    rr.enqueue(e);
    EXPECT_EQ(e.quantum_left, 2u);
    ASSERT_EQ(rr.pick_next(), &e);
    EXPECT_FALSE(rr.tick(e));
    EXPECT_TRUE(rr.tick(e));
    EXPECT_EQ(e.quantum_left, 0u);
    // Nothing else was ready, so the kernel kept it running: a fresh slice, no underflow.
    EXPECT_FALSE(rr.tick(e));
    EXPECT_EQ(e.quantum_left, 1u);
    EXPECT_TRUE(rr.tick(e));
}

TEST(RoundRobinTest, EnqueueRefillsOnlyASpentQuantum) {
    RoundRobin rr(5);
    SchedEntity e = rr_entity();
    e.quantum_left = 2;  // preempted mid-slice: keeps what it had left
    rr.enqueue(e);
    EXPECT_EQ(e.quantum_left, 2u);
    ASSERT_EQ(rr.pick_next(), &e);
    e.quantum_left = 0;
    rr.enqueue(e);
    EXPECT_EQ(e.quantum_left, 5u);
}

TEST(RoundRobinTest, DequeueRemovesFromTheMiddleKeepingOrder) {
    RoundRobin rr;
    std::array<SchedEntity, 4> e{};
    for (auto& x : e) rr.enqueue(x);
    rr.dequeue(e[1]);
    EXPECT_FALSE(e[1].queued);
    EXPECT_EQ(rr.size(), 3u);
    EXPECT_EQ(rr.pick_next(), &e[0]);
    EXPECT_EQ(rr.pick_next(), &e[2]);
    EXPECT_EQ(rr.pick_next(), &e[3]);
    EXPECT_EQ(rr.pick_next(), nullptr);
}

TEST(RoundRobinTest, WokenEntityNeverPreempts) {
    RoundRobin rr;
    SchedEntity a = rr_entity(), b = rr_entity();
    EXPECT_FALSE(rr.should_preempt(a, b));
    EXPECT_STREQ(rr.name(), "round-robin");
}

TEST(RoundRobinTest, PreconditionsAssert) {
    EXPECT_THROW(RoundRobin(0), lib::AssertionFailure);
    RoundRobin rr;
    SchedEntity e = rr_entity();
    EXPECT_THROW(rr.dequeue(e), lib::AssertionFailure);  // not queued
    rr.enqueue(e);
    EXPECT_THROW(rr.enqueue(e), lib::AssertionFailure);  // already queued
    EXPECT_THROW(rr.tick(e), lib::AssertionFailure);     // the running entity is never queued
    EXPECT_EQ(rr.size(), 1u);                            // the failed calls changed nothing
    SchedEntity fp = fp_entity(3);
    EXPECT_THROW(rr.enqueue(fp), lib::AssertionFailure);  // wrong policy
    EXPECT_THROW(rr.tick(fp), lib::AssertionFailure);
    EXPECT_THROW((void)rr.should_preempt(e, fp), lib::AssertionFailure);
    fp.queued = true;
    EXPECT_THROW(rr.dequeue(fp), lib::AssertionFailure);
    EXPECT_EQ(rr.pick_next(), &e);
}

// --- FixedPriority ------------------------------------------------------------------------------

TEST(FixedPriorityTest, PicksHighestNonEmptyLevelFirst) {
    FixedPriority fp;
    SchedEntity low = fp_entity(0), mid = fp_entity(7), high = fp_entity(kMaxPriority), mid2 = fp_entity(7);
    fp.enqueue(mid);
    fp.enqueue(low);
    fp.enqueue(high);
    fp.enqueue(mid2);
    EXPECT_EQ(fp.size(), 4u);
    EXPECT_EQ(fp.pick_next(), &high);
    EXPECT_EQ(fp.pick_next(), &mid);
    EXPECT_EQ(fp.pick_next(), &mid2);
    EXPECT_EQ(fp.pick_next(), &low);
    EXPECT_EQ(fp.pick_next(), nullptr);
    EXPECT_EQ(fp.level_bitmap(), 0u);
}

TEST(FixedPriorityTest, RotatesWithinALevelWhileLowerLevelsStarve) {
    constexpr std::uint32_t kQuantum = 2;
    FixedPriority fp(kQuantum);
    std::array<SchedEntity, 3> top = {fp_entity(9), fp_entity(9), fp_entity(9)};
    SchedEntity low = fp_entity(8);
    fp.enqueue(low);
    for (auto& x : top) fp.enqueue(x);
    SchedEntity* running = fp.pick_next();
    std::vector<SchedEntity*> trace;
    for (int t = 0; t < 4 * 3 * static_cast<int>(kQuantum); ++t) {
        trace.push_back(running);
        running = tick_and_maybe_switch(fp, running);
    }
    for (std::size_t t = 0; t < trace.size(); ++t)
        EXPECT_EQ(trace[t], &top[(t / kQuantum) % 3]) << "tick " << t;
    EXPECT_TRUE(low.queued);
}

TEST(FixedPriorityTest, BitmapTracksExactlyTheNonEmptyLevels) {
    FixedPriority fp;
    SchedEntity a = fp_entity(0), b = fp_entity(31), c = fp_entity(31), d = fp_entity(13);
    fp.enqueue(a);
    fp.enqueue(b);
    fp.enqueue(c);
    fp.enqueue(d);
    EXPECT_EQ(fp.level_bitmap(), (1u << 0) | (1u << 13) | (1u << 31));
    fp.dequeue(b);
    EXPECT_EQ(fp.level_bitmap(), (1u << 0) | (1u << 13) | (1u << 31));  // c is still on 31
    fp.dequeue(c);
    EXPECT_EQ(fp.level_bitmap(), (1u << 0) | (1u << 13));
    EXPECT_EQ(fp.pick_next(), &d);
    EXPECT_EQ(fp.level_bitmap(), 1u << 0);
    EXPECT_EQ(fp.level_size(0), 1u);
    EXPECT_EQ(fp.level_size(13), 0u);
}

// O(1) pick_next: it reads only the bitmap and the head of one level (there is no loop in it), so
// the test checks what that relies on, at scale: with 1,000 entities over all 32 levels, the bitmap
// is exactly the set of non-empty levels after every pick, and each pick returns the head of the
// highest one. A stale bit or a missed clear would send pick_next to an empty level or a lower one.
TEST(FixedPriorityTest, PickNextWithThousandQueuedUsesBitmapHead) {
    constexpr std::size_t kCount = 1000;
    FixedPriority fp;
    std::vector<SchedEntity> e(kCount);
    std::array<std::deque<SchedEntity*>, kPriorityLevels> model;
    std::mt19937 rng(1234);
    for (auto& x : e) {
        x = fp_entity(static_cast<std::uint8_t>(rng() % kPriorityLevels));
        fp.enqueue(x);
        model[x.priority].push_back(&x);
    }
    for (std::size_t i = 0; i < kCount; ++i) {
        std::uint32_t want_bitmap = 0;
        int top = -1;
        for (std::size_t p = 0; p < kPriorityLevels; ++p) {
            if (!model[p].empty()) {
                want_bitmap |= 1u << p;
                top = static_cast<int>(p);
            }
        }
        ASSERT_EQ(fp.level_bitmap(), want_bitmap) << "pick " << i;
        ASSERT_GE(top, 0);
        ASSERT_EQ(fp.pick_next(), model[top].front()) << "pick " << i;
        model[top].pop_front();
    }
    EXPECT_EQ(fp.level_bitmap(), 0u);
    EXPECT_EQ(fp.pick_next(), nullptr);
}

TEST(FixedPriorityTest, OnlyStrictlyHigherPriorityPreempts) {
    FixedPriority fp;
    SchedEntity run = fp_entity(10);
    SchedEntity higher = fp_entity(11), equal = fp_entity(10), lower = fp_entity(9);
    EXPECT_TRUE(fp.should_preempt(run, higher));
    EXPECT_FALSE(fp.should_preempt(run, equal));
    EXPECT_FALSE(fp.should_preempt(run, lower));
    EXPECT_STREQ(fp.name(), "fixed-priority");
}

TEST(FixedPriorityTest, PreconditionsAssert) {
    EXPECT_THROW(FixedPriority(0), lib::AssertionFailure);
    FixedPriority fp;
    SchedEntity out_of_range = fp_entity(kMaxPriority + 1);
    EXPECT_THROW(fp.enqueue(out_of_range), lib::AssertionFailure);
    EXPECT_THROW(fp.tick(out_of_range), lib::AssertionFailure);
    EXPECT_THROW((void)fp.level_size(kMaxPriority + 1), lib::AssertionFailure);
    SchedEntity ok = fp_entity(4);
    EXPECT_THROW((void)fp.should_preempt(ok, out_of_range), lib::AssertionFailure);
    EXPECT_THROW((void)fp.should_preempt(out_of_range, ok), lib::AssertionFailure);
    EXPECT_THROW(fp.dequeue(ok), lib::AssertionFailure);  // not queued
    fp.enqueue(ok);
    EXPECT_THROW(fp.enqueue(ok), lib::AssertionFailure);  // already queued
    EXPECT_THROW(fp.tick(ok), lib::AssertionFailure);     // running entities are not queued
    ok.priority = 5;                                      // changed while queued: level 5 is empty
    EXPECT_THROW(fp.dequeue(ok), lib::AssertionFailure);
    ok.priority = 4;
    SchedEntity rr = rr_entity();
    EXPECT_THROW(fp.enqueue(rr), lib::AssertionFailure);  // wrong policy
    EXPECT_THROW(fp.tick(rr), lib::AssertionFailure);
    EXPECT_THROW((void)fp.should_preempt(ok, rr), lib::AssertionFailure);
    EXPECT_EQ(fp.size(), 1u);
    EXPECT_EQ(fp.pick_next(), &ok);
}

// --- RunQueue -----------------------------------------------------------------------------------

TEST(RunQueueTest, PicksFixedPriorityBeforeRoundRobin) {
    RunQueue rq;
    SchedEntity r1 = rr_entity(), r2 = rr_entity();
    SchedEntity p0 = fp_entity(0), p5 = fp_entity(5);
    rq.enqueue(r1);
    rq.enqueue(p0);
    rq.enqueue(r2);
    rq.enqueue(p5);
    EXPECT_EQ(rq.size(), 4u);
    EXPECT_EQ(rq.pick_next(), &p5);
    EXPECT_EQ(rq.pick_next(), &p0);  // even priority 0 beats every round-robin entity
    EXPECT_EQ(rq.pick_next(), &r1);
    EXPECT_EQ(rq.pick_next(), &r2);
    EXPECT_EQ(rq.pick_next(), nullptr);  // the kernel runs idle
    EXPECT_EQ(rq.size(), 0u);
}

TEST(RunQueueTest, DequeueRoutesToTheEntitysPolicy) {
    RunQueue rq;
    SchedEntity r = rr_entity(), p = fp_entity(3);
    rq.enqueue(r);
    rq.enqueue(p);
    EXPECT_EQ(rq.round_robin().size(), 1u);
    EXPECT_EQ(rq.fixed_priority().size(), 1u);
    rq.dequeue(p);
    EXPECT_EQ(rq.fixed_priority().size(), 0u);
    EXPECT_EQ(rq.pick_next(), &r);
}

TEST(RunQueueTest, TickUsesTheRunningEntitysQuantum) {
    RunQueue rq(/*round_robin_quantum=*/4, /*fixed_priority_quantum=*/2);
    SchedEntity r = rr_entity(), p = fp_entity(1);
    rq.enqueue(r);
    rq.enqueue(p);
    EXPECT_EQ(r.quantum_left, 4u);
    EXPECT_EQ(p.quantum_left, 2u);
    ASSERT_EQ(rq.pick_next(), &p);
    EXPECT_FALSE(rq.tick(p));
    EXPECT_TRUE(rq.tick(p));
    ASSERT_EQ(rq.pick_next(), &r);
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(rq.tick(r));
    EXPECT_TRUE(rq.tick(r));
}

TEST(RunQueueTest, ShouldPreemptOnlyForFixedPriorityOverLowerOrRoundRobin) {
    RunQueue rq;
    SchedEntity r1 = rr_entity(), r2 = rr_entity();
    SchedEntity p0 = fp_entity(0), p7 = fp_entity(7), p7b = fp_entity(7), p31 = fp_entity(31);
    EXPECT_TRUE(rq.should_preempt(r1, p0));     // any fixed priority over round robin
    EXPECT_FALSE(rq.should_preempt(p0, r1));    // round robin never preempts fixed priority
    EXPECT_FALSE(rq.should_preempt(r1, r2));    // round robin waits for the slice
    EXPECT_TRUE(rq.should_preempt(p7, p31));    // strictly higher
    EXPECT_FALSE(rq.should_preempt(p7, p7b));   // equal waits
    EXPECT_FALSE(rq.should_preempt(p31, p7));   // lower waits
}

TEST(RunQueueTest, PreconditionsAssert) {
    RunQueue rq;
    SchedEntity r = rr_entity(), p = fp_entity(kMaxPriority + 1);
    EXPECT_THROW(rq.dequeue(r), lib::AssertionFailure);
    EXPECT_THROW(rq.enqueue(p), lib::AssertionFailure);
    rq.enqueue(r);
    EXPECT_THROW(rq.enqueue(r), lib::AssertionFailure);
    EXPECT_THROW(rq.tick(r), lib::AssertionFailure);
    SchedEntity bad = rr_entity();
    bad.policy = static_cast<PolicyKind>(7);
    EXPECT_THROW(rq.enqueue(bad), lib::AssertionFailure);
    EXPECT_THROW((void)rq.should_preempt(r, bad), lib::AssertionFailure);
    EXPECT_THROW(RunQueue(0, 1), lib::AssertionFailure);
    EXPECT_THROW(RunQueue(1, 0), lib::AssertionFailure);
    EXPECT_EQ(rq.size(), 1u);
}

// The reference model: a deque per fixed-priority level and one for round robin, plus each entity's
// slice. The run drives the queue the way the kernel does (wake, kill, tick with switch on expiry,
// block), checking every answer, every entity's state and the bitmap after each step.
class RunQueueModel {
public:
    RunQueueModel(std::uint32_t rr_quantum, std::uint32_t fp_quantum, std::size_t entities)
        : m_rr_q(rr_quantum), m_fp_q(fp_quantum), m_quantum(entities, 0), m_queued(entities, false) {}

    void enqueue(std::size_t i, const SchedEntity& e) {
        if (m_quantum[i] == 0) m_quantum[i] = quantum(e);
        level(e).push_back(i);
        m_queued[i] = true;
    }
    void dequeue(std::size_t i, const SchedEntity& e) {
        auto& l = level(e);
        for (auto it = l.begin(); it != l.end(); ++it) {
            if (*it == i) {
                l.erase(it);
                m_queued[i] = false;
                return;
            }
        }
        FAIL() << "model: entity " << i << " not queued";
    }
    // -1 = nothing ready
    long pick() {
        for (std::size_t p = kPriorityLevels; p-- > 0;) {
            if (!m_fp[p].empty()) return pop(m_fp[p]);
        }
        return m_rr.empty() ? -1 : pop(m_rr);
    }
    bool tick(std::size_t i, const SchedEntity& e) {
        if (m_quantum[i] == 0) m_quantum[i] = quantum(e);
        return --m_quantum[i] == 0;
    }
    static bool preempts(const SchedEntity& running, const SchedEntity& woken) {
        if (woken.policy != running.policy) return woken.policy == PolicyKind::FixedPriority;
        return woken.policy == PolicyKind::FixedPriority && woken.priority > running.priority;
    }
    std::size_t size() const {
        std::size_t n = m_rr.size();
        for (const auto& l : m_fp) n += l.size();
        return n;
    }
    std::uint32_t bitmap() const {
        std::uint32_t b = 0;
        for (std::size_t p = 0; p < kPriorityLevels; ++p)
            if (!m_fp[p].empty()) b |= 1u << p;
        return b;
    }
    std::uint32_t quantum_left(std::size_t i) const { return m_quantum[i]; }
    bool queued(std::size_t i) const { return m_queued[i]; }
    // RunQueue::steal: the first entity allowed on dest, round robin from its tail, then each
    // fixed-priority level from the lowest up, each from its tail. -1 = none may go.
    long steal(unsigned dest, const std::vector<SchedEntity>& e) {
        auto take = [&](std::deque<std::size_t>& l) -> long {
            for (auto it = l.end(); it != l.begin();) {
                --it;
                if (!(e[*it].affinity & sched::cpu_bit(dest))) continue;
                const std::size_t i = *it;
                l.erase(it);
                m_queued[i] = false;
                return static_cast<long>(i);
            }
            return -1;
        };
        long got = take(m_rr);
        for (std::size_t p = 0; got < 0 && p < kPriorityLevels; ++p) got = take(m_fp[p]);
        return got;
    }

private:
    std::deque<std::size_t>& level(const SchedEntity& e) {
        return e.policy == PolicyKind::RoundRobin ? m_rr : m_fp[e.priority];
    }
    std::uint32_t quantum(const SchedEntity& e) const {
        return e.policy == PolicyKind::RoundRobin ? m_rr_q : m_fp_q;
    }
    long pop(std::deque<std::size_t>& l) {
        const std::size_t i = l.front();
        l.pop_front();
        m_queued[i] = false;
        return static_cast<long>(i);
    }

    std::uint32_t m_rr_q, m_fp_q;
    std::deque<std::size_t> m_rr;
    std::array<std::deque<std::size_t>, kPriorityLevels> m_fp;
    std::vector<std::uint32_t> m_quantum;
    std::vector<bool> m_queued;
};

TEST(RunQueueTest, MatchesReferenceModelOverRandomisedSchedulingLoop) {
    constexpr std::uint32_t kSeed = 0x5ced'2024;
    constexpr std::size_t kEntities = 96;
    constexpr int kOps = 40000;
    SCOPED_TRACE(testing::Message() << "seed " << kSeed);
    std::mt19937 rng(kSeed);
    RunQueue rq(3, 2);
    RunQueueModel model(3, 2, kEntities);
    std::vector<SchedEntity> e(kEntities);
    long running = -1;  // index of the running entity, -1 = idle
    auto index_of = [&](SchedEntity* p) { return p ? static_cast<long>(p - e.data()) : -1L; };
    auto pick = [&](int op) {
        const long want = model.pick();
        const long got = index_of(rq.pick_next());
        ASSERT_EQ(got, want) << "op " << op;
        running = got;
    };
    auto blocked = [&](std::size_t i) { return !model.queued(i) && static_cast<long>(i) != running; };
    std::size_t preemptions = 0, expiries = 0, applied = 0;

    for (int op = 0; op < kOps; ++op) {
        const unsigned what = rng() % 10;
        const std::size_t i = rng() % kEntities;
        if (what < 4) {  // wake a blocked entity, possibly with a new policy and priority
            if (!blocked(i)) continue;
            if (rng() % 4 == 0) {
                e[i].policy = rng() % 2 ? PolicyKind::FixedPriority : PolicyKind::RoundRobin;
                e[i].priority = static_cast<std::uint8_t>(rng() % kPriorityLevels);
            }
            rq.enqueue(e[i]);
            model.enqueue(i, e[i]);
            if (running >= 0) {
                const bool want = RunQueueModel::preempts(e[running], e[i]);
                ASSERT_EQ(rq.should_preempt(e[running], e[i]), want) << "op " << op;
                if (want) {  // the kernel requeues the preempted runner and switches
                    ++preemptions;
                    rq.enqueue(e[running]);
                    model.enqueue(running, e[running]);
                    pick(op);
                }
            } else {
                pick(op);
            }
        } else if (what < 5) {  // kill a ready entity
            if (!model.queued(i)) continue;
            rq.dequeue(e[i]);
            model.dequeue(i, e[i]);
        } else if (what < 9) {  // timer tick
            if (running < 0) continue;
            const bool want = model.tick(running, e[running]);
            ASSERT_EQ(rq.tick(e[running]), want) << "op " << op;
            if (want && rq.size() > 0) {
                ++expiries;
                rq.enqueue(e[running]);
                model.enqueue(running, e[running]);
                pick(op);
            }
        } else {  // the runner blocks (sleep, wait): run the next one or idle
            if (running < 0) continue;
            pick(op);
        }
        ++applied;
        ASSERT_EQ(rq.size(), model.size()) << "op " << op;
        ASSERT_EQ(rq.fixed_priority().level_bitmap(), model.bitmap()) << "op " << op;
        for (std::size_t k = 0; k < kEntities; ++k) {
            ASSERT_EQ(e[k].queued, model.queued(k)) << "op " << op << " entity " << k;
            ASSERT_EQ(e[k].quantum_left, model.quantum_left(k)) << "op " << op << " entity " << k;
        }
    }
    // The run must have exercised the interesting paths, not just idled.
    EXPECT_GT(preemptions, 100u);
    EXPECT_GT(expiries, 1000u);
    EXPECT_GE(applied, 20000u);  // operations that changed or queried the queue (skips excluded)
}

// Migration against the same model: entities with random affinities (over 4 CPUs) queued, picked,
// killed and stolen for random destinations; every steal must return exactly the model's entity (or
// none), and leave sizes, the bitmap and every entity's state as the model says.
TEST(RunQueueTest, StealMatchesReferenceModel) {
    constexpr std::uint32_t kSeed = 0x57ea1;
    constexpr std::size_t kEntities = 48;
    SCOPED_TRACE(testing::Message() << "seed " << kSeed);
    std::mt19937 rng(kSeed);
    RunQueue rq(3, 2);
    RunQueueModel model(3, 2, kEntities);
    std::vector<SchedEntity> e(kEntities);
    auto index_of = [&](SchedEntity* p) { return p ? static_cast<long>(p - e.data()) : -1L; };
    std::size_t stolen = 0, refused = 0;
    for (int op = 0; op < 20000; ++op) {
        const unsigned what = rng() % 8;
        const std::size_t i = rng() % kEntities;
        if (what < 4) {  // wake, with a new policy, priority (few levels, so they fill) and affinity
            if (model.queued(i)) continue;
            e[i].policy = rng() % 2 ? PolicyKind::FixedPriority : PolicyKind::RoundRobin;
            e[i].priority = static_cast<std::uint8_t>(rng() % 4 * 9);
            e[i].affinity = static_cast<sched::CpuMask>(1 + rng() % 15);
            rq.enqueue(e[i]);
            model.enqueue(i, e[i]);
        } else if (what < 6) {
            const unsigned dest = rng() % 4;
            const bool empty = model.size() == 0;
            const long want = model.steal(dest, e);
            ASSERT_EQ(index_of(rq.steal(dest)), want) << "op " << op << " dest " << dest;
            if (want >= 0) ++stolen;
            else if (!empty) ++refused;
        } else if (what < 7) {
            ASSERT_EQ(index_of(rq.pick_next()), model.pick()) << "op " << op;
        } else {
            if (!model.queued(i)) continue;
            rq.dequeue(e[i]);
            model.dequeue(i, e[i]);
        }
        ASSERT_EQ(rq.size(), model.size()) << "op " << op;
        ASSERT_EQ(rq.fixed_priority().level_bitmap(), model.bitmap()) << "op " << op;
        for (std::size_t k = 0; k < kEntities; ++k) {
            ASSERT_EQ(e[k].queued, model.queued(k)) << "op " << op << " entity " << k;
            ASSERT_EQ(e[k].quantum_left, model.quantum_left(k)) << "op " << op << " entity " << k;
        }
    }
    EXPECT_GT(stolen, 1000u);
    EXPECT_GT(refused, 100u);  // steals that found entities queued, none of them allowed on dest
}

}  // namespace
