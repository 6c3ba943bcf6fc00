// test_faults: a user fault kills only the faulting process, with the signal Linux uses, and the
// parent sees it in wait4 and carries on.

// Each fault happens in a forked child: null and kernel-half accesses, writes to text and rodata,
// executing non-executable memory, undefined and privileged instructions, stack overflow; plus the
// things that must not fault (unaligned data, exec pages).
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr std::uint32_t kRet = 0xd65f03c0;         // ret
constexpr std::uint32_t kMovW0_42 = 0x52800540;    // mov w0, #42

const char kReadOnly[] = "read-only data";

using Fn = int (*)();

// Expects the child's status to be death by `sig`; says what happened otherwise.
void expect_signal(int status, int sig) {
    if (!killed_by(status, sig)) {
        check_failed("child killed by the expected signal", __FILE__, __LINE__);
        note("expected signal %d, child %s", sig, describe_status(status));
    }
}

volatile int s_depth_limit = 1 << 30;   // never reached: ~1 TiB of stack

__attribute__((noinline)) int recurse(int depth) {
    volatile char frame[1024];
    frame[0] = static_cast<char>(depth);
    if (depth >= s_depth_limit) return 0;
    return recurse(depth + 1) + frame[0];   // not a tail call: every level keeps its frame
}

}  // namespace

UTEST(null_read_is_sigsegv) { expect_signal(probe_read(0), SIGSEGV); }

UTEST(null_write_is_sigsegv) { expect_signal(probe_write(8), SIGSEGV); }

UTEST(jump_to_null_is_sigsegv) {
    expect_signal(in_child([] {
                      volatile Fn f = nullptr;
                      f();
                  }),
                  SIGSEGV);
}

UTEST(write_to_text_is_sigsegv) {
    expect_signal(probe_write(reinterpret_cast<std::uintptr_t>(&recurse)), SIGSEGV);
}

UTEST(write_to_rodata_is_sigsegv) {
    expect_signal(probe_write(reinterpret_cast<std::uintptr_t>(kReadOnly)), SIGSEGV);
    CHECK(exited_with(probe_read(reinterpret_cast<std::uintptr_t>(kReadOnly)), 0));
}

UTEST(kernel_addresses_are_sigsegv) {
    expect_signal(probe_read(kKernelAddress), SIGSEGV);
    expect_signal(probe_write(kKernelAddress), SIGSEGV);
    expect_signal(probe_read(0xffff800000000000ull), SIGSEGV);   // where a kernel's linear map may be
    expect_signal(probe_read(0xffffffffffff0000ull), SIGSEGV);
    expect_signal(in_child([] {
                      volatile Fn f = reinterpret_cast<Fn>(kKernelAddress);
                      f();
                  }),
                  SIGSEGV);
}

UTEST(execute_data_page_is_sigsegv) {
    const long page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(page));
    *reinterpret_cast<std::uint32_t*>(page) = kRet;
    expect_signal(in_child([page] {
                      volatile Fn f = reinterpret_cast<Fn>(page);
                      f();
                  }),
                  SIGSEGV);
    munmap(reinterpret_cast<void*>(page), 4096);
}

UTEST(execute_stack_is_sigsegv) {
    expect_signal(in_child([] {
                      alignas(8) volatile std::uint32_t code[2] = {kRet, kRet};
                      volatile Fn f = reinterpret_cast<Fn>(const_cast<std::uint32_t*>(code));
                      f();
                  }),
                  SIGSEGV);
}

// The control for the two above: the same code runs from a page mapped executable.
UTEST(execute_exec_page_runs) {
    // W^X: a page is written while writable, then made executable (and no longer writable).
    const long page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(!is_error(page));
    auto* code = reinterpret_cast<std::uint32_t*>(page);
    code[0] = kMovW0_42;
    code[1] = kRet;
    __builtin___clear_cache(reinterpret_cast<char*>(code), reinterpret_cast<char*>(code + 2));
    REQUIRE(mprotect(code, 4096, PROT_READ | PROT_EXEC) == 0);
    const int st = in_child([page] {
        volatile Fn f = reinterpret_cast<Fn>(page);
        exit_group(f());
    });
    CHECK(exited_with(st, 42));
    if (!exited_with(st, 42)) note("child %s", describe_status(st));
    munmap(code, 4096);
}

UTEST(undefined_instruction_is_sigill) {
    expect_signal(in_child([] { asm volatile("udf #0"); }), SIGILL);
}

UTEST(privileged_register_access_is_sigill) {
    expect_signal(in_child([] {
                      std::uint64_t v;
                      asm volatile("mrs %0, sctlr_el1" : "=r"(v));
                  }),
                  SIGILL);
    expect_signal(in_child([] { asm volatile("msr vbar_el1, xzr"); }), SIGILL);
}

// Linux sets SCTLR_EL1.SA0, so a load through a misaligned sp is an SP alignment fault (SIGBUS);
// QEMU's TCG does not check SP alignment, so the load may just work: both are accepted.
UTEST(misaligned_sp_faults_or_works) {
    const int st = in_child([] {
        asm volatile(
            "mov x9, sp\n"
            "sub x10, x9, #20\n"   // 16-byte aligned minus 4
            "mov sp, x10\n"
            "ldr x11, [sp]\n"
            "mov sp, x9\n"
            ::: "x9", "x10", "x11", "memory");
    });
    CHECK(killed_by(st, SIGBUS) || exited_with(st, 0));
    note("misaligned sp: child %s", describe_status(st));
}

UTEST(unaligned_data_access_works) {
    const int st = in_child([] {
        alignas(16) unsigned char buf[32];
        for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
        auto* p = reinterpret_cast<volatile std::uint64_t*>(buf + 3);
        CHECK_EQ(*p, 0x0a09080706050403ull);
        *p = 0;
        CHECK(buf[2] == 2 && buf[3] == 0 && buf[10] == 0 && buf[11] == 11);
    });
    CHECK(exited_with(st, 0));
}

UTEST(stack_overflow_is_sigsegv) {
    expect_signal(in_child([] { exit_group(recurse(0)); }), SIGSEGV);
}

UTEST(parent_survives_many_faulting_children) {
    for (int i = 0; i < 40; ++i) {
        const int st = (i % 2) ? probe_write(0) : in_child([] { asm volatile("udf #1"); });
        CHECK(killed_by(st, i % 2 ? SIGSEGV : SIGILL));
        if (current_failed()) return;
    }
    CHECK(exited_with(in_child([] {}), 0));
}
