// The panic report. Writes through the console's lock-free path (the lock may be held by whoever
// panicked), lets only one CPU report, and stops a panic inside the report after one short line.
#include "kernel/panic.h"

#include <atomic>
#include <cstdarg>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "hal/semihosting.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/extable.h"
#include "kernel/smp.h"
#include "kernel/symbols.h"
#include "lib/format.h"
#include "lib/kassert.h"

extern "C" const std::uint64_t el1_entry_paths[2];  // [start, end) (arch/aarch64/vectors.S)

namespace kernel {

namespace {
constexpr unsigned kMaxCpus = 16;           // message buffers; more CPUs share them modulo
constexpr unsigned kNoCpu = ~0u;
constexpr unsigned kMaxBacktrace = 32;      // lines

bool s_exit_on_panic = false;
// The CPU that is reporting (kNoCpu while nobody is). Claimed by one compare-exchange, so with
// several CPUs exactly one prints; the others stop silently.
std::atomic<unsigned> s_panic_cpu{kNoCpu};
// How many exceptions the reporting CPU took inside its own report: 1 prints one short line, a
// fault while printing that line (the console itself is what fails) stops without output.
std::atomic<unsigned> s_nested{0};
void (*s_describe_task)(char*, unsigned) = nullptr;

void out(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void out(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::size_t n = lib::vsnformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console::write_panic(buf, n < sizeof buf ? n : sizeof buf - 1);
}

void print_symbol(std::uint64_t addr) {
    Symbol s;
    if (symbolize(addr, s)) out(" %s+0x%llx", s.name, static_cast<unsigned long long>(s.offset));
}

// Stops this CPU: under tests QEMU exits with status 1, otherwise the CPU waits for a debugger.
[[noreturn]] void stop() {
    if (s_exit_on_panic) hal::semihosting::exit(1);
    for (;;) arch::wfi();  // IRQs are masked
}

[[noreturn]] void finish() {
    out("--- end of panic report ---\n");
    stop();
}

// Entered once per report. Returns only on the CPU that reports; a second entry on that CPU (a fault
// or panic inside the report) prints one line and stops, another CPU's entry waits for good.
void begin(const arch::TrapFrame& f) {
    arch::irq_disable();
    const unsigned me = arch::cpu_index();
    unsigned owner = kNoCpu;
    if (!s_panic_cpu.compare_exchange_strong(owner, me)) {
        // Another CPU is reporting: its report is the one to read, and it ends the run (exiting QEMU
        // from here could cut that report short). Park here, interrupts masked, leaving word for
        // that report's line about this CPU.
        if (owner != me) smp::park_after_losing_panic();
        if (s_nested.fetch_add(1) == 0) {
            // The fault may have come from the console itself (its state corrupted): start it afresh
            // on the mapping the early console made. If that faults too, the next entry stops silently.
            console::reset_for_panic();
            out("\n*** nested fault while reporting a panic: pc 0x%016llx", static_cast<unsigned long long>(f.elr));
            print_symbol(f.elr);
            out(", ESR 0x%08llx, address 0x%016llx; stopping\n", static_cast<unsigned long long>(f.esr),
                static_cast<unsigned long long>(f.far));
        }
        stop();
    }
    // Before the timer is set up the counter frequency is unknown: report time 0 rather than divide.
    const std::uint64_t ns = hal::timer::frequency() ? hal::timer::uptime_ns() : 0;
    out("\n[%5llu.%06llu] KERNEL PANIC on CPU %u", static_cast<unsigned long long>(ns / 1'000'000'000u),
        static_cast<unsigned long long>((ns / 1000) % 1'000'000u), me);
    char task[64] = "boot (no scheduler yet)";
    if (s_describe_task) s_describe_task(task, sizeof task);
    out(", task: %s\n", task);
    smp::stop_others_for_panic();  // one line per other CPU: what it ran when it stopped
}

// One backtrace line; a return address is printed as its call instruction (lr - 4).
void print_frame(unsigned depth, std::uint64_t addr) {
    out("  #%-2u 0x%016llx", depth, static_cast<unsigned long long>(addr));
    print_symbol(addr);
    out("\n");
}

bool same_function(std::uint64_t a, std::uint64_t b) {
    Symbol sa, sb;
    return symbolize(a, sa) && symbolize(b, sb) && a - sa.offset == b - sb.offset;
}

bool in_el1_entry_path(std::uint64_t addr) { return addr >= el1_entry_paths[0] && addr < el1_entry_paths[1]; }

// The backtrace of one context and of every context an exception interrupted under it: pc, then
// (when known) lr, then the frame-record chain from fp.
//
// A leaf function (or any function before its prologue stored its frame record, or after its
// epilogue loaded it back) has no record of its own: fp still points at its caller's record, whose
// return address is the caller's caller. The caller is then known only from lr. lr is not a frame
// of its own when it is already the return address in the first record (the faulting function has
// pushed its record and called nothing yet) or lies in the faulting function itself (it has called
// something since). In a recursion through one call site both tests can hide one repetition.
//
// An EL1 exception entry sets x29 to the saved {x29, x30} pair of its trap frame
// (arch/aarch64/vectors.S): a record whose return address lies in an entry path is followed by that
// frame's context, its ELR as pc, the same way. Every read goes through the fault probe, so a
// corrupt chain ends the walk instead of faulting again.
void print_backtrace_from(std::uint64_t fp, std::uint64_t pc, std::uint64_t lr) {
    out("backtrace:\n");
    unsigned depth = 0;
    // Records are 8-byte aligned: the one in a trap frame is at an odd multiple of 8.
    const auto readable = [](std::uint64_t a) { return a != 0 && (a & 7) == 0; };
    for (bool more_contexts = true; more_contexts && depth < kMaxBacktrace;) {
        more_contexts = false;
        print_frame(depth++, pc);
        std::uint64_t first_ret = 0;
        if (readable(fp)) probe_read_u64(fp + 8, first_ret);
        Symbol s;
        if (lr != 0 && lr != first_ret && symbolize(lr - 4, s) && !same_function(lr - 4, pc))
            print_frame(depth++, lr - 4);
        std::uint64_t last_ret = 0, repeats = 0;
        while (readable(fp) && depth < kMaxBacktrace) {
            std::uint64_t next_fp, ret;
            if (!probe_read_u64(fp, next_fp) || !probe_read_u64(fp + 8, ret)) break;
            if (ret == 0) break;
            if (ret == last_ret) {
                ++repeats;  // deep recursion: one line for the whole run of identical frames
            } else {
                if (repeats) out("       ... the frame above repeated %llu more times\n", static_cast<unsigned long long>(repeats));
                repeats = 0;
                last_ret = ret;
                print_frame(depth++, ret - 4);  // the call instruction, not the one after it
            }
            if (in_el1_entry_path(ret - 4)) {
                // next_fp is &frame.x[29]: the interrupted context's x29, x30 there, its pc in ELR.
                const std::uint64_t frame = next_fp - TF_X(29);
                std::uint64_t elr;
                if (!probe_read_u64(frame + TF_ELR, elr) || !probe_read_u64(next_fp, fp) ||
                    !probe_read_u64(next_fp + 8, lr))
                    break;
                out("       --- exception taken here, interrupting: ---\n");
                pc = elr;
                more_contexts = true;
                break;
            }
            if (next_fp <= fp) break;  // stacks grow down: callers' frames are at higher addresses
            fp = next_fp;
        }
        if (repeats) out("       ... the frame above repeated %llu more times\n", static_cast<unsigned long long>(repeats));
    }
}
}  // namespace

void set_exit_on_panic(bool on) { s_exit_on_panic = on; }
bool exit_on_panic() { return s_exit_on_panic; }
void set_current_task_describer(void (*d)(char*, unsigned)) { s_describe_task = d; }

void print_backtrace(std::uint64_t fp, std::uint64_t pc) { print_backtrace_from(fp, pc, 0); }

// A software panic traps (BRK) so the report carries the full register state of the call site, like
// a fault's. The message is formatted first, into a static buffer of this CPU's: the stack may be
// what failed. Once some CPU reports, the buffer is left alone (the report may be reading it).
void panic(const char* fmt, ...) {
    static char messages[kMaxCpus][256];
    char* message = messages[arch::cpu_index() % kMaxCpus];
    va_list ap;
    va_start(ap, fmt);
    if (s_panic_cpu.load() == kNoCpu) lib::vsnformat(message, sizeof messages[0], fmt, ap);
    va_end(ap);
    register const char* x0 asm("x0") = message;
    asm volatile("brk %1" : : "r"(x0), "i"(kPanicBrkImmediate) : "memory");
    __builtin_unreachable();
}

void panic_frame(const arch::TrapFrame& f, const char* reason) {
    begin(f);
    using namespace arch::esr;
    const Class ec = exception_class(f.esr);
    out("reason: %s\n", reason);
    if (ec == Class::Brk64 && svc_imm(f.esr) == kPanicBrkImmediate) {
        out("cause: panic() called (no faulting address)\n");
    } else {
        out("cause: %s (ESR 0x%08llx)", class_name(ec), static_cast<unsigned long long>(f.esr));
        if (is_abort(ec)) {
            const std::uint8_t fsc = fault_status(f.esr);
            out(", %s level %u, %s", fault_kind_name(fault_kind(fsc)), fault_level(fsc),
                ec == Class::DataAbortSame || ec == Class::DataAbortLower
                    ? (abort_is_write(f.esr) ? "write" : "read")
                    : "fetch");
        }
        out("\nfaulting address: 0x%016llx\n", static_cast<unsigned long long>(f.far));
    }
    out("pc  0x%016llx", static_cast<unsigned long long>(f.elr));
    print_symbol(f.elr);
    out("\nlr  0x%016llx", static_cast<unsigned long long>(f.x[30]));
    print_symbol(f.x[30]);
    out("\nsp  0x%016llx  spsr 0x%08llx  sp_el0 0x%016llx\n",
        static_cast<unsigned long long>(reinterpret_cast<std::uint64_t>(&f) + sizeof f),
        static_cast<unsigned long long>(f.spsr), static_cast<unsigned long long>(f.sp_el0));
    for (int i = 0; i < 30; i += 3)
        out("x%-2d 0x%016llx  x%-2d 0x%016llx  x%-2d 0x%016llx\n", i, static_cast<unsigned long long>(f.x[i]),
            i + 1, static_cast<unsigned long long>(f.x[i + 1]), i + 2, static_cast<unsigned long long>(f.x[i + 2]));
    print_backtrace_from(f.x[29], f.elr, f.x[30]);
    finish();
}

}  // namespace kernel

namespace lib {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg) {
    kernel::panic("assertion failed: %s at %s:%d%s%s", expr, file, line, msg ? ": " : "", msg ? msg : "");
}
}  // namespace lib
