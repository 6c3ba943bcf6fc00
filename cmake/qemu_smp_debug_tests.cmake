# Panics with several CPUs (tests/kernel/panic_test.cpp, booted with -smp 4 on GICv3 at EL2 and on
# GICv2 at EL1). Nothing here assumes another CPU answers within a time: the lines for CPUs that were
# asked to stop accept "stopped" or "did not stop"; what is required is exactly one report, one line
# per other CPU, and QEMU's exit status 1.
set(SMP_CPU_LINE "(stopped, was running .+ \\(id [0-9]+\\)|did not stop \\(interrupts masked\\?\\))$")

# A panic on CPU 2 while CPUs 0 and 1 run busy tasks and CPU 3 spins with IRQs masked (which can
# never answer: its line must say so, and the report must still end).
foreach(cfg a72-gicv3-el2 a53-gicv2)
    add_test(NAME qemu.${cfg}.smp4.panic.smp_cpu2_while_busy COMMAND ${QEMU_RUN} --config ${cfg} --smp 4
        --append "test=panic.smp_cpu2_while_busy" --check panic --exit-status 1 --timeout 120
        --expect "KERNEL PANIC on CPU 2, task: panicker \\(id [0-9]+\\)$"
        --expect "^CPU 0: ${SMP_CPU_LINE}" --expect "^CPU 1: ${SMP_CPU_LINE}"
        --expect "^CPU 3: did not stop \\(interrupts masked\\?\\)$"
        --expect "^  #[0-9]+ +0x[0-9a-f]{16} .*panic_on_cpu2"
        --forbid "KERNEL PANIC[\\s\\S]*KERNEL PANIC" --forbid "^CPU 2: ")
    set_tests_properties(qemu.${cfg}.smp4.panic.smp_cpu2_while_busy PROPERTIES TIMEOUT 150)
endforeach()

# Three CPUs panic at once, IRQs masked: one report, from whichever won; a line for each other CPU,
# the two losing racers "panicked too" (they cannot be stopped: IRQs masked), or "did not stop" when
# one had not reached its panic by the end of the report's wait (a descheduled virtual CPU).
set(SMP_RACER_LINE "(panicked too \\(its report suppressed\\), was running racer \\(id [0-9]+\\)|did not stop \\(interrupts masked\\?\\))$")
foreach(cfg a72-gicv3-el2 a53-gicv2)
    set(name qemu.${cfg}.smp4.panic.smp_racing_panics)
    add_test(NAME ${name} COMMAND ${QEMU_RUN} --config ${cfg} --smp 4
        --append "test=panic.smp_racing_panics" --check panic --exit-status 1 --timeout 120
        --expect "KERNEL PANIC on CPU [123], task: racer \\(id [0-9]+\\)$"
        --expect "^reason: .*racing panic on CPU [123]$"
        --expect "^  #[0-9]+ +0x[0-9a-f]{16} .*panic_at_the_barrier"
        --expect "^CPU 0: ${SMP_CPU_LINE}"
        --expect "(^CPU [123]: ${SMP_RACER_LINE}\\n(.*\\n)*){2}" --forbid "^CPU [123]: stopped"
        --forbid "KERNEL PANIC[\\s\\S]*KERNEL PANIC" --forbid "nested fault")
    set_tests_properties(${name} PROPERTIES TIMEOUT 150)
endforeach()
