#!/usr/bin/env python3
"""Boot the kernel under QEMU for tests, benchmarks and interactive use.

  qemu_run.py --kernel build/kernel.bin --config a53-gicv2 --append "test=all" --check tests
  qemu_run.py --kernel build/kernel.bin --config a53-gicv2 --append "test=panic.null_deref" --check panic
  qemu_run.py --kernel build/kernel.bin --bench --append "bench=all"
  qemu_run.py --kernel build/kernel.bin --interactive

Through U-Boot (Debian's u-boot-qemu) as the firmware, which starts the Image with `booti`:

  qemu_run.py --kernel build/kernel.bin --initrd build/initramfs.cpio --memory 1G \
      --uboot /usr/lib/u-boot/qemu_arm64/u-boot.bin --append "test=all"
    U-Boot's own default boot command loads -kernel, -initrd and -append from QEMU's fw_cfg and
    runs `booti $kernel_addr_r $ramdisk_addr_r:$filesize $fdtcontroladdr` (after its 2 s bootdelay).
  ... --uboot-load loader --append "init=/bin/test_syscalls"
    -device loader puts the files in RAM and an environment in the second flash bank runs
    `setenv bootargs '...'; booti KERNEL INITRD:SIZE ${fdtcontroladdr}` at once.

Every non-interactive run has a hard timeout; a timeout is a failure. --check tests passes when QEMU
exits 0 and the output ends with "N passed, 0 failed" (N > 0); --check panic passes when a complete
panic report (reason, registers, backtrace with a symbol, end marker) appears and QEMU exits.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

CONFIGS = {
    # name: machine, cpu, memory
    "a53-gicv2": ("virt", "cortex-a53", "128M"),                       # GICv2, EL1 entry
    "a72-gicv3-el2": ("virt,virtualization=on,gic-version=3", "cortex-a72", "1G"),  # EL2 entry
    "a57-gicv3": ("virt,gic-version=3", "cortex-a57", "512M"),          # GICv3 at EL1
    "max-gicv2-el2-2g": ("virt,virtualization=on", "max", "2G"),        # EL2, GICv2, 2 GiB
    "bench": ("virt", "cortex-a53", "512M"),
}


VIRT_RAM_BASE = 0x40000000
# U-Boot's qemu_arm64 build keeps its environment in the second flash bank (CONFIG_ENV_ADDR
# 0x4000000, CONFIG_ENV_SIZE 0x40000): a CRC32 then "name=value" strings, each NUL-terminated, the
# list ended by an empty one. QEMU's virt flash banks are 64 MiB each (the image file is sparse).
UBOOT_ENV_SIZE = 0x40000
VIRT_FLASH_BANK_SIZE = 64 << 20


def ram_bytes(size):
    """QEMU's -m syntax as used here: a number of MiB, or with an M or G suffix."""
    m = re.fullmatch(r"(\d+)([MG]?)", size.upper())
    if not m:
        raise SystemExit(f"qemu_run: cannot read the memory size {size!r}")
    return int(m.group(1)) << (30 if m.group(2) == "G" else 20)


def uboot_env_image(path, variables):
    data = b"".join(f"{k}={v}".encode() + b"\0" for k, v in variables) + b"\0"
    if len(data) > UBOOT_ENV_SIZE - 4:
        raise SystemExit("qemu_run: U-Boot environment too large")
    data = data.ljust(UBOOT_ENV_SIZE - 4, b"\0")
    with open(path, "wb") as f:
        f.write(struct.pack("<I", zlib.crc32(data)) + data)
        f.truncate(VIRT_FLASH_BANK_SIZE)


def uboot_boot_command(args):
    """The U-Boot commands of --uboot-load loader: bootargs, then booti with the device tree U-Boot
    itself runs on (QEMU's, which booti copies and completes with /chosen)."""
    if "'" in args.append:
        raise SystemExit("qemu_run: --uboot-load loader: the command line may not contain a single quote")
    initrd = "-"
    if args.initrd:
        size = os.path.getsize(args.initrd)
        ram_end = VIRT_RAM_BASE + ram_bytes(args.memory or CONFIGS[args.config][2])
        if args.uboot_initrd_addr + size > ram_end:
            raise SystemExit(f"qemu_run: the initramfs at {args.uboot_initrd_addr:#x} does not fit below the end "
                             f"of RAM ({ram_end:#x}): pass --memory 1G or --uboot-initrd-addr")
        initrd = f"{args.uboot_initrd_addr:#x}:{size:#x}"
    return f"setenv bootargs '{args.append}'; booti {args.uboot_kernel_addr:#x} {initrd} ${{fdtcontroladdr}}"


def qemu_command(args, env_image=None):
    machine, cpu, mem = CONFIGS[args.config]
    if args.memory:
        mem = args.memory
    cmd = ["qemu-system-aarch64", "-M", machine, "-cpu", cpu, "-m", mem, "-smp", str(args.smp),
           "-nographic", "-no-reboot"]
    if args.uboot and args.uboot_load == "loader":
        # U-Boot finds the files where -device loader put them and runs the environment's bootcmd.
        cmd += ["-bios", args.uboot, "-nic", "none",
                "-drive", f"if=pflash,unit=1,format=raw,readonly=on,file={env_image}",
                "-device", f"loader,file={args.kernel},addr={args.uboot_kernel_addr:#x},force-raw=on"]
        if args.initrd:
            cmd += ["-device", f"loader,file={args.initrd},addr={args.uboot_initrd_addr:#x},force-raw=on"]
    else:
        # Direct boot; with --uboot QEMU hands -kernel, -initrd and -append to U-Boot through fw_cfg,
        # and U-Boot's default bootcmd ("qfw" is its first boot target) loads and boots them.
        if args.uboot:
            cmd += ["-bios", args.uboot, "-nic", "none"]
        cmd += ["-kernel", args.kernel]
        if args.append:
            cmd += ["-append", args.append]
        if args.initrd:
            cmd += ["-initrd", args.initrd]
    if not args.interactive or args.semihosting:
        cmd += ["-semihosting"]
    if args.bench or args.icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if args.gdb_server:
        # A port number (on localhost) or the path of a Unix socket, which no other process can
        # take between choosing it and QEMU listening there (tests run in parallel).
        where = args.gdb_server
        cmd += ["-gdb", f"tcp:localhost:{where}" if where.isdigit() else f"unix:{where},server=on,wait=off", "-S"]
    elif args.gdb:
        cmd += ["-s", "-S"]
    return cmd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--config", choices=sorted(CONFIGS), help="default: a53-gicv2 (bench with --bench)")
    ap.add_argument("--memory")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--append", default="")
    ap.add_argument("--initrd")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--check", choices=["tests", "panic", "bench", "exit", "none"], default="none")
    ap.add_argument("--expect", action="append", default=[], help="regex that must appear in the output")
    ap.add_argument("--exit-status", type=int, help="QEMU's exit status must be this one")
    ap.add_argument("--forbid", action="append", default=[], help="regex that must not appear in the output")
    ap.add_argument("--bench", action="store_true", help="-icount shift=0,sleep=off and the bench machine")
    ap.add_argument("--icount", action="store_true", help="-icount shift=0,sleep=off: deterministic virtual time")
    ap.add_argument("--interactive", action="store_true")
    ap.add_argument("--semihosting", action="store_true")
    ap.add_argument("--gdb", action="store_true", help="halt at reset with a GDB server on :1234")
    ap.add_argument("--gdb-server", metavar="PORT_OR_SOCKET",
                    help="as --gdb, on this localhost port or Unix socket path (tests use a socket of their own)")
    ap.add_argument("--print-command", action="store_true")
    ap.add_argument("--uboot", metavar="U_BOOT_BIN",
                    help="boot through U-Boot: its qemu_arm64 u-boot.bin, run as the firmware (-bios)")
    ap.add_argument("--uboot-load", choices=["fw_cfg", "loader"], default="fw_cfg",
                    help="fw_cfg: U-Boot's default bootcmd loads -kernel/-initrd/-append from QEMU; "
                         "loader: -device loader puts the files in RAM, an environment runs booti")
    ap.add_argument("--uboot-kernel-addr", type=lambda v: int(v, 0), default=0x40400000,
                    help="--uboot-load loader: where the Image is put (booti moves it to the next 2 MiB "
                         "boundary when it is not on one)")
    ap.add_argument("--uboot-initrd-addr", type=lambda v: int(v, 0), default=0x48000000,
                    help="--uboot-load loader: where the initramfs is put (booti copies it to high RAM)")
    ap.add_argument("--skip-missing-uboot", action="store_true",
                    help="exit 77 (CTest's skip) when the --uboot file does not exist")
    args = ap.parse_args()
    if args.config is None:
        args.config = "bench" if args.bench else "a53-gicv2"
    if args.uboot and not os.path.isfile(args.uboot):
        print(f"qemu_run: {args.uboot} not found (Debian/Ubuntu: apt-get install u-boot-qemu)")
        return 77 if args.skip_missing_uboot else 1

    with tempfile.TemporaryDirectory(prefix="qemu_run.") as tmp:
        env_image = None
        if args.uboot and args.uboot_load == "loader":
            # Kept next to the kernel when only the command is printed, so that it can be run later.
            env_image = os.path.join(os.path.dirname(args.kernel) if args.print_command else tmp, "uboot-env.img")
            uboot_env_image(env_image, [("bootdelay", "0"), ("bootcmd", uboot_boot_command(args))])
        cmd = qemu_command(args, env_image)
        if args.print_command:
            print(" ".join(cmd))
            return 0
        if args.interactive:
            if env_image:  # the environment image must outlive QEMU: no exec
                return subprocess.call(cmd)
            os.execvp(cmd[0], cmd)
        return run_and_check(args, cmd)


def run_and_check(args, cmd):
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=args.timeout)
        out = proc.stdout.decode(errors="replace")
        code = proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        sys.stdout.write(out)
        print(f"\nqemu_run: TIMEOUT after {args.timeout:.0f} s: {' '.join(cmd)}")
        uboot_diagnosis(args, out.replace("\r\n", "\n"))
        return 1
    sys.stdout.write(out)
    out = out.replace("\r\n", "\n")

    ok = True
    if args.uboot and not uboot_diagnosis(args, out):
        ok = False
    for pattern in args.expect:
        if not re.search(pattern, out, re.M):
            print(f"qemu_run: expected output not found: {pattern!r}")
            ok = False
    for pattern in args.forbid:
        m = re.search(pattern, out, re.M)
        if m:
            print(f"qemu_run: forbidden output found: {pattern!r} at offset {m.start()}")
            ok = False
    if args.exit_status is not None and code != args.exit_status:
        print(f"qemu_run: QEMU exit status {code}, expected {args.exit_status}")
        ok = False
    if args.check == "tests":
        m = re.findall(r"^(\d+) passed, (\d+) failed$", out, re.M)
        if not m:
            print("qemu_run: no 'N passed, N failed' line")
            ok = False
        elif int(m[-1][0]) == 0 or int(m[-1][1]) != 0:
            print(f"qemu_run: {m[-1][0]} passed, {m[-1][1]} failed")
            ok = False
        if code != 0:
            print(f"qemu_run: QEMU exit status {code}")
            ok = False
    elif args.check == "panic":
        needed = [r"KERNEL PANIC on CPU \d+, task: ", r"^reason: ", r"^pc  0x[0-9a-f]{16} .+\+0x",
                  r"^x0  0x", r"^backtrace:", r"^  #1 +0x[0-9a-f]{16} \S", r"--- end of panic report ---"]
        for pattern in needed:
            if not re.search(pattern, out, re.M):
                print(f"qemu_run: panic report incomplete, missing {pattern!r}")
                ok = False
        if code == 0:
            print("qemu_run: QEMU exited 0 after a panic")
            ok = False
    elif args.check == "exit":
        if code != 0:
            print(f"qemu_run: QEMU exit status {code}")
            ok = False
    elif args.check == "bench":
        if code != 0 or not re.search(r"^bench \S+: \d+ instructions/op$", out, re.M):
            print(f"qemu_run: benchmark run failed (exit {code})")
            ok = False
    print("qemu_run: PASS" if ok else "qemu_run: FAIL")
    return 0 if ok else 1


def uboot_diagnosis(args, out):
    """Says why a boot through U-Boot never reached the kernel; False if it did not."""
    if not args.uboot or "Starting kernel ..." in out:
        return True
    if args.uboot_load == "loader" and "bad CRC, using default environment" in out:
        print("qemu_run: U-Boot ignored the environment in flash bank 1 (this qemu_arm64 build keeps it "
              f"elsewhere than 0x4000000 or with another size than {UBOOT_ENV_SIZE:#x})")
    else:
        print("qemu_run: U-Boot did not start the kernel")
    return False


if __name__ == "__main__":
    sys.exit(main())
