#!/usr/bin/env python3
"""Checks the source tree's structure rules (DESIGN.md "Layers", STYLE.md "Naming"):

1. No #include reaches up a layer. The layers, lowest first:
       lib  <-  arch  <-  boot  <-  hal  <-  mm  <-  sched  <-  kernel
   A file may include its own layer and the ones below it. mm and sched are portable (they compile
   into the host tests), so they see no device driver either: hal is not theirs to include; what they
   need of the machine reaches them through interfaces they declare (mm::TlbMaintainer,
   sched/platform.h).
2. No source file over 600 lines (split it by purpose). Tests and generated files are judged on
   their own; hardware tables that cannot be split sensibly go in LINE_LIMIT_ALLOWLIST, with a reason.

Usage: check_layers.py [ROOT]        check the tree at ROOT (default: this script's repository)
       check_layers.py --self-test   check the checker on small made-up trees
Exits 0 when every rule holds, 1 with one line per violation otherwise.
"""
import os
import re
import sys
import tempfile

LAYERS = ["lib", "arch", "boot", "hal", "mm", "sched", "kernel"]
RANK = {name: i for i, name in enumerate(LAYERS)}
# Layers whose code is portable logic: besides the layers above them, hal is out of bounds.
PORTABLE = {"mm", "sched"}
SCANNED_EXTENSIONS = (".cpp", ".h", ".S")

LINE_LIMIT = 600
# Where the line limit applies: every source file under these folders but tests.
LINE_LIMIT_DIRS = LAYERS + ["user", "tools", "cmake"]
LINE_LIMIT_EXTENSIONS = (".cpp", ".h", ".S", ".c", ".py", ".sh", ".cmake")
# Path (relative to the root) -> reason. Hardware tables only.
LINE_LIMIT_ALLOWLIST = {}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def may_include(layer, target):
    if RANK[target] > RANK[layer]:
        return False
    return not (layer in PORTABLE and target == "hal")


def layer_of(relpath):
    first = relpath.split("/", 1)[0]
    return first if first in RANK else None


def source_files(root, dirs, extensions, skip_tests):
    for top in dirs:
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            if skip_tests:
                dirnames[:] = [d for d in dirnames if d != "tests"]
            for name in sorted(filenames):
                if name.endswith(extensions):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root).replace(os.sep, "/")


def include_target(root, relpath, included):
    """The layer an include names: a path next to the including file first, then from the root."""
    beside = os.path.normpath(os.path.join(os.path.dirname(relpath), included)).replace(os.sep, "/")
    if os.path.isfile(os.path.join(root, beside)):
        return layer_of(beside)
    return layer_of(included)


def check_includes(root):
    errors = []
    for rel in source_files(root, LAYERS, SCANNED_EXTENSIONS, skip_tests=False):
        layer = layer_of(rel)
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                target = include_target(root, rel, m.group(1))
                if target is not None and not may_include(layer, target):
                    why = "a portable layer includes a driver" if RANK[target] <= RANK[layer] else "reaches up"
                    errors.append(f"{rel}:{lineno}: {layer} includes {m.group(1)} ({target}): {why}")
    return errors


def check_line_counts(root):
    errors = []
    for rel in source_files(root, LINE_LIMIT_DIRS, LINE_LIMIT_EXTENSIONS, skip_tests=True):
        if rel in LINE_LIMIT_ALLOWLIST:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            lines = sum(1 for _ in f)
        if lines > LINE_LIMIT:
            errors.append(f"{rel}: {lines} lines (limit {LINE_LIMIT}): split it by purpose")
    return errors


def check(root):
    return check_includes(root) + check_line_counts(root)


def self_test():
    """Made-up trees with one violation each (and one clean tree): the checker must see each."""
    cases = [
        ("clean", {"sched/a.cpp": '#include "sched/b.h"\n#include "mm/c.h"\n#include <cstdint>\n',
                   "kernel/k.cpp": '#include "hal/timer.h"\n#include "sched/a.h"\n',
                   "boot/head.S": '#include "arch/aarch64/x.h"\n',
                   "tests/host/t.cpp": '#include "kernel/k.h"\n' + "x\n" * 700,
                   "kernel/long.cpp": "x\n" * 600}, []),
        ("arch includes mm", {"arch/aarch64/tlb.h": '#include "mm/page_table.h"\n'}, ["arch/aarch64/tlb.h:1"]),
        ("sched includes kernel", {"sched/s.cpp": '// x\n  #  include "kernel/panic.h"\n'}, ["sched/s.cpp:2"]),
        ("assembly includes sched", {"arch/aarch64/c.S": '#include <sched/context.h>\n'}, ["arch/aarch64/c.S:1"]),
        ("mm includes hal", {"mm/a.cpp": '#include "hal/device_tree.h"\n'}, ["mm/a.cpp:1"]),
        ("boot includes mm", {"boot/head.S": '#include "mm/layout.h"\n'}, ["boot/head.S:1"]),
        ("lib includes arch", {"lib/x.h": '#include "arch/aarch64/cpu.h"\n'}, ["lib/x.h:1"]),
        ("relative include", {"hal/x.cpp": '#include "../kernel/y.h"\n', "kernel/y.h": ""}, ["hal/x.cpp:1"]),
        ("long file", {"hal/big.cpp": "x\n" * 601}, ["hal/big.cpp: 601 lines"]),
        ("long tool", {"tools/big.py": "x\n" * 601}, ["tools/big.py: 601 lines"]),
    ]
    failed = 0
    for name, files, expected in cases:
        with tempfile.TemporaryDirectory() as root:
            for rel, text in files.items():
                path = os.path.join(root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
            errors = check(root)
        ok = len(errors) == len(expected) and all(e.startswith(x) for e, x in zip(errors, expected))
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {errors}")
        failed += not ok
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print(__doc__)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    errors = check(os.path.abspath(root))
    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)")
        return 1
    print("check_layers: every include stays within its layer; no source file over "
          f"{LINE_LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
