// argstat: describes the arguments and environment it received in one line, "argc=N envc=M
// bytes=B hash=H" (B: all the strings' bytes with their NULs, H: FNV-1a over them in order), then
// argv[0..2] on lines of their own; test_exec runs it with arguments near execve's limits.
#include "user/lib/user.h"

using namespace user;

int main(int argc, char** argv, char** envp) {
    unsigned long bytes = 0, hash = 0xcbf29ce484222325ul;
    int envc = 0;
    auto add = [&](const char* s) {
        for (;; ++s) {
            hash = (hash ^ static_cast<unsigned char>(*s)) * 0x100000001b3ul;
            ++bytes;
            if (*s == '\0') break;
        }
    };
    for (int i = 0; i < argc; ++i) add(argv[i]);
    for (; envp[envc]; ++envc) add(envp[envc]);
    printf("argc=%d envc=%d bytes=%lu hash=%lx\n", argc, envc, bytes, hash);
    for (int i = 0; i < argc && i < 3; ++i) printf("argv[%d]=%.60s\n", i, argv[i]);
    return 0;
}
