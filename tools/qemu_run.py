#!/usr/bin/env python3
"""Boot the kernel under QEMU for tests, benchmarks and interactive use.

  qemu_run.py --kernel build/kernel.bin --config a53-gicv2 --append "test=all" --check tests
  qemu_run.py --kernel build/kernel.bin --config a53-gicv2 --append "test=panic.null_deref" --check panic
  qemu_run.py --kernel build/kernel.bin --bench --append "bench=all"
  qemu_run.py --kernel build/kernel.bin --interactive

Every non-interactive run has a hard timeout; a timeout is a failure. --check tests passes when QEMU
exits 0 and the output ends with "N passed, 0 failed" (N > 0); --check panic passes when a complete
panic report (reason, registers, backtrace with a symbol, end marker) appears and QEMU exits.
"""
import argparse
import os
import re
import subprocess
import sys

CONFIGS = {
    # name: machine, cpu, memory
    "a53-gicv2": ("virt", "cortex-a53", "128M"),                       # GICv2, EL1 entry
    "a72-gicv3-el2": ("virt,virtualization=on,gic-version=3", "cortex-a72", "1G"),  # EL2 entry
    "a57-gicv3": ("virt,gic-version=3", "cortex-a57", "512M"),          # GICv3 at EL1
    "max-gicv2-el2-2g": ("virt,virtualization=on", "max", "2G"),        # EL2, GICv2, 2 GiB
    "bench": ("virt", "cortex-a53", "512M"),
}


def qemu_command(args):
    machine, cpu, mem = CONFIGS[args.config]
    if args.memory:
        mem = args.memory
    cmd = ["qemu-system-aarch64", "-M", machine, "-cpu", cpu, "-m", mem, "-smp", str(args.smp),
           "-nographic", "-no-reboot", "-kernel", args.kernel]
    if args.append:
        cmd += ["-append", args.append]
    if args.initrd:
        cmd += ["-initrd", args.initrd]
    if not args.interactive or args.semihosting:
        cmd += ["-semihosting"]
    if args.bench or args.icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if args.gdb:
        cmd += ["-s", "-S"]
    return cmd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--config", default="a53-gicv2", choices=sorted(CONFIGS))
    ap.add_argument("--memory")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--append", default="")
    ap.add_argument("--initrd")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--check", choices=["tests", "panic", "bench", "exit", "none"], default="none")
    ap.add_argument("--expect", action="append", default=[], help="regex that must appear in the output")
    ap.add_argument("--bench", action="store_true", help="-icount shift=0,sleep=off and the bench machine")
    ap.add_argument("--icount", action="store_true", help="-icount shift=0,sleep=off: deterministic virtual time")
    ap.add_argument("--interactive", action="store_true")
    ap.add_argument("--semihosting", action="store_true")
    ap.add_argument("--gdb", action="store_true", help="halt at reset with a GDB server on :1234")
    ap.add_argument("--print-command", action="store_true")
    args = ap.parse_args()
    if args.bench:
        args.config = "bench" if args.config == "a53-gicv2" else args.config

    cmd = qemu_command(args)
    if args.print_command:
        print(" ".join(cmd))
        return 0
    if args.interactive:
        os.execvp(cmd[0], cmd)

    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=args.timeout)
        out = proc.stdout.decode(errors="replace")
        code = proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        sys.stdout.write(out)
        print(f"\nqemu_run: TIMEOUT after {args.timeout:.0f} s: {' '.join(cmd)}")
        return 1
    sys.stdout.write(out)
    out = out.replace("\r\n", "\n")

    ok = True
    for pattern in args.expect:
        if not re.search(pattern, out, re.M):
            print(f"qemu_run: expected output not found: {pattern!r}")
            ok = False
    if args.check == "tests":
        m = re.findall(r"^(\d+) passed, (\d+) failed$", out, re.M)
        if not m:
            print("qemu_run: no 'N passed, N failed' line")
            ok = False
        elif int(m[-1][0]) == 0 or int(m[-1][1]) != 0:
            print(f"qemu_run: {m[-1][0]} passed, {m[-1][1]} failed")
            ok = False
        if code != 0:
            print(f"qemu_run: QEMU exit status {code}")
            ok = False
    elif args.check == "panic":
        needed = [r"KERNEL PANIC on CPU \d+, task: ", r"^reason: ", r"^pc  0x[0-9a-f]{16} .+\+0x",
                  r"^x0  0x", r"^backtrace:", r"^  #1 +0x[0-9a-f]{16} \S", r"--- end of panic report ---"]
        for pattern in needed:
            if not re.search(pattern, out, re.M):
                print(f"qemu_run: panic report incomplete, missing {pattern!r}")
                ok = False
        if code == 0:
            print("qemu_run: QEMU exited 0 after a panic")
            ok = False
    elif args.check == "exit":
        if code != 0:
            print(f"qemu_run: QEMU exit status {code}")
            ok = False
    elif args.check == "bench":
        if code != 0 or not re.search(r"^bench \S+: \d+ instructions/op$", out, re.M):
            print(f"qemu_run: benchmark run failed (exit {code})")
            ok = False
    print("qemu_run: PASS" if ok else "qemu_run: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
