# Links kernel.elf with a symbol table for backtraces, then makes the flat kernel.bin.
# The table is generated from the linked image itself: link once with an empty table, generate,
# link again, generate again, link a final time. The second and third tables have the same size (same
# symbols), so the final image's addresses are the ones its table describes; gen_symbols.py --check
# verifies that.
set(LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker.ld)
set(GEN_SYMS ${CMAKE_SOURCE_DIR}/tools/gen_symbols.py)
set(KLINK ${CMAKE_CXX_COMPILER} ${KERNEL_LINK_FLAGS} -T ${LINKER_SCRIPT})
set(KLIBS -lgcc)

# kernel_image(NAME OBJECTS...): NAME.elf and NAME.bin in the build directory from those objects.
function(kernel_image name)
    set(objs ${ARGN})
    add_custom_command(
        OUTPUT ${name}.elf ${name}.syms.S
        COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --empty -o ${name}.syms0.S
        COMMAND ${CMAKE_CXX_COMPILER} -c ${name}.syms0.S -o ${name}.syms0.o
        COMMAND ${KLINK} ${objs} ${name}.syms0.o ${KLIBS} -o ${name}.0.elf
        COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} ${name}.0.elf -o ${name}.syms1.S
        COMMAND ${CMAKE_CXX_COMPILER} -c ${name}.syms1.S -o ${name}.syms1.o
        COMMAND ${KLINK} ${objs} ${name}.syms1.o ${KLIBS} -o ${name}.1.elf
        COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} ${name}.1.elf -o ${name}.syms.S
        COMMAND ${CMAKE_CXX_COMPILER} -c ${name}.syms.S -o ${name}.syms.o
        COMMAND ${KLINK} -Wl,-Map=${name}.map ${objs} ${name}.syms.o ${KLIBS} -o ${name}.elf
        COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} ${name}.elf --check ${name}.syms.S
        DEPENDS kernel_objs ${objs} ${LINKER_SCRIPT} ${GEN_SYMS}
        WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
        COMMAND_EXPAND_LISTS
        COMMENT "Linking ${name}.elf with its symbol table")
    add_custom_command(
        OUTPUT ${name}.bin
        COMMAND ${CMAKE_OBJCOPY} -O binary ${name}.elf ${name}.bin
        DEPENDS ${name}.elf
        WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
        COMMENT "Making the flat arm64 Image ${name}.bin")
endfunction()

kernel_image(kernel $<TARGET_OBJECTS:kernel_objs>)

# The early-fault test image (qemu.*.panic.kmain_first_instruction): the same objects but kmain
# compiled with KMAIN_FAULTS_FIRST, so that its first instruction faults before anything else runs.
add_library(kmain_faults_first OBJECT ${CMAKE_SOURCE_DIR}/kernel/kmain.cpp)
target_include_directories(kmain_faults_first PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)
target_compile_options(kmain_faults_first PRIVATE ${KERNEL_CXX_FLAGS})
target_compile_definitions(kmain_faults_first PRIVATE KERNEL_VERSION="${PROJECT_VERSION}" KMAIN_FAULTS_FIRST)
add_dependencies(kmain_faults_first kernel_objs)
kernel_image(kernel_kmain_faults
    "$<FILTER:$<TARGET_OBJECTS:kernel_objs>,EXCLUDE,/kernel/kmain\\.cpp\\.obj?$>" $<TARGET_OBJECTS:kmain_faults_first>)

add_custom_target(kernel ALL DEPENDS kernel.elf kernel.bin kernel_kmain_faults.bin)
# The link commands name object files; only a target-level dependency makes a parallel build compile
# them first (a fresh -j2 build failed with "No rule to make target ...kmain.cpp.obj" without it).
add_dependencies(kernel kernel_objs kmain_faults_first)
