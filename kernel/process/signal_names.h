// Linux's signal names (portable, host-tested): the one table the fault report, the monitor's kill
// and its job reports share.
#pragma once

namespace kernel {

// "SIGTERM" for 15; nullptr for a number without a name (0, the real-time signals 32..64, out of range).
const char* signal_name(int sig);
// "TERM", "SIGTERM", "term", "15" -> 15; "0" -> 0 (the existence check); -1 when unknown.
int signal_number(const char* s);

}  // namespace kernel
