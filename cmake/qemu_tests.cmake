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

# Expected-panic tests: each boots alone and passes when the full panic report appears. Where the
# fault is in a leaf function (no frame record of its own), the backtrace must still name its caller,
# known only from lr.
function(add_panic_test name cfg)
    add_test(NAME qemu.${cfg}.${name} COMMAND ${QEMU_RUN} --config ${cfg} --append "test=${name}" --check panic
        --timeout 60 ${ARGN})
    set_tests_properties(qemu.${cfg}.${name} PROPERTIES TIMEOUT 90)
endfunction()
set(BT "^  #1 +0x[0-9a-f]{16} ")  # the frame after the faulting one
add_panic_test(panic.null_deref a53-gicv2 --expect "${BT}kernel::ktest::run\\(")
add_panic_test(panic.stack_overflow a72-gicv3-el2)
add_panic_test(panic.kassert a57-gicv3 --expect "^  #[0-9]+ +0x[0-9a-f]{16} ktest_fn_panic_kassert")
add_panic_test(mm.kernel_stack_guard_overflow max-gicv2-el2-2g)
add_panic_test(mm.heap_double_delete a53-gicv2)
# A fault with the console lock held (inside console::write), and one in an interrupt handler: the
# backtrace crosses the exception entry into the code the interrupt came in (the test function).
add_panic_test(panic.console_lock_held a57-gicv3 --expect "${BT}kernel::console::write\\(")
add_panic_test(panic.in_irq_handler a72-gicv3-el2 --expect "^reason: kernel fault$"
    --expect "^  #0 +0x[0-9a-f]{16} .*faulting_irq_handler" --expect "${BT}kernel::irq::dispatch\\("
    --expect "^       --- exception taken here, interrupting: ---$"
    --expect "^  #[0-9]+ +0x[0-9a-f]{16} ktest_fn_panic_in_irq_handler")
# A fault inside the report: the first report's header, one line naming the nested fault, no second
# report, and QEMU stops with status 1 (a hang or recursion would time out).
add_test(NAME qemu.a53-gicv2.panic.nested_fault COMMAND ${QEMU_RUN} --config a53-gicv2
    --append "test=panic.nested_fault" --timeout 60 --exit-status 1 --expect "KERNEL PANIC on CPU 0"
    --expect "^\\*\\*\\* nested fault while reporting a panic: pc 0x[0-9a-f]{16} .*faulting_describer.*; stopping$"
    --forbid "KERNEL PANIC[\\s\\S]*KERNEL PANIC")
# The console itself faulting inside the report: the UART is restarted at the early console's
# mapping and the nested fault named; never the same fault again and again.
add_test(NAME qemu.a57-gicv3.panic.console_broken COMMAND ${QEMU_RUN} --config a57-gicv3
    --append "test=panic.console_broken" --timeout 60 --exit-status 1
    --expect "^\\*\\*\\* nested fault while reporting a panic: pc 0x[0-9a-f]{16} hal::Pl011::.*; stopping$")
set_tests_properties(qemu.a53-gicv2.panic.nested_fault qemu.a57-gicv3.panic.console_broken PROPERTIES TIMEOUT 90)

# `set $pc = 0` at kmain's first instruction, as the kernel_kmain_faults image does it
# (cmake/kernel_link.cmake): the early console is already up, so the full report comes out, with pc 0
# (no symbol: hence not --check panic) and head.S's call of kmain as the caller. An image of its own
# rather than GDB: nothing to attach, no port to share with parallel runs, no timing on a busy host.
set(KMAIN_FAULT_EXPECT "KERNEL PANIC on CPU 0, task: boot \\(no scheduler yet\\)" "^reason: kernel fault$"
    "^cause: instruction abort from EL1 .*fetch$" "^faulting address: 0x0000000000000000$"
    "^pc  0x0000000000000000$" "^x0  0x" "^  #0  0x0000000000000000$" "${BT}upper_half_entry\\+0x"
    "^--- end of panic report ---$")
list(TRANSFORM KMAIN_FAULT_EXPECT PREPEND "--expect=")
add_test(NAME qemu.a72-gicv3-el2.panic.kmain_first_instruction COMMAND ${Python3_EXECUTABLE}
    ${CMAKE_SOURCE_DIR}/tools/qemu_run.py --kernel ${CMAKE_BINARY_DIR}/kernel_kmain_faults.bin --config a72-gicv3-el2
    --append "test=boot" --timeout 60 --exit-status 1 ${KMAIN_FAULT_EXPECT} --forbid "kernel [0-9.]+ \\(AArch64")
set_tests_properties(qemu.a72-gicv3-el2.panic.kmain_first_instruction PROPERTIES TIMEOUT 90)

# The command line warns about options it does not know; loglevel=3 prints every debug line of the
# boot (one of them once faulted on the UART's old mapping).
add_test(NAME qemu.a53-gicv2.cmdline_warning COMMAND ${QEMU_RUN} --config a53-gicv2
    --append "test=boot frobnicate=1 loglevel=3" --check tests --expect "warning: command line: frobnicate=1: unknown option"
    --expect "memory: frames, kernel page table and heap ready")

# User-space suites: each program from user/tests runs as pid 1 (init=) and its exit status leaves
# QEMU through semihosting. The kernel's own initramfs is passed with -initrd, as `make run` does.
foreach(prog test_runtime test_syscalls test_process test_pipe test_faults test_usercopy test_fuzz test_compat
        test_exec
        test_cred)  # cred: identities, prctl, permission checks
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a53-gicv2 --icount --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 300)
endforeach()
# The path system calls (kernel/fs/open_syscall.cpp, path_syscalls_*.cpp, stat_syscalls.cpp,
# mount_syscalls.cpp): names, attributes and mounts, each call's errors as Linux gives them.
foreach(prog test_fs_paths test_fs_stat test_fs_mount)
    add_test(NAME qemu.user.${prog} COMMAND ${QEMU_RUN} --config a53-gicv2 --icount --memory 512M
        --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/${prog}" --check tests --timeout 240)
    set_tests_properties(qemu.user.${prog} PROPERTIES TIMEOUT 300)
endforeach()
# kill, fork, exit and wait racing from several processes (a kill landing on a process fork is still
# creating once panicked the kernel). In real time with a 1 ms tick, so that the interleavings vary
# from boot to boot (under -icount they would repeat exactly); bounded by iteration counts.
add_test(NAME qemu.user.test_kill_race COMMAND ${QEMU_RUN} --config a53-gicv2 --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_kill_race hz=1000" --check tests --timeout 240)
set_tests_properties(qemu.user.test_kill_race PROPERTIES TIMEOUT 300)
# pid 1 ignores every signal it gets (no handlers exist, and Linux never lets a default action end
# init), also the ones it sends itself: the suite's own runner is pid 1, so these run inline in it.
add_test(NAME qemu.user.init_ignores_signals COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/test_process --inline init_ignores"
    --check tests --expect "PASS \\] test_process.init_ignores_signals_it_sends_itself" --timeout 120)
set_tests_properties(qemu.user.init_ignores_signals PROPERTIES TIMEOUT 150)
# init= gets the command line's bare words as arguments and its unknown key=value options as
# environment (before the defaults, which they override), as on Linux; the kernel's own stay its.
add_test(NAME qemu.user.init_args_and_environment COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/hello one FOO=bar hz=250 PATH=/x two"
    --check exit --timeout 60 --expect "^argc=3$" --expect "^argv\\[1\\]=one$" --expect "^argv\\[2\\]=two$"
    --expect "^envp\\[0\\]=FOO=bar$" --expect "^envp\\[1\\]=PATH=/x$" --expect "^envp\\[2\\]=HOME=/$"
    --forbid "envp.*=(hz=|PATH=/bin)" --forbid "warning: command line")

# init= follows symbolic links and runs "#!" scripts (interpreter, its argument, the script, then
# the command line's words), as Linux; the kernel's own initramfs (built in) holds both.
add_test(NAME qemu.user.init_through_a_symlink COMMAND ${QEMU_RUN} --config a57-gicv3 --icount
    --append "init=/bin/hello.link one" --check exit --timeout 60
    --expect "^argv\\[0\\]=/bin/hello.link$" --expect "^argv\\[1\\]=one$" --expect "started /bin/hello.link as pid 1")
add_test(NAME qemu.user.init_script COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --append "init=/bin/script_arg one" --check exit --timeout 60 --expect "^argc=4$"
    --expect "^argv\\[0\\]=/bin/hello$" --expect "^argv\\[1\\]=-x  y$" --expect "^argv\\[2\\]=/bin/script_arg$"
    --expect "^argv\\[3\\]=one$")
# No working init: the panic names what was tried and why (the check that failed, or the interpreter
# that is missing) and QEMU exits with status 1, also outside test= runs.
add_test(NAME qemu.a53-gicv2.no_working_init_bad_elf COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --append "init=/bin/notelf" --check panic --exit-status 1 --timeout 60
    --expect "reason: Requested init /bin/notelf failed \\(error -8, ENOEXEC: not an ELF file \\(bad magic\\)\\)\\. No working init found\\.$")
add_test(NAME qemu.a72-gicv3-el2.no_working_init_missing_interpreter COMMAND ${QEMU_RUN} --config a72-gicv3-el2
    --icount --append "init=/bin/script_missing" --check panic --exit-status 1 --timeout 60
    --expect "reason: Requested init /bin/script_missing failed \\(error -2, ENOENT: no such file, in /bin/no-such-interpreter\\)")
set_tests_properties(qemu.user.init_through_a_symlink qemu.user.init_script qemu.a53-gicv2.no_working_init_bad_elf
    qemu.a72-gicv3-el2.no_working_init_missing_interpreter PROPERTIES TIMEOUT 90)

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
# ... and with four CPUs in real time: spaces move between CPUs and roll over while every CPU is
# busy (each CPU's running slot taken at the rollover, a CPU that left a space publishing it).
add_test(NAME qemu.user-asid8-smp4.test_process COMMAND ${QEMU_RUN} --config a72-gicv3-el2 --smp 4 --memory 512M
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "asid_bits=8 init=/bin/test_process" --check tests
    --expect "ASIDs \\(8 bits\\): [1-9][0-9]* rollovers" --timeout 240)
set_tests_properties(qemu.user-asid8-smp4.test_process PROPERTIES TIMEOUT 300)

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

# The kernel monitor typed at through the serial port (tools/console_test.py): `run` with the search
# path and each reason a program cannot start, background jobs ("[N] PID", one ps table keyed by PID
# with kernel tasks as kN, kill by PID, %N and signal name, "[N] Killed (SIGTERM)" and "Done" at the
# next prompt, the monitor refusing to kill itself), Ctrl-C as SIGINT, line editing with the escape
# sequences terminals send (split ones too), history, a line too long refused, and a console test
# run beside a background job. Real time: every step waits for the output, never for a time.
add_test(NAME qemu.console.monitor COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/console_test.py
    --kernel ${CMAKE_BINARY_DIR}/kernel.bin --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --timeout 240)
set_tests_properties(qemu.console.monitor PROPERTIES TIMEOUT 300)

# An unmodified static glibc program as pid 1 (built only when aarch64-linux-gnu-gcc has a static
# libc; see user_programs.cmake). Each output line is one behaviour: line-buffered stdout on the
# console (the fork child's line before _exit), fork/waitpid exit status, pipes, malloc, floats,
# getenv, usleep, abort, atexit, files. The program exits 1 if its own checks failed.
if("glibc_smoke" IN_LIST GLIBC_PROGRAMS)
    set(glibc_expect "")
    foreach(line "^hi$" "^child [0-9]+$" "^child exited 3$" "^pipe: through the pipe 42$" "^pipe child exited 7$"
            "^malloc: ok$" "^float: 6\\.500 0\\.333333 1\\.234568e\\+04 1\\.4142$" "^env: HOME=/ TERM=vt100 NOPE=\\(unset\\)$"
            "^tty: isatty=1 chr=1$" "^stderr: No such file or directory$" "^usleep: ok$" "^abort: signal 6$"
            "^atexit: ran, 0 failures$"
            # files (paths): stdio on /tmp, tmpfile(), readdir of /bin, chdir, getcwd, realpath
            "^file: line 1$" "^file: second line$" "^tmpfile: scratch data$" "^readdir: glibc_smoke found, and more$"
            "^getcwd: /tmp$" "^realpath: /bin/glibc_smoke$")
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
include(${CMAKE_CURRENT_LIST_DIR}/qemu_smp_tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/qemu_smp_debug_tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/qemu_user_smp_tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/qemu_fdio_tests.cmake)  # fdio
include(${CMAKE_CURRENT_LIST_DIR}/qemu_procdev_tests.cmake)   # procdev
