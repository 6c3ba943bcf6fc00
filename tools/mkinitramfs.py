#!/usr/bin/env python3
"""Build a cpio `newc` initramfs from explicit entries, deterministically.

  mkinitramfs.py -o initramfs.cpio --exec init=build/user/init --exec bin/hello=build/user/hello \
                 --file etc/data=path/to/data --text etc/motd="Welcome\n"

--exec DEST=SRC   a regular file with mode 0755
--file DEST=SRC   a regular file with mode 0644
--text DEST=TEXT  a regular 0644 file holding TEXT (backslash escapes \\n and \\t are expanded)
--text-exec DEST=TEXT  the same with mode 0755 (an executable that is not ELF, for ENOEXEC tests)
--symlink DEST=TARGET  a symbolic link (mode 0777) whose target is TARGET, as given
--dir DEST[=MODE] an (empty) directory, mode octal MODE (default 0755), e.g. --dir tmp=1777
--list            print the entries instead of (also) writing
@FILE             more arguments, one a line (for long lists, such as busybox's applet links)

Parent directories (mode 0755) are added for every entry. Entries are sorted by path, names carry no
leading "/" (as Linux's gen_init_cpio writes them), and every header has mtime 0, uid 0, gid 0 and
inode numbers counted from 1 in that order, so the same inputs always give the same bytes. Pure
Python: no cpio binary needed.
"""
import argparse
import sys

MAGIC = b"070701"
S_IFDIR = 0o040000
S_IFREG = 0o100000
S_IFLNK = 0o120000


def pad4(n):
    return (4 - n % 4) % 4


def header(ino, mode, nlink, size, name):
    namesize = len(name) + 1
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, namesize, 0]
    hdr = MAGIC + b"".join(b"%08x" % f for f in fields)
    out = hdr + name + b"\0"
    return out + b"\0" * pad4(len(out))


def normalise(dest):
    parts = [p for p in dest.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        sys.exit(f"mkinitramfs: bad destination path {dest!r}")
    return "/".join(parts)


def split_arg(arg, what):
    if "=" not in arg:
        sys.exit(f"mkinitramfs: --{what} wants DEST=VALUE, got {arg!r}")
    dest, value = arg.split("=", 1)
    return normalise(dest), value


def build(entries):
    """entries: {path: (type, mode, data or None for a directory)} -> archive bytes."""
    out = bytearray()
    for ino, path in enumerate(sorted(entries), start=1):
        kind, mode, data = entries[path]
        if data is None:
            out += header(ino, S_IFDIR | mode, 2, 0, path.encode())
        else:
            out += header(ino, kind | mode, 1, len(data), path.encode())
            out += data + b"\0" * pad4(len(data))
    out += header(0, 0, 1, 0, b"TRAILER!!!")
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], fromfile_prefix_chars="@")
    ap.add_argument("-o", "--output")
    ap.add_argument("--exec", dest="execs", action="append", default=[])
    ap.add_argument("--file", dest="files", action="append", default=[])
    ap.add_argument("--text", dest="texts", action="append", default=[])
    ap.add_argument("--text-exec", dest="text_execs", action="append", default=[])
    ap.add_argument("--symlink", dest="symlinks", action="append", default=[])
    ap.add_argument("--dir", dest="dirs", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if not args.output and not args.list:
        ap.error("need -o OUTPUT or --list")

    entries = {}

    def add(path, mode, data, kind=S_IFREG):
        if path in entries:
            sys.exit(f"mkinitramfs: {path} given twice")
        parts = path.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d in entries and entries[d][2] is not None:
                sys.exit(f"mkinitramfs: {d} is both a file and a directory")
            entries.setdefault(d, (S_IFDIR, 0o755, None))  # a --dir keeps its mode
        entries[path] = (kind, mode, data)

    # Directories first, so that their modes stand when later entries go inside them.
    for arg in args.dirs:
        dest, _, mode = arg.partition("=")
        dest = normalise(dest)
        if dest in entries:
            sys.exit(f"mkinitramfs: {dest} given twice")
        try:
            mode = int(mode or "755", 8)
        except ValueError:
            sys.exit(f"mkinitramfs: --dir {arg!r}: the mode is not octal")
        add(dest, mode & 0o7777, None, S_IFDIR)
    for arg in args.execs:
        dest, src = split_arg(arg, "exec")
        with open(src, "rb") as f:
            add(dest, 0o755, f.read())
    for arg in args.files:
        dest, src = split_arg(arg, "file")
        with open(src, "rb") as f:
            add(dest, 0o644, f.read())
    for arg, mode in [(a, 0o644) for a in args.texts] + [(a, 0o755) for a in args.text_execs]:
        dest, text = split_arg(arg, "text")
        add(dest, mode, text.replace("\\n", "\n").replace("\\t", "\t").encode())
    for arg in args.symlinks:
        dest, target = split_arg(arg, "symlink")
        if not target:
            sys.exit(f"mkinitramfs: --symlink {dest} has an empty target")
        add(dest, 0o777, target.encode(), S_IFLNK)

    for arg in args.dirs:
        dest, _, mode = arg.partition("=")
        dest = normalise(dest)
        if dest in entries and entries[dest][2] is not None:
            sys.exit(f"mkinitramfs: {dest} is both a file and a directory")
        add_parents = dest + "/x"
        parts = add_parents.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d in entries and entries[d][2] is not None:
                sys.exit(f"mkinitramfs: {d} is both a file and a directory")
            if d not in entries:
                entries[d] = (S_IFDIR, 0o755, None)
        entries[dest] = (S_IFDIR, int(mode, 8) if mode else 0o755, None)

    if args.list:
        for path in sorted(entries):
            kind, mode, data = entries[path]
            name = {S_IFDIR: "dir ", S_IFREG: "file", S_IFLNK: "link"}[kind]
            size = 0 if data is None else len(data)
            target = f" -> {data.decode()}" if kind == S_IFLNK else ""
            print(f"{name} {mode:04o} {size:8d} /{path}{target}")
    if args.output:
        data = build(entries)
        with open(args.output, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
