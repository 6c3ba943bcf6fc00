// Panic: a loud, complete report (registers, decoded cause, faulting address, backtrace with symbol
// names, the running task), then exit QEMU with a failing status under tests, or halt.
#pragma once

#include <cstdint>

#include "arch/aarch64/trap_frame.h"
#include "lib/panic.h"  // panic(fmt, ...) itself: declared there for every layer

namespace kernel {

// BRK immediate used by panic(): the trap handler reports it with x0 = the message.
inline constexpr unsigned kPanicBrkImmediate = 0x900;

[[noreturn]] void panic_frame(const arch::TrapFrame& f, const char* reason);
void print_backtrace(std::uint64_t fp, std::uint64_t pc);
// Tests and benchmarks set this: a panic then leaves QEMU through semihosting with status 1.
void set_exit_on_panic(bool on);
bool exit_on_panic();
// The scheduler tells panic who is running; "boot" until then.
void set_current_task_describer(void (*describe)(char* buf, unsigned size));

}  // namespace kernel
