// The monitor's `kill` (portable, host-tested): the command's arguments (signal names and numbers
// in kernel/process/signal_names.h), in the forms procps and busybox accept:
//   kill [-s SIG | -SIG | -NUM | -n NUM] [--] TARGET...     kill -l [SIG]
// TARGET: a PID; %N, job N; kN or (after -t) N, a kernel task by its id, shown as kN by `ps`.
// "--" ends the options. No process groups (0, -1, -PGID): the monitor is no process, and has none.
#pragma once

#include <cstdint>

#include "kernel/monitor/monitor_args.h"
#include "kernel/process/signal_names.h"

namespace kernel::monitor {

enum class TargetKind { Pid, Job, Task };
struct KillTarget {
    TargetKind kind;
    std::int64_t id;  // PID, job number or task id
};

struct KillRequest {
    bool list = false;        // kill -l: list the names (list_signal < 0) or name list_signal
    int list_signal = -1;
    int signal = 15;          // SIGTERM unless asked otherwise
    KillTarget targets[kMaxArgs];
    int count = 0;
};

enum class KillError { None, Usage, BadSignal, BadTarget };
struct KillParse {
    KillError error = KillError::None;
    const char* word = nullptr;  // the argument at fault
};
// argv[0] is "kill". Usage: no target, an unknown option or a missing option argument.
KillParse parse_kill(int argc, char* const* argv, KillRequest& out);

}  // namespace kernel::monitor
