// forktree: `forktree [DEPTH]` (default 3) forks a binary tree of processes DEPTH levels deep and
// exits 0 if all 2^(DEPTH+1)-1 of them ran.

// Every process prints its pid and parent, waits for its two children, checks how they ended and
// exits with the number of processes in its subtree, or 255 on a failure.
#include "user/lib/user.h"

using namespace user;

namespace {

constexpr long kMaxDepth = 7;   // 255 processes; the subtree count must fit an exit status

// Returns the number of processes in this subtree (this one included), or -1 on a failure.
long grow(long depth, long level) {
    printf("forktree: level %ld pid %ld ppid %ld\n", level, getpid(), getppid());
    if (level == depth) return 1;
    long children[2];
    for (long& c : children) {
        c = fork();
        if (c == 0) {
            const long n = grow(depth, level + 1);
            exit_group(n < 0 ? 255 : static_cast<int>(n));
        }
        if (c < 0) {
            printf("forktree: fork failed at level %ld: %ld\n", level, c);
            return -1;
        }
    }
    long total = 1;
    bool ok = true;
    for (long c : children) {
        int status = 0;
        const long r = wait4(static_cast<int>(c), &status, 0);
        if (r != c || !wifexited(status) || wexitstatus(status) == 255) {
            printf("forktree: child %ld of %ld failed (wait4 %ld, status 0x%x)\n", c, getpid(), r, status);
            ok = false;
        } else {
            total += wexitstatus(status);
        }
    }
    return ok ? total : -1;
}

}  // namespace

int main(int argc, char** argv, char**) {
    long depth = 3;
    if (argc > 1 && (!parse_long(argv[1], &depth) || depth < 0 || depth > kMaxDepth))
        die("usage: forktree [DEPTH 0..%ld]", kMaxDepth);
    const long n = grow(depth, 0);
    const long expected = (1l << (depth + 1)) - 1;
    printf("forktree: %ld of %ld processes ran, %s\n", n, expected, n == expected ? "ok" : "FAILED");
    return n == expected ? 0 : 1;
}
