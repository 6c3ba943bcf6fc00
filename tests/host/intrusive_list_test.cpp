// The intrusive list under the run queues and wait queues: FIFO order, O(1) removal from anywhere,
// and loud failure on double insertion or removal, against a std::deque model.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <vector>

#include "host/support.h"
#include "lib/intrusive_list.h"

namespace {

struct Waiter {
    int id;
    lib::ListNode link;
};

Waiter* waiter_of(lib::ListNode* n) { return lib::list_entry<Waiter, &Waiter::link>(n); }

TEST(IntrusiveListTest, PopsInInsertionOrder) {
    Waiter w[3] = {{1, {}}, {2, {}}, {3, {}}};
    lib::IntrusiveList l;
    for (auto& x : w) l.push_back(x.link);
    EXPECT_EQ(l.size(), 3u);
    EXPECT_EQ(waiter_of(l.pop_front())->id, 1);
    EXPECT_EQ(waiter_of(l.pop_front())->id, 2);
    EXPECT_EQ(waiter_of(l.pop_front())->id, 3);
    EXPECT_EQ(l.pop_front(), nullptr);
    EXPECT_TRUE(l.empty());
}

TEST(IntrusiveListTest, RemovesFromTheMiddleAndUnlinks) {
    Waiter w[3] = {{1, {}}, {2, {}}, {3, {}}};
    lib::IntrusiveList l;
    for (auto& x : w) l.push_back(x.link);
    l.remove(w[1].link);
    EXPECT_FALSE(w[1].link.linked());
    EXPECT_EQ(waiter_of(l.pop_front())->id, 1);
    EXPECT_EQ(waiter_of(l.pop_front())->id, 3);
}

TEST(IntrusiveListTest, DoubleInsertAndDoubleRemoveAssert) {
    Waiter w{1, {}};
    lib::IntrusiveList l;
    l.push_back(w.link);
    EXPECT_THROW(l.push_back(w.link), lib::AssertionFailure);
    l.remove(w.link);
    EXPECT_THROW(l.remove(w.link), lib::AssertionFailure);
}

TEST(IntrusiveListTest, MatchesADequeUnderRandomOperations) {
    std::mt19937 rng(0x11571);
    std::vector<Waiter> pool(64);
    for (int i = 0; i < 64; ++i) pool[i].id = i;
    lib::IntrusiveList l;
    std::deque<int> model;
    for (int op = 0; op < 50000; ++op) {
        const int i = static_cast<int>(rng() % 64);
        switch (rng() % 4) {
        case 0:
        case 1:  // push back (a new waiter)
            if (!pool[i].link.linked()) {
                l.push_back(pool[i].link);
                model.push_back(i);
            }
            break;
        case 2:  // wake one
            if (!model.empty()) {
                ASSERT_EQ(waiter_of(l.pop_front())->id, model.front());
                model.pop_front();
            } else {
                ASSERT_EQ(l.pop_front(), nullptr);
            }
            break;
        case 3:  // a killed waiter leaves from wherever it is
            if (pool[i].link.linked()) {
                l.remove(pool[i].link);
                model.erase(std::find(model.begin(), model.end(), i));
            }
            break;
        }
        ASSERT_EQ(l.size(), model.size()) << "seed 0x11571, op " << op;
    }
    std::vector<int> order;
    for (lib::ListNode* n = l.first(); n != l.end(); n = n->next) order.push_back(waiter_of(n)->id);
    EXPECT_EQ(order, std::vector<int>(model.begin(), model.end()));
}

}  // namespace
