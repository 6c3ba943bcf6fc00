// The kernel monitor, the console shell: reads lines with the line editor, runs commands from a
// table (registered statically in shell.cpp; each gets the parsed line).
#pragma once

namespace kernel::shell {

[[noreturn]] void run();
// Runs one command line (split in place). Returns false for an unknown command or bad usage.
bool execute(char* line);

}  // namespace kernel::shell
