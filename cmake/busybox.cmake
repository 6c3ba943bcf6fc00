# Debian's unmodified busybox-static for arm64 as a user land: ${BUSYBOX_INITRAMFS}
# (build/busybox_initramfs.cpio) holds /bin/busybox, one symbolic link per applet of its
# `--list-full`, a small /etc, the mount points and the project's own programs under /bin (those
# whose names busybox does not take), for `make run BUSYBOX=1`, the busybox tests and the
# exec_busybox benchmark. tools/setup.sh installs the package (or unpacks it into
# build/busybox-deb); without it configure says so and the tests report skipped.
# Included after user_programs.cmake (USER_PROGRAMS, USER_STAGE_DIR) and qemu_tests.cmake (QEMU_RUN).

set(BUSYBOX_INITRAMFS ${CMAKE_BINARY_DIR}/busybox_initramfs.cpio)
set(BUSYBOX_BIN "" CACHE FILEPATH "An AArch64 static busybox (default: Debian's busybox-static:arm64)")
find_program(QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static DOC "QEMU's AArch64 user-mode emulator (Debian: qemu-user)")

# Whether `file` is an ELF for AArch64 (e_machine 183): the host may have its own busybox at the
# same path, for its own architecture.
function(busybox_is_aarch64 file out)
    set(${out} FALSE PARENT_SCOPE)
    if(NOT EXISTS "${file}" OR IS_DIRECTORY "${file}")
        return()
    endif()
    file(READ "${file}" head LIMIT 20 HEX)
    # \x7fELF, 64-bit, little-endian ... e_machine (bytes 18-19) = 0xb7 0x00
    if(head MATCHES "^7f454c460201" AND head MATCHES "b700$")
        set(${out} TRUE PARENT_SCOPE)
    endif()
endfunction()

# Writes `content` to `path` only when it differs, so that configuring again rebuilds nothing.
function(busybox_write path content)
    file(WRITE ${path}.new "${content}")
    configure_file(${path}.new ${path} COPYONLY)
endfunction()

set(busybox_skip_reason "")
set(BUSYBOX_FOUND "")
foreach(candidate ${BUSYBOX_BIN} ${CMAKE_BINARY_DIR}/busybox-deb/bin/busybox /bin/busybox /usr/bin/busybox)
    busybox_is_aarch64("${candidate}" is_arm64)
    if(is_arm64)
        set(BUSYBOX_FOUND ${candidate})
        break()
    endif()
endforeach()
# Configure again when the package comes or goes (tools/setup.sh installs it after a first configure).
foreach(stamp /var/lib/dpkg/info/busybox-static:arm64.list ${CMAKE_BINARY_DIR}/busybox-deb/bin/busybox)
    if(EXISTS ${stamp})
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${stamp})
    endif()
endforeach()
if(EXISTS /var/lib/dpkg/status)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS /var/lib/dpkg/status)
endif()

if(NOT BUSYBOX_FOUND)
    set(busybox_skip_reason "no AArch64 busybox (tools/setup.sh installs busybox-static:arm64, or configure with -DBUSYBOX_BIN=...)")
elseif(NOT QEMU_AARCH64)
    set(busybox_skip_reason "no qemu-aarch64 to list ${BUSYBOX_FOUND}'s applets (Debian: qemu-user)")
else()
    execute_process(COMMAND ${QEMU_AARCH64} ${BUSYBOX_FOUND} --list-full
        OUTPUT_VARIABLE busybox_applets RESULT_VARIABLE busybox_rc ERROR_QUIET)
    # "[" and "[[" are applets too, but an unbalanced bracket breaks a CMake list: spelled LB here.
    string(REPLACE "[" "LB" busybox_applets "${busybox_applets}")
    string(REGEX MATCHALL "[^\n]+" busybox_applets "${busybox_applets}")
    list(LENGTH busybox_applets busybox_applet_count)
    if(NOT busybox_rc EQUAL 0 OR busybox_applet_count LESS 10 OR NOT "bin/sh" IN_LIST busybox_applets)
        set(busybox_skip_reason "${QEMU_AARCH64} ${BUSYBOX_FOUND} --list-full failed (status ${busybox_rc})")
    endif()
endif()

if(busybox_skip_reason)
    message(STATUS "busybox initramfs and tests skipped: ${busybox_skip_reason}")
else()
    message(STATUS "busybox: ${BUSYBOX_FOUND}, ${busybox_applet_count} applets")
    set(bb_etc ${CMAKE_BINARY_DIR}/busybox-etc)
    file(MAKE_DIRECTORY ${bb_etc})
    busybox_write(${bb_etc}/passwd "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n")
    busybox_write(${bb_etc}/group "root:x:0:\nuser:x:1000:\n")
    busybox_write(${bb_etc}/motd "Welcome to busybox on the small AArch64 kernel.\n")
    busybox_write(${bb_etc}/profile [=[# Read by login shells (sh -l): make run BUSYBOX=1 starts one.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PS1='\u@\h:\w\$ '
[ -r /etc/motd ] && cat /etc/motd
]=])

    # The links go through an argument file: "[" must not pass through a CMake list.
    set(bb_links "")
    set(bb_taken "")
    foreach(applet IN LISTS busybox_applets)
        string(REGEX REPLACE "^/+" "" applet "${applet}")
        if(applet STREQUAL "bin/busybox" OR applet STREQUAL "")
            continue()
        endif()
        list(APPEND bb_taken ${applet})
        string(APPEND bb_links "--symlink=${applet}=/bin/busybox\n")
    endforeach()
    string(REPLACE "LB" "[" bb_links "${bb_links}")
    busybox_write(${bb_etc}/applet-links.args "${bb_links}")
    set(bb_args --exec bin/busybox=${BUSYBOX_FOUND} @${bb_etc}/applet-links.args)
    # The project's programs too, so that kernel tests can use both; busybox keeps the names it has
    # (its sleep, not /bin/sleep of user/bin).
    set(bb_deps ${BUSYBOX_FOUND} ${USER_MKINITRAMFS} ${bb_etc}/applet-links.args ${bb_etc}/passwd ${bb_etc}/group
        ${bb_etc}/motd ${bb_etc}/profile)
    foreach(name IN LISTS USER_PROGRAMS)
        if(NOT "bin/${name}" IN_LIST bb_taken)
            list(APPEND bb_args --exec bin/${name}=${USER_STAGE_DIR}/${name})
            list(APPEND bb_deps ${USER_STAGE_DIR}/${name})
        endif()
    endforeach()
    foreach(f passwd group motd profile)
        list(APPEND bb_args --file etc/${f}=${bb_etc}/${f})
    endforeach()
    add_custom_command(
        OUTPUT ${BUSYBOX_INITRAMFS}
        COMMAND ${Python3_EXECUTABLE} ${USER_MKINITRAMFS} -o ${BUSYBOX_INITRAMFS} ${bb_args}
                --dir tmp=1777 --dir proc=555 --dir dev=755 --dir root=700
        DEPENDS ${bb_deps}
        COMMENT "Packing ${BUSYBOX_INITRAMFS}"
        VERBATIM)
    add_custom_target(busybox_initramfs ALL DEPENDS ${BUSYBOX_INITRAMFS})
endif()

# The busybox commands of issue 12, one boot per script (tools/busybox_test.py): each command's
# output compared with the same script under qemu-aarch64 in a chroot of the unpacked archive where
# it is deterministic, its format checked where it is not (ps, free, uptime, df, mount, id).
set(BUSYBOX_TEST ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/busybox_test.py --kernel ${CMAKE_BINARY_DIR}/kernel.bin
    --initrd ${BUSYBOX_INITRAMFS} --timeout 240)
foreach(script files text procfs)
    if(busybox_skip_reason)  # reported as skipped, with the reason in the test's output
        add_test(NAME qemu.busybox.${script} COMMAND ${BUSYBOX_TEST} --skip "${busybox_skip_reason}" ${script})
    else()
        add_test(NAME qemu.busybox.${script} COMMAND ${BUSYBOX_TEST} ${script})
    endif()
    set_tests_properties(qemu.busybox.${script} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()

# The command line as Linux splits it: quotes group words (also mid-word), everything after "--" is
# init's, key=value words before it its environment.
add_test(NAME qemu.user.init_quoted_arguments COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio
    --append "init=/bin/hello MSG=\"a  b\" -- -c \"echo a b\" 'it''s' X=1 hz=7" --check exit --timeout 60
    --expect "^argc=6$" --expect "^argv\\[1\\]=-c$" --expect "^argv\\[2\\]=echo a b$" --expect "^argv\\[3\\]=its$"
    --expect "^argv\\[4\\]=X=1$" --expect "^argv\\[5\\]=hz=7$" --expect "^envp\\[0\\]=MSG=a  b$" --expect "tick 100 Hz"
    --forbid "warning: command line")
set_tests_properties(qemu.user.init_quoted_arguments PROPERTIES TIMEOUT 90)

# strace=PID: /bin/hello's calls as strace prints them, the pid first, the no-return exit_group last;
# strace=all through a fork and an exec (forktree), and nothing traced without strace=.
add_test(NAME qemu.user.strace_hello COMMAND ${QEMU_RUN} --config a57-gicv3 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/hello strace=1" --check exit --timeout 60
    --expect "^\\[pid 1\\] write\\(1, \"hello from user space\\\\n\", 22\\) += 22$"
    --expect "^\\[pid 1\\] write\\(1, \"auxv: pagesz=4096 entry=0x[0-9a-f]+\"\\.\\.\\., [0-9]+\\) += [0-9]+$"
    --expect "^\\[pid 1\\] getppid\\(\\) += 0$" --expect "^\\[pid 1\\] exit_group\\(0\\) += \\?$")
add_test(NAME qemu.user.strace_all_forks COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/forktree strace=all" --check exit --timeout 120
    --expect "^\\[pid 1\\] clone\\(child_stack=NULL, flags=[A-Z_|]*SIGCHLD[^)]*\\) += [2-9][0-9]*$"
    --expect "^\\[pid [2-9][0-9]*\\] exit_group\\([0-9]+\\) += \\?$"
    --expect "^\\[pid 1\\] wait4\\(-?[0-9]+, \\[\\{WIFEXITED\\(s\\) && WEXITSTATUS\\(s\\) == [0-9]+\\}\\], 0, NULL\\) += [0-9]+$")
add_test(NAME qemu.user.strace_off COMMAND ${QEMU_RUN} --config a53-gicv2 --icount
    --initrd ${CMAKE_BINARY_DIR}/initramfs.cpio --append "init=/bin/hello strace=2" --check exit --timeout 60
    --expect "^hello from user space" --forbid "\\[pid [0-9]+\\]")
set_tests_properties(qemu.user.strace_hello qemu.user.strace_all_forks qemu.user.strace_off PROPERTIES TIMEOUT 150)
