#!/usr/bin/env python3
"""Busybox's everyday commands on the kernel, each as on Linux.

  busybox_test.py --kernel build/kernel.bin --initrd build/busybox_initramfs.cpio SCRIPT [SCRIPT...]

Each SCRIPT (files, text, procfs) is one boot of the busybox archive with the shell as init, given
the script on the command line (init=/bin/sh -- -c '...'), which runs every command between marker
lines.
Where a command's output is deterministic it is compared with the same script run by the same busybox
under qemu-aarch64 in a chroot of the unpacked archive on a tmpfs (Linux is the oracle); where it is not
(ps, free, uptime, df, mount, id) its format is checked. Every difference is printed. Exit status 0
when every command matched, 1 otherwise, 77 (CTest's skip) when the reference cannot run here (no
qemu-aarch64, no binfmt_misc entry for AArch64, no chroot).
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkinitramfs  # noqa: E402  (build(): the same packing as the build's)

SKIP = 77
MARK = "@@@"

# (label, shell command, expectation): "same" compares with the reference run; a list of regexes
# checks the format, each regex matching some line of the output (and the status must be 0).
UPTIME = (r"^ *\d\d:\d\d:\d\d up +(\d+ min|\d+:\d\d|\d+ days?, +(\d+ min|\d+:\d\d))(, +\d+ users?)?,"
          r" +load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$")
SCRIPTS = {
    "files": [
        ("ls -l /bin", "ls -l /bin", "same"),
        ("cat /etc/passwd", "cat /etc/passwd", "same"),
        ("redirection", "echo x > /tmp/f; cat /tmp/f", "same"),
        ("append", "echo y >> /tmp/f; cat /tmp/f; wc -c /tmp/f", "same"),
        ("mkdir -p, find", "mkdir -p /tmp/a/b; find /tmp/a", "same"),
        ("find /tmp", "find /tmp | sort", "same"),
        ("cp", "cp /etc/passwd /tmp/a/p; cat /tmp/a/p; cmp /etc/passwd /tmp/a/p && echo same", "same"),
        ("mv", "mv /tmp/a/p /tmp/a/b/q; cat /tmp/a/b/q; ls /tmp/a/p; ls -1 /tmp/a/b", "same"),
        ("ln -s", "ln -s /etc/passwd /tmp/l; readlink /tmp/l; head -n 1 /tmp/l; stat -c '%A %s %N' /tmp/l", "same"),
        ("rm -r", "rm -r /tmp/a; ls -1 /tmp; ls /tmp/a", "same"),
        ("rm", "rm /tmp/f /tmp/l; ls -1a /tmp", "same"),
        ("md5sum /bin/busybox", "md5sum /bin/busybox", "same"),
        # rmdir of a non-empty directory on tmpfs: the root here is read-only (EROFS, which Linux
        # also gives first on a read-only mount), the chroot Linux runs in is not.
        ("errors", "cat /nonexistent; mkdir /etc; mkdir -p /tmp/e/f; rmdir /tmp/e; rm -r /tmp/e; cd /etc/passwd", "same"),
    ],
    "text": [
        ("grep", "grep root /etc/passwd; grep -c x /etc/passwd; grep -v root /etc/passwd; grep nothing /etc/passwd", "same"),
        ("sed", "sed -e 's/root/ROOT/g' -e '2d' /etc/passwd", "same"),
        ("sort", "printf 'b\\nc\\na\\n10\\n9\\n' | sort; printf '10\\n9\\n1\\n' | sort -n -r", "same"),
        ("head", "head -n 1 /etc/passwd; head -c 10 /bin/busybox | od -A x -t x1", "same"),
        ("tail", "tail -n 1 /etc/passwd; tail -c 5 /etc/group", "same"),
        ("od", "od -c /etc/group; od -A d -t x2 -N 32 /bin/busybox", "same"),
        ("wc", "wc /etc/passwd; wc -l /etc/group; wc -c /bin/busybox", "same"),
        ("pipeline", "cat /etc/passwd | cut -d: -f1,7 | tr a-z A-Z | sort -r | head -n 1", "same"),
        ("tmp file round trip", "seq 1 500 > /tmp/n; tail -n 2 /tmp/n; md5sum /tmp/n; rm /tmp/n", "same"),
    ],
    "procfs": [
        # Debian's busybox ps has no TIME column (FEATURE_PS_TIME is off); a build with it would.
        ("ps", "ps", [r"^ *PID +USER +(TIME +)?COMMAND$", r"^ *1 +root +(\d+:\d\d +)?/bin/sh -c export PATH",
                      # ash runs ps in a forked child without exec (a NOEXEC applet): its comm is
                      # "ps" but its cmdline is still the shell's, which busybox ps shows as
                      # "{ps} /bin/sh -c ..." (on Linux too); an exec'd ps shows as "ps".
                      r"^ *\d+ +root +(\d+:\d\d +)?(ps|\{ps\} /bin/sh -c .*)$"]),
        ("free", "free", [r"^ +total +used +free +shared +buff/cache +available$",
                          r"^Mem: +\d+ +\d+ +\d+ +\d+ +\d+ +\d+$", r"^Swap: +0 +0 +0$"]),
        ("uptime", "uptime", [UPTIME]),
        ("df", "df", [r"^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$",
                      r"^\S+ +\d+ +\d+ +\d+ +\d+% +/tmp$"]),
        ("mount", "mount", [r"^\S+ on / type \S+ \(", r"^proc on /proc type proc \(", r"^\S+ on /tmp type tmpfs \(",
                            r"^\S+ on /dev type devtmpfs \("]),
        ("id", "id", [r"^uid=0\(root\) gid=0\(root\)( groups=0\(root\))?$"]),
    ],
}


def shell_script(commands):
    """One line (the kernel's command line holds it): a marker before each command and its status after."""
    parts = ["export PATH=/bin:/sbin:/usr/bin:/usr/sbin", "cd /", f"m() {{ echo \"{MARK} $*\"; }}", "m begin"]
    for i, (_, cmd, _) in enumerate(commands):
        # A subshell each, so that one command's cd or exit cannot change the next one.
        parts += [f"m {i}", f"( {cmd} ) 2>&1", "m status $?"]
    parts += ["m end", "exit 0"]
    script = "; ".join(parts)
    if len(script) > 1900:  # the kernel's command line is 2048 bytes, as arm64 Linux's
        sys.exit(f"busybox_test: the script is {len(script)} bytes, too long for the command line: split it")
    return script


def command_line_quote(s):
    """s as one word of the kernel's command line: single quotes, a ' itself written '"'"' (the kernel
    joins quoted pieces of one word, as a shell does)."""
    return "'" + s.replace("'", "'\"'\"'") + "'"


def read_cpio(path):
    """The newc archive as mkinitramfs's entries {path: (kind, mode, data or None)}."""
    data = open(path, "rb").read()
    entries, pos = {}, 0
    while pos + 110 <= len(data):
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += (4 - pos % 4) % 4
        body = data[pos:pos + size]
        pos += size
        pos += (4 - pos % 4) % 4
        if name == "TRAILER!!!":
            break
        kind = mode & 0o170000
        entries[name] = (kind, mode & 0o7777, None if kind == mkinitramfs.S_IFDIR else body)
    return entries


def unpack(entries, root):
    for path in sorted(entries):
        kind, mode, data = entries[path]
        dest = os.path.join(root, path)
        if kind == mkinitramfs.S_IFDIR:
            os.makedirs(dest, exist_ok=True)
        elif kind == mkinitramfs.S_IFLNK:
            os.symlink(data.decode(), dest)
        else:
            with open(dest, "wb") as f:
                f.write(data)
        if kind != mkinitramfs.S_IFLNK:
            os.chmod(dest, mode)
    # mtime 0 everywhere, as the archive's headers say (deepest first: creating a file touches its directory)
    for path in sorted(entries, key=lambda p: -p.count("/")):
        os.utime(os.path.join(root, path), (0, 0), follow_symlinks=False)
    os.utime(root, (0, 0))


def aarch64_binfmt():
    """(interpreter, flags) of the binfmt_misc entry that runs AArch64 ELFs, or None."""
    d = "/proc/sys/fs/binfmt_misc"
    if not os.path.isdir(d):
        return None
    for name in os.listdir(d):
        try:
            text = open(os.path.join(d, name)).read()
        except OSError:
            continue
        if "enabled" in text and "magic 7f454c460201010000000000000000000200b700" in text:
            interp = re.search(r"^interpreter (\S+)", text, re.M)
            flags = re.search(r"^flags: (\S*)", text, re.M)
            if interp:
                return interp.group(1), flags.group(1) if flags else ""
    return None


def install_interpreter(root, interp):
    """Copies the emulator (and, when it is dynamic, its libraries) to the same paths inside root."""
    real = os.path.realpath(interp)
    files = [(real, interp)]
    try:
        out = subprocess.run(["ldd", real], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    for m in re.finditer(r"(?:=> )?(/\S+) \(0x", out):
        files.append((os.path.realpath(m.group(1)), m.group(1)))
    for src, dest in files:
        target = os.path.join(root, dest.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            shutil.copy2(src, target)


def reference_run(entries, script, workdir):
    """The script under Linux: qemu-aarch64 through binfmt_misc in a chroot of the archive. Returns
    (output, None) or (None, why it cannot run here)."""
    if not shutil.which("qemu-aarch64") and not shutil.which("qemu-aarch64-static"):
        return None, "no qemu-aarch64 (Debian: qemu-user)"
    bf = aarch64_binfmt()
    if not bf:
        return None, "no binfmt_misc entry for AArch64 ELFs (Debian: qemu-user-binfmt)"
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else workdir
    root = tempfile.mkdtemp(prefix="busybox-ref-", dir=base)  # a tmpfs, as the kernel's initramfs root
    try:
        unpack(entries, root)
        if "F" not in bf[1]:
            install_interpreter(root, bf[0])
        chroot = shutil.which("chroot") or shutil.which("chroot", path="/usr/sbin:/sbin")
        if not chroot:
            return None, "no chroot command"
        cmd = [chroot, root, "/bin/sh", "-c", script]
        if os.geteuid() != 0:
            if not shutil.which("unshare"):
                return None, "not root and no unshare for a chroot"
            cmd = [shutil.which("unshare"), "-r"] + cmd
        env = {"HOME": "/", "PATH": "/bin", "TERM": "vt100"}  # the kernel's defaults for init
        try:
            r = subprocess.run(cmd, capture_output=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"chroot run failed: {e}"
        out = r.stdout.decode(errors="replace")
        if f"{MARK} end" not in out:
            return None, f"chroot run failed (status {r.returncode}): {r.stderr.decode(errors='replace')[-500:]}"
        return out, None
    finally:
        shutil.rmtree(root, ignore_errors=True)


def kernel_run(args, script):
    append = f"{args.append} init=/bin/sh -- -c {command_line_quote(script)}".strip()
    cmd = [sys.executable, os.path.join(HERE, "qemu_run.py"), "--kernel", args.kernel, "--initrd", args.initrd,
           "--config", args.config, "--memory", args.memory, "--append", append,
           "--check", "none", "--timeout", str(args.timeout)]
    r = subprocess.run(cmd, capture_output=True, timeout=args.timeout + 60)
    return r.stdout.decode(errors="replace").replace("\r\n", "\n") + r.stderr.decode(errors="replace")


# Kernel log lines ("[    1.234567] ...") interleave with the programs' output on the console.
LOG_LINE = re.compile(r"^\[ *\d+\.\d{6}\] ")


def sections(output, count):
    """{index: (lines, status)} from the marker lines; commands that never finished are absent."""
    result, current, lines = {}, None, []
    for line in output.split("\n"):
        if LOG_LINE.match(line):
            continue
        m = re.fullmatch(MARK + r" (\d+|status (\d+)|begin|end)", line)
        if not m:
            if current is not None:
                lines.append(line)
            continue
        if m.group(1).isdigit():
            current, lines = int(m.group(1)), []
        elif m.group(2) is not None and current is not None:
            result[current] = (lines, int(m.group(2)))
            current = None
    return result


def check(name, commands, got, want):
    failures = 0
    for i, (label, cmd, expect) in enumerate(commands):
        if i not in got:
            print(f"FAIL {name}: {label}: no output (the command did not finish): {cmd}")
            failures += 1
            continue
        lines, status = got[i]
        if expect == "same":
            ref_lines, ref_status = want[i]
            if lines == ref_lines and status == ref_status:
                print(f"PASS {name}: {label}")
                continue
            print(f"FAIL {name}: {label}: differs from Linux: {cmd}")
            if status != ref_status:
                print(f"  exit status {status}, Linux {ref_status}")
            for d in difflib.unified_diff(ref_lines, lines, "linux", "kernel", lineterm="", n=2):
                print("  " + d)
            failures += 1
        else:
            missing = [rx for rx in expect if not any(re.search(rx, ln) for ln in lines)]
            if not missing and status == 0:
                print(f"PASS {name}: {label}")
                continue
            print(f"FAIL {name}: {label}: format (status {status}): {cmd}")
            for rx in missing:
                print(f"  no line matches {rx}")
            for ln in lines:
                print("  | " + ln)
            failures += 1
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True, help="build/busybox_initramfs.cpio")
    ap.add_argument("--config", default="a53-gicv2")
    ap.add_argument("--memory", default="512M")
    ap.add_argument("--append", default="", help="more kernel command line")
    ap.add_argument("--timeout", type=int, default=240)
    ap.add_argument("--show-output", action="store_true", help="print the kernel's whole console output")
    ap.add_argument("--skip", metavar="REASON", help="report skipped for this reason (configure found no busybox)")
    ap.add_argument("scripts", nargs="+", choices=sorted(SCRIPTS))
    args = ap.parse_args()
    if args.skip:
        print(f"busybox_test: skipped: {args.skip}")
        return SKIP
    if not os.path.exists(args.initrd):
        print(f"busybox_test: skipped: no {args.initrd} (configure found no AArch64 busybox)")
        return SKIP
    entries = read_cpio(args.initrd)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="busybox-test-") as workdir:
        for name in args.scripts:
            commands = SCRIPTS[name]
            script = shell_script(commands)
            want = {}
            if any(expect == "same" for _, _, expect in commands):
                ref, why = reference_run(entries, script, workdir)
                if ref is None:
                    print(f"busybox_test: skipped: the Linux reference cannot run here: {why}")
                    return SKIP
                want = sections(ref, len(commands))
            out = kernel_run(args, script)
            if args.show_output:
                print(out)
            got = sections(out, len(commands))
            if not got:
                print(f"FAIL {name}: the script produced no output; the console's last lines:")
                for ln in out.strip().split("\n")[-15:]:
                    print("  | " + ln)
            failures += check(name, commands, got, want)
    total = sum(len(SCRIPTS[n]) for n in args.scripts)
    print(f"busybox_test: {total - failures} of {total} commands as on Linux")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
