#!/usr/bin/env python3
"""Tests of tools/gdbinit and the kernel GDB commands (tools/gdb/kernel_gdb.py), in batch GDB.

  test_kernel_gdb.py --build build no-qemu   gdbinit loads whole when nothing listens, with a hint
  test_kernel_gdb.py --build build booted    against a booted kernel: k-ps, k-bt, k-runq, k-log
  test_kernel_gdb.py --build build booted-smp the same on 4 CPUs: threads, k-cpus, k-ps's CPUs, k-runq [CPU]
  test_kernel_gdb.py --build build preempted a kernel task preempted inside a timer interrupt

Exits 77 (CTest's skip) without gdb-multiarch. Each boot's GDB server is a Unix socket of its own (no
port to collide with a parallel test). Nothing here depends on how fast the host is: the socket is
awaited as listening, and the kernel's state as a breakpoint event.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GDB = "gdb-multiarch"


def listening(path):
    """Whether a Unix socket listens at path (from /proc: no connection is made, which QEMU's
    one-client GDB server would take as its debugger)."""
    try:
        lines = open("/proc/net/unix").read().splitlines()[1:]
    except OSError:
        return os.path.exists(path)
    for line in lines:
        fields = line.split()
        if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & 0x10000:  # __SO_ACCEPTCON
            return True
    return False


def gdb_command(build, remote, extra):
    env = dict(os.environ, KERNEL_GDB_REMOTE=remote)
    cmd = [GDB, "-q", "-nx", "-batch", "-x", "tools/gdbinit"] + extra
    cmd.append(os.path.join(build, "kernel.elf"))
    return cmd, env


def check(out, expectations):
    ok = True
    for what, pattern in expectations:
        if not re.search(pattern, out, re.M):
            print(f"test_kernel_gdb: FAIL: {what}: no match for {pattern!r}")
            ok = False
    return ok


def section(out, name):
    m = re.search(r"^=== " + re.escape(name) + r"\n(.*?)(?=^=== )", out, re.M | re.S)
    return m.group(1) if m else ""


def test_no_qemu(build, timeout):
    tmp = tempfile.TemporaryDirectory(prefix="kernel_gdb.")
    nowhere = os.path.join(tmp.name, "nobody-listens.sock")
    cmd, env = gdb_command(build, nowhere, ["-ex", "help k-ps", "-ex", "help early-symbols",
                                            "-ex", "info breakpoints", "-ex", "echo gdbinit-done\\n"])
    out = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=timeout).stdout.decode(errors="replace")
    print(out)
    return check(out, [
        ("the connection failure is explained", r"gdbinit: cannot connect to QEMU at " + re.escape(nowhere)),
        ("the hint names make debug", r"start it first with `make debug`"),
        ("the kernel commands loaded", r"^List every kernel task"),
        ("early-symbols defined", r"^Load kernel.elf symbols at the physical load address"),
        ("break kmain set", r"breakpoint\s+keep\s+y\s+0x[0-9a-f]+ in kmain"),
        ("the session went on", r"^gdbinit-done$"),
    ])


def boot_and_debug(build, timeout, scenario, qemu_args):
    """Boots the kernel halted with a GDB server on a Unix socket of its own, runs tools/gdbinit then
    scenario.py in batch GDB, and returns GDB's output ("" when QEMU never listened)."""
    tmp = tempfile.TemporaryDirectory(prefix="kernel_gdb.")
    sock = os.path.join(tmp.name, "gdb.sock")
    qemu = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tools/qemu_run.py"), "--kernel", os.path.join(build, "kernel.bin"),
         "--gdb-server", sock, "--timeout", str(timeout), "--check", "none"] + qemu_args,
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    out = ""
    try:
        deadline = time.monotonic() + timeout
        while not listening(sock):
            if qemu.poll() is not None or time.monotonic() > deadline:
                print(f"test_kernel_gdb: FAIL: QEMU's GDB server never listened at {sock}")
                return ""
            time.sleep(0.1)
        cmd, env = gdb_command(build, sock, ["-x", "tools/gdb/scenario.py"])
        env["KERNEL_GDB_SCENARIO"] = scenario
        gdb = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=timeout)
        out = gdb.stdout.decode(errors="replace")
        print(out)
    finally:
        try:
            qemu_out = qemu.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(qemu.pid, signal.SIGKILL)  # our own session: qemu_run and its QEMU
            qemu_out = qemu.communicate()[0]
        print("--- console:\n" + qemu_out.decode(errors="replace"))
        tmp.cleanup()
    return out


def test_booted(build, timeout):
    out = boot_and_debug(build, timeout, "sleep", ["--initrd", os.path.join(build, "initramfs.cpio"),
                                                    "--append", "init=/bin/init /bin/sleep 100000000"])
    ps, bt2 = section(out, "k-ps"), section(out, "k-bt pid 2")
    fp2, bt1 = section(out, "k-bt -fp pid 2"), section(out, "k-bt pid 1")
    bt0, runq, log = section(out, "k-bt 0"), section(out, "k-runq"), section(out, "k-log")
    ok = check(out, [("the system settled", r"^=== settled$"), ("the scenario ran to its end", r"^=== end$"),
                     ("k-bt put the registers back", r"^=== registers restored$")])
    ok &= check(ps, [
        ("k-ps header", r"^ID\s+PID\s+NAME\s+STATE\s+CPU\s+PRIO\s+PC\s+FUNCTION"),
        ("idle runs on CPU 0 (marked)", r"^0\s+-\s+idle\s+running\s+0\*\s+\S+\s+0x[0-9a-f]{16}\s+\S"),
        ("init is blocked, in cpu_switch_to's caller", r"^\d+\s+1\s+init\s+blocked\s+0\s+\S+\s+0x[0-9a-f]{16}\s+sched::"),
        ("sleep sleeps", r"^\d+\s+2\s+sleep\s+sleeping\s+0\s+\S+\s+0x[0-9a-f]{16}\s+sched::sleep_until"),
    ])
    ok &= check(bt2, [("sleep's backtrace: sleep_until", r"sched::sleep_until"),
                      ("sleep's backtrace: the nanosleep call", r"nanosleep"),
                      ("sleep's backtrace: the exception entry from EL0", r"in el0_sync \(\)")])
    ok &= check(fp2, [("frame-record walk: sleep_until", r"^#0 .* in sched::sleep_until\+0x\w+ \(inlined: .*switch_to"),
                      ("frame-record walk: the nanosleep call", r"^#1 .* in .*nanosleep\+0x"),
                      ("frame-record walk: the exception entry from EL0", r"in el0_sync\+0x")])
    ok &= check(bt1, [("init's backtrace: blocked", r"sched::block_current"),
                      ("init's backtrace: waiting for a child", r"wait_child"),
                      ("init's backtrace: the wait4 call", r"wait4"),
                      ("init's backtrace: the exception entry from EL0", r"in el0_sync \(\)")])
    ok &= check(bt0, [("idle: live frames", r"running on CPU 0"), ("idle: run_idle", r"sched::run_idle")])
    ok &= check(runq, [("k-runq: CPU 0 runs idle", r"^CPU 0: current 0 \(idle\)"),
                       ("k-runq: nothing ready", r"run queue empty"),
                       ("k-runq: one sleeper", r"^  CPU 0 timer queue: 1 armed"),
                       ("k-runq: the sleeper is pid 2", r"deadline \d+ .*: task \d+ sleep \(pid 2\)")])
    ok &= check(log, [("k-log says there is no log buffer", r"no kernel log buffer"),
                      ("k-log shows the console input ring", r"console input ring")])
    return ok


def test_booted_smp(build, timeout):
    """The sleep scenario on 4 CPUs: GDB shows each CPU as a thread, k-cpus one line per CPU, k-ps
    one idle task per CPU and exactly one current task marked on each, k-runq every CPU or one."""
    out = boot_and_debug(build, timeout, "sleep-smp", ["--smp", "4", "--initrd", os.path.join(build, "initramfs.cpio"),
                                                        "--append", "init=/bin/init /bin/sleep 100000000"])
    threads, cpus, ps = section(out, "info threads"), section(out, "k-cpus"), section(out, "k-ps")
    runq, runq2, runq9, bt1 = (section(out, "k-runq"), section(out, "k-runq 2"), section(out, "k-runq 9"),
                               section(out, "k-bt pid 1"))
    ok = check(out, [("the system settled", r"^=== settled$"), ("the scenario ran to its end", r"^=== end$"),
                     ("k-bt put the registers back", r"^=== registers restored$")])
    ok &= check(threads, [(f"GDB shows CPU {n} as thread {n + 1}", rf"^\*?\s+{n + 1}\s+Thread 1\.{n + 1} ")
                          for n in range(4)])
    ok &= check(cpus, [("k-cpus: 4 online", r"^online CPUs: 4 \(g_online 0xf\)$"),
                       ("k-cpus header", r"^CPU\s+THREAD\s+MPIDR\s+CURRENT\s+QUEUED\s+SWITCHES\s+IDLE\s+MIGR-IN\s+TIMERS\s+PC$")]
                 + [(f"k-cpus: CPU {n} on thread {n + 1}, its MPIDR, a current task and a live pc",
                     rf"^{n}\s+{n + 1}\s+0x{n:x}\s+\d+ \S+.*\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+0x[0-9a-f]{{16}} \S")
                    for n in range(4)])
    idle_cpus = sorted(re.findall(r"^0\s+-\s+idle\s+\S+\s+(\d+)\*?\s", ps, re.M))
    if idle_cpus != ["0", "1", "2", "3"]:
        print(f"test_kernel_gdb: FAIL: k-ps: idle tasks on CPUs {idle_cpus}, expected one on each of 0-3")
        ok = False
    marked = sorted(re.findall(r"^\d+\s+\S+\s+\S+\s+running\s+(\d+)\*\s", ps, re.M))
    if marked != ["0", "1", "2", "3"]:
        print(f"test_kernel_gdb: FAIL: k-ps: running tasks marked on CPUs {marked}, expected exactly one on each")
        ok = False
    ok &= check(ps, [("init is blocked on a CPU", r"^\d+\s+1\s+init\s+blocked\s+[0-3]\s"),
                     ("sleep sleeps on a CPU", r"^\d+\s+2\s+sleep\s+sleeping\s+[0-3]\s")])
    if len(re.findall(r"^CPU \d: current ", runq, re.M)) != 4:
        print("test_kernel_gdb: FAIL: k-runq: not one block per CPU")
        ok = False
    ok &= check(runq, [("k-runq: the sleeper in some CPU's timer queue",
                        r"^  CPU [0-3] timer queue: 1 armed\n    deadline \d+ .*: task \d+ sleep \(pid 2\)")])
    ok &= check(runq2, [("k-runq 2: CPU 2 alone", r"\ACPU 2: current \d+ \(\S+\).*\n(  .*\n)*\Z")])
    ok &= check(runq9, [("k-runq 9: refused", r"^error: CPU 9 is not online \(online: 0, 1, 2, 3\)$")])
    ok &= check(bt1, [("init's backtrace: waiting for a child", r"wait_child")])
    return ok


def test_preempted(build, timeout):
    """Kernel tasks preempted by the tick: each saved context is inside a timer interrupt taken at
    EL1, so their backtraces must cross the exception entry into the loop that was interrupted."""
    out = boot_and_debug(build, timeout, "preempt", ["--icount", "--append", "bench=preempt"])
    ps, runq = section(out, "k-ps"), section(out, "k-runq")
    bts = [section(out, m.group(1)) for m in re.finditer(r"^=== (k-bt \d+)$", out, re.M)]
    ok = check(out, [("the measurer's second sleep came", r"^=== settled$"), ("the scenario ran to its end", r"^=== end$"),
                     ("k-bt put the registers back", r"^=== registers restored$")])
    ok &= check(ps, [("the measurer runs", r"^\d+\s+-\s+preempt-measure\s+running\s+0\*\s+fixed/21\s"),
                     ("the two spinners are ready", r"(^\d+\s+-\s+preempt-spin\s+ready\s+0\s+fixed/20\s.*\n){2}")])
    if len(bts) != 2:
        print(f"test_kernel_gdb: FAIL: {len(bts)} spinner backtraces, expected 2")
        ok = False
    for i, bt in enumerate(bts):
        ok &= check(bt, [(f"spinner {i}: switched out by preempt()", r"sched::\(anonymous namespace\)::preempt "),
                         (f"spinner {i}: from the IRQ exit path", r"on_irq_exit"),
                         (f"spinner {i}: the exception entry crossed", r"<signal handler called>"),
                         (f"spinner {i}: interrupted in its loop", r"in .*preempt_spinner \(")])
    ok &= check(runq, [("k-runq: the measurer is current", r"^CPU 0: current \d+ \(preempt-measure\)"),
                       ("k-runq: both spinners queued at their level, in order", r"^  fixed/20: \d+ preempt-spin, \d+ preempt-spin$")])
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("what", choices=["no-qemu", "booted", "booted-smp", "preempted"])
    args = ap.parse_args()
    if not shutil.which(GDB):
        print(f"test_kernel_gdb: {GDB} not found (Debian/Ubuntu: apt-get install gdb-multiarch): skipped")
        return 77
    build = os.path.abspath(args.build)
    tests = {"no-qemu": test_no_qemu, "booted": test_booted, "booted-smp": test_booted_smp,
             "preempted": test_preempted}
    ok = tests[args.what](build, args.timeout)
    print("test_kernel_gdb: PASS" if ok else "test_kernel_gdb: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
