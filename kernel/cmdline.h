// The kernel command line (/chosen/bootargs): words split as Linux splits them (quotes group words,
// "--" ends the kernel's options), the kernel's key=value options, and init's argv and environment
// built from the rest. Portable: host-tested.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

struct StrView {
    const char* ptr = "";
    std::size_t len = 0;
    bool empty() const { return len == 0; }
    bool equals(const char* s) const;
};

// The command line cut into words, each unquoted and NUL-terminated in `text` (so a word can be an
// argv string as it is). Splitting follows Linux's next_arg(): blanks separate words outside quotes;
// a double quote, anywhere in a word (`foo="a b"`), groups up to the next one and is removed. Single
// quotes group the same way (an extension: Linux knows only double quotes), each kind literal inside
// the other; an unclosed quote runs to the end of the line. A bare `--` ends the kernel's options:
// every later word is init's argument (Linux's parse_args stops there).
struct CmdlineWords {
    static constexpr std::size_t kTextSize = 2048;  // arm64 Linux's COMMAND_LINE_SIZE
    static constexpr std::size_t kMaxWords = 256;
    char text[kTextSize];
    std::uint16_t start[kMaxWords];
    std::uint16_t length[kMaxWords];
    std::size_t count;
    std::size_t dashes;  // index of the first word after "--" (count when there is no "--")
    bool truncated;      // words past kTextSize or kMaxWords were dropped
    StrView word(std::size_t i) const { return StrView{text + start[i], length[i]}; }
};

// Splits s[0, len) (stopping early at a NUL) into out.
void split_command_line(const char* s, std::size_t len, CmdlineWords& out);

struct BootOptions {
    StrView test;            // test=SUITE[,SUITE] | all
    StrView bench;           // bench=NAME[,NAME] | all
    StrView init;            // init=/path (user mode)
    StrView strace;          // strace=PID | all: trace these processes' system calls from the start
    std::uint32_t hz = 100;  // hz=N timer tick rate, 1..10000
    int loglevel = 2;        // loglevel=0..3
    unsigned asid_bits = 0;  // asid_bits=8|16: ASID width, at most what the CPU has (0: all it has)
    unsigned maxcpus = 0;    // maxcpus=N: start at most N CPUs, the boot CPU included (0: all)
};

// Whether `key` (the part before '=') is an option the kernel reads itself. With init=, Linux's rule
// applies to the others: bare words become init's arguments, unknown key=value ones its environment.
bool is_kernel_option(StrView key);

// Reads the words before "--". The views point into `words`, which must outlive them. Calls
// warn(message, word) for each unknown option or bad value; never fails.
BootOptions parse_boot_options(const CmdlineWords& words,
                               void (*warn)(const char* what, StrView token, void* ctx), void* ctx);

// Iterates comma-separated items: returns false when done. pos starts at 0.
bool next_list_item(StrView list, std::size_t& pos, StrView& item);

// init's argv and envp as Linux builds them (init/main.c: unknown_bootoption, set_init_arg): argv[0]
// is the path; before "--", a word the kernel does not read becomes an argument when bare and an
// environment entry when key=value (a later one replacing an earlier one of the same name), and a
// word whose name holds a '.' is a module parameter, given to nobody; after "--", every word is an
// argument. Then the defaults HOME=/ PATH=/bin TERM=vt100, each unless given. Pointers are into
// `words` and `path`; both arrays end with nullptr.
struct InitArgs {
    static constexpr int kMax = 32;  // Linux's CONFIG_INIT_ENV_ARG_LIMIT
    const char* argv[kMax + 2];
    const char* envp[kMax + 4];
    int argc;
    int envc;
    int dropped;  // words beyond kMax (Linux panics "Too many boot init vars")
};
void build_init_args(const CmdlineWords& words, const char* path, InitArgs& out);

}  // namespace kernel
