// The monitor's `kill`: the command's arguments (signal names: kernel/process/signal_names.cpp).
#include "kernel/monitor/monitor_kill.h"

#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::monitor {

namespace {

bool decimal(const char* s, std::int64_t& out) {
    const auto v = lib::parse_u64(s, lib::string_length(s), 10);
    if (!v.ok() || v.value() > 0x7fffffff) return false;
    out = static_cast<std::int64_t>(v.value());
    return true;
}

}  // namespace

KillParse parse_kill(int argc, char* const* argv, KillRequest& out) {
    out = KillRequest{};
    int i = 1;
    bool signal_given = false, tasks = false;
    auto set_signal = [&](const char* word) {
        const int s = signal_number(word);
        if (s < 0) return false;
        out.signal = s;
        signal_given = true;
        return true;
    };
    for (; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] != '-' || a[1] == 0) break;  // a target ("-" alone is one too, and a bad one)
        if (lib::string_compare(a, "--") == 0) {
            ++i;
            break;
        }
        if (lib::string_compare(a, "-l") == 0 || lib::string_compare(a, "-L") == 0) {
            out.list = true;
            if (i + 1 < argc) {
                // "kill -l 15" names 15; "kill -l 137" names the signal of that exit status, as bash
                std::int64_t n;
                if (i + 2 < argc) return {KillError::Usage, argv[i + 2]};
                const int s = decimal(argv[i + 1], n) ? static_cast<int>(n > 128 ? n - 128 : n)
                                                      : signal_number(argv[i + 1]);
                if (s < 0 || s > abi::kMaxSignal) return {KillError::BadSignal, argv[i + 1]};
                out.list_signal = s;
            }
            return {};
        }
        if (lib::string_compare(a, "-t") == 0) {
            tasks = true;
            continue;
        }
        if (lib::string_compare(a, "-s") == 0 || lib::string_compare(a, "-n") == 0) {
            if (signal_given) return {KillError::Usage, a};
            if (i + 1 == argc) return {KillError::Usage, a};
            if (!set_signal(argv[++i])) return {KillError::BadSignal, argv[i]};
            continue;
        }
        if (signal_given) return {KillError::Usage, a};  // a second signal
        if (!set_signal(a + 1)) return {KillError::BadSignal, a};
    }
    if (i == argc) return {KillError::Usage, nullptr};
    for (; i < argc; ++i) {
        const char* a = argv[i];
        if (out.count == kMaxArgs) return {KillError::Usage, a};
        KillTarget t{TargetKind::Pid, 0};
        bool ok;
        if (a[0] == '%') {
            t.kind = TargetKind::Job;
            ok = decimal(a + 1, t.id) && t.id > 0;
        } else if (a[0] == 'k' || tasks) {
            t.kind = TargetKind::Task;
            ok = decimal(a[0] == 'k' ? a + 1 : a, t.id);
        } else {  // no process groups (0, -1, -PGID): the monitor is not a process
            ok = decimal(a, t.id) && t.id > 0;
        }
        if (!ok) return {KillError::BadTarget, a};
        out.targets[out.count++] = t;
    }
    return {};
}

}  // namespace kernel::monitor
