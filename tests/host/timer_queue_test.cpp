// Host tests for sched::TimerQueue: deadline order, FIFO among equal deadlines, cancelling from
// anywhere in the heap, earliest(), 1,000 armed entries, every KASSERT precondition, and a seeded
// randomised run against a reference model (an ordered map keyed by deadline and insertion number).
// Budget: well under 1 s with sanitizers.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "host/support.h"
#include "sched/timer_queue.h"

namespace {

using sched::TimerEntry;
using sched::TimerQueue;

// Walks the pairing heap through the entries' public links and checks its shape: link symmetry,
// heap order on (deadline, seq), every node armed on this queue, and the node count. Returns the count.
std::size_t check_heap(const TimerQueue& q, const TimerEntry* root) {
    if (!root) {
        EXPECT_EQ(q.size(), 0u);
        return 0;
    }
    EXPECT_EQ(root->prev, nullptr);
    EXPECT_EQ(root->sibling, nullptr);
    std::size_t count = 0;
    std::vector<const TimerEntry*> stack{root};
    while (!stack.empty()) {
        const TimerEntry* n = stack.back();
        stack.pop_back();
        ++count;
        EXPECT_TRUE(n->armed);
        EXPECT_EQ(n->queue, &q);
        const TimerEntry* left = n;
        for (const TimerEntry* c = n->child; c; c = c->sibling) {
            EXPECT_EQ(c->prev, left) << "broken back link";
            const bool ordered = n->deadline < c->deadline || (n->deadline == c->deadline && n->seq < c->seq);
            EXPECT_TRUE(ordered) << "child " << c->deadline << "/" << c->seq << " before parent " << n->deadline
                                 << "/" << n->seq;
            stack.push_back(c);
            left = c;
        }
        if (count > q.size()) break;  // a cycle would otherwise loop forever
    }
    EXPECT_EQ(count, q.size());
    return count;
}

// The queue does not expose its root; among the armed entries it is the only one without a prev link.
const TimerEntry* root_of(const std::vector<TimerEntry>& entries) {
    for (const auto& e : entries)
        if (e.armed && e.prev == nullptr) return &e;
    return nullptr;
}

std::vector<std::uint64_t> drain(TimerQueue& q, std::uint64_t now) {
    std::vector<std::uint64_t> out;
    while (TimerEntry* e = q.pop_expired(now)) {
        EXPECT_FALSE(e->armed);
        out.push_back(e->deadline);
    }
    return out;
}

TEST(TimerQueueTest, PopsInDeadlineOrderOnlyOnceDue) {
    TimerQueue q;
    std::vector<TimerEntry> e(5);
    const std::uint64_t deadlines[] = {50, 10, 40, 20, 30};
    for (std::size_t i = 0; i < e.size(); ++i) q.insert(e[i], deadlines[i]);
    EXPECT_EQ(q.size(), 5u);
    EXPECT_EQ(q.pop_expired(9), nullptr);  // nothing due yet
    EXPECT_EQ(drain(q, 25), (std::vector<std::uint64_t>{10, 20}));
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(drain(q, 1000), (std::vector<std::uint64_t>{30, 40, 50}));
    EXPECT_EQ(q.pop_expired(std::numeric_limits<std::uint64_t>::max()), nullptr);
    EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, EqualDeadlinesFireInInsertionOrder) {
    TimerQueue q;
    std::vector<TimerEntry> e(8);
    // Interleave two deadlines so the heap's melds see ties from both sides.
    for (std::size_t i = 0; i < e.size(); ++i) q.insert(e[i], i % 2 ? 100 : 200);
    std::vector<TimerEntry*> got;
    while (TimerEntry* x = q.pop_expired(200)) got.push_back(x);
    const std::vector<TimerEntry*> want = {&e[1], &e[3], &e[5], &e[7], &e[0], &e[2], &e[4], &e[6]};
    EXPECT_EQ(got, want);
}

TEST(TimerQueueTest, RemoveFromTheMiddleRootAndLeafKeepsOrder) {
    TimerQueue q;
    std::vector<TimerEntry> e(10);
    for (std::size_t i = 0; i < e.size(); ++i) q.insert(e[i], 10 * (i + 1));  // 10..100
    // Shape the heap with one pop so there are internal nodes, not just the root's children.
    TimerEntry* first = q.pop_expired(10);
    ASSERT_EQ(first, &e[0]);
    check_heap(q, root_of(e));
    q.remove(e[5]);  // 60: somewhere in the middle
    EXPECT_FALSE(e[5].armed);
    check_heap(q, root_of(e));
    q.remove(e[1]);  // 20: the root
    check_heap(q, root_of(e));
    q.remove(e[9]);  // 100: the latest
    check_heap(q, root_of(e));
    EXPECT_EQ(q.size(), 6u);
    EXPECT_EQ(drain(q, 1000), (std::vector<std::uint64_t>{30, 40, 50, 70, 80, 90}));
}

TEST(TimerQueueTest, EarliestFollowsInsertRemoveAndPop) {
    TimerQueue q;
    std::uint64_t out = 12345;
    EXPECT_FALSE(q.earliest(out));
    EXPECT_EQ(out, 12345u);  // untouched when empty
    TimerEntry a, b, c;
    q.insert(a, 300);
    ASSERT_TRUE(q.earliest(out));
    EXPECT_EQ(out, 300u);
    q.insert(b, 100);
    q.insert(c, 200);
    ASSERT_TRUE(q.earliest(out));
    EXPECT_EQ(out, 100u);
    q.remove(b);
    ASSERT_TRUE(q.earliest(out));
    EXPECT_EQ(out, 200u);
    EXPECT_EQ(q.pop_expired(250), &c);
    ASSERT_TRUE(q.earliest(out));
    EXPECT_EQ(out, 300u);
    q.remove(a);
    EXPECT_FALSE(q.earliest(out));
}

TEST(TimerQueueTest, EntryCanBeRearmedAfterPopOrRemove) {
    TimerQueue q;
    TimerEntry a, b;
    q.insert(a, 5);
    q.insert(b, 7);
    ASSERT_EQ(q.pop_expired(5), &a);
    q.insert(a, 9);  // a periodic wake-up rearms the same entry
    q.remove(b);
    q.insert(b, 8);
    EXPECT_EQ(q.pop_expired(10), &b);
    EXPECT_EQ(q.pop_expired(10), &a);
    EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, OwnerIsRecoveredFromTheEmbeddedEntry) {
    struct Sleeper {
        int id;
        TimerEntry timer;
        char tail[3];
    };
    TimerQueue q;
    Sleeper s[2] = {{1, {}, {}}, {2, {}, {}}};
    q.insert(s[0].timer, 20);
    q.insert(s[1].timer, 10);
    Sleeper* first = sched::timer_entry_owner<Sleeper, &Sleeper::timer>(q.pop_expired(100));
    EXPECT_EQ(first, &s[1]);
    EXPECT_EQ(first->id, 2);
}

TEST(TimerQueueTest, ThousandEntriesWithCancellationsPopInOrder) {
    constexpr std::size_t kCount = 1000;
    constexpr std::uint32_t kSeed = 1000;
    SCOPED_TRACE(testing::Message() << "seed " << kSeed);
    std::mt19937_64 rng(kSeed);
    TimerQueue q;
    std::vector<TimerEntry> e(kCount);
    std::multimap<std::uint64_t, TimerEntry*> model;  // equal keys stay in insertion order
    for (auto& x : e) {
        const std::uint64_t d = rng() % 5000;  // ~10% share a deadline with another entry
        q.insert(x, d);
        model.emplace(d, &x);
    }
    check_heap(q, root_of(e));
    std::uint64_t out = 0;
    ASSERT_TRUE(q.earliest(out));
    EXPECT_EQ(out, model.begin()->first);
    // A pop first, so cancellations hit a heap with depth, then cancel every third entry.
    EXPECT_EQ(q.pop_expired(std::numeric_limits<std::uint64_t>::max()), model.begin()->second);
    model.erase(model.begin());
    for (auto it = model.begin(); it != model.end();) {
        if ((it->second - e.data()) % 3 == 0) {
            q.remove(*it->second);
            it = model.erase(it);
        } else {
            ++it;
        }
    }
    check_heap(q, root_of(e));
    ASSERT_EQ(q.size(), model.size());
    for (const auto& [deadline, entry] : model) {
        ASSERT_TRUE(q.earliest(out));
        ASSERT_EQ(out, deadline);
        ASSERT_EQ(q.pop_expired(deadline), entry);
    }
    EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, PreconditionsAssert) {
    TimerQueue q, other;
    TimerEntry a, b;
    EXPECT_THROW(q.remove(a), lib::AssertionFailure);  // not armed
    q.insert(a, 10);
    EXPECT_THROW(q.insert(a, 20), lib::AssertionFailure);      // already armed here
    EXPECT_THROW(other.insert(a, 20), lib::AssertionFailure);  // already armed elsewhere
    EXPECT_THROW(other.remove(a), lib::AssertionFailure);      // armed on another queue
    EXPECT_EQ(a.deadline, 10u);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(other.size(), 0u);
    q.insert(b, 5);
    EXPECT_EQ(q.pop_expired(100), &b);
    EXPECT_EQ(q.pop_expired(100), &a);
}

// Random inserts (deadlines from a small window, so ties are common), cancellations anywhere, and
// pops at an advancing clock, against std::map<(deadline, insertion counter), entry>.
TEST(TimerQueueTest, MatchesReferenceModelOverRandomOperations) {
    constexpr std::uint32_t kSeed = 0x7173'e125;
    constexpr std::size_t kEntries = 256;
    constexpr int kOps = 36000;
    SCOPED_TRACE(testing::Message() << "seed " << kSeed);
    std::mt19937 rng(kSeed);
    TimerQueue q;
    std::vector<TimerEntry> e(kEntries);
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> model;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> key(kEntries);
    std::uint64_t counter = 0, now = 0;
    std::size_t pops = 0, removes = 0, applied = 0;
    for (int op = 0; op < kOps; ++op) {
        const unsigned what = rng() % 8;
        const std::size_t i = rng() % kEntries;
        if (what < 4) {  // arm (or, if armed, cancel and re-arm: a re-sleep)
            if (e[i].armed) {
                q.remove(e[i]);
                model.erase(key[i]);
                ++removes;
            }
            const std::uint64_t d = now + rng() % 256;
            q.insert(e[i], d);
            key[i] = {d, counter++};
            model.emplace(key[i], i);
        } else if (what < 6) {  // cancel
            if (!e[i].armed) continue;
            q.remove(e[i]);
            ASSERT_EQ(model.erase(key[i]), 1u) << "op " << op;
            ++removes;
        } else {  // the clock advances; the timer IRQ pops everything due
            now += rng() % 8;
            for (;;) {
                TimerEntry* got = q.pop_expired(now);
                const bool due = !model.empty() && model.begin()->first.first <= now;
                if (!due) {
                    ASSERT_EQ(got, nullptr) << "op " << op;
                    break;
                }
                ASSERT_EQ(got, &e[model.begin()->second]) << "op " << op << " now " << now;
                ASSERT_FALSE(got->armed);
                model.erase(model.begin());
                ++pops;
            }
        }
        ++applied;
        ASSERT_EQ(q.size(), model.size()) << "op " << op;
        std::uint64_t out = 0;
        ASSERT_EQ(q.earliest(out), !model.empty()) << "op " << op;
        if (!model.empty()) {
            ASSERT_EQ(out, model.begin()->first.first) << "op " << op;
        }
        if (op % 500 == 0) check_heap(q, root_of(e));
    }
    EXPECT_GT(pops, 5000u);
    EXPECT_GT(removes, 2000u);
    EXPECT_GE(applied, 20000u);  // operations that changed or queried the queue (skips excluded)
}

}  // namespace
