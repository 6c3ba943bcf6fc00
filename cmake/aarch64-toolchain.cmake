# Cross toolchain for the freestanding AArch64 kernel. Prefers a bare-metal aarch64-none-elf-g++ when
# one is on PATH, else Debian's aarch64-linux-gnu-g++ (used freestanding: no libc, no PIE).
# Override with -DCROSS_PREFIX=/path/to/aarch64-foo- (the prefix before "g++").
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT CROSS_PREFIX)
    find_program(_none_elf aarch64-none-elf-g++)
    if(_none_elf)
        set(CROSS_PREFIX aarch64-none-elf-)
    else()
        set(CROSS_PREFIX aarch64-linux-gnu-)
    endif()
endif()
set(CROSS_PREFIX ${CROSS_PREFIX} CACHE STRING "Cross compiler prefix (before g++)")

set(CMAKE_C_COMPILER ${CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_NM ${CROSS_PREFIX}nm CACHE FILEPATH "nm")
# A freestanding compiler cannot link a test executable: check compilers with a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
