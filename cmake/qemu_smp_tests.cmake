# The `smp` kernel suite and the whole kernel suite with several CPUs (-smp N), booted under QEMU and
# registered with CTest. All in real time: -icount would run every CPU on one host thread, round
# robin, and hide the races these boots are for. Nothing here bounds a time but the hard timeouts,
# which are generous: a loaded 2-core host deschedules QEMU's CPU threads for long stretches.
# (Included from qemu_tests.cmake: QEMU_RUN is defined there.)

# test=smp with 1, 2, 4 and 8 CPUs, over GICv2 and GICv3, entered at EL1 and EL2.
foreach(run "1;a53-gicv2" "2;a57-gicv3" "4;a72-gicv3-el2" "8;max-gicv2-el2-2g")
    list(GET run 0 cpus)
    list(GET run 1 cfg)
    add_test(NAME qemu.${cfg}.smp${cpus}.smp COMMAND ${QEMU_RUN} --config ${cfg} --smp ${cpus}
        --append "test=smp" --check tests --timeout 300)
    set_tests_properties(qemu.${cfg}.smp${cpus}.smp PROPERTIES TIMEOUT 330)
endforeach()

# Every kernel suite with several CPUs: at EL2 with GICv3 and at EL1 with GICv2.
foreach(run "4;a72-gicv3-el2" "2;a53-gicv2")
    list(GET run 0 cpus)
    list(GET run 1 cfg)
    add_test(NAME qemu.${cfg}.smp${cpus}.all COMMAND ${QEMU_RUN} --config ${cfg} --smp ${cpus}
        --append "test=all" --check tests --timeout 300)
    set_tests_properties(qemu.${cfg}.smp${cpus}.all PROPERTIES TIMEOUT 330)
endforeach()
