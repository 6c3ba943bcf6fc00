// The console shell: reads lines, runs commands from a table. Commands are registered statically
// in shell.cpp; each gets argc/argv.
#pragma once

namespace kernel::shell {

[[noreturn]] void run();
// Runs one command line (also used by tests). Returns false for an unknown command or bad usage.
bool execute(char* line);

}  // namespace kernel::shell
