# /proc, /dev and sysinfo (procdev): test_procfs and test_dev booted as init, and test_procfs again on
# four CPUs (a cpu line and a cpuinfo block per CPU, processes on several CPUs at once).
foreach(prog test_procfs test_dev)
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a53-gicv2 --icount --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 300)
endforeach()
add_test(NAME qemu.user-smp4.test_procfs COMMAND ${QEMU_RUN} --config a57-gicv3 --smp 4 --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_procfs" --check tests --timeout 400)
set_tests_properties(qemu.user-smp4.test_procfs PROPERTIES TIMEOUT 450)
