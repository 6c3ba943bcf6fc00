"""GDB commands that read the kernel's own structures, in the spirit of Linux's lx-ps.

Loaded by tools/gdbinit (so by `make gdb`); by hand: `source tools/gdb/kernel_gdb.py`.

  k-ps                 every task: id, pid, name, state, CPU (* = running there), policy/priority,
                       saved pc and function
  k-bt [-fp] ID        backtrace of task ID (`k-bt pid N` for a process): a running task's live
                       frames; a switched-out one from the context cpu_switch_to saved (x19-x30, sp)
  k-runq [CPU]         each CPU's (or one CPU's) current task, run queue and timer queue (sleepers)
  k-cpus               each online CPU: GDB thread, MPIDR, current task, queue length, switches
  k-log                the kernel log buffer, or what the console holds when there is none

Everything is found by name through the symbols and DWARF types (fields by name, offsets from the
types), never by hard-coded offsets, so the scripts follow the kernel's layout as it changes. Each
lookup tries the names a symbol has had or may get (file statics in an anonymous namespace, or
moved to a shared one), and a symbol that is gone is a clear error naming what was looked for.
"""
import os
import re

import gdb


class KernelGdbError(Exception):
    """A symbol or type the commands need is missing: reported as a gdb.GdbError."""


# ---- Finding symbols and types.

def _candidates(namespace, name):
    """Where a file-level variable or type of `namespace` may live: an anonymous namespace (file
    statics today), the namespace itself, or a detail namespace."""
    return [f"{namespace}::(anonymous namespace)::{name}", f"{namespace}::{name}",
            f"{namespace}::detail::{name}", name]


def find_type(namespace, name):
    for full in _candidates(namespace, name):
        try:
            return gdb.lookup_type(full)
        except gdb.error:
            continue
    raise KernelGdbError(f"type {namespace}::{name} not found in the symbols (was it renamed?)")


def find_var(namespace, name, required=True):
    """The gdb.Value of a global or file-static variable."""
    for full in _candidates(namespace, name):
        for lookup in (gdb.lookup_static_symbol, gdb.lookup_global_symbol):
            try:
                sym = lookup(full)
            except gdb.error:
                sym = None
            if sym is not None and sym.is_variable:
                return sym.value()
    # Last resort: GDB's own search (a basic regex), for a namespace nobody foresaw. Its lines read
    # "79:	static sched::TimerQueue sched::(anonymous namespace)::s_timers;".
    out = gdb.execute(f"info variables -q {name}$", to_string=True)
    qualified = r"(?<![\w:])((?:\w+::|\(anonymous namespace\)::)*" + re.escape(name) + r")(?=[\[;\s]|$)"
    for line in out.splitlines():
        if not re.match(r"^\d+:\s", line):
            continue
        for m in re.finditer(qualified, line):
            try:
                return gdb.parse_and_eval(f"'{m.group(1)}'")
            except gdb.error:
                continue
    if required:
        raise KernelGdbError(f"variable {namespace}::{name} not found in the symbols (was it renamed?)")
    return None


def field_offset(struct_type, path):
    """Byte offset of a (dotted) member path inside struct_type, from the DWARF type."""
    offset, t = 0, struct_type.strip_typedefs()
    for part in path.split("."):
        for f in t.fields():
            if f.name == part:
                offset += f.bitpos // 8
                t = f.type.strip_typedefs()
                break
        else:
            raise KernelGdbError(f"{struct_type} has no member {path}")
    return offset


def has_field(value, name):
    return any(f.name == name for f in value.type.strip_typedefs().fields())


def u64(value):
    return int(value.cast(gdb.lookup_type("unsigned long")))


def atomic_value(v):
    """The value inside a std::atomic (libstdc++ keeps it in _M_i, in a base class)."""
    try:
        return u64(v["_M_i"])
    except gdb.error:
        return u64(v)


def cstr(char_array):
    raw = bytes(int(c) & 0xFF for c in (char_array[i] for i in range(char_array.type.sizeof)))
    return raw.split(b"\0", 1)[0].decode(errors="replace")


def enum_name(value):
    """TaskState::Blocked -> 'Blocked' (GDB prints enum class values qualified)."""
    return str(value).rsplit("::", 1)[-1]


def without_parameters(name):
    """'ns::f(int, char*) const' -> 'ns::f', as GDB's backtrace names functions."""
    name = name.removesuffix(" const")
    if not name.endswith(")"):
        return name
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(name[i], 0)
        if depth == 0:
            return name[:i]
    return name


def symbolize(pc, inlined=False):
    """'function+0xoff' for an address: the function whose code it is (C++ through its block, the
    outermost one when calls were inlined into it; assembly labels through the minimal symbols).
    inlined=True appends the functions inlined at that address, innermost first."""
    if pc == 0:
        return "?"
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    functions = []
    outer = None
    while block is not None and not block.is_static and not block.is_global:
        if block.function is not None:
            functions.append(without_parameters(block.function.print_name))
            outer = block
        block = block.superblock
    if outer is not None:
        text = f"{functions[-1]}+{pc - outer.start:#x}"
        if inlined and len(functions) > 1:
            text += " (inlined: " + ", ".join(functions[:-1]) + ")"
        return text
    out = gdb.execute(f"info symbol {pc:#x}", to_string=True).strip()
    m = re.match(r"(.+?) \+ (\d+) in section", out)
    if m:
        return f"{m.group(1)}+{int(m.group(2)):#x}"
    m = re.match(r"(.+?) in section", out)
    return m.group(1) if m else "?"


# ---- The scheduler's structures.

def list_nodes(intrusive_list):
    """Addresses of the lib::ListNode entries of a lib::IntrusiveList value, in order."""
    head = intrusive_list["m_head"]
    end = u64(head.address)
    node = head["next"]
    seen = 0
    while u64(node) not in (0, end):
        yield u64(node)
        node = node.dereference()["next"]
        seen += 1
        if seen > 100000:
            raise KernelGdbError("list does not come back to its head (corrupt, or read mid-update)")


def task_type():
    return find_type("sched", "Task")


def task_at(addr):
    return gdb.Value(addr).cast(task_type().pointer()).dereference()


def cpus():
    """(index, Cpu value) of each online CPU (bit n of sched::g_online: cpu_at(n) is constructed
    and runs tasks). The slots are raw storage (s_cpu_storage[kMaxCpus][sizeof(Cpu)]) constructed
    per CPU. Before the boot CPU goes online (g_online still 0) or in a kernel without g_online:
    the slots with an idle task assigned."""
    cpu_type = find_type("sched", "Cpu")
    storage = find_var("sched", "s_cpu_storage")
    t = storage.type.strip_typedefs()
    count = t.range()[1] + 1 if t.code == gdb.TYPE_CODE_ARRAY else 1
    stride = t.target().sizeof if t.code == gdb.TYPE_CODE_ARRAY else t.sizeof
    base = u64(storage.address)
    online_var = find_var("sched", "g_online", required=False)
    online = u64(online_var) if online_var is not None else 0
    result = []
    for i in range(count):
        cpu = gdb.Value(base + i * stride).cast(cpu_type.pointer()).dereference()
        if (online >> i) & 1 if online else u64(cpu["idle"]) != 0:
            result.append((i, cpu))
    return result


def online_mask():
    v = find_var("sched", "g_online", required=False)
    return u64(v) if v is not None else None


def all_tasks():
    """Addresses of every task: each CPU's idle task, then the task list in creation order."""
    tasks = [u64(cpu["idle"]) for _, cpu in cpus()]
    lst = find_var("sched", "s_all_tasks")
    if u64(lst) == 0:
        return tasks  # before sched::init
    link = field_offset(task_type(), "all_link")
    return tasks + [n - link for n in list_nodes(lst.dereference())]


def running_on():
    """{task address: CPU index} of the tasks that are some CPU's current one."""
    return {u64(cpu["current"]): i for i, cpu in cpus()}


def pid_of(task):
    if enum_name(task["kind"]) != "User" or u64(task["process"]) == 0:
        return None
    try:
        proc_type = find_type("kernel", "Process")
    except KernelGdbError:
        return None
    return int(task["process"].cast(proc_type.pointer()).dereference()["pid"])


def find_task(spec):
    """A task address from 'ID' or 'pid N'."""
    words = spec.split()
    if len(words) == 2 and words[0] == "pid":
        want = int(words[1], 0)
        for addr in all_tasks():
            if pid_of(task_at(addr)) == want:
                return addr
        raise gdb.GdbError(f"no task belongs to pid {want}")
    if len(words) != 1:
        raise gdb.GdbError("usage: k-bt [-fp] ID   or   k-bt [-fp] pid N")
    want = int(words[0], 0)
    for addr in all_tasks():
        if int(task_at(addr)["id"]) == want:
            return addr
    raise gdb.GdbError(f"no task with id {want} (k-ps lists them)")


def state_text(task, cpu_of):
    """The state as sched::info_of reports it (Running is never stored: Ready and some CPU's
    current), plus what a blocked task waits for."""
    addr = u64(task.address)
    state = enum_name(task["state"])
    if state == "Ready" and addr in cpu_of:
        return "running"
    if state == "Blocked":
        if bool(task["timer"]["armed"]) and u64(task["waiting_on"]) == 0:
            return "sleeping"
        return "blocked"
    return state.lower()


def command_errors(fn):
    """Turns a missing symbol into a clear GDB error instead of a Python traceback."""
    def wrapped(self, arg, from_tty):
        try:
            return fn(self, arg, from_tty)
        except KernelGdbError as e:
            raise gdb.GdbError(f"{self.name}: {e}")
        except gdb.MemoryError as e:
            raise gdb.GdbError(f"{self.name}: cannot read kernel memory ({e}); is the kernel past sched::init?")
    return wrapped


class KernelCommand(gdb.Command):
    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_STATUS)
        self.name = name


# ---- k-ps

def cpu_column(task, running_cpu):
    """Task::cpu (where it runs, last ran or is queued), with a '*' when it is that CPU's current
    task. A task some CPU runs that does not name it (never, unless read mid-update) shows both."""
    named = int(task["cpu"]) if has_field(task, "cpu") else None
    if running_cpu is None:
        return "-" if named is None else str(named)
    if named is None or named == running_cpu:
        return f"{running_cpu}*"
    return f"{running_cpu}*(names {named})"


class KPs(KernelCommand):
    """List every kernel task: id, pid (user tasks), name, state, CPU, policy and priority, saved pc.
Usage: k-ps
STATE is the scheduler's: running (some CPU's current task), ready, blocked (on a wait queue),
sleeping (blocked on the timer queue alone), zombie, init. CPU is Task::cpu: the CPU it runs on,
last ran on or is queued on; '*' marks each CPU's current task (every CPU has an idle task, id 0).
PC is where the task resumes: the live pc of a running task's CPU (its GDB thread), else the return
address cpu_switch_to saved."""

    def __init__(self):
        super().__init__("k-ps")

    @command_errors
    def invoke(self, arg, from_tty):
        cpu_of = running_on()
        live = live_pcs()
        rows = []
        for addr in all_tasks():
            t = task_at(addr)
            cpu = cpu_of.get(addr)
            pc = live.get(cpu) if cpu is not None and cpu in live else u64(t["context"]["lr"])
            pid = pid_of(t)
            policy = "fixed" if enum_name(t["sched"]["policy"]) == "FixedPriority" else "rr"
            rows.append((str(int(t["id"])), "-" if pid is None else str(pid), cstr(t["name"]),
                         state_text(t, cpu_of), cpu_column(t, cpu),
                         f"{policy}/{int(t['sched']['priority'])}", f"{pc:#018x}", symbolize(pc),
                         f"{addr:#x}"))
        header = ("ID", "PID", "NAME", "STATE", "CPU", "PRIO", "PC", "FUNCTION", "TASK")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        for r in [header] + rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def cpu_index(thread):
    """QEMU's gdbstub shows CPU n as thread n+1 (in the ptid's lwp, or GDB's numbering)."""
    return (thread.ptid[1] or thread.num) - 1


def live_pcs():
    """{CPU index: pc} from GDB's threads."""
    pcs = {}
    inferior = gdb.selected_inferior()
    selected = gdb.selected_thread()
    if selected is None:
        return pcs
    try:
        for th in inferior.threads():
            th.switch()
            pcs[cpu_index(th)] = u64(gdb.newest_frame().read_register("pc"))
    finally:
        selected.switch()
    return pcs


# ---- k-bt

SAVED_REGS = ["x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28"]


class KBt(KernelCommand):
    """Backtrace one task.
Usage: k-bt ID  |  k-bt pid N  |  k-bt -fp ID
A running task: the live backtrace of its CPU. A switched-out task: GDB's own unwinder started from
the context cpu_switch_to saved (x19-x28, fp, lr as pc, sp), which crosses exception entries through
their unwind information; the CPU's real registers are put back before the command returns.
-fp: walk the saved frame-record chain instead ([fp] = caller's fp, [fp+8] = return address),
reading memory only."""

    def __init__(self):
        super().__init__("k-bt")

    @command_errors
    def invoke(self, arg, from_tty):
        words = arg.split()
        fp_walk = "-fp" in words
        words = [w for w in words if w != "-fp"]
        addr = find_task(" ".join(words))
        t = task_at(addr)
        cpu = running_on().get(addr)
        name = cstr(t["name"])
        print(f"task {int(t['id'])} ({name}), {state_text(t, running_on())}")
        if cpu is not None:
            print(f"running on CPU {cpu}: its live frames")
            selected = gdb.selected_thread()
            try:
                for th in gdb.selected_inferior().threads():
                    if cpu_index(th) == cpu:
                        th.switch()
                gdb.execute("backtrace")
            finally:
                selected.switch()
            return
        ctx = t["context"]
        if enum_name(t["state"]) == "Zombie":
            raise gdb.GdbError(f"task {int(t['id'])} is a zombie: its stack is freed, nothing to unwind")
        if u64(ctx["sp"]) == 0:
            raise gdb.GdbError(f"task {int(t['id'])} has no saved context (never switched out?)")
        if fp_walk:
            walk_frame_records(u64(ctx["lr"]), u64(ctx["fp"]))
        else:
            backtrace_from_context(ctx)


def walk_frame_records(pc, fp):
    """The frame-record chain as kernel/panic.cpp walks it: no register is touched."""
    inferior = gdb.selected_inferior()
    print(f"#0  {pc:#018x} in {symbolize(pc, inlined=True)}")
    depth = 1
    while fp != 0 and depth < 64:
        if fp & 0xF:
            print(f"    (frame pointer {fp:#x} misaligned: chain ends)")
            break
        try:
            raw = bytes(inferior.read_memory(fp, 16))
        except gdb.MemoryError:
            print(f"    (frame record at {fp:#x} unreadable: chain ends)")
            break
        next_fp = int.from_bytes(raw[:8], "little")
        lr = int.from_bytes(raw[8:], "little")
        if lr == 0:
            break
        print(f"#{depth:<2} {lr - 4:#018x} in {symbolize(lr - 4, inlined=True)}")  # the call, not the return
        depth += 1
        if next_fp <= fp:
            break  # stacks grow down: a caller's record is at a higher address
        fp = next_fp


def set_frame0_register(name, value):
    """Writes a register of the CPU itself. Frame 0 is selected first, every time: a write in an
    outer frame goes to that frame's save slot, or is refused for the outermost frame's sp and pc
    (GDB keeps the selected frame across a register write when the new chain contains a frame with
    its id: any two tasks share task_trampoline as their outermost frame)."""
    gdb.newest_frame().select()
    gdb.execute(f"set ${name} = {value:#x}", to_string=True)


def backtrace_from_context(ctx):
    """Load the saved context into the selected CPU's registers, let GDB unwind, put them back.
    The target is stopped throughout, so the task that really runs never sees the change."""
    frame = gdb.newest_frame()
    names = SAVED_REGS + ["x29", "x30", "sp", "pc"]
    saved = {r: u64(frame.read_register(r)) for r in names}
    values = {r: u64(ctx["x19_x28"][i]) for i, r in enumerate(SAVED_REGS)}
    values.update({"x29": u64(ctx["fp"]), "x30": u64(ctx["lr"]), "sp": u64(ctx["sp"]),
                   "pc": u64(ctx["lr"])})
    try:
        for r in names:
            set_frame0_register(r, values[r])
        print("(from the saved context; x0-x18 are not saved by a switch: argument values that GDB "
              "takes from them are the CPU's, not the task's)")
        gdb.execute("backtrace")
    finally:
        failed = []
        for r in names:
            try:
                set_frame0_register(r, saved[r])
            except gdb.error as e:
                failed.append(f"{r} ({e})")
        frame = gdb.newest_frame()
        frame.select()
        wrong = [r for r in names if u64(frame.read_register(r)) != saved[r]]
        if failed or wrong:
            raise gdb.GdbError("k-bt: the CPU's registers could not all be put back: " +
                               ", ".join(failed + wrong) + "; saved values: " +
                               ", ".join(f"{r}={saved[r]:#x}" for r in names) + ". Do not continue.")


# ---- k-log

# Where a kernel log ring would be if the kernel kept one (searched in this order).
LOG_BUFFERS = [("kernel", "s_log_ring"), ("kernel", "s_log_buffer"), ("kernel", "g_log_buffer")]


class KLog(KernelCommand):
    """Print the kernel log buffer, or say there is none and show the console's buffers.
Usage: k-log"""

    def __init__(self):
        super().__init__("k-log")

    @command_errors
    def invoke(self, arg, from_tty):
        for ns, name in LOG_BUFFERS:
            buf = find_var(ns, name, required=False)
            if buf is not None:
                print(f"kernel log ({ns}::{name}):")
                print(gdb.execute(f"print {ns}::{name}", to_string=True))
                return
        print("no kernel log buffer: kprintf and klog (kernel/log.cpp) format each line on the stack and "
              "write it straight to the UART, so the log is the console output itself.")
        uart = find_var("kernel::console", "s_uart", required=False)
        if uart is None:
            print("console: kernel::console s_uart not found")
            return
        rx = uart["m_rx"]
        head, tail = atomic_value(rx["m_head"]), atomic_value(rx["m_tail"])
        slots = rx["m_slots"]
        n = slots.type.strip_typedefs().range()[1] + 1
        pending = bytes(int(slots[i % n]) & 0xFF for i in range(tail, head))
        print(f"console input ring (UART receive, {n} bytes): {head - tail} unread {pending!r}, "
              f"{int(uart['m_rx_dropped'])} dropped")


KPs()
KBt()
KLog()

# k-runq and k-cpus: kernel_gdb_cpus.py next to this file, sourced into the same namespace (it uses
# the helpers above). GDB sets __file__ for a sourced script.
gdb.execute("source " + os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_gdb_cpus.py"))
