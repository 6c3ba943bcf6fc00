// The monitor's commands about programs, tasks and CPUs. One identity for the user: a program is its
// PID, a background job also its number (%N); kernel tasks have no PID and are shown and killed as kN.
// Everything here runs on the monitor's own task (the static buffers are its alone).
#include "kernel/monitor/shell_programs.h"

#include <atomic>

#include "kernel/console.h"
#include "kernel/process/exec.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/log.h"
#include "kernel/monitor/monitor_jobs.h"
#include "kernel/monitor/monitor_kill.h"
#include "kernel/fs/vfs.h"
#include "kernel/process/process.h"
#include "lib/format.h"
#include "lib/string.h"
#include "sched/scheduler.h"

namespace kernel::shell {

using namespace monitor;

namespace {

JobTable s_jobs;
// The program `run` waits for, which Ctrl-C sends SIGINT. The console's handler is installed before
// the program starts (it may print, and be answered with Ctrl-C, before spawn_process returns): a
// Ctrl-C before the PID is known is remembered. Both sides store, then load the other's flag
// (sequentially consistent), so at least one of them sees both and sends the signal.
std::atomic<int> s_foreground_pid{0};
std::atomic<bool> s_interrupted{false};

// ---- run

// What `path` names in the name space, as root sees it from "/" (the monitor has no process).
FileKind stat_path(const char* path, void*) {
    static const fs::Credentials root_cred{};
    const fs::WalkStart from{fs::root_path(), fs::root_path(), &root_cred};
    if (!from.root.inode) return FileKind::Missing;
    fs::Guard g;
    auto r = fs::walk(from, path, fs::kFollowLast);
    if (r.ok()) {
        const FileKind k = kind_from_mode(r.value().inode->mode);
        r.value().inode->put_locked();
        return k;
    }
    switch (r.errno_value()) {
    case abi::kENOTDIR: return FileKind::NotDirectory;
    case abi::kELOOP: return FileKind::TooManyLinks;
    case abi::kENAMETOOLONG: return FileKind::NameTooLong;
    default: return FileKind::Missing;
    }
}

// What a shell prints for the errno an exec failed with (strerror's words).
const char* errno_text(int err) {
    switch (err) {
    case abi::kENOENT: return "no such file or directory";
    case abi::kEACCES: return "permission denied";
    case abi::kENOEXEC: return "exec format error";
    case abi::kENOTDIR: return "not a directory";
    case abi::kELOOP: return "too many levels of symbolic links";
    case abi::kENAMETOOLONG: return "file name too long";
    case abi::kE2BIG: return "argument list too long";
    case abi::kENOMEM: return "out of memory";
    case abi::kEFAULT: return "bad address";
    default: return "cannot execute";
    }
}

// spawn_process failed: exec's own account when it refused the file (the errno and which check;
// the file may be a #! interpreter), else why no process could be made.
void report_spawn_failure(const char* path, lib::Error e, const ExecFailure& f) {
    if (f.err == 0) {
        kprintf("run: %s: %s\n", path, e == lib::Error::Busy ? "too many processes" : lib::error_name(e));
        return;
    }
    const char* file = f.file[0] ? f.file : path;
    const bool says_it_all = f.err == abi::kENOENT || f.err == abi::kENOTDIR || f.err == abi::kELOOP ||
                             f.err == abi::kENAMETOOLONG;
    if (says_it_all || !f.why[0]) kprintf("run: %s: %s\n", file, errno_text(f.err));
    else kprintf("run: %s: %s: %s\n", file, errno_text(f.err), f.why);
}

void on_console_interrupt() {  // IRQ context
    s_interrupted.store(true);
    if (const int pid = s_foreground_pid.load(); pid > 0) kill_from_interrupt(pid, abi::kSIGINT);
}

void report_foreground(int pid, int status) {
    const int sig = status & 0x7f;
    if (sig == 0) {
        if (const int code = (status >> 8) & 0xff) kprintf("pid %d exited with status %d\n", pid, code);
        return;
    }
    const char* name = signal_name(sig);
    kprintf("%spid %d killed by signal %d (%s)\n", sig == abi::kSIGINT ? "^C\n" : "", pid, sig,
            name ? name : "unnamed");
}

// ---- jobs

void reap_children() {
    // At the prompt nothing else waits for the kernel's children (the console tests run on this
    // task and are done by then), so any that ended is the monitor's to reap.
    int status;
    for (;;) {
        const std::int64_t pid = wait_child(nullptr, -1, &status, abi::kWNOHANG);
        if (pid <= 0) break;
        (void)s_jobs.finish(static_cast<int>(pid), status);  // not a job: an orphan, released
    }
}

void print_job(const Job& j, void*) {
    char what[40];
    if (j.finished) describe_status(j.status, what, sizeof what);
    else lib::snformat(what, sizeof what, "Running");
    kprintf("[%d] %-24s %s\n", j.number, what, j.command);
}

// ---- ps

struct ProcRow {
    int pid, ppid;
    std::uint64_t tid;  // 0: no task yet
    bool zombie;
    char name[16];
};
ProcRow s_rows[kMaxProcesses];
std::size_t s_nrows = 0;

void collect_process(const Process& p, void*) {
    if (s_nrows == kMaxProcesses) return;
    ProcRow& r = s_rows[s_nrows++];
    r.pid = p.pid;
    r.ppid = parent_pid(&p);
    r.tid = p.task ? p.task->id : 0;
    r.zombie = p.zombie;
    lib::copy_bytes(r.name, p.name, sizeof r.name);
    r.name[sizeof r.name - 1] = 0;
}

const char* policy_name(const sched::TaskInfo& t) {
    if (t.idle) return "idle";
    return t.policy == sched::PolicyKind::FixedPriority ? "fixed-priority" : "round-robin";
}

// PID PPID TASK KIND NAME, then the task's columns (or dashes when it has none yet).
void print_row(const char* pid, const char* ppid, const char* kind, const char* name, const sched::TaskInfo* t,
               const char* state, const char* note) {
    char task[24] = "-";
    if (t) lib::snformat(task, sizeof task, "k%llu", static_cast<unsigned long long>(t->id));
    kprintf("%5s %5s  %-6s %-6s %-16s %-8s", pid, ppid, task, kind, name, state);
    if (t) {
        kprintf(" %3u", t->cpu);  // where it runs, or last ran (or is queued)
        kprintf(" %7llu %7llu %8llu  %s", static_cast<unsigned long long>(t->cpu_ns / 1'000'000),
                static_cast<unsigned long long>(t->voluntary), static_cast<unsigned long long>(t->involuntary),
                policy_name(*t));
        if (t->policy == sched::PolicyKind::FixedPriority && !t->idle) kprintf(" %u", t->priority);
    }
    kprintf("%s\n", note);
}

void print_kernel_task(const sched::TaskInfo& t, void* self) {
    if (t.kind != sched::TaskKind::Kernel) return;  // user tasks appear with their process
    const bool me = t.id == *static_cast<std::uint64_t*>(self);
    print_row("-", "-", "kernel", t.name, &t, sched::state_name(t.state), me ? "  (this console)" : "");
}

// The PID of the process whose task is `tid`, or 0.
int pid_of_task(std::uint64_t tid) {
    struct Find {
        std::uint64_t tid;
        int pid;
    } f{tid, 0};
    for_each_process([](const Process& p, void* ctx) {
        auto& f = *static_cast<Find*>(ctx);
        if (p.task && p.task->id == f.tid) f.pid = p.pid;
    }, &f);
    return f.pid;
}

// ---- kill

void list_signals() {
    for (int s = 1; s < 32; ++s) {
        if (s % 6 == 0 || s == 31) kprintf("%2d) %s\n", s, signal_name(s));
        else kprintf("%2d) %-10s ", s, signal_name(s));
    }
}

// One target; false when it could not be signalled (the message is printed).
bool kill_target(const KillTarget& t, int sig) {
    if (t.kind == TargetKind::Task) {
        const std::uint64_t self = sched::current()->id;
        if (t.id == 0) {
            kprintf("kill: k0 is the idle task: refused\n");
            return false;
        }
        if (static_cast<std::uint64_t>(t.id) == self) {
            kprintf("kill: k%llu is this console (the monitor): refused\n", static_cast<unsigned long long>(self));
            return false;
        }
        auto info = sched::task_info(static_cast<std::uint64_t>(t.id));
        if (!info.ok() || info.value().state == sched::TaskState::Zombie) {
            kprintf("kill: k%lld: no such kernel task\n", static_cast<long long>(t.id));
            return false;
        }
        if (info.value().kind == sched::TaskKind::User) {
            const int pid = pid_of_task(info.value().id);
            kprintf("kill: k%lld runs PID %d: use kill %d\n", static_cast<long long>(t.id), pid, pid);
            return false;
        }
        // Kernel tasks take no signals: any signal but 0 ends the task.
        if (sig == 0) return true;
        if (!sched::kill(static_cast<std::uint64_t>(t.id)).ok()) {
            kprintf("kill: k%lld: no such kernel task\n", static_cast<long long>(t.id));
            return false;
        }
        return true;
    }
    std::int64_t pid = t.id;
    if (t.kind == TargetKind::Job) {
        reap_children();
        const Job* j = s_jobs.find(static_cast<int>(t.id));
        if (!j) {
            kprintf("kill: %%%lld: no such job\n", static_cast<long long>(t.id));
            return false;
        }
        if (j->finished) {
            kprintf("kill: %%%lld: job has terminated\n", static_cast<long long>(t.id));
            return false;
        }
        pid = j->pid;
    }
    const std::int64_t r = sys_kill(static_cast<int>(pid), sig);
    if (r == 0) return true;
    if (r == -abi::kESRCH) kprintf("kill: (%lld): no such process\n", static_cast<long long>(pid));
    else if (r == -abi::kEPERM) kprintf("kill: (%lld): operation not permitted\n", static_cast<long long>(pid));
    else if (r == -abi::kEINVAL) kprintf("kill: (%lld): invalid argument\n", static_cast<long long>(pid));
    else kprintf("kill: (%lld): error %lld\n", static_cast<long long>(pid), static_cast<long long>(-r));
    return false;
}

}  // namespace

bool cmd_run(const ParsedLine& line) {
    if (line.argc < 2) return false;
    const char* word = line.argv[1];
    // A bare name is looked up along the search path; whatever it resolves to (also a file that is
    // not executable), exec says why it cannot run.
    const Resolved r = resolve_command(word, stat_path, nullptr);
    if (r.kind == FileKind::Missing && r.searched) {
        kprintf("run: %s: command not found (searched /bin, /sbin, /usr/bin)\n", word);
        return true;
    }
    if (r.kind == FileKind::NameTooLong) {
        kprintf("run: %s: file name too long\n", word);
        return true;
    }
    if (line.background && s_jobs.full()) {
        reap_children();  // finished jobs free their numbers once reported
        if (s_jobs.full()) {
            kprintf("run: too many background jobs (%d): wait for one or kill one\n", kMaxJobs);
            return true;
        }
    }
    if (!line.background) {
        s_interrupted.store(false);
        console::set_interrupt_handler(on_console_interrupt);
    }
    // argv[0] is the word as typed, as a shell passes it (busybox picks its applet from it).
    const char* envp[] = {"HOME=/", "PATH=/bin:/sbin:/usr/bin", "TERM=vt100", nullptr};
    ExecFailure failure;
    auto p = spawn_process(r.path, line.argv + 1, envp, nullptr, &failure);
    if (!p.ok()) {
        console::set_interrupt_handler(nullptr);
        report_spawn_failure(r.path, p.error(), failure);
        return true;
    }
    const int pid = p.value()->pid;
    if (line.background) {
        auto job = s_jobs.add(pid, line.argc - 1, line.argv + 1);
        kprintf("[%d] %d\n", job.value(), pid);  // room was checked above, and only this task adds
        return true;
    }
    s_foreground_pid.store(pid);
    if (s_interrupted.load()) (void)sys_kill(pid, abi::kSIGINT);  // Ctrl-C came before the PID
    int status = 0;
    const std::int64_t w = wait_child(nullptr, pid, &status, 0);
    console::set_interrupt_handler(nullptr);
    s_foreground_pid.store(0);
    if (w == pid) report_foreground(pid, status);
    return true;
}

bool cmd_jobs(const ParsedLine& line) {
    if (line.argc != 1) return false;
    reap_children();
    s_jobs.for_each(print_job, nullptr);
    s_jobs.take_finished([](const Job&, void*) {}, nullptr);  // shown once, as a shell does
    return true;
}

bool cmd_ps(const ParsedLine& line) {
    if (line.argc != 1) return false;
    s_nrows = 0;
    for_each_process(collect_process, nullptr);  // copied under the lock, printed after it
    kprintf("  PID  PPID  TASK   KIND   NAME             STATE    CPU  CPU-ms  VOL-SW INVOL-SW  POLICY\n");
    for (std::size_t i = 0; i < s_nrows; ++i) {
        const ProcRow& r = s_rows[i];
        char pid[12], ppid[12];
        lib::snformat(pid, sizeof pid, "%d", r.pid);
        lib::snformat(ppid, sizeof ppid, "%d", r.ppid);
        auto info = r.tid ? sched::task_info(r.tid) : lib::Result<sched::TaskInfo>(lib::Error::NotFound);
        const Job* job = s_jobs.find_pid(r.pid);
        char note[16] = "";
        if (job) lib::snformat(note, sizeof note, "  [%d]", job->number);
        const char* state = r.zombie ? "zombie" : info.ok() ? sched::state_name(info.value().state) : "new";
        print_row(pid, ppid, "user", r.name, info.ok() ? &info.value() : nullptr, state, note);
    }
    std::uint64_t self = sched::current()->id;
    sched::for_each_task(print_kernel_task, &self);
    return true;
}

// One line per online CPU (sched::cpu_info: each read under that CPU's lock, the lines not one
// snapshot of the whole machine).
bool cmd_cpus(const ParsedLine& line) {
    if (line.argc != 1) return false;
    kprintf("CPU  MPIDR       CURRENT                       QUEUED  SWITCHES   IDLE-ms  MIGR-IN\n");
    const sched::CpuMask online = sched::online_cpus();
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (!(online & sched::cpu_bit(c))) continue;
        auto info = sched::cpu_info(c);
        if (!info.ok()) continue;
        const sched::CpuInfo& i = info.value();
        char current[40];
        lib::snformat(current, sizeof current, "k%llu %s", static_cast<unsigned long long>(i.current_id),
                      i.current_name);
        kprintf("%3u  0x%-9llx %-29s %6zu %9llu %9llu %8llu\n", i.index, static_cast<unsigned long long>(i.mpidr),
                current, i.queued, static_cast<unsigned long long>(i.switches),
                static_cast<unsigned long long>(i.idle_ns / 1'000'000),
                static_cast<unsigned long long>(i.migrations_in));
    }
    return true;
}

bool cmd_kill(const ParsedLine& line) {
    KillRequest req;
    const KillParse parsed = parse_kill(line.argc, line.argv, req);
    switch (parsed.error) {
    case KillError::None: break;
    case KillError::Usage: return false;
    case KillError::BadSignal:
        kprintf("kill: %s: unknown signal (kill -l lists them)\n", parsed.word);
        return true;
    case KillError::BadTarget:
        kprintf("kill: %s: not a PID, %%JOB or kTASK\n", parsed.word);
        return true;
    }
    if (req.list) {
        if (req.list_signal < 0) list_signals();
        else if (const char* n = signal_name(req.list_signal)) kprintf("%s\n", n + 3);
        else kprintf("%d\n", req.list_signal);
        return true;
    }
    for (int i = 0; i < req.count; ++i) (void)kill_target(req.targets[i], req.signal);
    return true;
}

void report_finished_jobs() {
    reap_children();
    s_jobs.take_finished(print_job, nullptr);
}

}  // namespace kernel::shell
