// test_runtime: what the kernel hands a new program (initial stack, auxiliary vector, loaded ELF
// segments, the EL0-readable counter) and the user runtime's own printf and string functions.
#include <climits>

#include "user/lib/utest.h"

extern "C" void _start();

using namespace user;
using namespace user::utest;

namespace {

int s_data_word = 0x12345678;                // .data: must arrive with this value
unsigned char s_bss_block[64 * 1024];        // .bss: must arrive zeroed (memsz > filesz)
const char kRodata[] = "rodata is mapped";  // .rodata

struct Elf64Phdr {
    std::uint32_t p_type, p_flags;
    std::uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
constexpr std::uint32_t kPtLoad = 1;

// Unlike getauxval, tells an absent entry from a zero one.
bool find_aux(unsigned long type, unsigned long* value) {
    for (const unsigned long* a = g_startup.auxv; a[0] != AT_NULL; a += 2) {
        if (a[0] == type) {
            *value = a[1];
            return true;
        }
    }
    return false;
}

const char* fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
const char* fmt(const char* f, ...) {
    static char buf[128];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

}  // namespace

UTEST(initial_stack_layout) {
    const std::uintptr_t* sp = g_startup.initial_sp;
    CHECK_EQ(reinterpret_cast<std::uintptr_t>(sp) & 15, 0ul);   // AAPCS64: sp 16-byte aligned
    const long argc = static_cast<long>(sp[0]);
    CHECK(argc >= 1);
    CHECK_EQ(argc, static_cast<long>(g_startup.argc));
    char** argv = reinterpret_cast<char**>(const_cast<std::uintptr_t*>(sp + 1));
    CHECK(argv[argc] == nullptr);
    for (long i = 0; i < argc; ++i) {
        CHECK(argv[i] != nullptr);
        // The strings live above the vectors, at the top of the stack.
        CHECK(reinterpret_cast<std::uintptr_t>(argv[i]) > reinterpret_cast<std::uintptr_t>(sp));
    }
    char** envp = argv + argc + 1;
    long envc = 0;
    while (envp[envc]) ++envc;
    const auto* auxv = reinterpret_cast<const unsigned long*>(envp + envc + 1);
    CHECK(auxv == g_startup.auxv);
    int entries = 0;
    while (auxv[2 * entries] != AT_NULL && entries < 64) ++entries;
    CHECK(entries > 0 && entries < 64);   // ends with AT_NULL
}

UTEST(auxiliary_vector_entries) {
    CHECK_EQ(getauxval(AT_PAGESZ), 4096ul);
    CHECK_EQ(getauxval(AT_ENTRY), reinterpret_cast<unsigned long>(&_start));
    // AT_PHDR/AT_PHNUM: the program headers, mapped and readable (static libcs find TLS there).
    const auto* phdr = reinterpret_cast<const Elf64Phdr*>(getauxval(AT_PHDR));
    const unsigned long phnum = getauxval(AT_PHNUM);
    REQUIRE(phdr != nullptr);
    REQUIRE(phnum > 0 && phnum < 64);
    bool text_found = false;
    const auto entry = reinterpret_cast<std::uint64_t>(&_start);
    for (unsigned long i = 0; i < phnum; ++i) {
        if (phdr[i].p_type == kPtLoad && phdr[i].p_vaddr <= entry && entry < phdr[i].p_vaddr + phdr[i].p_memsz)
            text_found = true;
    }
    CHECK(text_found);
    // AT_RANDOM: 16 random bytes somewhere readable (glibc seeds its stack guard from them).
    const auto* random = reinterpret_cast<const unsigned char*>(getauxval(AT_RANDOM));
    REQUIRE(random != nullptr);
    bool nonzero = false;
    for (int i = 0; i < 16; ++i) nonzero = nonzero || random[i] != 0;
    CHECK(nonzero);
    // Ids, where given, agree with the system calls.
    constexpr unsigned long kAtEuid = 12, kAtGid = 13, kAtEgid = 14;
    unsigned long id;
    if (find_aux(AT_UID, &id)) CHECK_EQ(static_cast<long>(id), getuid());
    if (find_aux(kAtEuid, &id)) CHECK_EQ(static_cast<long>(id), geteuid());
    if (find_aux(kAtGid, &id)) CHECK_EQ(static_cast<long>(id), getgid());
    if (find_aux(kAtEgid, &id)) CHECK_EQ(static_cast<long>(id), getegid());
}

UTEST(elf_segments_are_loaded) {
    CHECK_EQ(s_data_word, 0x12345678);
    bool zero = true;
    for (unsigned char b : s_bss_block) zero = zero && b == 0;
    CHECK(zero);
    s_bss_block[sizeof s_bss_block - 1] = 1;   // writable to its last byte
    s_data_word = 1;
    CHECK(str_eq(kRodata, "rodata is mapped"));
}

UTEST(virtual_counter_readable_at_el0) {
    const std::uint64_t freq = read_cntfrq();
    CHECK(freq > 0);
    const std::uint64_t c0 = read_cntvct();
    sleep_ms(20);
    const std::uint64_t c1 = read_cntvct();
    CHECK(c1 > c0);
    const std::uint64_t expected = freq / 50;   // 20 ms worth of ticks
    CHECK(c1 - c0 >= expected / 2);
}

UTEST(printf_conversions) {
    CHECK(str_eq(fmt("%d %i %u", -42, 7, 42u), "-42 7 42"));
    CHECK(str_eq(fmt("%x %X %lx", 0xbeefu, 0xbeefu, 0x1234abcdul), "beef BEEF 1234abcd"));
    CHECK(str_eq(fmt("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX),
                 "-9223372036854775808 18446744073709551615 -9223372036854775808 18446744073709551615"));
    CHECK(str_eq(fmt("%zu %zx", static_cast<std::size_t>(12345), static_cast<std::size_t>(255)), "12345 ff"));
    CHECK(str_eq(fmt("%s|%c|%%", "str", 'c'), "str|c|%"));
    const char* volatile null_string = nullptr;
    CHECK(str_eq(fmt("%s", null_string), "(null)"));
    CHECK(str_eq(fmt("%p", reinterpret_cast<void*>(0x1000)), "0x1000"));
    CHECK(str_eq(fmt("%5d|%-5d|%05d", 42, 42, 42), "   42|42   |00042"));
    CHECK(str_eq(fmt("%08x|%8s|%-8s|", 0xabcu, "ab", "ab"), "00000abc|      ab|ab      |"));
    CHECK(str_eq(fmt("%05d|%.3d|%.2s", -42, 7, "abcdef"), "-0042|007|ab"));
    CHECK(str_eq(fmt("%*d|%.*s", 4, 1, 3, "abcdef"), "   1|abc"));
    CHECK(str_eq(fmt("%d %u %x", 0, 0u, 0u), "0 0 0"));
}

UTEST(snprintf_truncates_and_counts) {
    char small[6];
    CHECK_EQ(snprintf(small, sizeof small, "%s", "hello world"), 11);
    CHECK(str_eq(small, "hello"));
    char one[1] = {'x'};
    CHECK_EQ(snprintf(one, 1, "abc"), 3);
    CHECK_EQ(one[0], '\0');
    CHECK_EQ(snprintf(nullptr, 0, "%d", 12345), 5);
}

UTEST(string_functions) {
    CHECK_EQ(strlen(""), 0ul);
    CHECK_EQ(strlen("abc"), 3ul);
    CHECK(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0);
    CHECK(strcmp("ab", "abc") < 0 && strcmp("\xff", "a") > 0);   // unsigned comparison
    CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("abcx", "abcy", 4) < 0);
    unsigned char a[40], b[40];
    for (int i = 0; i < 40; ++i) a[i] = static_cast<unsigned char>(i);
    memset(b, 0xcc, sizeof b);
    memcpy(b + 1, a + 3, 30);   // unaligned both sides
    CHECK(b[0] == 0xcc && b[1] == 3 && b[30] == 32 && b[31] == 0xcc);
    memmove(a + 2, a, 20);   // overlapping, forwards
    CHECK(a[2] == 0 && a[21] == 19);
    for (int i = 0; i < 40; ++i) a[i] = static_cast<unsigned char>(i);
    memmove(a, a + 2, 20);   // overlapping, backwards
    CHECK(a[0] == 2 && a[19] == 21);
    CHECK(memcmp("abc", "abd", 3) < 0 && memcmp("abc", "abc", 3) == 0 && memcmp("\x80", "\x01", 1) > 0);
    for (int i = 0; i < 40; ++i) a[i] = static_cast<unsigned char>(i);
    memset(a + 1, 7, 17);   // unaligned start, a word-sized middle and a tail
    CHECK(a[0] == 0 && a[1] == 7 && a[17] == 7 && a[18] == 18);
    long v = 0;
    CHECK(parse_long("-123", &v) && v == -123);
    CHECK(parse_long("0x1F", &v) && v == 31);
    CHECK(!parse_long("12a", &v) && !parse_long("", &v) && !parse_long("-", &v));
    CHECK(str_find("hello world", "o w") != nullptr && str_find("hello", "xyz") == nullptr);
    CHECK(str_eq(basename("/bin/test_runtime"), "test_runtime") && str_eq(basename("x"), "x"));
    char dst[4];
    CHECK_EQ(str_copy(dst, "abcdef", sizeof dst), 6ul);
    CHECK(str_eq(dst, "abc"));
}

UTEST(environment_lookup) {
    // Whatever the environment holds, getenv agrees with envp.
    for (char** e = g_startup.envp; *e; ++e) {
        char name[64];
        const char* eq = str_find(*e, "=");
        if (!eq || eq - *e >= static_cast<long>(sizeof name)) continue;
        memcpy(name, *e, static_cast<std::size_t>(eq - *e));
        name[eq - *e] = '\0';
        const char* v = getenv(name);
        CHECK(v != nullptr);
    }
    CHECK(getenv("UTEST_SURELY_NOT_SET_ANYWHERE") == nullptr);
}
