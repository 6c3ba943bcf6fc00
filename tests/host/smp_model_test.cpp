// A host model of the SMP scheduler: N CPUs, each with a real sched::RunQueue, driven through seeded
// random spawn/tick/block/wake/exit/affinity/idle-pull/balance operations the way the kernel uses
// select_cpu, pull_sources and RunQueue::steal, with every invariant checked after every operation.
// Budget: well under 1 s with sanitizers for all CPU counts together.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
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
using sched::RunQueue;
using sched::SchedEntity;

constexpr std::uint32_t kRoundRobinQuantum = 3;
constexpr std::uint32_t kFixedPriorityQuantum = 2;

// A broken invariant, with what the model expected; the test reports it with the seed and operation.
struct ModelFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define MODEL_CHECK(cond, what)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::ostringstream os_;                                                                \
            os_ << #cond << " (" << what << ")";                                                   \
            throw ModelFailure(os_.str());                                                         \
        }                                                                                          \
    } while (0)

enum class Where { Free, Running, Queued, Blocked };

struct Task {
    SchedEntity se;
    Where where = Where::Free;
    unsigned cpu = kNoCpu;      // Running or Queued: the CPU it is on
    unsigned last = kNoCpu;     // the CPU it last ran on; kNoCpu = never ran
    bool move_pending = false;  // running where its new affinity forbids, until it is switched out
};

// index_of() finds the task from its entity.
static_assert(std::is_standard_layout_v<Task>);

struct Cpu {
    Cpu() : rq(kRoundRobinQuantum, kFixedPriorityQuantum) {}
    RunQueue rq;
    long running = -1;       // task index; -1 = its idle task
    std::size_t queued = 0;  // tasks the model put on rq and has not seen leave it
};

struct Stats {
    std::size_t idle_pulls = 0, balance_pulls = 0, refused_steals = 0, rotations = 0, preemptions = 0;
    std::size_t running_moves = 0, queued_moves = 0, full_passes = 0, full_pass_pulls = 0;
};

class SmpModel {
public:
    SmpModel(unsigned cpus, std::size_t tasks, std::uint32_t seed)
        : m_n(cpus), m_online(cpus == kMaxCpus ? kAllCpus : cpu_bit(cpus) - 1), m_tasks(tasks), m_rng(seed) {}

    // One random operation, as the kernel would perform it. A quiet phase blocks and exits more than
    // it spawns and wakes, so that CPUs run dry and pull; a busy one fills the queues again.
    void step(bool quiet) {
        enum Op : unsigned { Spawn, Tick, Block, Wake, Exit, Affinity, IdlePull, Balance, kOps };
        static constexpr unsigned kBusy[kOps] = {15, 30, 8, 20, 4, 10, 5, 8};
        static constexpr unsigned kQuiet[kOps] = {3, 30, 25, 6, 12, 10, 6, 8};
        const unsigned* weights = quiet ? kQuiet : kBusy;
        unsigned total = 0;
        for (unsigned i = 0; i < kOps; ++i) total += weights[i];
        unsigned r = m_rng() % total, op = 0;
        while (r >= weights[op]) r -= weights[op++];
        const unsigned c = m_rng() % m_n;
        switch (op) {
        case Spawn: spawn(random_affinity(), random_policy()); break;
        case Tick: tick(c); break;
        case Block: block(c); break;
        case Wake: wake(); break;
        case Exit: exit(c); break;
        case Affinity: set_affinity(); break;
        case IdlePull:  // idle CPUs look for work
            for (unsigned d = 0; d < m_n; ++d) schedule(d);
            break;
        default:  // the periodic balance: each CPU pulls at most once
            for (unsigned d = 0; d < m_n; ++d) m_stats.balance_pulls += pull_once(d);
            break;
        }
    }

    // A new task: placed by select_cpu, run at once if that CPU idles, or when it preempts.
    void spawn(CpuMask affinity, SchedEntity se) {
        const long t = random_task(Where::Free);
        if (t < 0) return;
        Task& k = m_tasks[t];
        k = Task{};
        k.se.policy = se.policy;
        k.se.priority = se.priority;
        k.se.affinity = affinity;
        make_ready(t, place(t, kNoCpu));
    }

    // Every task may run anywhere again; then balance until no CPU pulls. Returns the pulls.
    std::size_t unpin_and_balance() {
        for (Task& k : m_tasks) {
            k.se.affinity = kAllCpus;
            k.move_pending = false;
        }
        // Each pull moves one task from a CPU at least two busier, so the sum of the squared loads
        // falls by at least 2: the pass ends within sum/2 pulls.
        const CpuLoads before = loads();
        std::size_t bound = 0;
        for (unsigned c = 0; c < m_n; ++c) bound += std::size_t{before.load[c]} * before.load[c] / 2;
        std::size_t pulls = 0;
        for (bool moved = true; moved;) {
            moved = false;
            for (unsigned c = 0; c < m_n; ++c) {
                if (!pull_once(c)) continue;
                moved = true;
                MODEL_CHECK(++pulls <= bound, "balance pass does not terminate: bound " << bound);
            }
        }
        const CpuLoads after = loads();
        const auto [lo, hi] = std::minmax_element(after.load, after.load + m_n);
        MODEL_CHECK(*hi - *lo <= 1, "unbalanced after a full pass: " << describe(after));
        ++m_stats.full_passes;
        m_stats.full_pass_pulls += pulls;
        check();
        return pulls;
    }

    // Every invariant of the model against the real run queues.
    void check() {
        for (std::size_t t = 0; t < m_tasks.size(); ++t) {
            const Task& k = m_tasks[t];
            MODEL_CHECK(k.se.queued == (k.where == Where::Queued), "task " << t);
            if (k.where == Where::Running) {
                MODEL_CHECK(k.cpu < m_n && m_cpus[k.cpu].running == static_cast<long>(t), "task " << t);
                MODEL_CHECK((k.se.affinity & cpu_bit(k.cpu)) || k.move_pending, "task " << t << " cpu " << k.cpu);
            } else if (k.where == Where::Queued) {
                MODEL_CHECK(k.cpu < m_n && (k.se.affinity & cpu_bit(k.cpu)), "task " << t << " cpu " << k.cpu);
            }
        }
        for (unsigned c = 0; c < m_n; ++c) {
            Cpu& cpu = m_cpus[c];
            if (cpu.running >= 0) {
                const Task& k = m_tasks[cpu.running];
                MODEL_CHECK(k.where == Where::Running && k.cpu == c, "cpu " << c << " task " << cpu.running);
            } else {
                MODEL_CHECK(cpu.rq.size() == 0, "cpu " << c << " idles with tasks queued");
            }
            MODEL_CHECK(cpu.rq.size() == cpu.queued, "cpu " << c);
            // The queue holds exactly the tasks the model says are queued here: drain it (each
            // entity has one link, so none is counted twice) and put everything back in pick
            // order, which rebuilds every level as it was; the slices are restored as they were.
            std::vector<SchedEntity*> order;
            while (SchedEntity* e = cpu.rq.pick_next()) {
                const long t = index_of(e);
                MODEL_CHECK(m_tasks[t].where == Where::Queued && m_tasks[t].cpu == c, "cpu " << c << " task " << t);
                order.push_back(e);
            }
            MODEL_CHECK(order.size() == cpu.queued, "cpu " << c);
            for (SchedEntity* e : order) {
                const std::uint32_t slice = e->quantum_left;
                cpu.rq.enqueue(*e);
                e->quantum_left = slice;
            }
        }
    }

    CpuLoads loads() const {
        CpuLoads l;
        l.online = m_online;
        for (unsigned c = 0; c < m_n; ++c)
            l.load[c] = static_cast<unsigned>(m_cpus[c].rq.size()) + (m_cpus[c].running >= 0 ? 1 : 0);
        return l;
    }
    const Stats& stats() const { return m_stats; }
    std::size_t live() const {
        return static_cast<std::size_t>(std::count_if(m_tasks.begin(), m_tasks.end(),
                                                      [](const Task& k) { return k.where != Where::Free; }));
    }
    CpuMask random_affinity() {
        const unsigned kind = m_rng() % 3;
        if (kind == 0) return kAllCpus;
        if (kind == 1) return cpu_bit(m_rng() % m_n);  // pinned
        for (;;) {  // any set of CPUs, offline ones too, with at least one online
            const auto m = static_cast<CpuMask>(m_rng() & kAllCpus);
            if (m & m_online) return m;
        }
    }
    SchedEntity random_policy() {
        SchedEntity se;
        if (m_rng() % 4 == 0) {
            se.policy = PolicyKind::FixedPriority;
            se.priority = static_cast<std::uint8_t>(m_rng() % 3 * 10);
        }
        return se;
    }

private:
    long index_of(SchedEntity* e) const {
        const auto* k = reinterpret_cast<const Task*>(reinterpret_cast<const char*>(e) - offsetof(Task, se));
        const long t = k - m_tasks.data();
        MODEL_CHECK(t >= 0 && static_cast<std::size_t>(t) < m_tasks.size(), "foreign entity");
        return t;
    }

    long random_task(Where where) {
        const std::size_t start = m_rng() % m_tasks.size();
        for (std::size_t i = 0; i < m_tasks.size(); ++i) {
            const std::size_t t = (start + i) % m_tasks.size();
            if (m_tasks[t].where == where) return static_cast<long>(t);
        }
        return -1;
    }

    std::string describe(const CpuLoads& l) const {
        std::ostringstream os;
        for (unsigned c = 0; c < m_n; ++c) os << (c ? " " : "loads ") << l.load[c];
        return os.str();
    }

    // select_cpu on a fresh snapshot; its answer must be a least-loaded CPU the task may run on.
    unsigned place(long t, unsigned last) {
        const CpuLoads l = loads();
        const CpuMask allowed = m_tasks[t].se.affinity;
        const unsigned c = sched::select_cpu(l, allowed, last);
        MODEL_CHECK(c < m_n && (allowed & cpu_bit(c)), "task " << t << " placed on " << c);
        for (unsigned d = 0; d < m_n; ++d)
            MODEL_CHECK(!(allowed & cpu_bit(d)) || l.load[c] <= l.load[d], "task " << t << " " << describe(l));
        return c;
    }

    // t (on no queue, running nowhere) becomes ready on CPU c: an idle c runs it (the kernel's
    // reschedule IPI), a busy one switches if it preempts.
    void make_ready(long t, unsigned c) {
        Task& k = m_tasks[t];
        Cpu& cpu = m_cpus[c];
        MODEL_CHECK(k.se.affinity & cpu_bit(c), "task " << t << " made ready on " << c);
        cpu.rq.enqueue(k.se);
        ++cpu.queued;
        k.where = Where::Queued;
        k.cpu = c;
        if (cpu.running < 0) {
            schedule(c);
        } else if (cpu.rq.should_preempt(m_tasks[cpu.running].se, k.se)) {
            ++m_stats.preemptions;
            switch_out(c);
            schedule(c);
        }
    }

    // c's running task, still ready, leaves the CPU: back on c's queue, or, when an affinity change
    // excluded c while it ran, to the best CPU it may now run on.
    void switch_out(unsigned c) {
        Cpu& cpu = m_cpus[c];
        const long t = cpu.running;
        Task& k = m_tasks[t];
        cpu.running = -1;
        k.move_pending = false;
        if (k.se.affinity & cpu_bit(c)) {
            cpu.rq.enqueue(k.se);
            ++cpu.queued;
            k.where = Where::Queued;
            return;
        }
        ++m_stats.running_moves;
        k.where = Where::Blocked;  // in transit, on no queue
        make_ready(t, place(t, c));
    }

    // c has no task: the next from its queue, else one pulled from the busiest CPUs, else idle. A
    // CPU already given a task on the way (a migration made it ready there) keeps it.
    void schedule(unsigned c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.running >= 0) return;
        if (SchedEntity* e = cpu.rq.pick_next()) {
            run(c, index_of(e));
            return;
        }
        m_stats.idle_pulls += pull_once(c);
    }

    void run(unsigned c, long t) {
        Task& k = m_tasks[t];
        Cpu& cpu = m_cpus[c];
        MODEL_CHECK(k.where == Where::Queued && k.cpu == c, "cpu " << c << " picked task " << t);
        MODEL_CHECK(cpu.running < 0, "cpu " << c);
        --cpu.queued;
        k.where = Where::Running;
        k.last = c;
        cpu.running = t;
    }

    // One pull for self: the first source (busiest first) steal succeeds on. A refused steal is
    // checked against the model: no task queued there may run on self.
    bool pull_once(unsigned self) {
        unsigned src[kMaxCpus];
        const unsigned n = sched::pull_sources(loads(), self, src);
        for (unsigned i = 0; i < n; ++i) {
            const unsigned s = src[i];
            MODEL_CHECK(s < m_n && s != self, "source " << s << " for " << self);
            SchedEntity* e = m_cpus[s].rq.steal(self);
            if (!e) {
                ++m_stats.refused_steals;
                for (std::size_t t = 0; t < m_tasks.size(); ++t) {
                    const Task& k = m_tasks[t];
                    MODEL_CHECK(!(k.where == Where::Queued && k.cpu == s && (k.se.affinity & cpu_bit(self))),
                                "steal from " << s << " for " << self << " missed task " << t);
                }
                continue;
            }
            const long t = index_of(e);
            Task& k = m_tasks[t];
            MODEL_CHECK(k.where == Where::Queued && k.cpu == s, "stole task " << t << " from " << s);
            MODEL_CHECK(k.se.affinity & cpu_bit(self), "stole task " << t << " for " << self);
            --m_cpus[s].queued;
            k.where = Where::Blocked;  // in transit
            make_ready(t, self);
            return true;
        }
        return false;
    }

    // The tick on c: account the slice; on expiry with others ready, rotate (or enqueue and pick).
    // A runner whose affinity now excludes c is switched out at once: this is its next switch.
    void tick(unsigned c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.running < 0) return;
        Task& k = m_tasks[cpu.running];
        const bool expired = cpu.rq.tick(k.se);
        if (!(k.se.affinity & cpu_bit(c))) {
            switch_out(c);
            schedule(c);
            return;
        }
        if (!expired || cpu.rq.size() == 0) return;
        if (SchedEntity* next = cpu.rq.rotate(k.se)) {
            ++m_stats.rotations;
            k.where = Where::Queued;
            ++cpu.queued;
            cpu.running = -1;
            run(c, index_of(next));
            return;
        }
        switch_out(c);
        schedule(c);
    }

    void block(unsigned c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.running < 0) return;
        Task& k = m_tasks[cpu.running];
        k.where = Where::Blocked;
        k.move_pending = false;  // its affinity is honoured when it wakes
        cpu.running = -1;
        schedule(c);
    }

    void wake() {
        const long t = random_task(Where::Blocked);
        if (t >= 0) make_ready(t, place(t, m_tasks[t].last));
    }

    void exit(unsigned c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.running < 0) return;
        m_tasks[cpu.running].where = Where::Free;
        cpu.running = -1;
        schedule(c);
    }

    // A queued task on a CPU now excluded moves at once; a running one at its next switch.
    void set_affinity() {
        const long t = random_task(m_rng() % 2 ? Where::Queued : Where::Running);
        if (t < 0) return;
        Task& k = m_tasks[t];
        const CpuMask mask = random_affinity();
        k.se.affinity = mask;
        if (k.where == Where::Running) {
            k.move_pending = !(mask & cpu_bit(k.cpu));
        } else if (!(mask & cpu_bit(k.cpu))) {
            Cpu& from = m_cpus[k.cpu];
            from.rq.dequeue(k.se);
            --from.queued;
            k.where = Where::Blocked;  // in transit
            ++m_stats.queued_moves;
            make_ready(t, place(t, k.last));
        }
    }

    const unsigned m_n;
    const CpuMask m_online;
    std::array<Cpu, kMaxCpus> m_cpus;  // the first m_n are online
    std::vector<Task> m_tasks;
    std::mt19937 m_rng;
    Stats m_stats;
};

class SmpModelTest : public testing::TestWithParam<unsigned> {};

TEST_P(SmpModelTest, RandomOperationsKeepEveryInvariant) {
    const unsigned cpus = GetParam();
    const std::uint32_t seed = 0x5eed'0000u + cpus;
    constexpr int kOps = 10000;
    constexpr int kBalanceEvery = 400;  // ops between full, unpinned balance passes
    constexpr int kPhase = 700;         // ops per busy or quiet phase
    SmpModel model(cpus, 6 * cpus + 10, seed);
    int op = 0;
    try {
        for (; op < kOps; ++op) {
            model.step(op / kPhase % 2 == 1);
            model.check();
            if (op % kBalanceEvery == kBalanceEvery - 1) model.unpin_and_balance();
        }
    } catch (const std::exception& e) {
        FAIL() << "cpus " << cpus << " seed " << seed << " op " << op << ": " << e.what();
    }
    // The run must have reached the paths that matter, not idled.
    const Stats& s = model.stats();
    EXPECT_GT(s.rotations, 100u);
    EXPECT_GT(s.preemptions, 50u);
    EXPECT_EQ(s.full_passes, static_cast<std::size_t>(kOps / kBalanceEvery));
    if (cpus > 1) {
        EXPECT_GT(s.idle_pulls, 10u);
        EXPECT_GT(s.balance_pulls, 50u);
        EXPECT_GT(s.refused_steals, 20u);
        EXPECT_GT(s.running_moves, 20u);
        EXPECT_GT(s.queued_moves, 20u);
        EXPECT_GT(s.full_pass_pulls, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Cpus, SmpModelTest, testing::Values(1u, 2u, 3u, 4u, 8u),
                         [](const testing::TestParamInfo<unsigned>& info) { return std::to_string(info.param) + "Cpus"; });

// A pile on one CPU (tasks pinned there, then set free) spreads to within one task per CPU, and the
// CPUs with surplus are the only ones that give tasks away.
TEST(SmpBalanceTest, PileOnOneCpuSpreadsToWithinOne) {
    for (unsigned cpus : {2u, 3u, 4u, 8u}) {
        SCOPED_TRACE(testing::Message() << cpus << " cpus");
        SmpModel model(cpus, 40, 7);
        try {
            for (int i = 0; i < 37; ++i) model.spawn(cpu_bit(0), SchedEntity{});
            model.check();
            EXPECT_EQ(model.loads().load[0], 37u);
            const std::size_t pulls = model.unpin_and_balance();
            const CpuLoads l = model.loads();
            unsigned total = 0;
            for (unsigned c = 0; c < cpus; ++c) {
                EXPECT_GE(l.load[c], 37 / cpus) << "cpu " << c;
                EXPECT_LE(l.load[c], (37 + cpus - 1) / cpus) << "cpu " << c;
                total += l.load[c];
            }
            EXPECT_EQ(total, 37u);
            EXPECT_GE(pulls, 37 - l.load[0]);
        } catch (const std::exception& e) {
            FAIL() << e.what();
        }
    }
}

}  // namespace
