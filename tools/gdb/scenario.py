"""Run inside GDB by tools/gdb/test_kernel_gdb.py, after tools/gdbinit has connected to a kernel
halted at reset and booting `init=/bin/init /bin/sleep N` (pid 1 waits in wait4, pid 2 sleeps).

Waits for the event where both are blocked and the CPU switches to its idle task, steps through
cpu_switch_to so that the last one's context is saved, then runs each kernel command between
"=== NAME" markers for the driver to check. No timing: only breakpoints and single steps.
"""
import gdb

MAX_STOPS = 10000   # cpu_switch_to runs a few dozen times before the system settles
MAX_STEPS = 200     # cpu_switch_to is about 20 instructions


def task_by_pid(pid):
    for addr in all_tasks():  # noqa: F821 (kernel_gdb.py, sourced by gdbinit into __main__)
        if pid_of(task_at(addr)) == pid:  # noqa: F821
            return task_at(addr)  # noqa: F821
    return None


def settled():
    """pid 1 and pid 2 both blocked (pid 2 running /bin/sleep)."""
    init, sleeper = task_by_pid(1), task_by_pid(2)
    return (init is not None and sleeper is not None and cstr(sleeper["name"]) == "sleep"  # noqa: F821
            and enum_name(init["state"]) == "Blocked" and enum_name(sleeper["state"]) == "Blocked")  # noqa: F821


class SwitchToIdle(gdb.Breakpoint):
    """cpu_switch_to(prev = x0, next = x1) into the idle task once the system has settled."""

    def __init__(self):
        super().__init__("cpu_switch_to", internal=True)
        self.hit = False

    def stop(self):
        try:
            nxt = u64(gdb.parse_and_eval("$x1"))  # noqa: F821
            idle = {u64(cpu["idle"]) for _, cpu in cpus()}  # noqa: F821
            if nxt in idle and settled():
                self.hit = True
                return True
        except gdb.error:
            pass  # memory not readable yet at this point of the boot: keep going
        return False


def main():
    gdb.execute("delete")  # gdbinit's break kmain: not needed here
    bp = SwitchToIdle()
    stops = 0
    while not bp.hit:
        stops += 1
        if stops > MAX_STOPS:
            raise gdb.GdbError("scenario: the system never settled (pid 1 and pid 2 blocked)")
        gdb.execute("continue")
    bp.delete()
    # Step through the switch: it is complete when the CPU is at the idle task's resume address.
    idle = task_at(u64(gdb.parse_and_eval("$x1")))  # noqa: F821
    resume = u64(idle["context"]["lr"])  # noqa: F821
    for _ in range(MAX_STEPS):
        if u64(gdb.parse_and_eval("$pc")) == resume:  # noqa: F821
            break
        gdb.execute("stepi", to_string=True)
    else:
        raise gdb.GdbError("scenario: cpu_switch_to did not reach the idle task's resume address")
    print("=== settled")

    regs = ["pc", "sp", "x19", "x29", "x30"]
    before = [u64(gdb.parse_and_eval(f"${r}")) for r in regs]  # noqa: F821
    for cmd in ["k-ps", "k-bt pid 2", "k-bt -fp pid 2", "k-bt pid 1", "k-bt 0", "k-runq", "k-log"]:
        print(f"=== {cmd}")
        gdb.execute(cmd)
    after = [u64(gdb.parse_and_eval(f"${r}")) for r in regs]  # noqa: F821
    print("=== registers " + ("restored" if before == after else f"CHANGED: {before} -> {after}"))
    print("=== end")
    gdb.execute("kill")


main()
