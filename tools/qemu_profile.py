#!/usr/bin/env python3
"""Instruction profile of a QEMU run, per kernel function, from QEMU's own execution trace.

  qemu-system-aarch64 ... -d in_asm,exec,nochain -D trace.log
  tools/qemu_profile.py build/kernel.elf trace.log [--from SYMBOL] [--top 30]

Every translated block's instructions (the in_asm part) times the number of times it ran (the exec
part), charged to the function containing each instruction. --from starts counting at the first
execution of that function (skips boot). For finding where a benchmark's instructions go.
"""
import argparse
import bisect
import collections
import re
import subprocess


def load_symbols(elf, nm):
    out = subprocess.run([nm, "-n", "-C", "--defined-only", elf], capture_output=True, text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("trace")
    ap.add_argument("--nm", default="aarch64-linux-gnu-nm")
    ap.add_argument("--from", dest="start")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    addrs, names = load_symbols(args.elf, args.nm)

    def func(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return names[i] if i >= 0 else "?"

    blocks = {}       # tb start pc -> list of instruction pcs
    counts = collections.Counter()
    cur = None
    started = args.start is None
    start_addr = None
    if args.start:
        for a, n in zip(addrs, names):
            if args.start in n:
                start_addr = a
                break
    trace_re = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
    insn_re = re.compile(r"^0x([0-9a-f]+):\s")
    with open(args.trace, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                cur = []
                continue
            m = insn_re.match(line)
            if m and cur is not None:
                cur.append(int(m.group(1), 16))
                continue
            if cur is not None and not line.strip():
                if cur:
                    blocks[cur[0]] = cur
                cur = None
                continue
            m = trace_re.match(line)
            if m:
                pc = int(m.group(1), 16)
                if not started and pc == start_addr:
                    started = True
                if started:
                    counts[pc] += 1
    per_func = collections.Counter()
    total = 0
    for pc, n in counts.items():
        for ipc in blocks.get(pc, [pc]):
            per_func[func(ipc)] += n
            total += n
    print(f"{total} instructions traced")
    for name, n in per_func.most_common(args.top):
        print(f"{n:12d} {100.0 * n / total:6.2f}%  {name}")


if __name__ == "__main__":
    main()
