# User programs (static Linux AArch64 ELFs built from user/) and the initramfs that carries them.
# Included by the top-level CMakeLists.txt after the cross compiler is set up.

#   user/lib/*.cpp     the runtime (_start, system calls, printf, strings); utest.cpp is the test runner
#   user/bin/X.cpp     a program, installed as /bin/X (and bin/init also as /init)
#   user/tests/X.cpp   a test program (UTEST cases + the runner), installed as /bin/X
# Provides: target `initramfs` -> ${USER_INITRAMFS} (= ${CMAKE_BINARY_DIR}/initramfs.cpio), one
# target user_X per program (unstripped ELF in ${CMAKE_BINARY_DIR}/user/X, for GDB), and the list
# ${USER_PROGRAMS}. The programs are ordinary Linux binaries: they also run under qemu-aarch64.
if(NOT Python3_EXECUTABLE)
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()
get_filename_component(USER_REPO_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(USER_SRC_DIR ${USER_REPO_ROOT}/user)
set(USER_OUT_DIR ${CMAKE_BINARY_DIR}/user)
set(USER_STAGE_DIR ${CMAKE_BINARY_DIR}/user/stripped)
set(USER_INITRAMFS ${CMAKE_BINARY_DIR}/initramfs.cpio)
set(USER_MKINITRAMFS ${USER_REPO_ROOT}/tools/mkinitramfs.py)

if(NOT CMAKE_OBJCOPY)
    string(REGEX REPLACE "g\\+\\+$" "objcopy" CMAKE_OBJCOPY ${CMAKE_CXX_COMPILER})
endif()

# User compile flags, one reason each. These programs are ordinary Linux binaries, not kernel code.
set(USER_CXX_FLAGS
    -std=gnu++20
    -ffreestanding                 # no libc: our own _start, printf and mem* functions
    -fno-pie                       # fixed-address static executable (the runtime has no self-relocation)
    -O2
    -fno-stack-protector           # no TLS canary: there is no thread pointer setup
    -fno-exceptions -fno-rtti      # no unwinder or type tables in a libc-free runtime
    -fno-threadsafe-statics        # no __cxa_guard_*: programs are single-threaded
    -fno-asynchronous-unwind-tables -fno-unwind-tables  # no .eh_frame to load
    -fno-strict-aliasing           # word-at-a-time memcpy/memset
    -fno-tree-loop-distribute-patterns  # never turn memset's own loop into a call to memset
    -ffunction-sections -fdata-sections  # with --gc-sections, each program keeps only what it uses
    -Wall -Wextra -Werror
    -ffile-prefix-map=${USER_REPO_ROOT}/=   # CHECK messages name user/tests/x.cpp: same bytes in any checkout
)
# Only `fpu` uses floating point on purpose; everything else stays off FP/SIMD registers, so the
# other programs and tests pass on a kernel whose FP context switching is not finished yet.
set(USER_GENERAL_REGS_ONLY -mgeneral-regs-only)
set(USER_LINK_FLAGS
    -static -nostdlib -no-pie      # one static ELF, no dynamic loader, no libc or crt files
    -Wl,--gc-sections              # drop unused runtime functions
    -Wl,-z,max-page-size=4096      # 4 KiB-aligned segments: small files, page-granular loading
    -Wl,-z,norelro                 # no PT_GNU_RELRO: nothing would apply it without a dynamic loader
    -Wl,-z,noexecstack             # PT_GNU_STACK without X: the stack is not executable (as on Linux)
    -Wl,--build-id=none            # reproducible bytes
)

file(GLOB USER_RUNTIME_SOURCES CONFIGURE_DEPENDS ${USER_SRC_DIR}/lib/*.cpp)
list(REMOVE_ITEM USER_RUNTIME_SOURCES ${USER_SRC_DIR}/lib/utest.cpp)
file(GLOB USER_BIN_SOURCES CONFIGURE_DEPENDS ${USER_SRC_DIR}/bin/*.cpp)
file(GLOB USER_TEST_SOURCES CONFIGURE_DEPENDS ${USER_SRC_DIR}/tests/*.cpp)

function(user_compile_flags target general_regs_only)
    target_include_directories(${target} PRIVATE ${USER_REPO_ROOT})
    target_compile_options(${target} PRIVATE ${USER_CXX_FLAGS})
    if(general_regs_only)
        target_compile_options(${target} PRIVATE ${USER_GENERAL_REGS_ONLY})
    endif()
endfunction()

add_library(user_runtime OBJECT ${USER_RUNTIME_SOURCES})
user_compile_flags(user_runtime ON)
add_library(user_utest OBJECT ${USER_SRC_DIR}/lib/utest.cpp)
user_compile_flags(user_utest ON)

set(USER_PROGRAMS "")
set(USER_STAGED "")
set(USER_CPIO_ARGS "")
foreach(src IN LISTS USER_BIN_SOURCES USER_TEST_SOURCES)
    get_filename_component(name ${src} NAME_WE)
    set(target user_${name})
    add_executable(${target} ${src})
    if(name STREQUAL "fpu")
        user_compile_flags(${target} OFF)
    else()
        user_compile_flags(${target} ON)
    endif()
    target_link_options(${target} PRIVATE ${USER_LINK_FLAGS})
    if(src IN_LIST USER_TEST_SOURCES)
        target_link_libraries(${target} PRIVATE user_utest)
    endif()
    target_link_libraries(${target} PRIVATE user_runtime gcc)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name} RUNTIME_OUTPUT_DIRECTORY ${USER_OUT_DIR})

    # The initramfs gets stripped copies; the unstripped ELF stays in ${USER_OUT_DIR} for GDB.
    set(staged ${USER_STAGE_DIR}/${name})
    add_custom_command(
        OUTPUT ${staged}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${USER_STAGE_DIR}
        COMMAND ${CMAKE_OBJCOPY} --strip-all $<TARGET_FILE:${target}> ${staged}
        DEPENDS ${target}
        COMMENT "Stripping user program ${name}"
    VERBATIM)
    list(APPEND USER_PROGRAMS ${name})
    list(APPEND USER_STAGED ${staged})
    list(APPEND USER_CPIO_ARGS --exec bin/${name}=${staged})
    if(name STREQUAL "init")
        list(APPEND USER_CPIO_ARGS --exec init=${staged})
    endif()
endforeach()

# Programs linked with GNU ld's defaults (64 KiB max-page-size), as an unmodified -nostdlib -static
# build comes out: tests/host/data/elf-fixture.c, the source of the host ELF tests' fixtures.
# elf_default has text, rodata, data and bss; elf_bss_only a bss-only PT_LOAD whose p_offset lies past
# the end of the file. test_exec runs both, and elf_huge_bss (768 MiB of bss) for ENOMEM.
set(USER_ELF_FIXTURE_SRC ${USER_REPO_ROOT}/tests/host/data/elf-fixture.c)
foreach(spec "elf_default:-DFIXTURE_DATA -DFIXTURE_BSS -DFIXTURE_RODATA" "elf_bss_only:-DFIXTURE_BSS"
        "elf_huge_bss:-DFIXTURE_HUGE_BSS=0x30000000")
    string(FIND "${spec}" ":" colon)
    string(SUBSTRING "${spec}" 0 ${colon} name)
    math(EXPR colon "${colon} + 1")
    string(SUBSTRING "${spec}" ${colon} -1 defs)
    separate_arguments(defs)
    set(staged ${USER_STAGE_DIR}/${name})
    add_custom_command(
        OUTPUT ${staged}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${USER_STAGE_DIR}
        COMMAND ${CMAKE_C_COMPILER} -static -nostdlib -ffreestanding -Os -s -Wl,--build-id=none
                -fno-asynchronous-unwind-tables ${defs} -o ${staged} ${USER_ELF_FIXTURE_SRC}
        DEPENDS ${USER_ELF_FIXTURE_SRC}
        COMMENT "Building ${name} with ld's default layout"
        VERBATIM)
    list(APPEND USER_STAGED ${staged})
    list(APPEND USER_CPIO_ARGS --exec bin/${name}=${staged})
endforeach()

# What test_exec (and the init= boots in qemu_tests.cmake) execute: symbolic links to programs (as
# busybox lays out /bin), "#!" scripts good and bad, a chain of scripts one level too deep.
set(USER_EXEC_TEST_ENTRIES
    --symlink=bin/hello.link=hello --symlink=bin/hello.abs=/bin/hello --symlink=bin/hello.chain=hello.link
    --symlink=bin/loop=loop --symlink=bin/etc.link=/etc
    "--text-exec=bin/script_noarg=#!/bin/hello\\n"
    "--text-exec=bin/script_arg=#! /bin/hello  -x  y \\t\\necho not read\\n"
    "--text-exec=bin/script_link=#!/bin/hello.link\\n"
    "--text-exec=bin/script_nested=#!/bin/script_arg\\n"
    "--text-exec=bin/script_empty=#!\\n"
    "--text-exec=bin/script_bare=#!"
    "--text-exec=bin/script_missing=#!/bin/no-such-interpreter\\n"
    "--text-exec=bin/script_noexec=#!/etc/motd\\n")
string(REPEAT "a" 300 long_name)
list(APPEND USER_EXEC_TEST_ENTRIES "--text-exec=bin/script_long=#!/${long_name}\\n"
    "--text-exec=bin/nest1=#!/bin/hello\\n")
foreach(i 2 3 4 5 6)
    math(EXPR prev "${i} - 1")
    list(APPEND USER_EXEC_TEST_ENTRIES "--text-exec=bin/nest${i}=#!/bin/nest${prev}\\n")
endforeach()

add_custom_command(
    OUTPUT ${USER_INITRAMFS}
    COMMAND ${Python3_EXECUTABLE} ${USER_MKINITRAMFS} -o ${USER_INITRAMFS} ${USER_CPIO_ARGS}
            "--text=etc/motd=Welcome to the kernel's initramfs.\\n"
            "--text-exec=bin/notelf=This is an executable text file without #!, so execve gives ENOEXEC.\\n"
            --symlink=etc/motd.link=motd --symlink=etc/here=.   # for the stat and readlink tests
            --dir=tmp --dir=proc --dir=dev                      # vfs: mount points (fs_init.cpp)
            ${USER_EXEC_TEST_ENTRIES}
    DEPENDS ${USER_STAGED} ${USER_MKINITRAMFS}
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    COMMENT "Packing ${USER_INITRAMFS}"
    VERBATIM)
add_custom_target(initramfs ALL DEPENDS ${USER_INITRAMFS})

# The built-in initramfs, linked into the kernel as a fallback for when QEMU gets no -initrd.
set(BUILTIN_INITRAMFS_S ${CMAKE_BINARY_DIR}/generated/builtin_initramfs.S)
file(WRITE ${BUILTIN_INITRAMFS_S}.in "/* generated: the initramfs built from user/ */
    .section .rodata.initramfs, \"a\"
    .balign 16
    .globl g_builtin_initramfs
g_builtin_initramfs:
    .incbin \"${USER_INITRAMFS}\"
    .globl g_builtin_initramfs_end
g_builtin_initramfs_end:
")
configure_file(${BUILTIN_INITRAMFS_S}.in ${BUILTIN_INITRAMFS_S} COPYONLY)
set_source_files_properties(${BUILTIN_INITRAMFS_S} PROPERTIES OBJECT_DEPENDS ${USER_INITRAMFS})
target_sources(kernel_objs PRIVATE ${BUILTIN_INITRAMFS_S})
add_dependencies(kernel_objs initramfs)

# A real glibc program: user/glibc/*.c built with Debian's aarch64-linux-gnu-gcc -static (the kernel's
# own toolchain may be bare metal, without a libc), packed alone into ${GLIBC_INITRAMFS} for the
# CTest boots in qemu_tests.cmake. Sets GLIBC_PROGRAMS (empty when skipped, with one line saying why).
find_program(GLIBC_CC NAMES aarch64-linux-gnu-gcc DOC "AArch64 Linux C compiler with a static glibc")
set(GLIBC_PROGRAMS "")
set(GLIBC_INITRAMFS ${CMAKE_BINARY_DIR}/glibc_initramfs.cpio)
set(glibc_skip_reason "")
if(NOT GLIBC_CC)
    set(glibc_skip_reason "no aarch64-linux-gnu-gcc on PATH (or set -DGLIBC_CC=...)")
else()
    execute_process(COMMAND ${GLIBC_CC} -print-file-name=libc.a
        OUTPUT_VARIABLE glibc_libc_a OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE glibc_rc ERROR_QUIET)
    # gcc prints the bare name back when it has no such file.
    if(NOT glibc_rc EQUAL 0 OR NOT IS_ABSOLUTE "${glibc_libc_a}" OR NOT EXISTS "${glibc_libc_a}")
        set(glibc_skip_reason "${GLIBC_CC} has no static libc.a (Debian: libc6-dev-arm64-cross)")
    endif()
endif()
if(glibc_skip_reason)
    message(STATUS "glibc test skipped: ${glibc_skip_reason}")
else()
    file(GLOB GLIBC_SOURCES CONFIGURE_DEPENDS ${USER_SRC_DIR}/glibc/*.c)
    set(glibc_cpio_args "")
    set(glibc_outputs "")
    foreach(src IN LISTS GLIBC_SOURCES)
        get_filename_component(base ${src} NAME_WE)
        # Each program twice: -static (ET_EXEC at its link address) and -static-pie (ET_DYN, loaded
        # at kPieLoadBase, relocated by glibc's own start-up code). No dynamic loader in either.
        foreach(kind static static-pie)
            set(name ${base})
            if(kind STREQUAL "static-pie")
                set(name ${base}_pie)
            endif()
            set(out ${USER_OUT_DIR}/glibc/${name})
            add_custom_command(
                OUTPUT ${out}
                COMMAND ${CMAKE_COMMAND} -E make_directory ${USER_OUT_DIR}/glibc
                COMMAND ${GLIBC_CC} -std=c11 -O2 -Wall -Wextra -Werror -${kind} -o ${out} ${src} -lm
                DEPENDS ${src}
                COMMENT "Building glibc program ${name} (-${kind})"
                VERBATIM)
            list(APPEND GLIBC_PROGRAMS ${name})
            list(APPEND glibc_outputs ${out})
            list(APPEND glibc_cpio_args --exec bin/${name}=${out})
        endforeach()
    endforeach()
    add_custom_command(
        OUTPUT ${GLIBC_INITRAMFS}
        COMMAND ${Python3_EXECUTABLE} ${USER_MKINITRAMFS} -o ${GLIBC_INITRAMFS} ${glibc_cpio_args}
                --dir=tmp --dir=proc --dir=dev   # vfs: mount points (fs_init.cpp)
        DEPENDS ${glibc_outputs} ${USER_MKINITRAMFS}
        COMMENT "Packing ${GLIBC_INITRAMFS}"
        VERBATIM)
    add_custom_target(glibc_initramfs ALL DEPENDS ${GLIBC_INITRAMFS})
    message(STATUS "glibc programs: ${GLIBC_PROGRAMS} (${GLIBC_CC})")
endif()
