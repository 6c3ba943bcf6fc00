#!/usr/bin/env python3
"""SMP scaling in real time: boots /bin/bench's scaling work at -smp 1 and at -smp 2 (no -icount,
which would run every CPU on one host thread) and prints the speed-ups as ratios.

  tools/smp_scaling.py --kernel build/kernel.bin --initrd build/initramfs.cpio [--config bench]

Each boot runs the same fixed work (`bench scale_cpu scale_pipe`: 2 CPU-bound processes, then 2
pipe ping-pong pairs of 2 processes each) and prints its elapsed CLOCK_MONOTONIC time. Absolute
times depend on the host; the ratio of the two boots is the figure:

  scaling cpu-bound 2 procs: 1.93x (-smp 1 3.149 s, -smp 2 1.632 s)

Host time: a loaded host (other QEMUs, builds) lowers the ratios; nothing is asserted.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = [("cpu", "cpu-bound 2 procs"), ("pipe", "pipe ping-pong 2 pairs (4 procs)")]


def boot(args, smp):
    cmd = [sys.executable, os.path.join(HERE, "qemu_run.py"), "--kernel", args.kernel, "--initrd", args.initrd,
           "--config", args.config, "--smp", str(smp), "--check", "exit", "--timeout", str(args.timeout),
           "--append", "init=/bin/bench " + " ".join("scale_" + name for name, _ in WORK)]
    if args.memory:
        cmd += ["--memory", args.memory]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    times = {m.group(1): int(m.group(2)) for m in re.finditer(r"^scale (\S+): .* in (\d+) ns\s*$", proc.stdout, re.M)}
    if proc.returncode != 0 or any(name not in times for name, _ in WORK):
        sys.stdout.write(proc.stdout)
        raise SystemExit(f"smp_scaling: the -smp {smp} boot failed (exit {proc.returncode})")
    for name, what in WORK:
        print(f"smp {smp}: {what}: {times[name] / 1e9:.3f} s")
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--config", default="bench")
    ap.add_argument("--memory")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    one, two = boot(args, 1), boot(args, 2)
    for name, what in WORK:
        print(f"scaling {what}: {one[name] / two[name]:.2f}x "
              f"(-smp 1 {one[name] / 1e9:.3f} s, -smp 2 {two[name] / 1e9:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
