// test_compat: the calls an unmodified static glibc program makes beyond the basics, on their
// success and error paths: clone as glibc's fork issues it (tid flags, a new stack, the inherited
// thread pointer).
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kKernelPtr = reinterpret_cast<int*>(kKernelAddress);

int s_tid_slot = 0;   // a global, so parent and child each see their own copy

std::uint64_t thread_pointer() {
    std::uint64_t v;
    asm volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}
void set_thread_pointer(std::uint64_t v) { asm volatile("msr tpidr_el0, %0" ::"r"(v)); }

long wait_status(long pid) {
    int status = -1;
    if (wait4(static_cast<int>(pid), &status, 0) != pid) return -1;
    return status;
}

}  // namespace

// ---- clone as fork

UTEST(clone_as_glibc_fork_sets_the_child_tid_in_the_child_only) {
    s_tid_slot = 0;
    const long pid = clone(SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, nullptr, nullptr, 0, &s_tid_slot);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(s_tid_slot == getpid() ? 0 : 1);
    CHECK_EQ(wait_status(pid), 0l);
    CHECK_EQ(s_tid_slot, 0);   // written after the copy, into the child's memory
}

UTEST(clone_parent_settid_writes_the_pid_in_the_parent_only) {
    s_tid_slot = 0;
    const long pid = clone(SIGCHLD | CLONE_PARENT_SETTID, nullptr, &s_tid_slot, 0, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(s_tid_slot == 0 ? 0 : 1);
    const long st = wait_status(pid);
    // qemu-user writes parent_tid from the child after its fork (Linux: in the parent, after the copy).
    if (qemu_user()) {
        note("skipped: qemu-user writes parent_tid in the child");
    } else {
        CHECK_EQ(s_tid_slot, static_cast<int>(pid));
        CHECK_EQ(st, 0l);
    }
}

UTEST(clone_tid_pointers_that_fault_are_ignored) {
    // Linux ignores a failed put_user for both (the clone itself succeeds).
    const long pid = clone(SIGCHLD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, nullptr, kKernelPtr, 0, kKernelPtr);
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(9);
    CHECK_EQ(wait_status(pid), 9l << 8);
}

UTEST(clone_with_a_new_stack_starts_the_child_there) {
    alignas(16) static unsigned char stack[4096];
    const std::uintptr_t top = reinterpret_cast<std::uintptr_t>(stack + sizeof stack);
    // The child must not touch the old frame through sp, so it checks and exits in assembly:
    // exit status 0 when its sp is the new stack's top (x1 survives the svc, as on Linux).
    register long x0 asm("x0") = static_cast<long>(SIGCHLD);
    register long x1 asm("x1") = static_cast<long>(top);
    register long x2 asm("x2") = 0;
    register long x3 asm("x3") = 0;
    register long x4 asm("x4") = 0;
    register long x8 asm("x8") = SYS_clone;
    asm volatile(
        "svc #0\n"
        "cbnz x0, 1f\n"
        "mov x9, sp\n"
        "cmp x9, x1\n"
        "cset x0, ne\n"
        "mov x8, %[exit_group]\n"
        "svc #0\n"
        "1:\n"
        : "+r"(x0)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [exit_group] "i"(SYS_exit_group)
        : "x9", "memory", "cc");
    const long pid = x0;
    REQUIRE(pid > 0);
    CHECK_EQ(wait_status(pid), 0l);
}

UTEST(fork_child_inherits_the_thread_pointer) {
    const std::uint64_t saved = thread_pointer();
    const std::uint64_t tls = 0x0000'1234'5678'9ab0ull;
    set_thread_pointer(tls);
    const long pid = clone(SIGCHLD | CLONE_CHILD_SETTID, nullptr, nullptr, 0, &s_tid_slot);
    if (pid == 0) exit_group(thread_pointer() == tls ? 0 : 1);
    set_thread_pointer(saved);
    REQUIRE(pid > 0);
    CHECK_EQ(wait_status(pid), 0l);
}

UTEST(clone_ignores_the_upper_32_flag_bits) {
    const long pid = clone((1ul << 32) | SIGCHLD, nullptr, nullptr, 0, nullptr);   // Linux reads 32 bits
    REQUIRE(pid >= 0);
    if (pid == 0) exit_group(4);
    CHECK_EQ(wait_status(pid), 4l << 8);
}

UTEST(clone_refuses_sharing_and_thread_flags) {
    // EINVAL on Linux too: CLONE_SIGHAND needs CLONE_VM, CLONE_THREAD needs CLONE_SIGHAND.
    CHECK_EQ(clone(SIGCHLD | CLONE_SIGHAND, nullptr, nullptr, 0, nullptr), -EINVAL);
    CHECK_EQ(clone(SIGCHLD | CLONE_THREAD, nullptr, nullptr, 0, nullptr), -EINVAL);
    // Linux would share memory, files or the thread pointer here; this kernel has no threads yet.
    if (qemu_user()) {
        note("skipped: CLONE_VM/FILES/FS/SETTLS and exit signals other than SIGCHLD (Linux accepts them)");
        return;
    }
    for (unsigned long f : {CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SETTLS, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD})
        CHECK_EQ(clone(SIGCHLD | f, nullptr, nullptr, 0, nullptr), -EINVAL);
    CHECK_EQ(clone(0, nullptr, nullptr, 0, nullptr), -EINVAL);                          // no exit signal
    CHECK_EQ(clone(static_cast<unsigned long>(SIGUSR1), nullptr, nullptr, 0, nullptr), -EINVAL);
}
