# Kernel tests booted under QEMU, registered with CTest. Each boot has a hard timeout.
enable_testing()
set(QEMU_RUN ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/qemu_run.py --kernel ${CMAKE_BINARY_DIR}/kernel.bin)

# a53-gicv2 runs in real time (virtual time follows the host); the others under -icount, where time
# is deterministic (one instruction = 1 ns), so the timing tests check exact properties there.
# This one also logs at debug level (loglevel=3), so every debug message's path is booted too.
add_test(NAME qemu.a53-gicv2.all COMMAND ${QEMU_RUN} --config a53-gicv2 --append "test=all loglevel=3" --check tests --timeout 120)
foreach(cfg a72-gicv3-el2 a57-gicv3 max-gicv2-el2-2g)
    add_test(NAME qemu.${cfg}.all COMMAND ${QEMU_RUN} --config ${cfg} --icount --append "test=all" --check tests --timeout 120)
endforeach()
set_tests_properties(qemu.a53-gicv2.all qemu.a72-gicv3-el2.all qemu.a57-gicv3.all qemu.max-gicv2-el2-2g.all
    PROPERTIES TIMEOUT 150)

# Expected-panic tests: each boots alone and passes when the full panic report appears.
foreach(spec "panic.null_deref:a53-gicv2" "panic.stack_overflow:a72-gicv3-el2" "panic.kassert:a57-gicv3"
        "mm.kernel_stack_guard_overflow:max-gicv2-el2-2g" "mm.heap_double_delete:a53-gicv2")
    string(REPLACE ":" ";" parts ${spec})
    list(GET parts 0 name)
    list(GET parts 1 cfg)
    add_test(NAME qemu.${cfg}.${name} COMMAND ${QEMU_RUN} --config ${cfg} --append "test=${name}" --check panic --timeout 60)
    set_tests_properties(qemu.${cfg}.${name} PROPERTIES TIMEOUT 90)
endforeach()

# The command line warns about options it does not know; loglevel=3 prints every debug line of the
# boot (one of them once faulted on the UART's old mapping).
add_test(NAME qemu.a53-gicv2.cmdline_warning COMMAND ${QEMU_RUN} --config a53-gicv2
    --append "test=boot frobnicate=1 loglevel=3" --check tests --expect "warning: command line: frobnicate=1: unknown option"
    --expect "memory: frames, kernel page table and heap ready")

# User-space suites: each program from user/tests runs as pid 1 (init=) and its exit status leaves
# QEMU through semihosting. The kernel's own initramfs is passed with -initrd, as `make run` does.
foreach(prog test_runtime test_syscalls test_process test_pipe test_faults test_usercopy test_fuzz test_compat)
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a53-gicv2 --icount --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 300)
endforeach()
# init= gets the command line's bare words as arguments and its unknown key=value options as
# environment (before the defaults, which they override), as on Linux; the kernel's own stay its.
add_test(NAME qemu.user.init_args_and_environment COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/hello one FOO=bar hz=250 PATH=/x two"
    --check exit --timeout 60 --expect "^argc=3$" --expect "^argv\\[1\\]=one$" --expect "^argv\\[2\\]=two$"
    --expect "^envp\\[0\\]=FOO=bar$" --expect "^envp\\[1\\]=PATH=/x$" --expect "^envp\\[2\\]=HOME=/$"
    --forbid "envp.*=(hz=|PATH=/bin)" --forbid "warning: command line")

# The same programs on GICv3 at EL2 without -initrd (the built-in initramfs).
foreach(prog test_syscalls test_process)
    add_test(NAME qemu.user-builtin.${prog} COMMAND ${QEMU_RUN} --config a72-gicv3-el2 --icount
        --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user-builtin.${prog} PROPERTIES TIMEOUT 300)
endforeach()

# The fault suite again on -cpu max, where SVE exists and traps (exception class 0x19, not "unknown"
# as on the A53) and exclusive accesses still need alignment under FEAT_LSE2.
add_test(NAME qemu.user-max.test_faults COMMAND ${QEMU_RUN} --config max-gicv2-el2-2g --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_faults" --check tests
    --expect "killed by SIGILL \\(ILL_ILLOPC\\): SVE access trap" --timeout 240)
set_tests_properties(qemu.user-max.test_faults PROPERTIES TIMEOUT 300)

# 8-bit ASIDs: the fork bomb keeps more spaces alive than there are ASIDs, so they roll over while
# processes run (kept ASIDs, fresh ones for the others, the TLB flush).
add_test(NAME qemu.user-asid8.test_process COMMAND ${QEMU_RUN} --config a57-gicv3 --icount --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "asid_bits=8 init=/bin/test_process" --check tests
    --expect "ASIDs \\(8 bits\\): [1-9][0-9]* rollovers" --timeout 240)
set_tests_properties(qemu.user-asid8.test_process PROPERTIES TIMEOUT 300)

# Console writes from several processes never interleave: three writers print 6000-byte lines of one
# letter each (longer than the console's 4 KiB pieces, with write and a two-vector writev) with a 1 ms
# tick in real time, so they are preempted inside their writes; a line holding two letters fails.
add_test(NAME qemu.user.conwrite COMMAND ${QEMU_RUN} --config a53-gicv2 --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio
    --append "init=/bin/conwrite 6000 4 hz=1000" --check exit --timeout 60
    --expect "^A{6000}$" --expect "^B{6000}$" --expect "^C{6000}$" --forbid "^[ABC]*(A[BC]|B[AC]|C[AB])"
    --expect "conwrite: 3 writers x 4 lines of 6000 bytes: done")
set_tests_properties(qemu.user.conwrite PROPERTIES TIMEOUT 90)

# FP/SIMD state survives switches between processes (three workers check their vector registers
# across sched_yield and preemption); forktree builds and reaps a process tree.
foreach(prog fpu forktree)
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a57-gicv3 --icount
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check exit --timeout 120)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 150)
endforeach()

# An unmodified static glibc program as pid 1 (built only when aarch64-linux-gnu-gcc has a static
# libc; see user_programs.cmake). Each output line is one behaviour: line-buffered stdout on the
# console (the fork child's line before _exit), fork/waitpid exit status, pipes, malloc, floats,
# getenv, usleep, abort, atexit. The program exits 1 if its own checks failed.
if("glibc_smoke" IN_LIST GLIBC_PROGRAMS)
    set(glibc_expect "")
    foreach(line "^hi$" "^child [0-9]+$" "^child exited 3$" "^pipe: through the pipe 42$" "^pipe child exited 7$"
            "^malloc: ok$" "^float: 6\\.500 0\\.333333 1\\.234568e\\+04 1\\.4142$" "^env: HOME=/ TERM=vt100 NOPE=\\(unset\\)$"
            "^tty: isatty=1 chr=1$" "^stderr: No such file or directory$" "^usleep: ok$" "^abort: signal 6$"
            "^atexit: ran, 0 failures$")
        list(APPEND glibc_expect --expect ${line})
    endforeach()
    add_test(NAME qemu.user.glibc_smoke COMMAND ${QEMU_RUN} --config a57-gicv3 --icount
        --initrd ${GLIBC_INITRAMFS} --append "init=/bin/glibc_smoke" --check exit ${glibc_expect}
        --expect "^image: low$" --timeout 120)
    # The same program as a static PIE (ET_DYN): loaded high, relocated by glibc, same behaviour.
    add_test(NAME qemu.user.glibc_smoke_pie COMMAND ${QEMU_RUN} --config a72-gicv3-el2 --icount
        --initrd ${GLIBC_INITRAMFS} --append "init=/bin/glibc_smoke_pie" --check exit ${glibc_expect}
        --expect "^image: high$" --timeout 120)
    set_tests_properties(qemu.user.glibc_smoke qemu.user.glibc_smoke_pie PROPERTIES TIMEOUT 150)
endif()

# Through U-Boot as the firmware (Debian/Ubuntu package u-boot-qemu): booti starts the Image the way
# a board's bootloader does, with U-Boot's copy of the device tree (/chosen completed by booti) and
# the initramfs moved to the top of RAM under a /memreserve/. Two boots: U-Boot's own default boot
# command (fw_cfg: -kernel/-initrd/-append) at EL2 with GICv3, and an explicit
# "setenv bootargs; booti" from a flash environment at EL1 with GICv2, the Image put off a 2 MiB
# boundary so that booti moves it. Without u-boot.bin they report "Skipped".
set(UBOOT_BIN /usr/lib/u-boot/qemu_arm64/u-boot.bin CACHE FILEPATH "U-Boot for QEMU virt (qemu_arm64), package u-boot-qemu")
if(NOT EXISTS ${UBOOT_BIN})
    message(STATUS "U-Boot boot tests skipped: ${UBOOT_BIN} not found (apt-get install u-boot-qemu to run them)")
endif()
set(QEMU_RUN_UBOOT ${QEMU_RUN} --uboot ${UBOOT_BIN} --skip-missing-uboot --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio)
add_test(NAME qemu.uboot.a72-gicv3-el2.all COMMAND ${QEMU_RUN_UBOOT} --config a72-gicv3-el2 --memory 1G
    --append "test=all" --check tests --expect "entered at EL2" --expect "initramfs: .* from -initrd" --timeout 60)
add_test(NAME qemu.uboot.a53-gicv2.test_syscalls COMMAND ${QEMU_RUN_UBOOT} --config a53-gicv2 --memory 1G
    --uboot-load loader --uboot-kernel-addr 0x40480000 --append "init=/bin/test_syscalls"
    --check tests --expect "entered at EL1" --expect "image at PA 0x40600000" --timeout 60)
set_tests_properties(qemu.uboot.a72-gicv3-el2.all qemu.uboot.a53-gicv2.test_syscalls
    PROPERTIES TIMEOUT 90 SKIP_RETURN_CODE 77)
