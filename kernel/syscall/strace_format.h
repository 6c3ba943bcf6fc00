// System calls in strace's notation: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`, `= -1 ENOENT
// (No such file or directory)`. The table of calls (names and argument kinds), the decoders and the
// line they fill. Portable, host-tested; reads user memory only through the Memory it is given.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::strace {

// How an argument prints. Out-arguments (BufOut, StatOut, WaitStatus, PipeFds, GetcwdBuf) are read
// only once the call has returned without an error; otherwise they print as pointers, as in strace.
enum class Arg : std::uint8_t {
    Int, Long, UInt, Hex, Ptr, Octal, Fd, DirFd, Path, Str,
    BufIn,      // the next argument is its length; at most kStringLimit bytes shown
    BufOut,     // the result is its length
    GetcwdBuf,  // a NUL-terminated string written by the call
    IovIn,      // struct iovec[next argument], each buffer shown as BufIn
    OpenFlags, Mode, AtFlags, AccessMode, Prot, MapFlags, Clone, WaitOptions, WaitStatus, Argv, Envp,
    Signal, SigHow, Whence, FcntlCmd, IoctlCmd, Clock, PipeFds, TimespecIn, StatOut,
};
enum class Ret : std::uint8_t { Int, Long, Hex, Octal, None };

inline constexpr std::uint8_t kUnknownArgs = 0xff;  // a named call whose arguments print as 6 hex words
inline constexpr std::size_t kStringLimit = 32;     // strace's default -s 32
inline constexpr std::size_t kArrayLimit = 32;      // argv elements shown before "..."
inline constexpr std::size_t kResultColumn = 40;    // strace pads " = result" to this column

struct CallInfo {
    std::uint16_t nr;
    const char* name;
    Ret ret;
    std::uint8_t nargs;  // or kUnknownArgs
    Arg args[6];
};

// Linux AArch64's calls (asm-generic/unistd.h), every one by name; nullptr for a number it lacks.
const CallInfo* call_info(std::uint64_t nr);

// "ENOENT" and "No such file or directory"; nullptr for a number without a name.
const char* errno_name(int err);
const char* errno_message(int err);

// User memory: copies up to n bytes from addr to dst, returns how many it could (0 for a bad address).
struct Memory {
    std::size_t (*read)(void* ctx, std::uint64_t addr, void* dst, std::size_t n);
    void* ctx;
};

// A bounded line. Past its limit it drops characters and remembers that it did.
class Line {
public:
    Line(char* buf, std::size_t cap) : buf_(buf), cap_(cap), limit_(cap ? cap - 1 : 0) { if (cap) buf[0] = 0; }
    void put(char c);
    void puts(const char* s);
    void printf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    std::size_t length() const { return len_; }
    const char* text() const { return buf_; }
    bool overflowed() const { return overflowed_; }
    // Keeps `reserve` bytes for what comes after (the result): the call part is cut with "..." first.
    void set_reserve(std::size_t reserve) { limit_ = cap_ > reserve + 1 ? cap_ - 1 - reserve : 0; }

private:
    char* buf_;
    std::size_t cap_, limit_, len_ = 0;
    bool overflowed_ = false;
};

// "name(arg, arg, ...)" for call nr with its six argument registers. done: the call has returned
// `result` (its out-arguments can be read when it is not an error).
void format_call(Line& out, std::uint64_t nr, const std::uint64_t args[6], bool done, std::int64_t result,
                 const Memory& mem);
// " = 3", " = -1 ENOENT (No such file or directory)", " = 0xffff8000", padded to kResultColumn.
void format_result(Line& out, std::uint64_t nr, std::int64_t result);
// " = ?": a call that does not return (exit, exit_group, a successful execve's old image).
void format_no_return(Line& out);

// The whole line: "[pid N] call(...) = result\n". Returns its length (at most cap - 1).
std::size_t format_line(char* buf, std::size_t cap, int pid, std::uint64_t nr, const std::uint64_t args[6],
                        std::int64_t result, const Memory& mem);

}  // namespace kernel::strace
