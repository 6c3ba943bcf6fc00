#!/usr/bin/env bash
# Installs what `make` needs, only what is missing, with apt-get (Debian/Ubuntu); elsewhere it says
# exactly what to install. Nothing is downloaded from anywhere but the distribution's archive.
#   tools/setup.sh build|run|test|debug
set -euo pipefail
what=${1:-test}

need=()       # Debian packages to install
missing=()    # human-readable names, for non-Debian systems

have() { command -v "$1" >/dev/null 2>&1; }
want() { # want COMMAND PACKAGE DESCRIPTION
    if ! have "$1"; then need+=("$2"); missing+=("$3 ($1)"); fi
}

# The cross compiler: a bare-metal aarch64-none-elf-g++ if present, else Debian's.
if ! have aarch64-none-elf-g++ && ! have aarch64-linux-gnu-g++; then
    need+=(g++-aarch64-linux-gnu); missing+=("an AArch64 cross g++ (aarch64-linux-gnu-g++ or aarch64-none-elf-g++)")
fi
want cmake cmake "CMake >= 3.20"
want make make "GNU make"
want python3 python3 "Python 3"
case "$what" in
run|test|debug) want qemu-system-aarch64 qemu-system-arm "QEMU for AArch64" ;;
esac
if [ "$what" = test ]; then
    want g++ g++ "a host C++ compiler"
    if [ ! -f /usr/include/gtest/gtest.h ] && [ ! -f /usr/local/include/gtest/gtest.h ]; then
        need+=(libgtest-dev); missing+=("GoogleTest (libgtest-dev)")
    fi
fi
if [ "$what" = debug ]; then want gdb-multiarch gdb-multiarch "GDB for AArch64"; fi

[ ${#need[@]} -eq 0 ] && exit 0

if have apt-get; then
    echo "setup: installing ${need[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if have sudo; then sudo="sudo"; else
            echo "setup: not root and no sudo; run as root: apt-get install -y ${need[*]}" >&2; exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    exit 0
fi

echo "setup: missing tools; please install:" >&2
for m in "${missing[@]}"; do echo "  - $m" >&2; done
echo "(Debian/Ubuntu packages: ${need[*]})" >&2
exit 1
