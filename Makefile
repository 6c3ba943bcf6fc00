# A thin front end over CMake and QEMU. Every target first checks the tools it needs
# (tools/setup.sh installs what is missing with apt-get, or says what to install).
#   make          build build/kernel.elf and build/kernel.bin
#   make run      build and boot to the kernel console (Ctrl-A X quits QEMU);
#                 UBOOT=/usr/lib/u-boot/qemu_arm64/u-boot.bin boots through U-Boot's booti
#   make test     host tests (GoogleTest) + kernel tests booted under QEMU
#   make bench    benchmarks under -icount shift=0 (instruction-exact), kernel and user space
#   make debug    boot halted with a GDB server on :1234;  make gdb  attaches gdb-multiarch
#   make clean
BUILD ?= build
HOST_BUILD ?= $(BUILD)/host
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
QEMU_CONFIG ?= a53-gicv2
MEM ?=
APPEND ?=
UBOOT ?=
SETUP = tools/setup.sh
QEMU_RUN = python3 tools/qemu_run.py --kernel $(BUILD)/kernel.bin --initrd $(BUILD)/initramfs.cpio --config $(QEMU_CONFIG) $(if $(MEM),--memory $(MEM)) $(if $(UBOOT),--uboot $(UBOOT))

.PHONY: all kernel run test host-test kernel-test bench debug gdb clean setup

all: kernel

setup:
	@$(SETUP) build

$(BUILD)/CMakeCache.txt:
	@$(SETUP) build
	cmake -S . -B $(BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake $(CMAKE_ARGS)

kernel: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: kernel
	@$(SETUP) run
	$(QEMU_RUN) --interactive --append "$(APPEND)"

host-test:
	@$(SETUP) test
	cmake -S tests/host -B $(HOST_BUILD) $(HOST_CMAKE_ARGS)
	cmake --build $(HOST_BUILD) -j$(JOBS)
	cd $(HOST_BUILD) && ctest --output-on-failure -j$(JOBS)

kernel-test: kernel
	@$(SETUP) test
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test: host-test kernel-test

bench: kernel
	@$(SETUP) run
	python3 tools/qemu_run.py --kernel $(BUILD)/kernel.bin --bench --append "bench=all $(APPEND)" --check bench --timeout 600
	python3 tools/qemu_run.py --kernel $(BUILD)/kernel.bin --initrd $(BUILD)/initramfs.cpio --bench --append "init=/bin/bench" --check bench --timeout 600

debug: kernel
	@$(SETUP) run
	@echo "QEMU is halted at reset with a GDB server on localhost:1234."
	@echo "In another terminal: make gdb   (or: gdb-multiarch -x tools/gdbinit $(BUILD)/kernel.elf)"
	$(QEMU_RUN) --interactive --gdb --append "$(APPEND)"

gdb:
	@$(SETUP) debug
	gdb-multiarch -q -x tools/gdbinit $(BUILD)/kernel.elf

clean:
	rm -rf $(BUILD)
