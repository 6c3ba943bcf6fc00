/* Source of the elf-*-aarch64 fixtures that elf_test.cpp parses (tools/mk-elf-fixtures.sh builds
 * them with aarch64-linux-gnu-gcc -nostdlib -static and strips them); the user build links the same
 * file with ld's defaults as /bin/elf_default, which test_exec runs. One program for every layout:
 * FIXTURE_DATA adds an initialised .data, FIXTURE_BSS a .bss, FIXTURE_RODATA a .rodata (and
 * FIXTURE_HUGE_BSS=N an N-byte .bss, for the user build's out-of-memory exec). _start
 * checks that the bss starts zeroed and the data holds its initial value, writes one line and exits
 * 0 (1 if a check failed), with raw Linux system calls. */
#define SYS_write 64
#define SYS_exit_group 94

static long sys3(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

#ifdef FIXTURE_DATA
static volatile int counter = 41;   /* .data */
#endif
#ifdef FIXTURE_BSS
static volatile int zeroed[64];     /* .bss: memsz > filesz */
#endif
#ifdef FIXTURE_HUGE_BSS
static volatile char huge[FIXTURE_HUGE_BSS];   /* more than the test machine has: ENOMEM */
#endif
#ifdef FIXTURE_RODATA
static const char message[] = "elf fixture: loaded, data and bss as linked\n";
#else
#define message "elf fixture: ok\n"
#endif

void _start(void) {
    int bad = 0;
#ifdef FIXTURE_DATA
    bad |= ++counter != 42;
#endif
#ifdef FIXTURE_BSS
    for (int i = 0; i < 64; i++) bad |= zeroed[i] != 0;
    zeroed[5] = 1;   /* and it is writable */
    bad |= zeroed[5] != 1;
#endif
#ifdef FIXTURE_HUGE_BSS
    huge[FIXTURE_HUGE_BSS - 1] = 1;
#endif
    if (!bad) sys3(SYS_write, 1, (long)message, sizeof message - 1);
    sys3(SYS_exit_group, bad, 0, 0);
    for (;;) {}
}
