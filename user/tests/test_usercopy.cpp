// test_usercopy: the kernel's own accesses to user memory fault and resolve as the program's would,
// as on Linux: an untouched stack buffer grows the stack (up to the 8 MiB limit, and no further), a
// copy-on-write page shared since a fork gets its own copy, and a buffer that runs into an unmapped
// page gives the bytes before the hole (EFAULT only when there are none).
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

// Both helpers move sp down by n bytes (a multiple of 16) and use the n bytes above the new sp as a
// buffer that nothing has touched: what `char buf[n]` is when the compiler does not probe its pages.
//   long call_with_stack_buffer(size_t n, long (*fn)(char* buf, size_t n, void* ctx), void* ctx)
//     calls fn with sp just below buf (fn's own frame goes below it), and returns what fn returns.
//   long syscall_with_stack_buffer(size_t n, long nr, long a, long b, long buf_in_x1)
//     makes system call nr with (buf, a, b), or (a, buf, b) when buf_in_x1, touching no stack at all:
//     usable where the buffer lies beyond the stack limit.
extern "C" long call_with_stack_buffer(std::size_t n, long (*fn)(char*, std::size_t, void*), void* ctx);
extern "C" long syscall_with_stack_buffer(std::size_t n, long nr, long a, long b, long buf_in_x1);
asm(R"(
    .pushsection .text.stack_buffer_helpers, "ax"
    .globl call_with_stack_buffer
    .type call_with_stack_buffer, %function
call_with_stack_buffer:
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, x0
    mov x9, x1
    mov x1, x0
    mov x0, sp
    blr x9
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
    .size call_with_stack_buffer, . - call_with_stack_buffer

    .globl syscall_with_stack_buffer
    .type syscall_with_stack_buffer, %function
syscall_with_stack_buffer:
    mov x9, sp
    sub x10, x9, x0
    mov sp, x10
    mov x8, x1
    cbnz x4, 1f
    mov x0, sp
    mov x1, x2
    mov x2, x3
    b 2f
1:  mov x0, x2
    mov x1, sp
    mov x2, x3
2:  svc #0
    mov sp, x9
    ret
    .size syscall_with_stack_buffer, . - syscall_with_stack_buffer
    .popsection
)");

namespace {

constexpr std::size_t kKiB = 1024, kMiB = 1024 * 1024;
// Untouched stack buffers from well inside the limit to near it (the 8 MiB RLIMIT_STACK counts the
// whole stack: arguments, environment and the frames above the buffer too).
constexpr std::size_t kSizes[] = {200 * kKiB, 1 * kMiB, 8 * kMiB - 512 * kKiB};
constexpr std::size_t kBeyondLimit = 9 * kMiB;

unsigned char pattern(std::size_t i) { return static_cast<unsigned char>(i * 7 + 3); }

// The kernel stores into the buffer's deepest page first: read from a pipe, uname, clock_gettime,
// getrandom over the whole buffer (every page); and reads from it: write of untouched memory, which
// reads as zeros.
long use_buffer(char* buf, std::size_t n, void*) {
    Pipe pipe;
    CHECK(pipe.ok());
    unsigned char src[300];
    for (std::size_t i = 0; i < sizeof src; ++i) src[i] = pattern(i);
    CHECK_EQ(write(pipe.w, src, sizeof src), static_cast<long>(sizeof src));
    CHECK_EQ(read(pipe.r, buf, n), static_cast<long>(sizeof src));
    for (std::size_t i = 0; i < sizeof src; ++i)
        if (static_cast<unsigned char>(buf[i]) != pattern(i)) {
            CHECK_EQ(static_cast<unsigned char>(buf[i]), pattern(i));
            break;
        }

    char* top = buf + n - 64 * kKiB;  // a fresh page far from the first one
    Pipe zeros;  // (a pipe of its own: the one above may still hold data if the read failed)
    CHECK(zeros.ok());
    const long wrote = write(zeros.w, top, 4096);  // never touched: zeros, as Linux maps them
    CHECK_EQ(wrote, 4096);
    if (wrote == 4096) {  // (else the read below would wait forever)
        unsigned char back[4096];
        CHECK_EQ(read(zeros.r, back, sizeof back), 4096);
        bool zero = true;
        for (unsigned char c : back) zero = zero && c == 0;
        CHECK(zero);
    }

    char* mid = buf + n / 2;
    CHECK_EQ(uname(reinterpret_cast<Utsname*>(mid)), 0);
    CHECK(str_eq(reinterpret_cast<Utsname*>(mid)->sysname, "Linux"));
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, reinterpret_cast<Timespec*>(buf + n / 4 + 8)), 0);
    const std::size_t random = n <= 1 * kMiB ? n : 256 * kKiB;  // the larger size: its deepest part
    CHECK_EQ(getrandom(buf, random, 0), static_cast<long>(random));
    return 0;
}

// A page-aligned mapping of two pages whose second page is unmapped: [p, p + 4096) then a hole.
struct HalfMapped {
    char* p = nullptr;
    HalfMapped() {
        const long m = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (is_error(m)) return;
        p = reinterpret_cast<char*>(m);
        if (munmap(p + 4096, 4096) != 0) p = nullptr;
    }
    ~HalfMapped() {
        if (p) munmap(p, 4096);
    }
    char* hole() const { return p + 4096; }
};

// qemu-user checks a buffer's whole range before the system call (lock_user) and answers EFAULT
// where Linux copies up to the hole: the partial counts are Linux's, not qemu-user's.
bool skip_partial_under_qemu_user() {
    if (!qemu_user()) return false;
    note("skipped: qemu-user gives EFAULT for a buffer with a hole, where Linux copies up to it");
    return true;
}

unsigned char s_shared[3 * 4096];  // copy-on-write between the test and its child

}  // namespace

UTEST(untouched_stack_buffer_grows_for_kernel_copies) {
    for (std::size_t n : kSizes) {
        const int st = in_child([n] { exit_group(static_cast<int>(call_with_stack_buffer(n, use_buffer, nullptr))); });
        CHECK(exited_with(st, 0));
        if (!exited_with(st, 0)) note("%zu KiB buffer: child %s", n / kKiB, describe_status(st));
    }
}

// The program's own first touch of such a buffer grows the stack too (the control for the above).
UTEST(untouched_stack_buffer_grows_for_the_program) {
    for (std::size_t n : kSizes) {
        const int st = in_child([n] {
            const long r = call_with_stack_buffer(n, [](char* buf, std::size_t size, void*) -> long {
                buf[0] = 1;
                buf[size - 1] = 2;
                return buf[0] + buf[size - 1];
            }, nullptr);
            exit_group(static_cast<int>(r));
        });
        CHECK(exited_with(st, 3));
    }
}

// The growth area belongs to the stack: an access anywhere in it grows the stack, however far below
// sp (arm64 Linux looks only at the address), for the program's own stores and the kernel's.
UTEST(stack_grows_for_accesses_far_below_sp) {
    const int st = in_child([] {
        const std::uintptr_t fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        auto* far = reinterpret_cast<volatile char*>((fp - 2 * 1024 * 1024) & ~std::uintptr_t{4095});
        *far = 7;  // the program's own store, 2 MiB below its sp
        CHECK_EQ(*far, 7);
        char* farther = const_cast<char*>(far) - 1024 * 1024;  // the kernel's store, 1 MiB further down
        Pipe pipe;
        CHECK(pipe.ok());
        CHECK_EQ(write(pipe.w, "abc", 3), 3);
        CHECK_EQ(read(pipe.r, farther, 3), 3);
        CHECK(farther[0] == 'a' && farther[1] == 'b' && farther[2] == 'c');
    });
    CHECK(exited_with(st, 0));
    if (!exited_with(st, 0)) note("child %s", describe_status(st));
}

// Beyond the limit the stack does not grow: the kernel's copies give EFAULT, the program's own
// access SIGSEGV, as on Linux.
UTEST(stack_buffer_beyond_the_limit_is_efault_or_sigsegv) {
    const int st = in_child([] {
        Pipe pipe;
        CHECK(pipe.ok());
        CHECK_EQ(write(pipe.w, "data", 4), 4);
        CHECK_EQ(syscall_with_stack_buffer(kBeyondLimit, SYS_read, pipe.r, 4, 1), -EFAULT);
        CHECK_EQ(syscall_with_stack_buffer(kBeyondLimit, SYS_uname, 0, 0, 0), -EFAULT);
        CHECK_EQ(syscall_with_stack_buffer(kBeyondLimit, SYS_clock_gettime, CLOCK_MONOTONIC, 0, 1), -EFAULT);
        CHECK_EQ(syscall_with_stack_buffer(kBeyondLimit, SYS_getrandom, 16, 0, 0), -EFAULT);
        CHECK_EQ(syscall_with_stack_buffer(kBeyondLimit, SYS_write, pipe.w, 16, 1), -EFAULT);
        char got[8];
        CHECK_EQ(read(pipe.r, got, sizeof got), 4);  // the failed read took nothing
    });
    CHECK(exited_with(st, 0));
    const int touch = in_child([] {
        call_with_stack_buffer(kBeyondLimit, [](char* buf, std::size_t, void*) -> long {
            *reinterpret_cast<volatile char*>(buf) = 1;
            return 0;
        }, nullptr);
    });
    CHECK(killed_by(touch, SIGSEGV));
    if (!killed_by(touch, SIGSEGV)) note("child %s", describe_status(touch));
}

// A page shared copy-on-write since a fork: the kernel's stores give the child its own copy, as
// the child's own stores would, and the parent's stays as it was.
UTEST(kernel_stores_break_copy_on_write) {
    for (std::size_t i = 0; i < sizeof s_shared; ++i) s_shared[i] = 0x5a;
    const int st = in_child([] {
        Pipe pipe;
        CHECK(pipe.ok());
        CHECK_EQ(write(pipe.w, "abc", 3), 3);
        CHECK_EQ(read(pipe.r, s_shared + 4095, 3), 3);  // across a page boundary
        CHECK(s_shared[4095] == 'a' && s_shared[4096] == 'b' && s_shared[4097] == 'c');
        CHECK_EQ(uname(reinterpret_cast<Utsname*>(s_shared + 2 * 4096 - 100)), 0);
        CHECK_EQ(getrandom(s_shared, 64, 0), 64);
    });
    CHECK(exited_with(st, 0));
    bool untouched = true;
    for (unsigned char c : s_shared) untouched = untouched && c == 0x5a;
    CHECK(untouched);
}

UTEST(getrandom_stops_at_a_hole) {
    HalfMapped m;
    REQUIRE(m.p != nullptr);
    CHECK_EQ(getrandom(m.hole(), 8, 0), -EFAULT);  // nothing before the hole
    if (skip_partial_under_qemu_user()) return;
    CHECK_EQ(getrandom(m.p, 8192, 0), 4096);
    CHECK_EQ(getrandom(m.hole() - 64, 128, 0), 64);
    // A hole inside one 8-byte store: the bytes before it (3 here, as x86 Linux gives; arm64 Linux's
    // copy_to_user fixup stores at least 1 of them), not EFAULT.
    const long r = getrandom(m.hole() - 3, 8, 0);
    CHECK(r >= 1 && r <= 3);
}

// Linux's pipe_read copies one pipe page at a time and returns what it copied before a fault:
// 4000 bytes written, 3000 read, 1000 more written fill two pipe pages of 1000 bytes each, and a
// buffer with room for 1000 before its hole gets the first page.
UTEST(pipe_read_stops_at_a_hole) {
    HalfMapped m;
    REQUIRE(m.p != nullptr);
    Pipe pipe;
    REQUIRE(pipe.ok());
    unsigned char src[4000], got[4000];
    for (std::size_t i = 0; i < sizeof src; ++i) src[i] = pattern(i);
    CHECK_EQ(write(pipe.w, src, 4000), 4000);
    CHECK_EQ(read(pipe.r, got, 3000), 3000);
    CHECK_EQ(write(pipe.w, src, 1000), 1000);
    // Nothing fits before the hole: EFAULT, and the data stays in the pipe.
    CHECK_EQ(read(pipe.r, m.hole(), 2000), -EFAULT);
    if (!skip_partial_under_qemu_user()) {
        CHECK_EQ(read(pipe.r, m.hole() - 1000, 2000), 1000);
        bool same = true;
        for (std::size_t i = 0; i < 1000; ++i) same = same && static_cast<unsigned char>(m.hole()[-1000 + static_cast<long>(i)]) == pattern(3000 + i);
        CHECK(same);
    }
    const long rest = read(pipe.r, got, sizeof got);
    CHECK_EQ(rest, qemu_user() ? 2000 : 1000);
    CHECK_EQ(got[0], qemu_user() ? pattern(3000) : pattern(0));
}
