// init: the first process (pid 1). `init [PROGRAM [ARGS...]]` forks and execs PROGRAM (default
// /bin/hello), then reaps children forever with wait4(-1), printing how each one ended.

// Orphans are re-parented to pid 1, so this loop is what collects them. With no children left it
// idles in nanosleep, as a real init would.
#include "user/lib/user.h"

using namespace user;

namespace {

void report(long pid, int status) {
    if (wifexited(status)) printf("init: pid %ld exited with status %d\n", pid, wexitstatus(status));
    else if (wifsignaled(status)) printf("init: pid %ld killed by signal %d\n", pid, wtermsig(status));
    else printf("init: pid %ld changed state 0x%x\n", pid, status);
}

long spawn(const char* const* argv, char** envp) {
    const long pid = fork();
    if (pid == 0) {
        const long r = execve(argv[0], argv, envp);
        dprintf(kStderr, "init: execve %s failed: %ld\n", argv[0], r);
        exit_group(127);
    }
    return pid;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
    printf("init: pid %ld started\n", getpid());
    static const char* const kDefault[] = {"/bin/hello", nullptr};
    const char* const* child_argv = argc > 1 ? argv + 1 : kDefault;
    const long pid = spawn(child_argv, envp);
    if (pid < 0) printf("init: fork failed: %ld\n", pid);
    else printf("init: started %s as pid %ld\n", child_argv[0], pid);

    bool idle_reported = false;
    for (;;) {
        int status = 0;
        const long r = wait4(-1, &status, 0);
        if (r > 0) {
            report(r, status);
            idle_reported = false;
        } else if (r == -ECHILD) {
            if (!idle_reported) printf("init: no children left; idling\n");
            idle_reported = true;
            sleep_ms(1000);
        } else {
            printf("init: wait4 failed: %ld\n", r);
            sleep_ms(1000);
        }
    }
}
