// hello: the first user program. Prints a greeting, its argv and envp, pid and ppid, and a few
// auxiliary-vector entries, then exits 0. test_process execs it and checks this output.
#include "user/lib/user.h"

using namespace user;

int main(int argc, char** argv, char** envp) {
    printf("hello from user space\n");
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
    for (int i = 0; envp[i]; ++i) printf("envp[%d]=%s\n", i, envp[i]);
    printf("pid=%ld ppid=%ld\n", getpid(), getppid());
    printf("auxv: pagesz=%lu entry=0x%lx uid=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_ENTRY), getauxval(AT_UID));
    return 0;
}
