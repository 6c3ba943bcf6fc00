// _start, the process entry, and the runtime's process-wide state: argc/argv/envp/auxv, getauxval,
// getenv, the clock helpers and die().

// Linux AArch64 starts a program with sp pointing at argc, followed by argv[argc] and NULL, envp[]
// and NULL, then auxv (type, value) pairs ending with AT_NULL; sp is 16-byte aligned and no register
// but sp is defined. _start runs global constructors (.init_array), calls main, then exit_group.
#include <cstdarg>
#include <cstdint>

#include "user/lib/printf.h"
#include "user/lib/runtime.h"
#include "user/lib/string.h"
#include "user/lib/syscall.h"

// x29/x30 = 0 end the frame-record chain for debuggers; sp is passed to C++ untouched.
asm(R"(
    .text
    .global _start
    .type _start, %function
_start:
    mov x29, #0
    mov x30, #0
    mov x0, sp
    bl user_start
    brk #0
    .size _start, . - _start
)");

extern "C" {
using InitFn = void (*)();
extern const InitFn __preinit_array_start[] __attribute__((weak, visibility("hidden")));
extern const InitFn __preinit_array_end[] __attribute__((weak, visibility("hidden")));
extern const InitFn __init_array_start[] __attribute__((weak, visibility("hidden")));
extern const InitFn __init_array_end[] __attribute__((weak, visibility("hidden")));
}

namespace user {

Startup g_startup;

unsigned long getauxval(unsigned long type) {
    for (const unsigned long* a = g_startup.auxv; a && a[0] != AT_NULL; a += 2)
        if (a[0] == type) return a[1];
    return 0;
}

const char* getenv(const char* name) {
    const std::size_t n = strlen(name);
    for (char** e = g_startup.envp; e && *e; ++e)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return nullptr;
}

std::uint64_t monotonic_ns() {
    Timespec ts{};
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

long sleep_ms(long ms) {
    const Timespec ts{ms / 1000, (ms % 1000) * 1000000};
    return nanosleep(&ts, nullptr);
}

void die(const char* fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char* name = g_startup.argv && g_startup.argv[0] ? basename(g_startup.argv[0]) : "?";
    dprintf(kStderr, "%s: %s\n", name, msg);
    exit_group(127);
}

}  // namespace user

extern "C" [[noreturn]] __attribute__((used)) void user_start(const std::uintptr_t* sp) {
    using user::g_startup;
    g_startup.initial_sp = sp;
    g_startup.argc = static_cast<int>(sp[0]);
    g_startup.argv = reinterpret_cast<char**>(const_cast<std::uintptr_t*>(sp + 1));
    g_startup.envp = g_startup.argv + g_startup.argc + 1;
    char** e = g_startup.envp;
    while (*e) ++e;
    g_startup.auxv = reinterpret_cast<const unsigned long*>(e + 1);

    for (const InitFn* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
    for (const InitFn* f = __init_array_start; f < __init_array_end; ++f) (*f)();
    user::exit_group(main(g_startup.argc, g_startup.argv, g_startup.envp));
}
