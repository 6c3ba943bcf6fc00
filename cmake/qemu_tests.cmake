# Kernel tests booted under QEMU, registered with CTest. Each boot has a hard timeout.
enable_testing()
set(QEMU_RUN ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/qemu_run.py --kernel ${CMAKE_BINARY_DIR}/kernel.bin)

# a53-gicv2 runs in real time (virtual time follows the host); the others under -icount, where time
# is deterministic (one instruction = 1 ns), so the timing tests check exact properties there.
add_test(NAME qemu.a53-gicv2.all COMMAND ${QEMU_RUN} --config a53-gicv2 --append "test=all" --check tests --timeout 120)
foreach(cfg a72-gicv3-el2 a57-gicv3 max-gicv2-el2-2g)
    add_test(NAME qemu.${cfg}.all COMMAND ${QEMU_RUN} --config ${cfg} --icount --append "test=all" --check tests --timeout 120)
endforeach()
set_tests_properties(qemu.a53-gicv2.all qemu.a72-gicv3-el2.all qemu.a57-gicv3.all qemu.max-gicv2-el2-2g.all
    PROPERTIES TIMEOUT 150)

# Expected-panic tests: each boots alone and passes when the full panic report appears.
foreach(spec "panic.null_deref:a53-gicv2" "panic.stack_overflow:a72-gicv3-el2" "panic.kassert:a57-gicv3"
        "mm.kernel_stack_guard_overflow:max-gicv2-el2-2g")
    string(REPLACE ":" ";" parts ${spec})
    list(GET parts 0 name)
    list(GET parts 1 cfg)
    add_test(NAME qemu.${cfg}.${name} COMMAND ${QEMU_RUN} --config ${cfg} --append "test=${name}" --check panic --timeout 60)
    set_tests_properties(qemu.${cfg}.${name} PROPERTIES TIMEOUT 90)
endforeach()

# The command line warns about options it does not know.
add_test(NAME qemu.a53-gicv2.cmdline_warning COMMAND ${QEMU_RUN} --config a53-gicv2
    --append "test=boot frobnicate=1" --check tests --expect "warning: command line: frobnicate=1: unknown option")
