// fpu: checks that the kernel keeps each process's FP/SIMD state (v0-v31, FPCR, FPSR) intact across
// system calls, sched_yield and preemption; exits 0 if so, 1 otherwise.

// Forks kWorkers processes that run at the same time, each with its own register patterns and its
// own arithmetic. The only program built with FP/SIMD enabled (no -mgeneral-regs-only).
#include "user/lib/user.h"

using namespace user;

namespace {

constexpr int kWorkers = 3;
constexpr int kRounds = 200;

struct alignas(16) VecFile {
    std::uint64_t lane[64];   // v0..v31, 2 x 64 bits each
};

// Loads v0-v31 from `in`, makes a sched_yield system call (x8 = 124, result in x0) with all of
// them live, and stores them to `out`. Every vector register is named as clobbered so the compiler
// saves the callee-saved ones (v8-v15) around this.
void yield_with_vectors(const VecFile* in, VecFile* out) {
    asm volatile(
        "ldp q0, q1, [%0, #0]\n ldp q2, q3, [%0, #32]\n ldp q4, q5, [%0, #64]\n ldp q6, q7, [%0, #96]\n"
        "ldp q8, q9, [%0, #128]\n ldp q10, q11, [%0, #160]\n ldp q12, q13, [%0, #192]\n"
        "ldp q14, q15, [%0, #224]\n ldp q16, q17, [%0, #256]\n ldp q18, q19, [%0, #288]\n"
        "ldp q20, q21, [%0, #320]\n ldp q22, q23, [%0, #352]\n ldp q24, q25, [%0, #384]\n"
        "ldp q26, q27, [%0, #416]\n ldp q28, q29, [%0, #448]\n ldp q30, q31, [%0, #480]\n"
        "mov x8, #124\n svc #0\n"
        "stp q0, q1, [%1, #0]\n stp q2, q3, [%1, #32]\n stp q4, q5, [%1, #64]\n stp q6, q7, [%1, #96]\n"
        "stp q8, q9, [%1, #128]\n stp q10, q11, [%1, #160]\n stp q12, q13, [%1, #192]\n"
        "stp q14, q15, [%1, #224]\n stp q16, q17, [%1, #256]\n stp q18, q19, [%1, #288]\n"
        "stp q20, q21, [%1, #320]\n stp q22, q23, [%1, #352]\n stp q24, q25, [%1, #384]\n"
        "stp q26, q27, [%1, #416]\n stp q28, q29, [%1, #448]\n stp q30, q31, [%1, #480]\n"
        :
        : "r"(in), "r"(out)
        : "x0", "x8", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12",
          "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
          "v28", "v29", "v30", "v31");
}

// The same around fork (clone with SIGCHLD): both parent and child must come back with `in`.
// Returns fork's result.
long fork_with_vectors(const VecFile* in, VecFile* out) {
    register long x0 asm("x0");
    asm volatile(
        "ldp q0, q1, [%1, #0]\n ldp q2, q3, [%1, #32]\n ldp q4, q5, [%1, #64]\n ldp q6, q7, [%1, #96]\n"
        "ldp q8, q9, [%1, #128]\n ldp q10, q11, [%1, #160]\n ldp q12, q13, [%1, #192]\n"
        "ldp q14, q15, [%1, #224]\n ldp q16, q17, [%1, #256]\n ldp q18, q19, [%1, #288]\n"
        "ldp q20, q21, [%1, #320]\n ldp q22, q23, [%1, #352]\n ldp q24, q25, [%1, #384]\n"
        "ldp q26, q27, [%1, #416]\n ldp q28, q29, [%1, #448]\n ldp q30, q31, [%1, #480]\n"
        "mov x0, #17\n mov x1, #0\n mov x2, #0\n mov x3, #0\n mov x4, #0\n mov x8, #220\n svc #0\n"
        "stp q0, q1, [%2, #0]\n stp q2, q3, [%2, #32]\n stp q4, q5, [%2, #64]\n stp q6, q7, [%2, #96]\n"
        "stp q8, q9, [%2, #128]\n stp q10, q11, [%2, #160]\n stp q12, q13, [%2, #192]\n"
        "stp q14, q15, [%2, #224]\n stp q16, q17, [%2, #256]\n stp q18, q19, [%2, #288]\n"
        "stp q20, q21, [%2, #320]\n stp q22, q23, [%2, #352]\n stp q24, q25, [%2, #384]\n"
        "stp q26, q27, [%2, #416]\n stp q28, q29, [%2, #448]\n stp q30, q31, [%2, #480]\n"
        : "=r"(x0)
        : "r"(in), "r"(out)
        : "x1", "x2", "x3", "x4", "x8", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
          "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
          "v26", "v27", "v28", "v29", "v30", "v31");
    return x0;
}

// Every vector register, as the program finds them.
void read_vectors(VecFile* out) {
    asm volatile(
        "stp q0, q1, [%0, #0]\n stp q2, q3, [%0, #32]\n stp q4, q5, [%0, #64]\n stp q6, q7, [%0, #96]\n"
        "stp q8, q9, [%0, #128]\n stp q10, q11, [%0, #160]\n stp q12, q13, [%0, #192]\n"
        "stp q14, q15, [%0, #224]\n stp q16, q17, [%0, #256]\n stp q18, q19, [%0, #288]\n"
        "stp q20, q21, [%0, #320]\n stp q22, q23, [%0, #352]\n stp q24, q25, [%0, #384]\n"
        "stp q26, q27, [%0, #416]\n stp q28, q29, [%0, #448]\n stp q30, q31, [%0, #480]\n"
        :
        : "r"(out)
        : "memory");
}

std::uint64_t read_fpcr() {
    std::uint64_t v;
    asm volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}
void write_fpcr(std::uint64_t v) { asm volatile("msr fpcr, %0" ::"r"(v)); }
std::uint64_t read_fpsr() {
    std::uint64_t v;
    asm volatile("mrs %0, fpsr" : "=r"(v));
    return v;
}
void write_fpsr(std::uint64_t v) { asm volatile("msr fpsr, %0" ::"r"(v)); }

// sqrt by Newton's method: no libm, and a long dependent chain of FP operations.
double newton_sqrt(double x) {
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 60; ++i) r = 0.5 * (r + x / r);
    return r;
}

double abs_diff(double a, double b) { return a > b ? a - b : b - a; }

int s_failures = 0;
void fail(int worker, const char* what, long detail) {
    printf("fpu: worker %d: %s (%ld)\n", worker, what, detail);
    ++s_failures;
}

void check_vectors(int worker, int round) {
    VecFile in, out;
    for (int i = 0; i < 64; ++i)
        in.lane[i] = 0x0101010101010101ull * static_cast<std::uint64_t>(worker + 1) ^ (static_cast<std::uint64_t>(i) << 40) ^
                     static_cast<std::uint64_t>(round);
    yield_with_vectors(&in, &out);
    for (int i = 0; i < 64; ++i) {
        if (in.lane[i] != out.lane[i]) {
            fail(worker, "vector register changed across sched_yield, lane", i);
            return;
        }
    }
}

// FPCR's rounding mode (bits 23:22) and FPSR's cumulative flags are per-process state too.
void check_control(int worker) {
    constexpr std::uint64_t kRoundTowardZero = 3ull << 22;
    const std::uint64_t flags = worker % 2 ? 0x1f : 0x10;   // IOC|DZC|OFC|UFC|IXC, or IXC
    const std::uint64_t fpcr = read_fpcr();
    write_fpcr((fpcr & ~(3ull << 22)) | (worker % 2 ? kRoundTowardZero : 0));
    write_fpsr(flags);
    sched_yield();
    const std::uint64_t mode = read_fpcr() & (3ull << 22);
    if (mode != (worker % 2 ? kRoundTowardZero : 0)) fail(worker, "FPCR rounding mode changed", static_cast<long>(mode));
    if ((read_fpsr() & 0x1f) != flags) fail(worker, "FPSR flags changed", static_cast<long>(read_fpsr()));
    // Round toward zero really applies: 1 + 2^-60 rounds down to 1 either way, but 1 - 2^-60 gives
    // the largest double below 1 under RZ and 1.0 under round-to-nearest.
    volatile double tiny = 1.0 / (1ull << 60);
    const double r = 1.0 - tiny;
    if ((worker % 2 == 1) != (r < 1.0)) fail(worker, "rounding mode not in effect", worker);
    write_fpcr(fpcr);
    write_fpsr(0);
}

// Arithmetic with many live FP values; the result is compared with the same computation done
// before any yield, so a lost register shows up as a mismatch. noipa: one body for both runs, so the
// compiler cannot contract or reorder the two differently and make them differ in the last bit.
__attribute__((noipa)) double workload(int worker, int round, bool yield) {
    double acc[8];
    for (int i = 0; i < 8; ++i) acc[i] = worker * 10.0 + i + round * 0.001;
    for (int step = 0; step < 50; ++step) {
        for (int i = 0; i < 8; ++i) acc[i] = acc[i] * 1.0000001 + newton_sqrt(acc[(i + 1) % 8] + step);
        if (yield && step % 10 == 0) sched_yield();
    }
    double sum = 0;
    for (double a : acc) sum += a;
    return sum;
}

int worker_main(int worker) {
    for (int round = 0; round < kRounds; ++round) {
        check_vectors(worker, round);
        if (round % 20 == 0) check_control(worker);
        const double expected = workload(worker, round, false);
        const double got = workload(worker, round, true);
        if (got != expected) fail(worker, "FP result changed when yielding, round", round);
        if (s_failures > 5) break;
    }
    // Known values, so a systematically wrong FPU (not just lost state) fails too.
    if (abs_diff(newton_sqrt(2.0), 1.4142135623730951) > 1e-15) fail(worker, "sqrt(2) wrong", 0);
    if (abs_diff(newton_sqrt(1e10), 1e5) > 1e-9) fail(worker, "sqrt(1e10) wrong", 0);
    return s_failures ? 1 : 0;
}

}  // namespace

// A new program finds every FP/SIMD register zero (nothing of another program leaks into it), and
// a fork child inherits its parent's registers.
void check_start_and_fork() {
    VecFile at_start;
    read_vectors(&at_start);  // first: nothing has used FP yet
    for (int i = 0; i < 64; ++i) {
        if (at_start.lane[i] != 0) {
            fail(-1, "vector register not zero at program start, lane", i);
            break;
        }
    }
    if (read_fpsr() != 0) fail(-1, "FPSR not zero at program start", static_cast<long>(read_fpsr()));
    VecFile in, out;
    for (int i = 0; i < 64; ++i) in.lane[i] = 0x5a5a'0000'0000'0000ull ^ (static_cast<std::uint64_t>(i) * 0x0123'4567);
    const long pid = fork_with_vectors(&in, &out);
    bool same = true;
    for (int i = 0; i < 64; ++i) same = same && in.lane[i] == out.lane[i];
    if (pid == 0) exit_group(same ? 0 : 1);
    if (pid < 0) die("fork failed: %ld", pid);
    if (!same) fail(-1, "parent's vector registers changed across fork", 0);
    int status = 0;
    if (wait4(static_cast<int>(pid), &status, 0) != pid || !wifexited(status) || wexitstatus(status) != 0)
        fail(-1, "fork child did not inherit the vector registers", status);
}

int main(int, char**, char**) {
    check_start_and_fork();
    long pids[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        pids[w] = fork();
        if (pids[w] == 0) exit_group(worker_main(w));
        if (pids[w] < 0) die("fork failed: %ld", pids[w]);
    }
    int bad = 0;
    for (int w = 0; w < kWorkers; ++w) {
        int status = 0;
        const long r = wait4(static_cast<int>(pids[w]), &status, 0);
        if (r != pids[w] || !wifexited(status) || wexitstatus(status) != 0) {
            printf("fpu: worker %d (pid %ld) failed: status 0x%x\n", w, pids[w], status);
            ++bad;
        }
    }
    bad += s_failures;
    printf("fpu: %d workers x %d rounds: %s\n", kWorkers, kRounds, bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}
