"""The kernel GDB commands about CPUs and their queues (see kernel_gdb.py, which sources this file
into its own namespace after defining the helpers used here: cpus, task_at, find_var, ...).

  k-runq [CPU]         each CPU's (or one CPU's) current task, run queue and timer queue (sleepers)
  k-cpus               each online CPU: GDB thread, MPIDR, current task, queue length, switches
"""
# noqa: F821 throughout: the helpers come from kernel_gdb.py's namespace.
import gdb


def parse_cpu_arg(arg, usage):
    """None for every CPU, else the CPU number given (which must be online)."""
    words = arg.split()
    if not words:
        return None
    if len(words) != 1 or not words[0].isdigit():
        raise gdb.GdbError(f"usage: {usage}")
    n = int(words[0])
    online = [i for i, _ in cpus()]
    if n not in online:
        raise gdb.GdbError(f"CPU {n} is not online (online: {', '.join(map(str, online))})")
    return n


def timer_queue_of(cpu):
    """A CPU's timer queue (Cpu::timers), or the single global one of a one-CPU kernel."""
    if has_field(cpu, "timers"):
        return cpu["timers"]
    return find_var("sched", "s_timers")


class KRunq(KernelCommand):
    """Print each CPU's scheduler state, run queue and timer queue.
Usage: k-runq [CPU]
Without CPU: every online CPU. Run queues list ready tasks in the order they will run:
FixedPriority levels from the highest, then RoundRobin. Each CPU's timer queue lists the timed
wake-ups of the tasks that slept on it, by deadline (counter units; the distance from that CPU's
last tick in ms when the counter frequency is known)."""

    def __init__(self):
        super().__init__("k-runq")

    @command_errors
    def invoke(self, arg, from_tty):
        only = parse_cpu_arg(arg, "k-runq [CPU]")
        task_t = task_type()
        entity_to_task = field_offset(task_t, "sched") + field_offset(find_type("sched", "SchedEntity"), "run_link")
        per_cpu_timers = False
        last_tick = 0
        for i, cpu in cpus():
            if only is not None and i != only:
                continue
            cur = task_at(u64(cpu["current"]))
            last_tick = u64(cpu["last_tick"])
            rq = cpu["rq"]
            print(f"CPU {i}: current {int(cur['id'])} ({cstr(cur['name'])}), idle task "
                  f"{int(task_at(u64(cpu['idle']))['id'])}, need_resched {str(bool(cpu['need_resched'])).lower()}, "
                  f"preempt_count {int(cpu['preempt_count'])}, switches {int(cpu['switches'])}, "
                  f"ready {int(rq['m_size'])}")
            queued = 0
            levels = rq["m_fixed_priority"]["m_levels"]
            if has_field(levels, "_M_elems"):  # std::array without libstdc++'s pretty printers
                levels = levels["_M_elems"]
            lo, hi = levels.type.strip_typedefs().range()
            for prio in range(hi, lo - 1, -1):
                nodes = list(list_nodes(levels[prio]["list"]))
                if nodes:
                    print(f"  fixed/{prio}: " + ", ".join(describe(n - entity_to_task) for n in nodes))
                    queued += len(nodes)
            nodes = list(list_nodes(rq["m_round_robin"]["m_queue"]))
            if nodes:
                print("  rr: " + ", ".join(describe(n - entity_to_task) for n in nodes))
                queued += len(nodes)
            if queued == 0:
                print("  run queue empty")
            if has_field(cpu, "timers"):
                per_cpu_timers = True
                print_timer_queue(task_t, cpu["timers"], last_tick, f"  CPU {i} timer queue")
        if not per_cpu_timers:
            print_timer_queue(task_t, find_var("sched", "s_timers"), last_tick, "timer queue")


class KCpus(KernelCommand):
    """List each online CPU: its GDB thread, MPIDR, current task, queue length and counters.
Usage: k-cpus
One line per CPU of sched::g_online (the scheduler's per-CPU state), then its live pc from GDB's
thread for it (QEMU shows CPU n as thread n+1: `thread N` selects it, `info threads` lists them).
QUEUED counts ready tasks waiting in its run queue (not the current one); SWITCHES its context
switches since it came up; IDLE its idle task's time in counter units; MIGR-IN tasks placed on it
from another CPU or pulled by it; TIMERS its armed timed wake-ups."""

    def __init__(self):
        super().__init__("k-cpus")

    @command_errors
    def invoke(self, arg, from_tty):
        if arg.split():
            raise gdb.GdbError("usage: k-cpus")
        online = online_mask()
        live = live_pcs()
        threads = {}
        for th in gdb.selected_inferior().threads():
            threads[cpu_index(th)] = th.num
        rows = []
        for i, cpu in cpus():
            cur = task_at(u64(cpu["current"]))
            name = f"{int(cur['id'])} {cstr(cur['name'])}"
            pid = pid_of(cur)
            if pid is not None:
                name += f" (pid {pid})"
            counter = lambda f: str(u64(cpu[f])) if has_field(cpu, f) else "-"  # noqa: E731
            pc = live.get(i)
            rows.append((str(i), str(threads.get(i, "-")), f"{u64(cpu['mpidr']):#x}" if has_field(cpu, "mpidr") else "-",
                         name, str(int(cpu["rq"]["m_size"])), str(int(cpu["switches"])), counter("idle_counts"),
                         counter("migrations_in"), str(int(timer_queue_of(cpu)["m_size"])),
                         "-" if pc is None else f"{pc:#018x} {symbolize(pc)}"))
        print(f"online CPUs: {len(rows)}" + (f" (g_online {online:#x})" if online is not None else ""))
        header = ("CPU", "THREAD", "MPIDR", "CURRENT", "QUEUED", "SWITCHES", "IDLE", "MIGR-IN", "TIMERS", "PC")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        for r in [header] + rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def describe(task_addr):
    t = task_at(task_addr)
    pid = pid_of(t)
    return f"{int(t['id'])} {cstr(t['name'])}" + (f" (pid {pid})" if pid is not None else "")


def timer_entries(root):
    """Every entry of the pairing heap (children and siblings), unordered."""
    out, stack = [], [root]
    while stack:
        e = stack.pop()
        while u64(e) != 0:
            entry = e.dereference()
            out.append(entry)
            stack.append(entry["child"])
            e = entry["sibling"]
            if len(out) > 100000:
                raise KernelGdbError("timer queue does not end (corrupt, or read mid-update)")
    return out


def print_timer_queue(task_t, q, now, title):
    entries = sorted(timer_entries(q["m_root"]), key=lambda e: (u64(e["deadline"]), u64(e["seq"])))
    freq = None
    for name in ("g", "s"):  # the timer driver's state block (hal/timer.cpp), as it is named now or was
        timer_state = find_var("hal::timer", name, required=False)
        if timer_state is not None and has_field(timer_state, "freq"):
            freq = u64(timer_state["freq"]) or None
            break
    print(f"{title}: {int(q['m_size'])} armed")
    timer_off = field_offset(task_t, "timer")
    for e in entries:
        deadline = u64(e["deadline"])
        when = ""
        if freq and now:
            delta_ms = (deadline - now) * 1000.0 / freq
            when = f" ({delta_ms:+.1f} ms from the last tick)"
        owner = u64(e.address) - timer_off
        # Tasks embed their TimerEntry as Task::timer; another owner would not be a task.
        t = task_at(owner)
        who = describe(owner) if u64(t["timer"].address) == u64(e.address) else f"entry {u64(e.address):#x}"
        print(f"    deadline {deadline}{when}: task {who}")


KRunq()
KCpus()
