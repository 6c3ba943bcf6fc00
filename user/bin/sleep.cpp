// sleep: `sleep MS` sleeps MS milliseconds in nanosleep and exits 0 (1000 ms without an argument).
#include "user/lib/user.h"

using namespace user;

int main(int argc, char** argv, char**) {
    long ms = 1000;
    if (argc > 1 && (!parse_long(argv[1], &ms) || ms < 0)) die("usage: sleep [MILLISECONDS]");
    const long r = sleep_ms(ms);
    if (r != 0) die("nanosleep failed: %ld", r);
    return 0;
}
