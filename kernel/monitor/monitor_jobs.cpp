// The monitor's background jobs.
#include "kernel/monitor/monitor_jobs.h"

#include "kernel/monitor/monitor_kill.h"
#include "lib/format.h"
#include "lib/string.h"

namespace kernel::monitor {

lib::Result<int> JobTable::add(int pid, int argc, const char* const* argv) {
    for (int i = 0; i < kMaxJobs; ++i) {
        Job& j = m_jobs[i];
        if (j.number != 0) continue;
        j = Job{};
        j.number = i + 1;
        j.pid = pid;
        // The words joined by blanks; one that does not fit is cut and the end shows "...".
        constexpr std::size_t kRoom = kJobCommandMax - 1;
        std::size_t n = 0;
        bool cut = false;
        auto put = [&](char c) {
            if (n == kRoom) cut = true;
            else j.command[n++] = c;
        };
        for (int a = 0; a < argc; ++a) {
            if (a) put(' ');
            for (const char* c = argv[a]; *c; ++c) put(*c);
        }
        if (cut) lib::copy_bytes(j.command + kRoom - 3, "...", 3);
        j.command[n] = 0;
        ++m_count;
        return j.number;
    }
    return lib::Error::Busy;
}

const Job* JobTable::find(int number) const {
    if (number < 1 || number > kMaxJobs || m_jobs[number - 1].number == 0) return nullptr;
    return &m_jobs[number - 1];
}

const Job* JobTable::find_pid(int pid) const {
    for (const Job& j : m_jobs)
        if (j.number != 0 && j.pid == pid) return &j;
    return nullptr;
}

bool JobTable::finish(int pid, int status) {
    for (Job& j : m_jobs) {
        if (j.number == 0 || j.pid != pid || j.finished) continue;
        j.finished = true;
        j.status = status;
        return true;
    }
    return false;
}

void JobTable::take_finished(void (*fn)(const Job&, void*), void* ctx) {
    for (Job& j : m_jobs) {
        if (j.number == 0 || !j.finished) continue;
        fn(j, ctx);
        j = Job{};
        --m_count;
    }
}

void JobTable::for_each(void (*fn)(const Job&, void*), void* ctx) const {
    for (const Job& j : m_jobs)
        if (j.number != 0) fn(j, ctx);
}

void describe_status(int wait_status, char* buf, std::size_t size) {
    const int sig = wait_status & 0x7f;
    if (sig == 0) {
        const int code = (wait_status >> 8) & 0xff;
        if (code == 0) lib::snformat(buf, size, "Done");
        else lib::snformat(buf, size, "Exit %d", code);
        return;
    }
    const char* core = (wait_status & 0x80) ? ", core dumped" : "";
    if (const char* name = signal_name(sig)) lib::snformat(buf, size, "Killed (%s%s)", name, core);
    else lib::snformat(buf, size, "Killed (signal %d%s)", sig, core);
}

}  // namespace kernel::monitor
