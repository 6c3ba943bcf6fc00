# Tests of the developer tools: GDB support, benchmark units, the Makefile's interface.

# GDB: tools/gdbinit and the kernel commands of tools/gdb/kernel_gdb.py in batch gdb-multiarch
# (skipped, exit 77, without it). gdb.no_qemu: gdbinit loads whole and says what to do when nothing
# listens. gdb.booted: against a kernel booted with pid 1 waiting for pid 2, which sleeps, k-ps,
# k-bt (unwinder and frame records), k-runq and k-log print what the kernel holds. gdb.preempted:
# kernel tasks switched out inside a timer interrupt, whose backtraces cross the exception entry.
set(GDB_TEST ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gdb/test_kernel_gdb.py --build ${CMAKE_BINARY_DIR})
add_test(NAME gdb.no_qemu COMMAND ${GDB_TEST} --timeout 120 no-qemu)
add_test(NAME gdb.booted COMMAND ${GDB_TEST} --timeout 240 booted)
add_test(NAME gdb.preempted COMMAND ${GDB_TEST} --timeout 240 preempted)
# gdb.booted_smp: the same boot on -smp 4: each CPU a GDB thread, k-cpus, k-ps's CPU column with each
# CPU's current task marked, k-runq for every CPU and for one.
add_test(NAME gdb.booted_smp COMMAND ${GDB_TEST} --timeout 240 booted-smp)
set_tests_properties(gdb.no_qemu gdb.booted gdb.booted_smp gdb.preempted PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Benchmark figures name the unit they measured: instructions under -icount shift=0 (the bench
# machine), nanoseconds of host time otherwise (the kernel's runner and /bin/bench each detect which),
# never "instructions" for a host-timed figure.
set(BENCH_UNITS_KERNEL --append "bench=boot,exception" --timeout 120)
add_test(NAME qemu.bench.kernel_units_icount COMMAND ${QEMU_RUN} --bench ${BENCH_UNITS_KERNEL} --check bench
    --expect "^bench boot: [0-9]+ instructions/op$" --expect "^bench exception: [0-9]+ instructions/op$" --forbid "[0-9] ns/op")
add_test(NAME qemu.bench.kernel_units_host_time COMMAND ${QEMU_RUN} --config a53-gicv2 ${BENCH_UNITS_KERNEL} --check exit
    --expect "^bench: not under -icount: figures are nanoseconds of host time"
    --expect "^bench boot: [0-9]+ ns/op$" --expect "^bench exception: [0-9]+ ns/op$" --forbid "instructions/op")
set(BENCH_UNITS_USER --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/bench syscall" --timeout 120)
add_test(NAME qemu.bench.user_units_icount COMMAND ${QEMU_RUN} --bench ${BENCH_UNITS_USER} --check bench
    --expect "^bench syscall: [0-9]+ instructions/op$" --forbid "[0-9] ns/op")
add_test(NAME qemu.bench.user_units_host_time COMMAND ${QEMU_RUN} --config a53-gicv2 ${BENCH_UNITS_USER} --check exit
    --expect "^bench: not under -icount: figures are nanoseconds of host time"
    --expect "^bench syscall: [0-9]+ ns/op$" --forbid "instructions/op")
set_tests_properties(qemu.bench.kernel_units_icount qemu.bench.kernel_units_host_time
    qemu.bench.user_units_icount qemu.bench.user_units_host_time PROPERTIES TIMEOUT 150)

# The Makefile: make bench honours MEM, QEMU_CONFIG and BENCH, make run INITRD and APPEND, make help
# lists targets and variables, and a build prints no "Entering directory" lines.
add_test(NAME make.interface COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/test_make.py --build ${CMAKE_BINARY_DIR})
set_tests_properties(make.interface PROPERTIES TIMEOUT 300)
