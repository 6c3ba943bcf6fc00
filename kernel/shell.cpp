// Console shell commands.
#include "kernel/shell.h"

#include "hal/psci.h"
#include "hal/timer.h"
#include "kernel/bench.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/line_editor.h"
#include "kernel/demo_tasks.h"
#include "kernel/initramfs.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/process.h"
#include "lib/string.h"
#include "sched/scheduler.h"

namespace kernel::shell {

namespace {

constexpr int kMaxArgs = 16;

struct Command {
    const char* name;
    const char* usage;
    const char* help;
    bool (*fn)(int argc, char** argv);
};

bool cmd_help(int, char**);

bool cmd_uptime(int, char**) {
    const std::uint64_t ns = hal::timer::uptime_ns();
    kprintf("up %llu.%06llu s, %llu ticks at %u Hz\n", static_cast<unsigned long long>(ns / 1'000'000'000u),
            static_cast<unsigned long long>((ns / 1000) % 1'000'000u),
            static_cast<unsigned long long>(hal::timer::ticks()), hal::timer::hz());
    return true;
}

bool cmd_poweroff(int, char**) {
    kprintf("powering off\n");
    hal::psci::system_off();
}

bool cmd_reboot(int, char**) {
    kprintf("rebooting\n");
    hal::psci::system_reset();
}

void print_task(const sched::TaskInfo& t, void*) {
    kprintf("%5llu %5llu  %-16s %-8s %-6s %9llu %8llu %8llu  %s",
            static_cast<unsigned long long>(t.id), static_cast<unsigned long long>(t.parent_id), t.name,
            sched::state_name(t.state), t.kind == sched::TaskKind::User ? "user" : "kernel",
            static_cast<unsigned long long>(t.cpu_ns / 1'000'000), static_cast<unsigned long long>(t.voluntary),
            static_cast<unsigned long long>(t.involuntary),
            t.idle ? "idle" : t.policy == sched::PolicyKind::FixedPriority ? "fixed-priority" : "round-robin");
    if (t.policy == sched::PolicyKind::FixedPriority && !t.idle) kprintf(" %u", t.priority);
    kprintf("\n");
}

void print_process(const Process& p, void*) {
    kprintf("%5d %5d  %-16s %s\n", p.pid, p.parent ? p.parent->pid : 0, p.name, p.zombie ? "zombie" : "alive");
}

bool cmd_ps(int argc, char**) {
    if (argc != 1) return false;
    kprintf("   ID  PPID  NAME             STATE    KIND     CPU-ms  VOL-SW  INVOL-SW  POLICY\n");
    sched::for_each_task(print_task, nullptr);
    if (process_count()) {
        kprintf("\n  PID  PPID  PROCESS          STATE\n");
        for_each_process(print_process, nullptr);
    }
    return true;
}

bool cmd_kill(int argc, char** argv) {
    if (argc != 2) return false;
    auto id = lib::parse_u64(argv[1], lib::string_length(argv[1]), 10);
    if (!id.ok()) {
        kprintf("error: kill: '%s' is not a task id\n", argv[1]);
        return true;
    }
    if (id.value() == 0) {
        kprintf("error: kill: task 0 is the idle task\n");
        return true;
    }
    auto r = sched::kill(id.value());
    if (!r.ok()) kprintf("error: kill: no task with id %llu\n", static_cast<unsigned long long>(id.value()));
    return true;
}

bool cmd_spawn(int argc, char** argv) {
    if (argc != 2) return false;
    auto t = demo::spawn(argv[1]);
    if (!t.ok()) {
        if (t.error() == lib::Error::InvalidArgument)
            kprintf("error: spawn: unknown demo task '%s' (counter, spinner or sleeper)\n", argv[1]);
        else
            kprintf("error: spawn: %s\n", lib::error_name(t.error()));
        return true;
    }
    kprintf("spawned %s as task %llu\n", argv[1], static_cast<unsigned long long>(t.value()->id));
    return true;
}


// The process that `run` waits for in the foreground; Ctrl-C on the console kills it.
int s_foreground_pid = 0;
void on_console_interrupt() {
    if (s_foreground_pid > 0) kill_from_interrupt(s_foreground_pid, 9);
}

bool cmd_run(int argc, char** argv) {
    if (argc < 2) return false;
    bool background = false;
    if (lib::string_compare(argv[argc - 1], "&") == 0) {
        background = true;
        argv[--argc] = nullptr;
        if (argc < 2) return false;
    }
    const char* envp[] = {"HOME=/", "PATH=/bin", "TERM=vt100", nullptr};
    auto p = spawn_process(argv[1], argv + 1, envp, nullptr);
    if (!p.ok()) {
        kprintf("error: run: cannot start '%s': %s\n", argv[1],
                p.error() == lib::Error::NotFound ? "no such program (or not an executable)" : lib::error_name(p.error()));
        return true;
    }
    const int pid = p.value()->pid;
    if (background) {
        kprintf("[%d] %s\n", pid, argv[1]);
        return true;
    }
    s_foreground_pid = pid;
    console::set_interrupt_handler(on_console_interrupt);
    int status = 0;
    const std::int64_t r = wait_child(nullptr, pid, &status, 0);
    console::set_interrupt_handler(nullptr);
    s_foreground_pid = 0;
    if (r == pid) {
        if ((status & 0x7f) == 0) {
            if ((status >> 8) & 0xff) kprintf("[%d] exited with status %d\n", pid, (status >> 8) & 0xff);
        } else {
            kprintf("[%d] killed by signal %d\n", pid, status & 0x7f);
        }
    }
    return true;
}

bool cmd_ls(int argc, char**) {
    if (argc != 1) return false;
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

bool cmd_mem(int argc, char**) {
    if (argc != 1) return false;
    memory::print_stats();
    return true;
}

bool cmd_test(int argc, char** argv) {
    if (argc > 2) return false;
    const char* sel = argc == 2 ? argv[1] : "all";
    if (argc == 2 && lib::string_compare(sel, "list") == 0) {
        ktest::list();
        return true;
    }
    ktest::run(sel, lib::string_length(sel));
    return true;
}

bool cmd_bench(int argc, char** argv) {
    if (argc > 2) return false;
    const char* sel = argc == 2 ? argv[1] : "all";
    bench::run(sel, lib::string_length(sel));
    return true;
}

const Command kCommands[] = {
    {"help", "help", "list commands", cmd_help},
    {"uptime", "uptime", "time since boot and ticks", cmd_uptime},
    {"ps", "ps", "tasks: id, parent, name, state, kind, CPU ms, switches, policy", cmd_ps},
    {"kill", "kill ID", "terminate a task", cmd_kill},
    {"spawn", "spawn counter|spinner|sleeper", "start a demo kernel task", cmd_spawn},
    {"run", "run PATH [ARGS] [&]", "run a program from the initramfs (Ctrl-C kills it; & in the background)", cmd_run},
    {"ls", "ls", "list the initramfs", cmd_ls},
    {"mem", "mem", "frames (total, free, per order), heap use, kernel tables", cmd_mem},
    {"test", "test [SUITE|list]", "run in-kernel test suites (default: all)", cmd_test},
    {"bench", "bench [NAME]", "run benchmarks (exact only under make bench)", cmd_bench},
    {"reboot", "reboot", "reset the machine (PSCI SYSTEM_RESET)", cmd_reboot},
    {"poweroff", "poweroff", "power off (PSCI SYSTEM_OFF)", cmd_poweroff},
};

bool cmd_help(int, char**) {
    for (const Command& c : kCommands) kprintf("  %-20s %s\n", c.usage, c.help);
    return true;
}

void echo(const char* s, std::size_t n, void*) { console::write(s, n); }

}  // namespace

bool execute(char* line) {
    char* argv[kMaxArgs + 1];
    int argc = 0;
    for (char* p = line; *p;) {
        while (*p == ' ' || *p == '\t') *p++ = 0;
        if (!*p) break;
        if (argc == kMaxArgs) {
            kprintf("error: too many arguments (at most %d)\n", kMaxArgs);
            return false;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t') ++p;
    }
    argv[argc] = nullptr;
    if (argc == 0) return true;
    // Finished background jobs and orphans (the shell's children without init) are reaped here.
    int status;
    while (wait_child(nullptr, -1, &status, 1 /* WNOHANG */) > 0) {
    }
    for (const Command& c : kCommands) {
        if (lib::string_compare(argv[0], c.name) != 0) continue;
        if (!c.fn(argc, argv)) {
            kprintf("error: bad arguments; usage: %s\n", c.usage);
            return false;
        }
        return true;
    }
    kprintf("error: unknown command '%s' (type 'help')\n", argv[0]);
    return false;
}

void run() {
    LineEditor ed(echo, nullptr);
    kprintf("type 'help' for commands\n");
    for (;;) {
        console::write("> ", 2);
        ed.reset();
        for (;;) {
            const auto action = ed.feed(console::read_blocking());
            if (action == LineEditor::Action::Cancel) break;
            if (action == LineEditor::Action::Submit) {
                char line[LineEditor::kMaxLine + 1];
                lib::copy_bytes(line, ed.line(), ed.length() + 1);
                execute(line);
                break;
            }
        }
    }
}

}  // namespace kernel::shell
