// What the compiler expects from a C++ runtime, in freestanding form: the libc memory functions it
// emits calls to, the stack-protector hooks and the pure-virtual trap.
#include <cstddef>
#include <cstdint>

#include "kernel/panic.h"
#include "lib/string.h"

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
    lib::copy_bytes(dst, src, n);
    return dst;
}
void* memmove(void* dst, const void* src, std::size_t n) {
    lib::move_bytes(dst, src, n);
    return dst;
}
void* memset(void* dst, int c, std::size_t n) {
    lib::fill_bytes(dst, static_cast<std::uint8_t>(c), n);
    return dst;
}
int memcmp(const void* a, const void* b, std::size_t n) { return lib::compare_bytes(a, b, n); }
std::size_t strlen(const char* s) { return lib::string_length(s); }

// The canary: a fixed odd pattern with a zero byte (stops string overruns from reproducing it).
// A per-boot random value would be stronger; kmain mixes in the counter at boot.
std::uintptr_t __stack_chk_guard = 0x00e1f2a3b4c5d6e7;

[[noreturn]] void __stack_chk_fail() { kernel::panic("stack protector: canary overwritten (stack smashing)"); }

[[noreturn]] void __cxa_pure_virtual() { kernel::panic("pure virtual function called"); }

// Static destructors: the kernel never exits, so none is ever registered to run.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;

}  // extern "C"
