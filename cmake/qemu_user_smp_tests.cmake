# User space on several CPUs, booted under QEMU with -smp N (included by qemu_tests.cmake). Real time,
# not -icount: icount runs every CPU on one host thread, so nothing would run in parallel. None of
# these checks a duration; each boot has a hard timeout, which is what catches a hang.

# test_smp (affinity calls, spinners on every CPU, pinning, a fork bomb from every CPU, vector
# registers across migrations) on one, two and four CPUs, GICv2 and GICv3, entered at EL1 and EL2.
foreach(spec "1:a53-gicv2" "2:a57-gicv3" "4:a72-gicv3-el2")
    string(REPLACE ":" ";" spec "${spec}")
    list(GET spec 0 cpus)
    list(GET spec 1 cfg)
    add_test(NAME qemu.user-smp${cpus}.test_smp COMMAND ${QEMU_RUN} --config ${cfg} --smp ${cpus} --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_smp" --check tests --timeout 400)
    set_tests_properties(qemu.user-smp${cpus}.test_smp PROPERTIES TIMEOUT 450)
endforeach()

# The process and pipe suites with four CPUs: parent and child really run at once, in either order.
foreach(prog test_process test_pipe)
    add_test(NAME qemu.user-smp4.${prog} COMMAND ${QEMU_RUN} --config a57-gicv3 --smp 4 --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 400)
    set_tests_properties(qemu.user-smp4.${prog} PROPERTIES TIMEOUT 450)
endforeach()

# The soak in its short form: 10 seconds of fork/exit/wait, pipe ping-pong and process chains from a
# worker on each of four CPUs, then the same number of processes can exist as before, and init's
# exit 0 powers off. `make soak` runs it for 60 seconds.
add_test(NAME qemu.user-smp4.soak COMMAND ${QEMU_RUN} --config a72-gicv3-el2 --smp 4 --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/soak 10" --check exit --timeout 240
    --expect "^soak: 4 workers for 10 seconds$"
    --expect "^soak: 10 seconds, [1-9][0-9]* rounds, [1-9][0-9]* forks, [1-9][0-9]* pipe messages: ok$"
    --forbid "FAILED")
set_tests_properties(qemu.user-smp4.soak PROPERTIES TIMEOUT 300)
