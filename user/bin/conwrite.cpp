// conwrite: several processes write long lines to the console at once, with write() and with a
// two-vector writev(). Each line is one letter repeated: a line holding two letters would be two
// writes interleaved, which the console promises never happens. CTest checks the output.
//   conwrite [LINE_LENGTH] [LINES_PER_WRITER]      (defaults 20000 and 6; 3 writers)
#include "user/lib/user.h"

using namespace user;

namespace {

constexpr int kWriters = 3;
constexpr long kMaxLine = 65536;
char s_line[kMaxLine + 1];

void writer(char letter, long length, long lines) {
    for (long i = 0; i < length; ++i) s_line[i] = letter;
    s_line[length] = '\n';
    for (long n = 0; n < lines; ++n) {
        if (n % 2 == 0) {
            if (write(1, s_line, static_cast<std::size_t>(length + 1)) != length + 1) exit_group(1);
        } else {  // the same line in two vectors: one write all the same
            const Iovec v[2] = {{s_line, static_cast<std::size_t>(length / 2)},
                                {s_line + length / 2, static_cast<std::size_t>(length + 1 - length / 2)}};
            if (writev(1, v, 2) != length + 1) exit_group(1);
        }
    }
    exit_group(0);
}

}  // namespace

int main(int argc, char** argv, char**) {
    long length = 20000, lines = 6;
    if ((argc > 1 && !parse_long(argv[1], &length)) || (argc > 2 && !parse_long(argv[2], &lines)) || length < 2 ||
        length > kMaxLine || lines < 1)
        die("usage: conwrite [LINE_LENGTH <= %ld] [LINES]", kMaxLine);
    long pids[kWriters];
    for (int w = 0; w < kWriters; ++w) {
        pids[w] = fork();
        if (pids[w] == 0) writer(static_cast<char>('A' + w), length, lines);
        if (pids[w] < 0) die("fork failed: %ld", pids[w]);
    }
    int bad = 0;
    for (int w = 0; w < kWriters; ++w) {
        int status = 0;
        if (wait4(static_cast<int>(pids[w]), &status, 0) != pids[w] || !wifexited(status) || wexitstatus(status) != 0) ++bad;
    }
    printf("conwrite: %d writers x %ld lines of %ld bytes: %s\n", kWriters, lines, length, bad ? "FAILED" : "done");
    return bad ? 1 : 0;
}
