// cowdata: three whole pages of initialised data (in .data, so exec maps them as a private mapping
// of the program's file, over pages the file system shares with every run). It checks each byte
// holds its initial value, then writes every byte: page 0 written before any read (the write fault
// maps and copies at once), pages 1 and 2 read first (mapped from the file's page, copied on the
// write). Prints "cowdata: initial data intact" and exits 0, or exits 1 with the first bad offset.
// test_exec runs it twice: the second run must see the first one's writes nowhere.
#include "user/lib/user.h"

using namespace user;

namespace {

constexpr unsigned kBytes = 3 * 4096;

constexpr unsigned char pattern(unsigned i) { return static_cast<unsigned char>(i * 7 + 1 + (i >> 12)); }

struct Table {
    unsigned char b[kBytes];
    constexpr Table() : b{} {
        for (unsigned i = 0; i < kBytes; ++i) b[i] = pattern(i);
    }
};
alignas(4096) constinit Table g_table;   // non-zero bytes: .data, from the file

}  // namespace

int main(int, char**, char**) {
    volatile unsigned char* t = g_table.b;
    t[0] = static_cast<unsigned char>(~pattern(0));   // a write fault on an untouched page
    for (unsigned i = 1; i < kBytes; ++i) {
        if (t[i] != pattern(i)) {
            printf("cowdata: byte %u is %u, not %u\n", i, t[i], pattern(i));
            return 1;
        }
    }
    for (unsigned i = 0; i < kBytes; ++i) t[i] = static_cast<unsigned char>(~pattern(i));
    for (unsigned i = 0; i < kBytes; ++i)
        if (t[i] != static_cast<unsigned char>(~pattern(i))) return 1;
    printf("cowdata: initial data intact\n");
    return 0;
}
