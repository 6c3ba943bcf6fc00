#!/bin/sh
# Regenerates the real AArch64 executables the host ELF tests parse (tests/host/data/elf-*-aarch64),
# so that the host tests need no cross compiler. Each is tests/host/data/elf-fixture.c linked by
# GNU ld in one of the layouts a loader meets; re-run after a toolchain upgrade and update the
# expectations in tests/host/elf_test.cpp if the layouts move.
#   tools/mk-elf-fixtures.sh [OUTDIR]     (CC=aarch64-linux-gnu-gcc by default)
set -eu

CC=${CC:-aarch64-linux-gnu-gcc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=$ROOT/tests/host/data/elf-fixture.c
OLD=$ROOT/tests/host/data/elf-static-aarch64.c
OUT=${1:-$ROOT/tests/host/data}
mkdir -p "$OUT"

# -s strips; no build id, no unwind tables: small files whose bytes depend only on the toolchain.
BASE="-nostdlib -ffreestanding -Os -s -Wl,--build-id=none -fno-asynchronous-unwind-tables"
P4K="-Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096"
ALL="-DFIXTURE_DATA -DFIXTURE_BSS -DFIXTURE_RODATA"

build() {
    name=$1
    shift
    "$CC" "$@" -o "$OUT/$name"
    echo "wrote $OUT/$name ($(wc -c < "$OUT/$name") bytes)"
}

# The first two fixtures (an endless loop, never run; see elf-static-aarch64.c).
build elf-static-aarch64 -static $BASE $P4K "$OLD"
build elf-static-pie-aarch64 -static-pie -fPIE $BASE $P4K "$OLD"
# ld's defaults (64 KiB max-page-size): text, then data+bss 64 KiB further on in the file.
build elf-default-aarch64 -static $BASE $ALL "$SRC"
# Only bss besides the text: a PT_LOAD with p_filesz 0 whose p_offset lies past the end of the file.
build elf-bss-only-aarch64 -static $BASE -DFIXTURE_BSS "$SRC"
# Data and no bss (p_filesz == p_memsz), 4 KiB pages.
build elf-no-bss-aarch64 -static $BASE $P4K -DFIXTURE_DATA "$SRC"
# -z separate-code: four PT_LOADs (headers R, text RX, rodata R, data+bss RW), 4 KiB pages.
build elf-segments-aarch64 -static $BASE $P4K -Wl,-z,separate-code $ALL "$SRC"
# A static PIE with ld's defaults: ET_DYN linked at 0, data+bss with a 64 KiB file gap.
build elf-default-pie-aarch64 -static-pie -fPIE $BASE $ALL "$SRC"
