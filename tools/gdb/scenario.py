"""Run inside GDB by tools/gdb/test_kernel_gdb.py, after tools/gdbinit has connected to a kernel
halted at reset. KERNEL_GDB_SCENARIO picks what the kernel was booted with and what to wait for:

  sleep    `init=/bin/init /bin/sleep N`: the switch to the idle task once pid 1 (in wait4) and
           pid 2 (in nanosleep) are both blocked; GDB then steps through cpu_switch_to so that the
           last one's context is saved.
  sleep-smp  the same under -smp 4, with the commands about CPUs.
  preempt  `bench=preempt` under -icount: two kernel tasks spin while a 10 kHz tick preempts them,
           and a higher-priority one measures, sleeping. Awaited: the measurer's second sleep, after
           its warm-up. Both spinners are then Ready, each switched out inside a timer interrupt
           taken in its loop. (Stopping at every switch instead would not do: the tick is overdue
           whenever the target resumes after a stop, so a spinner would never reach its loop.)

Then it runs each kernel command between "=== NAME" markers for the driver to check. No timing:
only breakpoints and single steps. The helpers (all_tasks, task_at, ...) are kernel_gdb.py's,
sourced by gdbinit into __main__.
"""
import os

import gdb

MAX_STOPS = 10000   # breakpoint hits before the awaited state: a few dozen in practice
MAX_STEPS = 200     # cpu_switch_to is about 20 instructions


def task_by_pid(pid):
    for addr in all_tasks():  # noqa: F821
        if pid_of(task_at(addr)) == pid:  # noqa: F821
            return task_at(addr)  # noqa: F821
    return None


def tasks_named(name):
    return [task_at(a) for a in all_tasks() if cstr(task_at(a)["name"]) == name]  # noqa: F821


def current_task():
    return task_at(u64(cpus()[0][1]["current"]))  # noqa: F821


def sleep_settled():
    """At cpu_switch_to(prev = x0, next = x1): the switch to idle after pid 1 and pid 2 (running
    /bin/sleep) have both blocked."""
    nxt = u64(gdb.parse_and_eval("$x1"))  # noqa: F821
    idle = {u64(cpu["idle"]) for _, cpu in cpus()}  # noqa: F821
    init, sleeper = task_by_pid(1), task_by_pid(2)
    return (nxt in idle and init is not None and sleeper is not None
            and cstr(sleeper["name"]) == "sleep"  # noqa: F821
            and enum_name(init["state"]) == "Blocked" and enum_name(sleeper["state"]) == "Blocked")  # noqa: F821


def preempt_settled():
    """At sched::sleep_ns: called by the measurer after it has slept once (its warm-up)."""
    t = current_task()
    return cstr(t["name"]) == "preempt-measure" and int(t["voluntary_switches"]) >= 1  # noqa: F821


def finish_switch():
    """Step until cpu_switch_to has returned into the next task (its context saved before)."""
    resume = u64(task_at(u64(gdb.parse_and_eval("$x1")))["context"]["lr"])  # noqa: F821
    for _ in range(MAX_STEPS):
        if u64(gdb.parse_and_eval("$pc")) == resume:  # noqa: F821
            return
        gdb.execute("stepi", to_string=True)
    raise gdb.GdbError("scenario: cpu_switch_to did not reach the next task's resume address")


def spinner_ids():
    return {f"$spin{i}": str(int(t["id"])) for i, t in enumerate(tasks_named("preempt-spin"))}


SCENARIOS = {
    # name: (breakpoint, condition, after the stop, placeholders, commands)
    "sleep": ("cpu_switch_to", sleep_settled, finish_switch, dict,
              ["k-ps", "k-bt pid 2", "k-bt -fp pid 2", "k-bt pid 1", "k-bt 0", "k-runq", "k-log"]),
    # The same state under -smp 4: every CPU shown, one CPU's queue, an error for a CPU not online.
    "sleep-smp": ("cpu_switch_to", sleep_settled, finish_switch, dict,
                  ["info threads", "k-cpus", "k-ps", "k-runq", "k-runq 2", "k-runq 9", "k-bt pid 1"]),
    "preempt": ("sched::sleep_ns", preempt_settled, lambda: None, spinner_ids,
                ["k-ps", "k-bt $spin0", "k-bt $spin1", "k-runq"]),
}


class Await(gdb.Breakpoint):
    def __init__(self, location, condition):
        super().__init__(location, internal=True)
        self.settled = condition
        self.hit = False

    def stop(self):
        try:
            self.hit = self.settled()
        except gdb.error:
            self.hit = False  # memory not readable yet at this point of the boot: keep going
        return self.hit


def main():
    name = os.environ.get("KERNEL_GDB_SCENARIO", "sleep")
    location, condition, after_stop, placeholders, commands = SCENARIOS[name]
    gdb.execute("delete")  # gdbinit's break kmain: not needed here
    bp = Await(location, condition)
    stops = 0
    while not bp.hit:
        stops += 1
        if stops > MAX_STOPS:
            raise gdb.GdbError(f"scenario {name}: the awaited state never came")
        gdb.execute("continue")
    bp.delete()
    after_stop()
    print("=== settled")

    names = placeholders()
    regs = ["pc", "sp", "x19", "x29", "x30"]
    before = [u64(gdb.parse_and_eval(f"${r}")) for r in regs]  # noqa: F821
    for cmd in commands:
        for key, value in names.items():
            cmd = cmd.replace(key, value)
        print(f"=== {cmd}")
        try:
            gdb.execute(cmd)
        except gdb.error as e:  # shown for the driver to check (a refused argument, a broken command)
            print(f"error: {e}")
    after = [u64(gdb.parse_and_eval(f"${r}")) for r in regs]  # noqa: F821
    print("=== registers " + ("restored" if before == after else f"CHANGED: {before} -> {after}"))
    print("=== end")
    gdb.execute("kill")


main()
