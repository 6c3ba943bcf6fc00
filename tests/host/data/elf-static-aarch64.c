/* Source of elf-static-aarch64 and elf-static-pie-aarch64, the real inputs of elf_test.cpp. Built with
 *   F="-nostdlib -ffreestanding -Os -s -Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096
 *      -Wl,--build-id=none -fno-asynchronous-unwind-tables"
 *   aarch64-linux-gnu-gcc -static $F -o elf-static-aarch64 elf-static-aarch64.c
 *   aarch64-linux-gnu-gcc -static-pie -fPIE $F -o elf-static-pie-aarch64 elf-static-aarch64.c
 * (GCC 12.2, binutils 2.40). cpio-sample.cpio: `find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0`
 * over bin/{blob,hello,motd-link->../etc/motd} and etc/{empty,motd}; cpio-sample-crc.cpio: the same
 * with `find bin etc` and -H crc. */
static volatile int counter = 1;    /* .data: a writable segment */
static volatile int zeroed[64];     /* .bss: memsz > filesz */
void _start(void) {
    for (;;) { counter++; zeroed[counter & 63] = counter; }
}
