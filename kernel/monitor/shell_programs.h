// The monitor's commands about programs and tasks: run (search path, foreground job with Ctrl-C as
// SIGINT, background jobs), jobs, ps (one table: processes by PID, then kernel tasks as kN), cpus
// (one line per online CPU) and kill.
#pragma once

#include "kernel/monitor/monitor_args.h"

namespace kernel::shell {

// Each returns false for bad usage (the caller prints the usage line).
bool cmd_run(const monitor::ParsedLine& line);
bool cmd_jobs(const monitor::ParsedLine& line);
bool cmd_ps(const monitor::ParsedLine& line);
bool cmd_cpus(const monitor::ParsedLine& line);
bool cmd_kill(const monitor::ParsedLine& line);

// Reaps the kernel's children that ended (background jobs are marked done; orphans of the monitor's
// programs, which become the kernel's, are released) and prints "[N] Done  COMMAND" (or "Exit 3",
// "Killed (SIGTERM)") for each background job that ended since the last call: before each prompt.
void report_finished_jobs();

}  // namespace kernel::shell
