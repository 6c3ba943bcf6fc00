#!/usr/bin/env python3
"""Types at the kernel monitor through QEMU's serial port and checks what it answers.

  console_test.py --kernel build/kernel.bin --initrd build/initramfs.cpio [--config a53-gicv2]

QEMU runs with the serial port on its stdin/stdout (no monitor multiplexed in, so Ctrl-A and Ctrl-C
reach the guest as bytes). Every step waits for an event in the output (the prompt, a message),
never for a time: a loaded host only makes the run slower. One deadline bounds the whole run.
On failure the transcript is printed with what was awaited.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_run  # noqa: E402  (the same QEMU command line the other tests use)

PROMPT = re.compile(r"(?:^|\n)> ")
LEFT, RIGHT, UP, DOWN = b"\x1b[D", b"\x1b[C", b"\x1b[A", b"\x1b[B"
HOME, END, DELETE = b"\x1b[H", b"\x1b[F", b"\x1b[3~"
CTRL = {c: bytes([ord(c) & 0x1f]) for c in "ABCDEFKUW"}


class Failure(Exception):
    pass


class Console:
    def __init__(self, cmd, timeout):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.deadline = time.monotonic() + timeout
        self.out = ""    # everything QEMU printed, CR LF as LF
        self.pos = 0     # what earlier expectations consumed
        self.last_command = 0  # where the output of the last command() starts
        self.raw = b""

    def _read_more(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failure("timed out")
        ready, _, _ = select.select([self.proc.stdout], [], [], left)
        if not ready:
            raise Failure("timed out")
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            raise Failure(f"QEMU exited (status {self.proc.wait()})")
        self.raw += data
        self.out = self.raw.decode(errors="replace").replace("\r\n", "\n")

    def expect(self, pattern, what=None):
        """Waits until `pattern` (a regex, multiline) appears after what was consumed; consumes it."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            try:
                self._read_more()
            except Failure as e:
                raise Failure(f"{e} waiting for {what or pattern!r}") from None

    def prompt(self):
        return self.expect(PROMPT, "the prompt")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def command(self, line, *patterns):
        """Types `line` and Enter at a prompt, waits for each pattern in order, then the next prompt.
        Returns the output between the command and the next prompt."""
        self.last_command = start = self.pos
        self.send(line + b"\r" if isinstance(line, bytes) else line + "\r")
        found = [self.expect(p) for p in patterns]
        end = self.prompt().start()
        return self.out[start:end], found

    def printed_since_command(self, pattern, what):
        """Waits until `pattern` appears anywhere after the last command was typed, before or after its
        prompt, without consuming: a background job's own output, which with several CPUs comes
        whenever that job runs and must be out before a command whose lines it could split."""
        rx = re.compile(pattern, re.M)
        while not rx.search(self.out, self.last_command):
            try:
                self._read_more()
            except Failure as e:
                raise Failure(f"{e} waiting for {what}") from None

    def until(self, pattern, what):
        """Waits for `pattern`, a job's end, which is reported at the first prompt after it happened:
        already before the last command's prompt (the job ended at once) or at a later one (Enter is
        pressed at each prompt; the program may need a few of the scheduler's turns to end, and on a
        busy host the CPU it runs on may not be scheduled by QEMU for a long while). Bounded by the
        session's deadline, not by a number of prompts, which no host speed could justify."""
        rx = re.compile(pattern, re.M)
        m = rx.search(self.out, self.last_command, self.pos)
        if m:
            return m
        prompts = 0
        while True:
            start = self.pos
            self.send("\r")
            try:
                end = self.prompt().start()
            except Failure as e:
                raise Failure(f"{e}: {what} not seen after {prompts} prompts") from None
            prompts += 1
            m = rx.search(self.out, start, end)
            if m:
                return m
            time.sleep(0.02)  # pace the Enters; not a timing assumption, only less noise in the log

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def check(cond, what):
    if not cond:
        raise Failure(what)


def session(c):
    c.expect(r"type 'help' for commands", "the monitor's greeting")
    c.prompt()

    # run: a path, a bare name through the search path, and each reason a program cannot start.
    c.command("run /bin/hello a b", r"^argv\[0\]=/bin/hello$", r"^argv\[1\]=a$", r"^argv\[2\]=b$")
    # kill takes PIDs: `kill 1` is process 1 (the program that just ended, if any), never the console.
    c.command("kill 1", r"kill: \(1\): no such process")
    c.command("run hello x", r"^argv\[0\]=hello$", r"^argv\[1\]=x$")
    c.command("run nope", r"run: nope: command not found")
    c.command("run /bin/nope", r"run: /bin/nope: no such file or directory")
    c.command("run /etc/motd", r"run: /etc/motd: permission denied: not executable")
    c.command("run /bin", r"run: /bin: permission denied: a directory")
    c.command("run /etc/motd/x", r"run: /etc/motd/x: not a directory$")
    c.command("run /bin/notelf", r"run: /bin/notelf: exec format error")

    # A background job: "[N] PID", one ps table keyed by PID with kernel tasks as kN.
    _, (job,) = c.command("run /bin/spin &", r"^\[1\] (\d+)$")
    spin = job.group(1)
    c.printed_since_command(rf"spin: pid {spin} spinning forever", "the background spin's greeting")
    out, _ = c.command("ps", r"PID +PPID +TASK +KIND +NAME +STATE +CPU +CPU-ms")
    check(re.search(rf"^ *{spin} +0 +k\d+ +user +spin +\S+ +[0-{c.smp - 1}] .*\[1\]$", out, re.M),
          f"ps shows pid {spin} as job [1], with its CPU")
    # One idle task per CPU, each on its own CPU.
    idle_cpus = sorted(int(m) for m in re.findall(r"^ *- +- +k0 +kernel +idle +\S+ +(\d+) ", out, re.M))
    check(idle_cpus == list(range(c.smp)), f"ps shows one idle task on each of {c.smp} CPUs (got {idle_cpus})")
    me = re.search(r"^ *- +- +k(\d+) +kernel +shell .*\(this console\)$", out, re.M)
    check(me, "ps shows the monitor's own kernel task")
    check(re.search(r"^ *- +- +k0 +kernel +idle ", out, re.M), "ps shows the idle task as k0")
    c.command(f"kill -t {me.group(1)}", r"this console \(the monitor\): refused")
    c.command(f"kill k{me.group(1)}", r"this console \(the monitor\): refused")
    c.command("kill -t 0", r"k0 is the idle task: refused")

    # cpus: one line per online CPU, numbered 0..N-1 in order, each with its MPIDR and current task.
    c.command("help", r"^  cpus +each CPU: current task, queue, switches, idle time$")
    out, _ = c.command("cpus", r"^CPU +MPIDR +CURRENT +QUEUED +SWITCHES +IDLE-ms +MIGR-IN$")
    rows = re.findall(r"^ *(\d+) +0x[0-9a-f]+ +k\d+ \S+ +\d+ +\d+ +\d+ +\d+$", out, re.M)
    check([int(r) for r in rows] == list(range(c.smp)), f"cpus shows one line for each of {c.smp} CPUs (got {rows})")
    check(re.search(r"^ *\d+ +0x[0-9a-f]+ +k\d+ shell ", out, re.M), "cpus shows the monitor running on a CPU")
    c.command("cpus x", r"usage: cpus")
    c.command("kill -FOO 5", r"kill: -FOO: unknown signal")
    c.command("kill %7", r"kill: %7: no such job")
    c.command("jobs", r"^\[1\] Running +/bin/spin$")
    c.command("kill %1")
    c.until(r"^\[1\] Killed \(SIGTERM\) +/bin/spin$", "[1] Killed (SIGTERM)")
    c.command(f"kill {spin}", rf"kill: \({spin}\): no such process")

    # Other signal forms, by PID and by job; a job that ends by itself is Done.
    _, (j1,) = c.command("run /bin/spin &", r"^\[1\] (\d+)$")
    c.printed_since_command(rf"spin: pid {j1.group(1)} spinning forever", "job 1's greeting")
    _, (j2,) = c.command("run /bin/spin&", r"^\[2\] (\d+)$")
    c.printed_since_command(rf"spin: pid {j2.group(1)} spinning forever", "job 2's greeting")
    c.command(f"kill -s INT {j2.group(1)}")
    c.until(r"^\[2\] Killed \(SIGINT\) +/bin/spin$", "[2] Killed (SIGINT)")
    c.command("kill -9 %1")
    c.until(r"^\[1\] Killed \(SIGKILL\) +/bin/spin$", "[1] Killed (SIGKILL)")
    c.command("run /bin/sleep 1 &", r"^\[1\] \d+$")
    c.until(r"^\[1\] Done +/bin/sleep 1$", "[1] Done")

    # Ctrl-C of a foreground program sends SIGINT.
    c.send("run /bin/spin\r")
    c.expect(r"spin: pid \d+ spinning forever")
    c.send(b"\x03")
    c.expect(r"pid \d+ killed by signal 2 \(SIGINT\)")
    c.prompt()

    # Line editing with the bytes a terminal sends (arrows, Home/End in two forms, Delete, BS and DEL,
    # Ctrl-A/E/B/F/K/U/W); each line's effect shows in the program's arguments.
    c.command(b"un /bin/hello wrld" + HOME + b"r" + END + LEFT + b"\x1bOD" + CTRL["B"] + b"o",
              r"^argv\[1\]=world$")
    c.command(b"run /bin/hello junk" + CTRL["W"] + b"keep extra" + LEFT * 5 + CTRL["K"] + b"\x1bOH" + CTRL["F"] * 3
              + b"\x1bOF", r"^argc=2$", r"^argv\[1\]=keep$")
    c.command(b"run /bin/hello abXc" + LEFT + LEFT + DELETE + b"dd\x7f\x08", r"^argv\[1\]=abc$")
    c.command(b"garbage" + CTRL["U"] + b"/bin/hello e" + CTRL["A"] + b"run " + CTRL["E"] + b"2",
              r"^argv\[1\]=e2$")
    # An escape sequence split across two writes (the guest may read them apart).
    c.send(b"run /bin/hello split\x1b")
    c.send(b"[D" + b"\x1b[")
    c.send(b"D!\r")
    c.expect(r"^argv\[1\]=spl!it$")
    c.prompt()
    # An unknown sequence (F5, a private mode report) and a lone control byte change nothing.
    c.command(b"run /bin/hello \x1b[15~\x1b[?1;2cok\x07", r"^argv\[1\]=ok$")

    # History: Up recalls the previous lines, Down comes back, Enter runs what is shown.
    c.command(UP, r"^argv\[1\]=ok$")
    c.command(UP + UP + UP + DOWN, r"^argv\[1\]=spl!it$")
    c.command(UP + b" again", r"^argv\[1\]=spl!it$", r"^argv\[2\]=again$")

    # A line longer than the editor's buffer (256 characters) is refused, not cut and run. Typed in
    # pieces, each once the one before is echoed: the UART's receive ring (256 bytes) drops what the
    # monitor has not read yet, and a loaded host may keep it from reading for a while.
    c.send("run /bin/hello " + "x" * 185)
    c.expect(r"run /bin/hello x{185}", "the echo of the first 200 characters")
    c.send("x" * 56)
    c.expect(r"x{56}", "the echo up to 256 characters")
    c.send("x" * 59 + "\r")
    c.expect(r"\a", "the bell at the 257th character")
    c.expect(r"error: line longer than 256 characters: not run")
    c.prompt()
    check("argv[1]=xxxx" not in c.out, "a cut line was run")

    # The console tests with a background job: they neither wait for the job nor count it.
    _, (j,) = c.command("run /bin/spin &", r"^\[1\] (\d+)$")
    c.command("test user", r"^[1-9]\d* passed, 0 failed$")
    c.command("jobs", r"^\[1\] Running +/bin/spin$")
    c.command("kill %1")
    c.until(r"^\[1\] Killed \(SIGTERM\) +/bin/spin$", "[1] Killed (SIGTERM) after the test")

    c.send("poweroff\r")
    c.expect(r"powering off")
    status = c.proc.wait(timeout=max(1.0, c.deadline - time.monotonic()))
    check(status == 0, f"QEMU exit status {status} after poweroff")


class QemuOptions(argparse.Namespace):
    """qemu_run's options as its parser would give them: any option not named here is off (None)."""
    def __getattr__(self, name):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--config", default="a53-gicv2", choices=sorted(qemu_run.CONFIGS))
    ap.add_argument("--memory")
    ap.add_argument("--timeout", type=float, default=240, help="for the whole session")
    ap.add_argument("--smp", type=int, default=2, help="CPUs (ps and cpus are checked against it)")
    args = ap.parse_args()
    cmd = qemu_run.qemu_command(QemuOptions(config=args.config, memory=args.memory, smp=args.smp, kernel=args.kernel,
                                            append="", initrd=args.initrd, interactive=True))
    # The serial port alone on stdio: -nographic would multiplex QEMU's monitor in, whose escape
    # key (Ctrl-A) would never reach the guest.
    i = cmd.index("-nographic")
    cmd[i:i + 1] = ["-display", "none", "-serial", "stdio", "-monitor", "none"]
    c = Console(cmd, args.timeout)
    c.smp = args.smp
    try:
        session(c)
    except Failure as e:
        sys.stdout.write(c.out)
        print(f"\nconsole_test: FAIL: {e}")
        print(f"console_test: (consumed up to offset {c.pos} of {len(c.out)})")
        return 1
    finally:
        c.close()
    sys.stdout.write(c.out)
    print("\nconsole_test: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
