// The panic report. Writes through the console's lock-free path (the lock may be held by whoever
// panicked) and guards against panicking while panicking.
#include "kernel/panic.h"

#include <atomic>
#include <cstdarg>

#include "arch/aarch64/cpu.h"
#include "arch/aarch64/esr.h"
#include "hal/semihosting.h"
#include "hal/timer.h"
#include "kernel/console.h"
#include "kernel/extable.h"
#include "kernel/symbols.h"
#include "lib/format.h"
#include "lib/kassert.h"

namespace kernel {

namespace {
bool s_exit_on_panic = false;
std::atomic<int> s_panicking{0};
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

[[noreturn]] void finish() {
    out("--- end of panic report ---\n");
    if (s_exit_on_panic) hal::semihosting::exit(1);
    for (;;) arch::wfi();  // IRQs are masked: stays here for a debugger
}

// Entered once; a second panic (from inside the report) prints one line and stops.
void begin() {
    arch::irq_disable();
    if (s_panicking.fetch_add(1) != 0) {
        console::write_panic("\nnested panic while reporting; stopping\n", 40);
        if (s_exit_on_panic) hal::semihosting::exit(1);
        for (;;) arch::wfi();
    }
    const std::uint64_t ns = hal::timer::uptime_ns();
    out("\n[%5llu.%06llu] KERNEL PANIC on CPU %u", static_cast<unsigned long long>(ns / 1'000'000'000u),
        static_cast<unsigned long long>((ns / 1000) % 1'000'000u), arch::cpu_index());
    char task[64] = "boot (no scheduler yet)";
    if (s_describe_task) s_describe_task(task, sizeof task);
    out(", task: %s\n", task);
}
}  // namespace

void set_exit_on_panic(bool on) { s_exit_on_panic = on; }
bool exit_on_panic() { return s_exit_on_panic; }
void set_current_task_describer(void (*d)(char*, unsigned)) { s_describe_task = d; }

void print_backtrace(std::uint64_t fp, std::uint64_t pc) {
    out("backtrace:\n");
    unsigned depth = 0;
    out("  #%-2u 0x%016llx", depth++, static_cast<unsigned long long>(pc));
    print_symbol(pc);
    out("\n");
    // Frame records: [fp] = caller's fp, [fp+8] = return address. Each read goes through the fault
    // probe so a corrupt chain ends the walk instead of faulting again.
    std::uint64_t last_lr = 0, repeats = 0;
    while (fp != 0 && depth < 32) {
        if (fp & 0xf) break;
        std::uint64_t next_fp, lr;
        if (!probe_read_u64(fp, next_fp) || !probe_read_u64(fp + 8, lr)) break;
        if (lr == 0) break;
        if (lr == last_lr) {
            ++repeats;  // deep recursion: one line for the whole run of identical frames
        } else {
            if (repeats) out("       ... the frame above repeated %llu more times\n", static_cast<unsigned long long>(repeats));
            repeats = 0;
            last_lr = lr;
            out("  #%-2u 0x%016llx", depth++, static_cast<unsigned long long>(lr - 4));
            print_symbol(lr - 4);  // the call instruction, not the one after it
            out("\n");
        }
        if (next_fp <= fp) break;  // stacks grow down: callers' frames are at higher addresses
        fp = next_fp;
    }
    if (repeats) out("       ... the frame above repeated %llu more times\n", static_cast<unsigned long long>(repeats));
}

// A software panic traps (BRK) so the report carries the full register state of the call site, like
// a fault's. The message is formatted first, into a static buffer: the stack may be what failed.
void panic(const char* fmt, ...) {
    static char message[256];
    va_list ap;
    va_start(ap, fmt);
    if (s_panicking.load() == 0) lib::vsnformat(message, sizeof message, fmt, ap);
    va_end(ap);
    register const char* x0 asm("x0") = message;
    asm volatile("brk %1" : : "r"(x0), "i"(kPanicBrkImmediate) : "memory");
    __builtin_unreachable();
}

void panic_frame(const arch::TrapFrame& f, const char* reason) {
    begin();
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
    print_backtrace(f.x[29], f.elr);
    finish();
}

}  // namespace kernel

namespace lib {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* msg) {
    kernel::panic("assertion failed: %s at %s:%d%s%s", expr, file, line, msg ? ": " : "", msg ? msg : "");
}
}  // namespace lib
