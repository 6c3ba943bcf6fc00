// The monitor's background jobs (portable, host-tested): job numbers for the PIDs `run ... &`
// started, what became of them, and the words a shell prints for a wait status.
#pragma once

#include <cstddef>

#include "lib/result.h"

namespace kernel::monitor {

inline constexpr int kMaxJobs = 16;
inline constexpr std::size_t kJobCommandMax = 48;  // the command as shown (longer ones end in "...")

struct Job {
    int number = 0;         // 0: the slot is free
    int pid = 0;
    bool finished = false;  // reaped; reported (and removed) by take_finished
    int status = 0;         // its wait status once finished
    char command[kJobCommandMax] = {};
};

class JobTable {
public:
    // Records a job (argv: its words, joined for display). The number is the lowest one free, from 1.
    // Busy when kMaxJobs jobs exist.
    lib::Result<int> add(int pid, int argc, const char* const* argv);
    const Job* find(int number) const;   // nullptr when no such job
    const Job* find_pid(int pid) const;
    bool full() const { return m_count == kMaxJobs; }
    int count() const { return m_count; }
    // Records that job `pid` ended with `status`; false when pid is not a job (or already finished).
    bool finish(int pid, int status);
    // Calls fn for each finished job in number order, then forgets them.
    void take_finished(void (*fn)(const Job& job, void* ctx), void* ctx);
    // Calls fn for each job in number order.
    void for_each(void (*fn)(const Job& job, void* ctx), void* ctx) const;

private:
    Job m_jobs[kMaxJobs];  // slot i holds job number i + 1 when used
    int m_count = 0;
};

// What a shell says about a wait status: "Done", "Exit 3", "Killed (SIGTERM)", "Killed (signal 40)".
void describe_status(int wait_status, char* buf, std::size_t size);

}  // namespace kernel::monitor
