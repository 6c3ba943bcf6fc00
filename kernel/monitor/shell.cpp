// The kernel monitor (the console shell): reads lines with the line editor, runs commands from a
// table. The commands about programs and tasks (run, jobs, ps, cpus, kill) are in shell_programs.cpp.
#include "kernel/monitor/shell.h"

#include "hal/psci.h"
#include "hal/timer.h"
#include "kernel/bench.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/monitor/line_editor.h"
#include "kernel/monitor/demo_tasks.h"
#include "kernel/fs/initramfs.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/monitor/monitor_args.h"
#include "kernel/monitor/shell_programs.h"
#include "kernel/syscall/strace.h"
#include "lib/string.h"

namespace kernel::shell {

namespace {

using monitor::ParsedLine;

struct Command {
    const char* name;
    const char* usage;
    const char* help;
    bool (*fn)(const ParsedLine& line);  // false: bad usage
};

bool cmd_help(const ParsedLine&);

bool cmd_uptime(const ParsedLine& line) {
    if (line.argc != 1) return false;
    const std::uint64_t ns = hal::timer::uptime_ns();
    kprintf("up %llu.%06llu s, %llu ticks at %u Hz\n", static_cast<unsigned long long>(ns / 1'000'000'000u),
            static_cast<unsigned long long>((ns / 1000) % 1'000'000u),
            static_cast<unsigned long long>(hal::timer::ticks()), hal::timer::hz());
    return true;
}

bool cmd_poweroff(const ParsedLine&) {
    kprintf("powering off\n");
    hal::psci::system_off();
}

bool cmd_reboot(const ParsedLine&) {
    kprintf("rebooting\n");
    hal::psci::system_reset();
}

bool cmd_spawn(const ParsedLine& line) {
    if (line.argc != 2) return false;
    const char* name = line.argv[1];
    auto t = demo::spawn(name);
    if (!t.ok()) {
        if (t.error() == lib::Error::InvalidArgument)
            kprintf("error: spawn: unknown demo task '%s' (counter, spinner or sleeper)\n", name);
        else
            kprintf("error: spawn: %s\n", lib::error_name(t.error()));
        return true;
    }
    kprintf("spawned %s as kernel task k%llu\n", name, static_cast<unsigned long long>(t.value()->id));
    return true;
}

bool cmd_ls(const ParsedLine& line) {
    if (line.argc != 1) return false;
    const CpioArchive* fs = initramfs::archive();
    if (!fs) {
        kprintf("error: ls: no initramfs\n");
        return true;
    }
    fs->for_each([](const CpioEntry& e) {
        kprintf("%c %8zu  %.*s\n", is_directory(e) ? 'd' : is_regular(e) ? '-' : 'l', e.size,
                static_cast<int>(e.name_len), e.name);
    });
    return true;
}

bool cmd_mem(const ParsedLine& line) {
    if (line.argc != 1) return false;
    memory::print_stats();
    return true;
}

bool cmd_test(const ParsedLine& line) {
    if (line.argc > 2) return false;
    const char* sel = line.argc == 2 ? line.argv[1] : "all";
    if (line.argc == 2 && lib::string_compare(sel, "list") == 0) {
        ktest::list();
        return true;
    }
    ktest::run(sel, lib::string_length(sel));
    return true;
}

bool cmd_bench(const ParsedLine& line) {
    if (line.argc > 2) return false;
    const char* sel = line.argc == 2 ? line.argv[1] : "all";
    bench::run(sel, lib::string_length(sel));
    return true;
}

// strace PID|all|off: log system calls as strace prints them (kernel/syscall/strace.h); bare: the state.
bool cmd_strace(const ParsedLine& line) {
    if (line.argc > 2) return false;
    if (line.argc == 2) {
        int t = 0;
        if (!strace::parse_target(StrView{line.argv[1], lib::string_length(line.argv[1])}, t)) return false;
        strace::set_target(t);
    }
    const int t = strace::target();
    if (t == 0) kprintf("strace: off\n");
    else if (t == strace::kAll) kprintf("strace: every process\n");
    else kprintf("strace: pid %d\n", t);
    return true;
}

// One line each in `help` (80 columns).
const Command kCommands[] = {
    {"help", "help", "list commands", cmd_help},
    {"uptime", "uptime", "time since boot and ticks", cmd_uptime},
    {"ps", "ps", "processes by PID, then kernel tasks (kN), with CPUs", cmd_ps},
    {"cpus", "cpus", "each CPU: current task, queue, switches, idle time", cmd_cpus},
    {"run", "run PROGRAM [ARGS] [&]", "a program; bare names from /bin /sbin /usr/bin", cmd_run},
    {"jobs", "jobs", "background jobs and their state", cmd_jobs},
    {"kill", "kill [-SIG] PID|%JOB|kN...", "signal (default TERM, -l: list); kN ends a task", cmd_kill},
    {"spawn", "spawn counter|spinner|sleeper", "start a demo kernel task", cmd_spawn},
    {"ls", "ls", "list the initramfs", cmd_ls},
    {"mem", "mem", "frames, heap use, kernel tables", cmd_mem},
    {"strace", "strace [PID|all|off]", "log system calls as strace prints them", cmd_strace},
    {"test", "test [SUITE|list]", "run in-kernel test suites (default: all)", cmd_test},
    {"bench", "bench [NAME]", "run benchmarks (exact only under make bench)", cmd_bench},
    {"reboot", "reboot", "reset the machine (PSCI SYSTEM_RESET)", cmd_reboot},
    {"poweroff", "poweroff", "power off (PSCI SYSTEM_OFF)", cmd_poweroff},
};

bool cmd_help(const ParsedLine&) {
    for (const Command& c : kCommands) kprintf("  %-30s %s\n", c.usage, c.help);
    kprintf("Ctrl-C sends SIGINT to the program run in the foreground; '&' makes it a job (%%N).\n"
            "Keys: arrows, Home, End, Delete, Ctrl-A/E/K/U/W; Up and Down: the last %zu lines.\n",
            LineEditor::kHistory);
    return true;
}

void echo(const char* s, std::size_t n, void*) { console::write(s, n); }

}  // namespace

bool execute(char* text) {
    ParsedLine line;
    if (const auto e = monitor::split_line(text, line); e != monitor::ParseError::None) {
        kprintf("error: %s\n", monitor::parse_error_message(e));
        return false;
    }
    if (line.argc == 0) {
        if (!line.background) return true;
        kprintf("error: '&' needs a command before it\n");
        return false;
    }
    for (const Command& c : kCommands) {
        if (lib::string_compare(line.argv[0], c.name) != 0) continue;
        if (line.background && c.fn != cmd_run) {
            kprintf("error: only 'run' starts background jobs\n");
            return false;
        }
        if (!c.fn(line)) {
            kprintf("error: bad arguments; usage: %s\n", c.usage);
            return false;
        }
        return true;
    }
    kprintf("error: unknown command '%s' (type 'help')\n", line.argv[0]);
    return false;
}

void run() {
    // Static: the editor holds its history (kHistory lines), too much for a kernel stack.
    static constinit LineEditor s_editor(echo, nullptr);
    kprintf("type 'help' for commands\n");
    for (;;) {
        report_finished_jobs();
        console::write("> ", 2);
        s_editor.reset();
        for (;;) {
            const auto action = s_editor.feed(console::read_blocking());
            if (action == LineEditor::Action::None) continue;
            if (action == LineEditor::Action::TooLong)
                kprintf("error: line longer than %zu characters: not run\n", LineEditor::kMaxLine);
            if (action == LineEditor::Action::Submit) {
                char line[LineEditor::kMaxLine + 1];
                lib::copy_bytes(line, s_editor.line(), s_editor.length() + 1);
                execute(line);
            }
            break;
        }
    }
}

}  // namespace kernel::shell
