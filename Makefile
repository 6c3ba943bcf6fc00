# A thin front end over CMake and QEMU. Every target first checks the tools it needs
# (tools/setup.sh installs what is missing with apt-get, or says what to install).
# `make help` lists the targets and variables.
BUILD ?= build
HOST_BUILD ?= $(BUILD)/host
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
QEMU_CONFIG ?= a53-gicv2
MEM ?=
SMP ?= 2
APPEND ?=
INITRD ?= $(BUILD)/initramfs.cpio
UBOOT ?=
BENCH ?= all
SETUP = tools/setup.sh

# Only the build's own progress and QEMU's output: no "Entering directory" lines from the makes that
# CMake's generated Makefiles run (MAKEFLAGS reaches them through the environment).
MAKEFLAGS += --no-print-directory

QEMU_MACHINE = $(if $(MEM),--memory $(MEM)) $(if $(UBOOT),--uboot $(UBOOT))
QEMU_RUN = python3 tools/qemu_run.py --kernel $(BUILD)/kernel.bin --initrd $(INITRD) --config $(QEMU_CONFIG) $(QEMU_MACHINE) --smp $(SMP)

# make bench: the bench machine (cortex-a53, 512M) unless QEMU_CONFIG is given on the command line or
# in the environment. BENCH picks benchmarks by name (space- or comma-separated, "all" for every
# one): the user-space names go to /bin/bench, the rest to the kernel's bench= runner. Two SMP
# figures boot other machines: `ipi` (a kernel benchmark) at -smp 2 under icount, and `scaling`
# (make bench-smp's real-time speed-ups from -smp 1 to -smp 2, no icount).
USER_BENCHES = syscall proc_yield pipe fork read_4k open_close stat create_unlink
SMP_BENCHES = ipi scaling
comma := ,
empty :=
space := $(empty) $(empty)
BENCH_CONFIG = $(if $(filter file,$(origin QEMU_CONFIG)),bench,$(QEMU_CONFIG))
BENCH_WORDS = $(subst $(comma),$(space),$(BENCH))
BENCH_KERNEL = $(if $(filter all,$(BENCH_WORDS)),all,$(subst $(space),$(comma),$(strip $(filter-out $(USER_BENCHES) $(SMP_BENCHES),$(BENCH_WORDS)))))
BENCH_USER = $(if $(filter all,$(BENCH_WORDS)),all,$(filter $(USER_BENCHES),$(BENCH_WORDS)))
BENCH_IPI = $(filter all ipi,$(BENCH_WORDS))
BENCH_SCALING = $(filter all scaling,$(BENCH_WORDS))
BENCH_RUN = python3 tools/qemu_run.py --kernel $(BUILD)/kernel.bin --bench --config $(BENCH_CONFIG) $(QEMU_MACHINE) --check bench --timeout 600
# Real time, no icount: the same work booted at -smp 1 and -smp 2, printed as speed-ups.
SCALING_RUN = python3 tools/smp_scaling.py --kernel $(BUILD)/kernel.bin --initrd $(INITRD) --config $(BENCH_CONFIG) $(if $(MEM),--memory $(MEM))

.PHONY: all kernel run test host-test kernel-test bench bench-smp soak debug gdb clean setup help

all: kernel

help:
	@echo "Targets:"
	@echo "  make              build $(BUILD)/kernel.elf (symbols) and $(BUILD)/kernel.bin (Image), and the initramfs"
	@echo "  make run          build, then boot to the kernel console (Ctrl-A X quits QEMU)"
	@echo "  make test         host tests (GoogleTest) then kernel tests under QEMU (host-test, kernel-test)"
	@echo "  make host-test    host tests only ($(HOST_BUILD))"
	@echo "  make kernel-test  kernel, user-space and GDB tests under QEMU only (CTest in $(BUILD))"
	@echo "  make bench        benchmarks under -icount shift=0 (instruction-exact), kernel then user space, then bench-smp"
	@echo "  make bench-smp    SMP figures: ipi at -smp 2 (icount), scaling from -smp 1 to -smp 2 (real time)"
	@echo "  make soak         60 s of fork/pipe/exit load on 4 CPUs (SMP=n) in real time, /bin/soak as init, then poweroff"
	@echo "  make debug        boot halted at reset with a GDB server on localhost:1234"
	@echo "  make gdb          gdb-multiarch with tools/gdbinit (k-ps, k-bt, k-runq, k-log), attached to make debug"
	@echo "  make setup        install the build tools (tools/setup.sh)"
	@echo "  make clean        remove $(BUILD)"
	@echo "Variables (make VAR=value target):"
	@echo "  APPEND=...        kernel command line, e.g. APPEND=\"init=/bin/hello loglevel=3\""
	@echo "  INITRD=file       initramfs for run/debug (default $(BUILD)/initramfs.cpio; $(BUILD)/glibc_initramfs.cpio has the glibc programs)"
	@echo "  QEMU_CONFIG=name  machine for run/debug/bench (a53-gicv2 a57-gicv3 a72-gicv3-el2 max-gicv2-el2-2g bench; see tools/qemu_run.py)"
	@echo "  MEM=size          RAM size, e.g. MEM=2G (default: the configuration's)"
	@echo "  SMP=n             CPUs for run/debug (default 2; the kernel starts at most 8; maxcpus= in APPEND limits it)"
	@echo "  UBOOT=u-boot.bin  boot through U-Boot's booti, e.g. UBOOT=/usr/lib/u-boot/qemu_arm64/u-boot.bin"
	@echo "  BENCH=names       benchmarks for make bench, e.g. BENCH=boot or BENCH=syscall,fork or BENCH=ipi,scaling (default all)"
	@echo "  BUILD=dir         build directory (default build); JOBS=n parallel build jobs (default nproc)"
	@echo "  CMAKE_ARGS=...    extra CMake options, e.g. CMAKE_ARGS=-DCROSS_PREFIX=/opt/cross/bin/aarch64-none-elf-"

setup:
	@$(SETUP) build

$(BUILD)/CMakeCache.txt:
	@$(SETUP) build
	@cmake -S . -B $(BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake $(CMAKE_ARGS)

kernel: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS)

run: kernel
	@$(SETUP) run
	@$(QEMU_RUN) --interactive --append "$(APPEND)"

host-test:
	@$(SETUP) test
	@cmake -S tests/host -B $(HOST_BUILD) $(HOST_CMAKE_ARGS)
	@cmake --build $(HOST_BUILD) -j$(JOBS)
	cd $(HOST_BUILD) && ctest --output-on-failure -j$(JOBS)

kernel-test: kernel
	@$(SETUP) test
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test: host-test kernel-test

bench: kernel
	@$(SETUP) run
	$(if $(BENCH_KERNEL),$(BENCH_RUN) --append "bench=$(BENCH_KERNEL) $(APPEND)")
	$(if $(BENCH_USER),$(BENCH_RUN) --initrd $(INITRD) --append "init=/bin/bench $(filter-out all,$(BENCH_USER))")
	$(if $(BENCH_IPI),$(BENCH_RUN) --smp 2 --append "bench=ipi $(APPEND)")
	$(if $(BENCH_SCALING),$(SCALING_RUN))

bench-smp: kernel
	@$(SETUP) run
	$(BENCH_RUN) --smp 2 --append "bench=ipi $(APPEND)"
	$(SCALING_RUN)

# The full soak: /bin/soak as init for 60 seconds on 4 CPUs (SMP=n from the command line or the
# environment changes it; the file's default of 2 is for run), real time, 512M unless MEM is given.
SOAK_SMP = $(if $(filter file,$(origin SMP)),4,$(SMP))
soak: kernel
	@$(SETUP) run
	$(subst --smp $(SMP),--smp $(SOAK_SMP),$(QEMU_RUN)) $(if $(MEM),,--memory 512M) --append "init=/bin/soak 60 $(APPEND)" --check exit --timeout 600 \
	    --expect "^soak: 60 seconds, [0-9]+ rounds, [0-9]+ forks, [0-9]+ pipe messages: ok$$" --forbid FAILED

debug: kernel
	@$(SETUP) run
	@echo "QEMU is halted at reset with a GDB server on localhost:1234."
	@echo "In another terminal: make gdb   (or: gdb-multiarch -x tools/gdbinit $(BUILD)/kernel.elf)"
	@$(QEMU_RUN) --interactive --gdb --append "$(APPEND)"

gdb:
	@$(SETUP) debug
	gdb-multiarch -q -x tools/gdbinit $(BUILD)/kernel.elf

clean:
	rm -rf $(BUILD)
