# Descriptors and file I/O (fdio): test_fd (the descriptor table, RLIMIT_NOFILE, close-on-exec, close_range)
# and test_io (every I/O call on files, pipes and the console, locks), each booted as init.
foreach(prog test_fd test_io test_locks)
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a53-gicv2 --icount --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 300)
endforeach()
# The locks' waits and wake-ups between processes on several CPUs, in real time.
add_test(NAME qemu.user-smp2.test_locks COMMAND ${QEMU_RUN} --config a72-gicv3-el2 --smp 2 --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_locks" --check tests --timeout 240)
set_tests_properties(qemu.user-smp2.test_locks PROPERTIES TIMEOUT 300)
