# Kernel compile flags, one reason each.
set(KERNEL_CXX_FLAGS
    -ffreestanding                 # no hosted library assumptions (main, libc semantics)
    -nostdlib                      # nothing from the toolchain's libc/libstdc++ is linked
    -fno-exceptions                # no unwinder in the kernel: errors are Result values
    -fno-rtti                      # no typeid/dynamic_cast: smaller image, no type tables
    -fcheck-new                    # operator new returns null when out of memory: callers' checks stay
    -fno-threadsafe-statics        # no __cxa_guard_*: function statics are constinit or set up before SMP
    -fno-asynchronous-unwind-tables # no .eh_frame: backtraces use frame pointers
    -fno-unwind-tables             # same, for synchronous tables
    -fno-omit-frame-pointer        # frame records (x29) for the panic backtrace
    -momit-leaf-frame-pointer      # leaves skip the frame record (the report prints lr for them)
    -mgeneral-regs-only            # no FP/SIMD in the kernel: user FP state is only saved at switch
    -mno-outline-atomics           # inline LSE/LL-SC atomics: no libgcc helpers probing HWCAPs
    -mcmodel=small                 # PC-relative adrp addressing: works before and after the MMU is on
    -fno-pie                       # linked at a fixed upper-half address, no GOT
    -fno-plt                       # no PLT stubs in a static image
    -fstack-protector-strong       # canary in functions with arrays/addresses taken; __stack_chk_fail panics
    -fno-strict-aliasing           # descriptor and register-block casts stay defined
    -fno-tree-loop-distribute-patterns # never turn our own copy loops into calls to memcpy/memset
    -fno-builtin-memcpy            # keep lib::copy_bytes from being folded back into memcpy calls
    -ffunction-sections -fdata-sections  # lets the linker drop unused code
    -Wall -Wextra -Werror          # warnings are bugs
    -Wno-missing-field-initializers # aggregate init of register structs
    $<$<NOT:$<CONFIG:Debug>>:-DNDEBUG> # release builds: no heap poisoning (KASSERT stays on regardless)
)
set(KERNEL_ASM_FLAGS
    -ffreestanding -fno-pie -g
    -D__ASSEMBLER__)
set(KERNEL_LINK_FLAGS
    -nostdlib -static -no-pie      # one static image, no dynamic sections
    -Wl,--gc-sections              # drop unreferenced sections
    -Wl,-z,max-page-size=4096      # page-granular segments
    -Wl,--no-warn-rwx-segments     # the loadable image is one region; W^X is enforced by our own tables
    -Wl,--build-id=none            # keep the image layout reproducible
)
