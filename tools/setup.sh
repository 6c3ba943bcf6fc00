#!/usr/bin/env bash
# Installs what `make` needs, only what is missing, with apt-get (Debian/Ubuntu); elsewhere it says
# exactly what to install. Nothing is downloaded from anywhere but the distribution's archive.
#   tools/setup.sh build|run|test|debug    (BUILD=dir: the build tree, for the busybox cache)
set -euo pipefail
what=${1:-test}

need=()       # Debian packages to install
missing=()    # human-readable names, for non-Debian systems
optional=()   # Debian packages that enable more tests; without them those tests are skipped

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
    # U-Boot as QEMU firmware, for the tests that boot the Image with booti (qemu.uboot.*).
    uboot=${UBOOT_BIN:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
    [ -f "$uboot" ] || optional+=(u-boot-qemu)
fi
# GDB for `make gdb`, and for the tests of its kernel commands (gdb.*, skipped without it).
if [ "$what" = debug ] || [ "$what" = test ]; then want gdb-multiarch gdb-multiarch "GDB for AArch64"; fi

# Debian's busybox-static for arm64, for the busybox initramfs (make run BUSYBOX=1, the busybox
# tests; cmake/busybox.cmake finds it): a foreign-architecture package where dpkg can install one,
# else its .deb unpacked into $BUILD/busybox-deb. Without it those tests report skipped.
busybox_cache=${BUILD:-build}/busybox-deb
busybox=0
have_busybox() {
    [ -x "$busybox_cache/bin/busybox" ] ||
        dpkg-query -W -f='${Status}' busybox-static:arm64 2>/dev/null | grep -q "install ok installed"
}
case "$what" in build|test) have_busybox || busybox=1 ;; run) [ -z "${BUSYBOX:-}" ] || have_busybox || busybox=1 ;; esac
busybox_howto="Debian: dpkg --add-architecture arm64 && apt-get update && apt-get install busybox-static:arm64 (or apt-get download busybox-static:arm64 && dpkg-deb -x busybox-static_*_arm64.deb $busybox_cache); elsewhere an AArch64 static busybox at $busybox_cache/bin/busybox"
install_busybox() { # $1: sudo or empty
    if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64; then
        $1 dpkg --add-architecture arm64 && $1 apt-get update -qq || true
    fi
    # busybox-static conflicts with the host's own busybox: never replace that one, unpack instead.
    if ! dpkg-query -W -f='${Status}' busybox busybox-static 2>/dev/null | grep -q "install ok installed"; then
        echo "setup: installing busybox-static:arm64"
        $1 apt-get install -y -qq busybox-static:arm64 >/dev/null 2>&1 && return 0
    fi
    local tmp
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1) &&
        mkdir -p "$busybox_cache" && dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$busybox_cache"; then
        echo "setup: busybox-static:arm64 unpacked into $busybox_cache"
        rm -rf "$tmp"
        return 0
    fi
    rm -rf "$tmp"
    echo "setup: busybox-static:arm64 could not be had, the busybox tests will be skipped; to get it: $busybox_howto" >&2
}

[ ${#need[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && [ $busybox = 0 ] && exit 0
skipped() { echo "setup: $uboot not found, the U-Boot boot tests will be skipped ($1)" >&2; }

if have apt-get; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if have sudo; then sudo="sudo"; elif [ ${#need[@]} -ne 0 ]; then
            echo "setup: not root and no sudo; run as root: apt-get install -y ${need[*]}${optional[*]:+ ${optional[*]}}" >&2; exit 1
        else
            [ ${#optional[@]} -eq 0 ] || skipped "as root: apt-get install -y ${optional[*]}"
            [ $busybox = 0 ] || install_busybox ""  # apt-get download needs no root when arm64 is known
            exit 0
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    if [ ${#need[@]} -ne 0 ]; then
        echo "setup: installing ${need[*]}"
        $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    for pkg in ${optional[@]+"${optional[@]}"}; do
        if apt-cache show "$pkg" >/dev/null 2>&1; then
            echo "setup: installing $pkg"
            $sudo apt-get install -y -qq "$pkg" >/dev/null || skipped "apt-get install $pkg failed"
        else
            skipped "no package $pkg in this system's archive"
        fi
    done
    [ $busybox = 0 ] || install_busybox "$sudo"
    exit 0
fi

[ $busybox = 0 ] || echo "setup: no busybox for arm64, the busybox tests will be skipped; to get one: $busybox_howto" >&2
if [ ${#need[@]} -eq 0 ]; then
    [ ${#optional[@]} -eq 0 ] || skipped "no apt-get: build U-Boot's qemu_arm64 target and configure with -DUBOOT_BIN=PATH"
    exit 0
fi
echo "setup: missing tools; please install:" >&2
for m in "${missing[@]}"; do echo "  - $m" >&2; done
[ ${#optional[@]} -eq 0 ] || echo "  - optional: U-Boot for QEMU qemu_arm64 ($uboot), for the U-Boot boot tests" >&2
echo "(Debian/Ubuntu packages: ${need[*]}${optional[*]:+ ${optional[*]}})" >&2
exit 1
