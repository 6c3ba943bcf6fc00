# Links kernel.elf with a symbol table for backtraces, then makes the flat kernel.bin.
# The table is generated from the linked image itself: link once with an empty table, generate,
# link again, generate again, link a final time. The second and third tables have the same size (same
# symbols), so the final image's addresses are the ones its table describes; gen_symbols.py --check
# verifies that.
set(LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker.ld)
set(GEN_SYMS ${CMAKE_SOURCE_DIR}/tools/gen_symbols.py)
set(KLINK ${CMAKE_CXX_COMPILER} ${KERNEL_LINK_FLAGS} -T ${LINKER_SCRIPT})
set(KOBJS $<TARGET_OBJECTS:kernel_objs>)
set(KLIBS -lgcc)

add_custom_command(
    OUTPUT kernel.elf kernel.syms.S
    COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --empty -o syms0.S
    COMMAND ${CMAKE_CXX_COMPILER} -c syms0.S -o syms0.o
    COMMAND ${KLINK} ${KOBJS} syms0.o ${KLIBS} -o kernel.0.elf
    COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} kernel.0.elf -o syms1.S
    COMMAND ${CMAKE_CXX_COMPILER} -c syms1.S -o syms1.o
    COMMAND ${KLINK} ${KOBJS} syms1.o ${KLIBS} -o kernel.1.elf
    COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} kernel.1.elf -o kernel.syms.S
    COMMAND ${CMAKE_CXX_COMPILER} -c kernel.syms.S -o kernel.syms.o
    COMMAND ${KLINK} -Wl,-Map=kernel.map ${KOBJS} kernel.syms.o ${KLIBS} -o kernel.elf
    COMMAND ${Python3_EXECUTABLE} ${GEN_SYMS} --nm ${CMAKE_NM} kernel.elf --check kernel.syms.S
    DEPENDS kernel_objs ${KOBJS} ${LINKER_SCRIPT} ${GEN_SYMS}
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    COMMAND_EXPAND_LISTS
    COMMENT "Linking kernel.elf with its symbol table")

add_custom_command(
    OUTPUT kernel.bin
    COMMAND ${CMAKE_OBJCOPY} -O binary kernel.elf kernel.bin
    DEPENDS kernel.elf
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    COMMENT "Making the flat arm64 Image kernel.bin")

add_custom_target(kernel ALL DEPENDS kernel.elf kernel.bin)
