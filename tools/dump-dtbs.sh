#!/bin/sh
# Regenerates the real QEMU `virt` device-tree blobs the host device-tree tests parse
# (tests/host/data/*.dtb). Re-run after a QEMU upgrade and update the expectations in
# tests/host/device_tree_test.cpp if the dumped trees change.
set -eu

QEMU=${QEMU:-qemu-system-aarch64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/host/data}
mkdir -p "$OUT"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# QEMU accepts -append and -initrd only with -kernel (and then writes /chosen/bootargs and
# linux,initrd-*), so that configuration passes small dummy files (never run: dumpdtb exits first).
# The initrd is exactly 64 bytes, so the tests expect linux,initrd-end = start + 0x40.
printf 'dummy kernel\n' > "$TMP/kernel"
printf '%064d' 0 > "$TMP/initrd"

dump() {
    name=$1
    shift
    machine=$1
    shift
    # -M virt,dumpdtb=FILE makes QEMU write the generated tree and exit before running anything.
    "$QEMU" -M "$machine,dumpdtb=$OUT/$name" -nographic -display none "$@"
    echo "wrote $OUT/$name"
}

dump virt-gicv2-a53-128M.dtb virt -cpu cortex-a53 -m 128M
dump virt-gicv3-a72-1G-el2.dtb virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G
dump virt-gicv3-smp4-2G.dtb virt,gic-version=3 -cpu cortex-a57 -smp 4 -m 2G
dump virt-gicv2-smp2-512M-initrd.dtb virt -cpu cortex-a53 -smp 2 -m 512M \
    -kernel "$TMP/kernel" -initrd "$TMP/initrd" -append "test=all hz=250"
