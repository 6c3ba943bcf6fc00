#!/usr/bin/env python3
"""Tests of the top-level Makefile's interface: what `make bench`, `make run` and `make help` do
with the variables the README documents. Reads `make -n` (the commands, not run) except for one
real, already up-to-date build, whose output must be the build's progress without gmake's
"Entering directory" lines.

  test_make.py --build build
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make(build, *args, dry=True):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    cmd = ["make", f"BUILD={build}"] + (["-n"] if dry else []) + list(args)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
    out = proc.stdout.decode(errors="replace")
    return proc.returncode, out


def qemu_lines(out):
    return [line for line in out.splitlines() if "tools/qemu_run.py" in line]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    build = os.path.abspath(ap.parse_args().build)
    failures = []

    def expect(name, cond, out):
        print(("ok   " if cond else "FAIL ") + name)
        if not cond:
            failures.append(name)
            print("     output was:\n" + "\n".join("     | " + line for line in out.splitlines()))

    # make bench honours MEM and BENCH: the README's 2G boot figure in one command.
    _, out = make(build, "bench", "MEM=2G", "BENCH=boot")
    runs = qemu_lines(out)
    expect("bench MEM=2G BENCH=boot: one run, the kernel's boot benchmark on the bench machine with 2G",
           len(runs) == 1 and "--memory 2G" in runs[0] and '"bench=boot ' in runs[0] and "--config bench" in runs[0]
           and "--bench" in runs[0], out)
    # ... and QEMU_CONFIG, with user-space names going to /bin/bench.
    _, out = make(build, "bench", "QEMU_CONFIG=a72-gicv3-el2", "BENCH=syscall,yield fork")
    runs = qemu_lines(out)
    expect("bench QEMU_CONFIG=a72-gicv3-el2 BENCH=syscall,yield fork: kernel yield, user syscall and fork",
           len(runs) == 2 and all("--config a72-gicv3-el2" in r for r in runs)
           and '"bench=yield ' in runs[0] and re.search(r'"init=/bin/bench syscall fork"', runs[1]) is not None, out)
    _, out = make(build, "bench")
    runs = qemu_lines(out)
    expect("bench: every kernel benchmark, then /bin/bench with all of its own, then ipi at -smp 2, then "
           "the scaling boots, on the bench machine",
           len(runs) == 3 and '"bench=all ' in runs[0] and '"init=/bin/bench "' in runs[1]
           and '--smp 2 --append "bench=ipi ' in runs[2] and "--smp" not in runs[0] + runs[1]
           and all("--config bench" in r and "--memory" not in r for r in runs)
           and re.search(r"tools/smp_scaling\.py .*--config bench", out) is not None, out)
    # The SMP figures alone: BENCH=ipi boots only the -smp 2 kernel run, make bench-smp both figures.
    _, out = make(build, "bench", "BENCH=ipi")
    runs = qemu_lines(out)
    expect("bench BENCH=ipi: one run, bench=ipi at -smp 2 under icount",
           len(runs) == 1 and '--smp 2 --append "bench=ipi ' in runs[0] and "--bench" in runs[0]
           and "smp_scaling" not in out, out)
    _, out = make(build, "bench-smp")
    runs = qemu_lines(out)
    expect("bench-smp: ipi at -smp 2, then the scaling boots",
           len(runs) == 1 and '--smp 2 --append "bench=ipi ' in runs[0] and "tools/smp_scaling.py" in out, out)

    # make run boots any initramfs with any command line.
    _, out = make(build, "run", "INITRD=build/glibc_initramfs.cpio", "APPEND=init=/bin/glibc_smoke")
    runs = qemu_lines(out)
    expect("run INITRD=... APPEND=...: that initramfs and that command line",
           len(runs) == 1 and "--initrd build/glibc_initramfs.cpio" in runs[0]
           and '--append "init=/bin/glibc_smoke"' in runs[0] and "--interactive" in runs[0]
           and "--smp 2" in runs[0], out)
    _, out = make(build, "run", "SMP=4")
    runs = qemu_lines(out)
    expect("run SMP=4: four CPUs", len(runs) == 1 and "--smp 4" in runs[0], out)
    _, out = make(build, "debug", "MEM=1G")
    runs = qemu_lines(out)
    expect("debug MEM=1G: halted with a GDB server, 1G", len(runs) == 1 and "--gdb" in runs[0]
           and "--memory 1G" in runs[0], out)

    # make help: each target and variable on a line of its own.
    rc, out = make(build, "help", dry=False)
    for word in ["make run", "make test", "make host-test", "make kernel-test", "make bench", "make bench-smp", "make debug",
                 "make gdb", "make clean", "APPEND=", "INITRD=", "QEMU_CONFIG=", "MEM=", "UBOOT=", "BENCH=",
                 "BUILD=", "SMP="]:
        expect(f"help lists {word}", rc == 0 and re.search(r"^  " + re.escape(word), out, re.M) is not None, out)

    # The build's progress, without the recursive makes' directory lines (the build is up to date
    # here: CTest runs after it).
    rc, out = make(build, "kernel", dry=False)
    expect("make kernel: the build's progress without 'Entering directory' lines",
           rc == 0 and "Built target kernel" in out and "directory" not in out, out)

    print(f"{len(failures)} failed" if failures else "test_make: PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
