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
