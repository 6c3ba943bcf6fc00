#!/usr/bin/env bash
# Runs the user test programs from a built initramfs under qemu-aarch64 (Linux semantics), to check
# the tests themselves against real Linux.   user/qemu_user_check.sh [BUILD_DIR] [TEST...]

# Needs qemu-aarch64 (Debian: qemu-user). The execve tests also need the host to run AArch64 ELFs
# itself, through binfmt_misc (Debian: qemu-user-binfmt, registered in /proc/sys/fs/binfmt_misc);
# without it they fail with ENOEXEC. Sets UTEST_QEMU_USER=1 (skips what qemu-user does not model),
# UTEST_ROOT (the unpacked archive stands in for /) and UTEST_FORK_LIMIT=64 (root has no process
# limit on a Linux host, so the fork bomb stops there).
set -uo pipefail
build=${1:-build}
shift || true
archive=$build/initramfs.cpio
[ -f "$archive" ] || { echo "qemu_user_check: no $archive (build the initramfs target first)" >&2; exit 2; }
command -v qemu-aarch64 >/dev/null || { echo "qemu_user_check: qemu-aarch64 missing (apt-get install qemu-user)" >&2; exit 2; }
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "qemu_user_check: warning: no binfmt_misc entry for AArch64; execve tests will fail" >&2
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# Unpack with Python (newc only, as tools/mkinitramfs.py writes it): no cpio binary needed.
python3 - "$archive" "$root" <<'PY'
import os, sys
data, root = open(sys.argv[1], "rb").read(), sys.argv[2]
pos = 0
while True:
    f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
    mode, size, namesize = f[1], f[6], f[11]
    name = data[pos + 110:pos + 110 + namesize - 1].decode()
    pos = (pos + 110 + namesize + 3) & ~3
    if name == "TRAILER!!!":
        break
    path = os.path.join(root, name)
    if mode & 0o170000 == 0o040000:
        os.makedirs(path, exist_ok=True)
    elif mode & 0o170000 == 0o120000:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(data[pos:pos + size].decode(), path)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data[pos:pos + size])
        os.chmod(path, mode & 0o7777)
    pos = (pos + size + 3) & ~3
PY

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    for t in "$root"/bin/test_*; do tests+=("$(basename "$t")"); done
fi
ulimit -c 0   # qemu-user writes core files for the faults test_faults provokes
failed=0
for t in "${tests[@]}"; do
    echo "== $t"
    env UTEST_QEMU_USER=1 UTEST_ROOT="$root" UTEST_FORK_LIMIT=64 qemu-aarch64 "$root/bin/$t" 2> >(grep -v '^qemu: uncaught target signal' >&2)
    rc=$?
    [ $rc -eq 0 ] || { echo "qemu_user_check: $t exited $rc"; failed=$((failed + 1)); }
done
echo "qemu_user_check: ${#tests[@]} programs, $failed failed"
[ $failed -eq 0 ]
