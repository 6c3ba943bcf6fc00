// glibc_smoke: an ordinary C program linked statically against Debian's glibc (not the project's
// runtime), run as pid 1. CTest checks its output lines (cmake/qemu_tests.cmake); it also checks
// itself and exits 1 when something is wrong. What it covers: stdio on the console (line-buffered
// only if isatty/fstat work), fork and waitpid with an exit status, a pipe between parent and child,
// malloc from brk and mmap, printf of floats, getenv, usleep, abort in a child, atexit; files:
// fopen/fprintf/fgets on /tmp, tmpfile(), opendir/readdir of /bin, chdir, getcwd and realpath.
#define _DEFAULT_SOURCE  // usleep, fdopen, clock_gettime, realpath under -std=c11
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define EXPECT(cond)                                                   \
    do {                                                               \
        if (!(cond)) {                                                 \
            printf("FAILED: %s (line %d)\n", #cond, __LINE__);         \
            failures++;                                                \
        }                                                              \
    } while (0)

static void report_at_exit(void) { printf("atexit: ran, %d failures\n", failures); }

// The child prints and leaves with _exit, which flushes nothing: its line only appears if stdout
// was line-buffered, i.e. glibc saw a terminal.
static void fork_and_wait(void) {
    const pid_t pid = fork();
    if (pid == 0) {
        printf("child %d\n", (int)getpid());
        _exit(3);
    }
    EXPECT(pid > 0);
    int status = 0;
    EXPECT(waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status));
    printf("child exited %d\n", WEXITSTATUS(status));
}

static void pipe_between_processes(void) {
    int fds[2];
    EXPECT(pipe(fds) == 0);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        FILE* f = fdopen(fds[1], "w");
        if (!f) _exit(10);
        fprintf(f, "through the pipe %d\n", 42);
        fclose(f);
        _exit(7);
    }
    close(fds[1]);
    char buf[128];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)n;
    buf[len] = '\0';
    close(fds[0]);
    int status = 0;
    EXPECT(waitpid(pid, &status, 0) == pid);
    printf("pipe: %s", buf);
    printf("pipe child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void memory(void) {
    const size_t big = 8u << 20;   // far above the mmap threshold: its own mapping
    unsigned char* p = malloc(big);
    EXPECT(p != NULL);
    if (!p) return;
    memset(p, 0xab, big);
    unsigned long sum = 0;
    for (size_t i = 0; i < big; i += 4096) sum += p[i];
    EXPECT(sum == 0xabul * (big / 4096));
    free(p);
    void* small[500];
    for (int i = 0; i < 500; i++) {
        small[i] = malloc(16 + (size_t)i);
        EXPECT(small[i] != NULL);
        memset(small[i], i, 16 + (size_t)i);
    }
    for (int i = 0; i < 500; i++) free(small[i]);
    char* r = NULL;
    for (int i = 1; i <= 32; i++) {
        r = realloc(r, (size_t)i * 65536);
        EXPECT(r != NULL);
        if (!r) return;
        r[i * 65536 - 1] = 1;
    }
    free(r);
    printf("malloc: ok\n");
}

// stdio on a file of its own in /tmp: written, read back line by line, removed.
static void files(void) {
    char name[64];
    snprintf(name, sizeof name, "/tmp/glibc_smoke.%d", (int)getpid());
    FILE* f = fopen(name, "w");
    EXPECT(f != NULL);
    if (!f) return;
    fprintf(f, "line %d\nsecond %s\n", 1, "line");
    EXPECT(fclose(f) == 0);
    char buf[PATH_MAX];
    f = fopen(name, "r");
    EXPECT(f != NULL);
    if (!f) return;
    while (fgets(buf, sizeof buf, f)) printf("file: %s", buf);
    EXPECT(feof(f));
    fclose(f);
    struct stat st;
    EXPECT(stat(name, &st) == 0 && st.st_size == 19 && S_ISREG(st.st_mode));
    EXPECT(unlink(name) == 0);
    EXPECT(access(name, F_OK) == -1 && errno == ENOENT);

    FILE* t = tmpfile();   // an unnamed file (O_TMPFILE in /tmp)
    EXPECT(t != NULL);
    if (t) {
        fputs("scratch data\n", t);
        rewind(t);
        if (fgets(buf, sizeof buf, t)) printf("tmpfile: %s", buf);
        fclose(t);
    }

    DIR* d = opendir("/bin");
    EXPECT(d != NULL);
    int entries = 0, found = 0;
    for (struct dirent* e; d && (e = readdir(d));) {
        entries++;
        if (strcmp(e->d_name, "glibc_smoke") == 0) found = e->d_type == DT_REG;
    }
    if (d) closedir(d);
    printf("readdir: glibc_smoke %s, %s\n", found ? "found" : "missing", entries >= 3 ? "and more" : "alone");

    EXPECT(chdir("/tmp") == 0);
    printf("getcwd: %s\n", getcwd(buf, sizeof buf) ? buf : strerror(errno));
    printf("realpath: %s\n", realpath("../bin/./glibc_smoke", buf) ? buf : strerror(errno));
    EXPECT(chdir("/") == 0);
}

int main(void) {
    atexit(report_at_exit);
    printf("hi\n");
    // Where the program runs: a -static build at its link address (0x400000 region), a -static-pie
    // one wherever the kernel put it (above 4 GiB here), relocated by glibc's start-up code.
    printf("image: %s\n", (unsigned long)&main >= 0x100000000ul ? "high" : "low");
    fork_and_wait();
    pipe_between_processes();
    memory();
    files();

    const double d = strtod("3.25", NULL);
    printf("float: %.3f %g %e %.4f\n", d * 2, 1.0 / 3, 12345.678, sqrt(2.0));

    const char* home = getenv("HOME");
    const char* term = getenv("TERM");
    printf("env: HOME=%s TERM=%s NOPE=%s\n", home ? home : "(unset)", term ? term : "(unset)",
           getenv("NOPE") ? "set" : "(unset)");

    struct stat st;
    EXPECT(fstat(1, &st) == 0);
    printf("tty: isatty=%d chr=%d\n", isatty(1), S_ISCHR(st.st_mode));
    fprintf(stderr, "stderr: %s\n", strerror(ENOENT));

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    EXPECT(usleep(20000) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    const long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("usleep: %s\n", ms >= 20 ? "ok" : "too short");

    const pid_t pid = fork();
    if (pid == 0) abort();
    int status = 0;
    EXPECT(waitpid(pid, &status, 0) == pid);
    printf("abort: %s %d\n", WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return failures ? 1 : 0;
}
