// test_smp: user processes on several CPUs. sched_setaffinity, sched_getaffinity and getcpu with
// Linux's results and errors; every CPU runs a spinner and none starves; a pinned process stays on
// its CPU through yields, busy loops and fork; a fork bomb from every CPU at once; FP/SIMD registers
// across migrations. N is the number of CPUs in the caller's affinity mask (1 under -smp 1).
// No check measures time: progress is counted in reports, a hang is left to the runner's timeout.
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kBadPtr = reinterpret_cast<unsigned long*>(kUnmappedUserAddress);
const auto kKernelPtr = reinterpret_cast<unsigned long*>(kKernelAddress);

// A mask as large as glibc's cpu_set_t (1024 CPU ids): Linux refuses one shorter than its own
// number of possible CPUs, which a host may have many of.
struct CpuSet {
    static constexpr unsigned kIds = 1024;
    unsigned long bits[kIds / 64] = {};
    bool has(unsigned c) const { return c < kIds && ((bits[c / 64] >> (c % 64)) & 1); }
    void set(unsigned c) { bits[c / 64] |= 1ul << (c % 64); }
    unsigned count() const {
        unsigned n = 0;
        for (unsigned c = 0; c < kIds; ++c) n += has(c);
        return n;
    }
    unsigned nth(unsigned i) const {  // the i-th CPU of the set, kIds if there are fewer
        for (unsigned c = 0; c < kIds; ++c)
            if (has(c) && i-- == 0) return c;
        return kIds;
    }
    bool operator==(const CpuSet& o) const {
        for (unsigned i = 0; i < kIds / 64; ++i)
            if (bits[i] != o.bits[i]) return false;
        return true;
    }
    static CpuSet only(unsigned c) {
        CpuSet s;
        s.set(c);
        return s;
    }
};

CpuSet affinity_of(int pid = 0) {
    CpuSet s;
    const long r = sched_getaffinity(pid, sizeof s.bits, s.bits);
    if (r < 8) s = CpuSet{};  // a failure reads as an empty set, which every check below refuses
    return s;
}
long pin(const CpuSet& s, int pid = 0) { return sched_setaffinity(pid, sizeof s.bits, s.bits); }
unsigned this_cpu() {
    unsigned c = ~0u;
    return getcpu(&c, nullptr) == 0 ? c : ~0u;
}

// A pid no process has: a child that has been reaped.
int dead_pid() {
    const long pid = fork();
    if (pid == 0) exit_group(0);
    int status;
    wait4(static_cast<int>(pid), &status, 0);
    return static_cast<int>(pid);
}

// Two pages with the second unmapped: an object placed at its end has nothing readable after it.
unsigned char* before_a_hole() {
    const long a = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (is_error(a)) return nullptr;
    munmap(reinterpret_cast<void*>(a + 4096), 4096);
    return reinterpret_cast<unsigned char*>(a + 4096);
}

void spin(long iterations) {
    for (long i = 0; i < iterations; ++i) asm volatile("" ::: "memory");  // not optimised away
}

}  // namespace

UTEST(getaffinity_lists_the_cpus_and_returns_its_size) {
    unsigned char buf[128];
    memset(buf, 0xa5, sizeof buf);
    const long r = sched_getaffinity(0, sizeof buf, reinterpret_cast<unsigned long*>(buf));
    // The kernel's mask size, at most len: 8 bytes here (one long), 32 on a Linux with NR_CPUS 256.
    CHECK(r >= 8 && r % 8 == 0 && r <= static_cast<long>(sizeof buf));
    if (!qemu_user()) CHECK_EQ(r, 8l);
    long untouched = 0;
    for (long i = r; i < static_cast<long>(sizeof buf); ++i) untouched += buf[i] == 0xa5;
    CHECK_EQ(untouched, static_cast<long>(sizeof buf) - r);
    const CpuSet all = affinity_of();
    CHECK(all.count() >= 1);
    CHECK(all.has(this_cpu()));
    CHECK(affinity_of(static_cast<int>(getpid())) == all);
    note("%u CPUs in the mask", all.count());
    // Exactly 8 bytes before a hole: the copy is the 8 bytes, nothing beyond.
    unsigned char* end = before_a_hole();
    REQUIRE(end);
    CHECK_EQ(sched_getaffinity(0, 8, reinterpret_cast<unsigned long*>(end - 8)), 8l);
}

UTEST(getcpu_reports_the_cpu_and_node_zero) {
    unsigned cpu = ~0u, node = ~0u;
    CHECK_EQ(getcpu(&cpu, &node), 0l);
    CHECK_EQ(node, 0u);
    CHECK(affinity_of().has(cpu));
    CHECK_EQ(getcpu(nullptr, nullptr), 0l);
    CHECK_EQ(getcpu(nullptr, &node), 0l);
    CHECK_EQ(getcpu(reinterpret_cast<unsigned*>(kBadPtr), nullptr), -EFAULT);
    CHECK_EQ(getcpu(reinterpret_cast<unsigned*>(kKernelPtr), nullptr), -EFAULT);
    cpu = ~0u;
    CHECK_EQ(getcpu(&cpu, reinterpret_cast<unsigned*>(kBadPtr)), -EFAULT);
    CHECK(cpu != ~0u);  // the cpu is stored before the node's store faults, as on Linux
}

UTEST(getaffinity_errors_as_linux) {
    CpuSet s;
    const int dead = dead_pid();
    for (unsigned len : {0u, 4u, 7u, 12u, 129u}) CHECK_EQ(sched_getaffinity(0, len, s.bits), -EINVAL);
    CHECK_EQ(sched_getaffinity(dead, 4, s.bits), -EINVAL);       // len is checked before the pid
    CHECK_EQ(sched_getaffinity(dead, sizeof s.bits, s.bits), -ESRCH);
    CHECK_EQ(sched_getaffinity(-1, sizeof s.bits, s.bits), -ESRCH);
    CHECK_EQ(sched_getaffinity(0, 8, kBadPtr), -EFAULT);
    CHECK_EQ(sched_getaffinity(0, sizeof s.bits, kKernelPtr), -EFAULT);
    CHECK_EQ(sched_getaffinity(dead, 8, kBadPtr), -ESRCH);       // the pid before the copy
    // The pid is a 32-bit pid_t and len a 32-bit unsigned int: the upper halves are not read (Linux
    // on the host: 32; qemu-aarch64 passes the whole registers and answers EINVAL or asserts).
    if (!qemu_user()) CHECK_EQ(syscall6(SYS_sched_getaffinity, 0xffffffff00000000l, 0xffffffff00000080l, arg(s.bits)), 8l);
}

UTEST(setaffinity_errors_as_linux) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1);
    const unsigned first = all.nth(0);
    const int dead = dead_pid();
    CHECK_EQ(pin(all, dead), -ESRCH);
    CHECK_EQ(sched_setaffinity(-1, sizeof all.bits, all.bits), -ESRCH);
    CHECK_EQ(sched_setaffinity(0, 8, kBadPtr), -EFAULT);
    CHECK_EQ(sched_setaffinity(0, 8, kKernelPtr), -EFAULT);
    CHECK_EQ(sched_setaffinity(dead, 8, kBadPtr), -EFAULT);      // the mask is read before the pid
    CHECK_EQ(sched_setaffinity(0, 0, all.bits), -EINVAL);        // no bytes: an empty mask
    CHECK_EQ(sched_setaffinity(0, 0, kKernelPtr), -EINVAL);      // and a zero-length read never faults
    CHECK_EQ(sched_setaffinity(dead, 0, all.bits), -ESRCH);      // the pid before the mask's judgement
    CHECK_EQ(pin(CpuSet{}), -EINVAL);
    CpuSet far;
    far.set(CpuSet::kIds - 1);  // no such CPU here (nor on any host short of 1024 CPUs)
    CHECK_EQ(pin(far), -EINVAL);
    if (all.nth(all.count() - 1) < 8) {  // ids 8..63 exist nowhere when the mask shows none of them
        CpuSet high;
        high.bits[0] = ~0xfful;
        CHECK_EQ(pin(high), -EINVAL);
    }
    CHECK(affinity_of() == all);  // a refused mask changes nothing
    // A short len reads only len bytes, the rest of the mask as zero (nothing after them is read:
    // here it is an unmapped page). qemu-aarch64 converts masks in whole longs, so a 1-byte mask is
    // empty there (EINVAL); Linux itself takes it (checked natively on the host).
    if (qemu_user()) note("short and long mask lengths: not checked under qemu-aarch64");
    if (first < 8 && !qemu_user()) {
        unsigned char* end = before_a_hole();
        REQUIRE(end);
        end[-1] = static_cast<unsigned char>(1u << first);
        CHECK_EQ(sched_setaffinity(0, 1, reinterpret_cast<unsigned long*>(end - 1)), 0l);
        CHECK(affinity_of() == CpuSet::only(first));
        CHECK_EQ(pin(all), 0l);
        // A longer len reads only the kernel's mask: 8 bytes here, then the hole. Linux reads its
        // own size (cpumask_size(), 32 bytes with NR_CPUS 256) and faults there.
        reinterpret_cast<unsigned long*>(end - 8)[0] = 1ul << first;
        CHECK_EQ(sched_setaffinity(0, 4096, reinterpret_cast<unsigned long*>(end - 8)), 0l);
        CHECK(affinity_of() == CpuSet::only(first));
    }
    // Bits beyond the CPUs that exist are dropped, not refused.
    if (all.nth(all.count() - 1) < 64) {
        CpuSet extra = CpuSet::only(first);
        extra.bits[1] = ~0ul;
        CHECK_EQ(pin(extra), 0l);
        CHECK(affinity_of() == CpuSet::only(first));
    }
    CHECK_EQ(pin(all), 0l);
    CHECK(affinity_of() == all);
}

// A zombie is still found by pid (Linux answers for it) until it is reaped.
UTEST(zombie_has_a_mask_until_reaped) {
    const CpuSet all = affinity_of();
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(0);
    p.close_w();
    char c;
    CHECK_EQ(read(p.r, &c, 1), 0l);  // its end of the pipe closed: it is exiting
    for (int i = 0; i < 50; ++i) sched_yield();  // most likely a zombie by now; either way it exists
    CHECK(affinity_of(static_cast<int>(pid)) == all);
    CHECK_EQ(pin(all, static_cast<int>(pid)), 0l);
    int status = -1;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
    CpuSet s;
    CHECK_EQ(sched_getaffinity(static_cast<int>(pid), sizeof s.bits, s.bits), -ESRCH);
    CHECK_EQ(pin(all, static_cast<int>(pid)), -ESRCH);
}

// A fork child may run on another CPU before fork returns in the parent: it must already be visible
// by its pid then (kill and prlimit look it up; it once was published only after it started).
UTEST(new_child_finds_itself_by_pid_at_once) {
    long lost = 0;
    for (int i = 0; i < 200; ++i) {
        const long pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            const int me = static_cast<int>(getpid());
            Rlimit lim;
            exit_group(kill(me, 0) == 0 && prlimit64(me, RLIMIT_NOFILE, nullptr, &lim) == 0 ? 0 : 1);
        }
        lost += !exited_with(wait_child(pid, 30000), 0);
    }
    CHECK_EQ(lost, 0l);
}

// For each allowed CPU: pinned there, the process is there after the call and stays through
// yields and a busy loop (long enough for ticks, preemption and balancing), and a fork child
// inherits the mask and starts there.
UTEST_TIMEOUT(pinned_process_stays_on_its_cpu, 60000) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1);
    for (unsigned i = 0; i < all.count(); ++i) {
        const unsigned c = all.nth(i);
        CHECK_EQ(pin(CpuSet::only(c)), 0l);
        CHECK_EQ(this_cpu(), c);
        long elsewhere = 0;
        for (int k = 0; k < 300; ++k) {
            sched_yield();
            elsewhere += this_cpu() != c;
        }
        for (int k = 0; k < 300; ++k) {
            spin(20000);
            elsewhere += this_cpu() != c;
        }
        CHECK_EQ(elsewhere, 0l);
        CHECK(affinity_of() == CpuSet::only(c));
        const int st = in_child([c] {
            CHECK(affinity_of() == CpuSet::only(c));
            long away = 0;
            for (int k = 0; k < 100; ++k) {
                away += this_cpu() != c;
                sched_yield();
            }
            CHECK_EQ(away, 0l);
        });
        CHECK(exited_with(st, 0));
    }
    CHECK_EQ(pin(all), 0l);
    CHECK(affinity_of() == all);
}

// Another process pinned by its pid: it runs there when it next runs (it is blocked in read while
// its mask changes) and reports getcpu through a pipe.
UTEST_TIMEOUT(another_process_is_pinned_by_pid, 60000) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1);
    Pipe go, report;
    REQUIRE(go.ok() && report.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char cmd;
        while (read(go.r, &cmd, 1) == 1 && cmd == 'g') {
            spin(100000);
            unsigned where[2];
            where[0] = this_cpu();
            sched_yield();
            where[1] = this_cpu();
            write(report.w, where, sizeof where);
        }
        exit_group(0);
    }
    for (int round = 0; round < 3; ++round) {
        for (unsigned i = 0; i < all.count(); ++i) {
            const unsigned c = all.nth(i);
            CHECK_EQ(pin(CpuSet::only(c), static_cast<int>(pid)), 0l);
            CHECK(affinity_of(static_cast<int>(pid)) == CpuSet::only(c));
            unsigned where[2] = {~0u, ~0u};
            CHECK_EQ(write(go.w, "g", 1), 1l);
            CHECK(read_exact(report.r, where, sizeof where));
            CHECK_EQ(where[0], c);
            CHECK_EQ(where[1], c);
        }
    }
    CHECK_EQ(write(go.w, "q", 1), 1l);
    CHECK(exited_with(wait_child(pid, 30000), 0));
}

namespace {

// N spinners (N = CPUs in the mask), each writing one byte per chunk of work to a shared pipe: its
// index, with 0x80 set if `pinned` and getcpu disagreed with its CPU. The parent reads the bytes (one
// poll each) until every spinner has reported kReports times; a spinner silent for kMaxGap polls of
// the others starves. A spinner that never runs at all fails the same way, unless none run, which
// leaves the parent blocked in read until the runner's timeout.
void spinners_all_progress(bool pinned) {
    constexpr long kReports = 20, kMaxGap = 50000;
    const CpuSet all = affinity_of();
    const unsigned n = all.count();
    REQUIRE(n >= 1 && n <= 64);
    Pipe p;
    REQUIRE(p.ok());
    long pids[64];
    for (unsigned k = 0; k < n; ++k) {
        pids[k] = fork();
        REQUIRE(pids[k] >= 0);
        if (pids[k] == 0) {
            const unsigned c = all.nth(k);
            bool wrong = pinned && pin(CpuSet::only(c)) != 0;
            for (;;) {
                spin(50000);
                wrong = wrong || (pinned && this_cpu() != c);
                const unsigned char b = static_cast<unsigned char>(k | (wrong ? 0x80 : 0));
                write(p.w, &b, 1);
            }
        }
    }
    long count[64] = {}, last[64] = {}, worst_gap = 0, polls = 0, wrong = 0;
    unsigned done = 0;
    bool starved = false;
    while (done < n && !starved) {
        unsigned char buf[64];
        const long r = read(p.r, buf, sizeof buf);
        if (r <= 0) break;
        for (long i = 0; i < r; ++i) {
            const unsigned k = buf[i] & 0x3f;
            wrong += (buf[i] & 0x80) != 0;
            ++polls;
            if (k < n) {
                if (polls - last[k] > worst_gap) worst_gap = polls - last[k];
                last[k] = polls;
                if (++count[k] == kReports) ++done;
            }
        }
        for (unsigned k = 0; k < n; ++k)
            if (count[k] < kReports && polls - last[k] > kMaxGap) starved = true;
    }
    for (unsigned k = 0; k < n; ++k) kill(static_cast<int>(pids[k]), SIGKILL);
    long killed = 0;
    for (unsigned k = 0; k < n; ++k) killed += killed_by(wait_child(pids[k], 30000), SIGKILL);
    note("%u spinners, %ld reports, longest silence %ld reports of the others", n, polls, worst_gap);
    for (unsigned k = 0; k < n; ++k)
        if (count[k] < kReports) note("spinner %u (CPU %u): %ld reports, last at %ld", k, all.nth(k), count[k], last[k]);
    CHECK(!starved);
    CHECK_EQ(done, n);
    CHECK_EQ(wrong, 0l);
    CHECK_EQ(killed, static_cast<long>(n));
}

}  // namespace

UTEST_TIMEOUT(spinners_on_every_cpu_all_progress, 120000) { spinners_all_progress(false); }
UTEST_TIMEOUT(pinned_spinners_on_every_cpu_all_progress, 120000) { spinners_all_progress(true); }

namespace {

struct BombResult {
    long forked = 0, err = 0, reaped = 0, bad = 0;
    long phase = 0;  // 1: after forking; 2: after reaping
};

// One bomber per CPU, pinned there, each forking children until fork fails (or the cap under
// qemu-aarch64, where root has no process limit). Every child says it runs, then blocks until the
// gate closes; each bomber reaps its own. Returns the totals (err: a failing fork's result, 0 if
// all stopped at the cap).
BombResult bomb_round(const CpuSet& all, long cap) {
    const unsigned n = all.count();
    BombResult total;
    int gate[2], alive[2], results[2];
    if (pipe2(gate, 0) || pipe2(alive, 0) || pipe2(results, 0)) return total;
    long bombers[64];
    for (unsigned b = 0; b < n; ++b) {
        bombers[b] = fork();
        if (bombers[b] < 0) return total;
        if (bombers[b] != 0) continue;
        close(gate[1]);  // only the parent holds the gate open
        (void)pin(CpuSet::only(all.nth(b)));
        BombResult r;
        while (cap == 0 || r.forked < cap) {
            const long pid = fork();
            if (pid == 0) {
                char c = 'a';
                write(alive[1], &c, 1);
                read(gate[0], &c, 1);  // end of file when the parent closes the gate
                exit_group(0);
            }
            if (pid < 0) {
                r.err = pid;
                break;
            }
            ++r.forked;
        }
        r.phase = 1;
        write(results[1], &r, sizeof r);
        for (int status; wait4(-1, &status, 0) > 0;) {
            ++r.reaped;
            r.bad += !exited_with(status, 0);
        }
        r.phase = 2;
        write(results[1], &r, sizeof r);
        exit_group(0);
    }
    close(gate[0]);
    // A bomber whose first fork fails has no child to wait for: its second report may come before
    // another bomber's first. Each report says which it is.
    unsigned firsts = 0, seconds = 0;
    const auto take = [&](const BombResult& r) {
        if (r.phase == 1) {
            ++firsts;
            total.forked += r.forked;
            if (r.err) total.err = r.err;
        } else {
            ++seconds;
            total.reaped += r.reaped;
            total.bad += r.bad;
        }
    };
    while (firsts < n) {
        BombResult r;
        if (!read_exact(results[0], &r, sizeof r)) break;
        take(r);
    }
    long started = 0;
    char buf[256];
    while (started < total.forked) {
        const long got = read(alive[0], buf, sizeof buf < static_cast<std::size_t>(total.forked - started)
                                                 ? sizeof buf : static_cast<std::size_t>(total.forked - started));
        if (got <= 0) break;
        started += got;
    }
    close(gate[1]);  // every child sees end of file and exits
    while (seconds < n) {
        BombResult r;
        if (!read_exact(results[0], &r, sizeof r)) break;
        take(r);
    }
    for (unsigned b = 0; b < n; ++b) total.bad += !exited_with(wait_child(bombers[b], 60000), 0);
    if (started != total.forked) total.bad += 1000000;  // a child that never ran
    close(alive[0]);
    close(alive[1]);
    close(results[0]);
    close(results[1]);
    return total;
}

}  // namespace

UTEST_TIMEOUT(fork_bomb_from_every_cpu_is_survived, 240000) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1 && all.count() <= 64);
    long cap = 0;
    const char* env = getenv("UTEST_FORK_LIMIT");
    if (!(env && parse_long(env, &cap) && cap > 0)) cap = 0;
    const long per_bomber = cap ? (cap + all.count() - 1) / all.count() : 0;
    const BombResult one = bomb_round(all, per_bomber);
    const BombResult two = bomb_round(all, per_bomber);
    note("%u bombers: %ld then %ld children, fork returned %ld, %ld", all.count(), one.forked, two.forked, one.err, two.err);
    for (const BombResult* r : {&one, &two}) {
        CHECK(r->forked > 0);
        if (r->err) CHECK(r->err == -EAGAIN || r->err == -ENOMEM);
        else CHECK(cap != 0);  // not bounded by the kernel within the cap
        CHECK_EQ(r->reaped, r->forked);
        CHECK_EQ(r->bad, 0l);
    }
    // Everything came back: the process limit gives exactly as many again; memory nearly so.
    if (one.err == -EAGAIN && two.err == -EAGAIN) CHECK_EQ(two.forked, one.forked);
    else CHECK(two.forked * 10 >= one.forked * 9);
}

namespace {

struct alignas(16) VecFile {
    std::uint64_t lane[64];  // v0..v31, two 64-bit lanes each
};

// Loads v0-v31 from `in`, calls sched_setaffinity(0, len, mask) with all of them live, stores them
// to `out`; returns the call's result. Every vector register is clobbered, so the compiler keeps
// nothing of its own there (this file is built -mgeneral-regs-only: it has none anyway).
long move_with_vectors(const VecFile* in, VecFile* out, std::size_t len, const unsigned long* mask) {
    register long x0 asm("x0") = 0;
    register long x1 asm("x1") = static_cast<long>(len);
    register long x2 asm("x2") = arg(mask);
    asm volatile(
        "ldp q0, q1, [%3, #0]\n ldp q2, q3, [%3, #32]\n ldp q4, q5, [%3, #64]\n ldp q6, q7, [%3, #96]\n"
        "ldp q8, q9, [%3, #128]\n ldp q10, q11, [%3, #160]\n ldp q12, q13, [%3, #192]\n"
        "ldp q14, q15, [%3, #224]\n ldp q16, q17, [%3, #256]\n ldp q18, q19, [%3, #288]\n"
        "ldp q20, q21, [%3, #320]\n ldp q22, q23, [%3, #352]\n ldp q24, q25, [%3, #384]\n"
        "ldp q26, q27, [%3, #416]\n ldp q28, q29, [%3, #448]\n ldp q30, q31, [%3, #480]\n"
        "mov x8, #122\n svc #0\n"
        "stp q0, q1, [%4, #0]\n stp q2, q3, [%4, #32]\n stp q4, q5, [%4, #64]\n stp q6, q7, [%4, #96]\n"
        "stp q8, q9, [%4, #128]\n stp q10, q11, [%4, #160]\n stp q12, q13, [%4, #192]\n"
        "stp q14, q15, [%4, #224]\n stp q16, q17, [%4, #256]\n stp q18, q19, [%4, #288]\n"
        "stp q20, q21, [%4, #320]\n stp q22, q23, [%4, #352]\n stp q24, q25, [%4, #384]\n"
        "stp q26, q27, [%4, #416]\n stp q28, q29, [%4, #448]\n stp q30, q31, [%4, #480]\n"
        : "+r"(x0), "+r"(x1), "+r"(x2)
        : "r"(in), "r"(out)
        : "x8", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
          "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28",
          "v29", "v30", "v31");
    return x0;
}

std::uint64_t read_fpcr() {
    std::uint64_t v;
    asm volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}
void write_fpcr(std::uint64_t v) { asm volatile("msr fpcr, %0" ::"r"(v)); }

}  // namespace

// The process moves itself to every allowed CPU in turn, many times, each move a
// sched_setaffinity made with all 32 vector registers (and FPCR's rounding mode) live.
UTEST_TIMEOUT(vector_registers_survive_migration, 60000) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1);
    constexpr std::uint64_t kRoundTowardZero = 3ull << 22;
    const std::uint64_t fpcr = read_fpcr();
    write_fpcr((fpcr & ~(3ull << 22)) | kRoundTowardZero);
    long changed = 0, failed = 0, elsewhere = 0, moves = 0;
    for (int round = 0; round < 40; ++round) {
        for (unsigned i = 0; i < all.count(); ++i) {
            const unsigned c = all.nth(i);
            const CpuSet target = CpuSet::only(c);
            VecFile in, out;
            for (int l = 0; l < 64; ++l)
                in.lane[l] = 0x0123'4567'89ab'cdefull * static_cast<std::uint64_t>(l + 1) ^ (static_cast<std::uint64_t>(round) << 48) ^ c;
            failed += move_with_vectors(&in, &out, sizeof target.bits, target.bits) != 0;
            elsewhere += this_cpu() != c;
            for (int l = 0; l < 64; ++l) changed += in.lane[l] != out.lane[l];
            ++moves;
        }
    }
    const std::uint64_t mode = read_fpcr() & (3ull << 22);
    write_fpcr(fpcr);
    note("%ld moves over %u CPUs", moves, all.count());
    CHECK_EQ(failed, 0l);
    CHECK_EQ(elsewhere, 0l);
    CHECK_EQ(changed, 0l);
    CHECK_EQ(mode, kRoundTowardZero);
}

// SIGKILL sent from one CPU while the child, on another, is on its way into a sleep or a blocking
// read: the kill must end it whichever side of the child's last check it lands on (a kill that finds
// the child still running wakes no one, so the child must see it before it blocks). The parent's
// spin before the kill varies so the kills land all over the child's way in.
UTEST_TIMEOUT(sigkill_racing_a_child_into_sleep_or_read_always_ends_it, 120000) {
    const CpuSet all = affinity_of();
    REQUIRE(all.count() >= 1);
    const unsigned parent_cpu = all.nth(0), child_cpu = all.nth(all.count() > 1 ? 1 : 0);
    REQUIRE(pin(CpuSet::only(parent_cpu)) == 0);
    long not_killed = 0;
    constexpr int kRounds = 400;
    for (int i = 0; i < kRounds; ++i) {
        int p[2];
        REQUIRE(pipe2(p, 0) == 0);
        const long pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            pin(CpuSet::only(child_cpu));
            if (i % 2) {
                const Timespec t{60, 0};
                nanosleep(&t, nullptr);
            } else {
                char c;
                read(p[0], &c, 1);  // the parent holds the write end: blocks until killed
            }
            exit_group(1);
        }
        spin((i * 997) % 20000);
        CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
        int status = 0;
        CHECK_EQ(wait4(static_cast<int>(pid), &status, 0), pid);
        not_killed += !killed_by(status, SIGKILL);
        close(p[0]);
        close(p[1]);
    }
    pin(all);
    note("%d kills from CPU %u at a child going to sleep on CPU %u", kRounds, parent_cpu, child_cpu);
    CHECK_EQ(not_killed, 0l);
}
