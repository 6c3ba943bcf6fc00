# GDB: tools/gdbinit and the kernel commands of tools/gdb/kernel_gdb.py in batch gdb-multiarch
# (skipped, exit 77, without it). gdb.no_qemu: gdbinit loads whole and says what to do when nothing
# listens. gdb.booted: against a kernel booted with pid 1 waiting for pid 2, which sleeps, k-ps,
# k-bt (unwinder and frame records), k-runq and k-log print what the kernel holds.
set(GDB_TEST ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gdb/test_kernel_gdb.py --build ${CMAKE_BINARY_DIR})
add_test(NAME gdb.no_qemu COMMAND ${GDB_TEST} --timeout 120 no-qemu)
add_test(NAME gdb.booted COMMAND ${GDB_TEST} --timeout 240 booted)
set_tests_properties(gdb.no_qemu gdb.booted PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
