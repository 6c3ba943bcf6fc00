// The panic entry point, declared in the lowest layer so that every layer can stop the machine
// without including kernel/ (KASSERT's entry point is lib::assert_failed, lib/kassert.h). The kernel
// defines it (kernel/panic.cpp: the full report, then exit under tests or halt); the host tests,
// which link no kernel, have none.
#pragma once

namespace kernel {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kernel
