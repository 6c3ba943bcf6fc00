// The "#!" line of an interpreter script, parsed as Linux's binfmt_script does (portable,
// host-tested). Reads at most the first kBinprmBufSize bytes of the file; allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/result.h"

namespace kernel {

inline constexpr std::size_t kBinprmBufSize = 256;   // Linux's BINPRM_BUF_SIZE: how much of the file is read

struct Shebang {
    // NUL-terminated. The interpreter is the first word after "#!" (spaces and tabs skipped); the
    // argument, when present, is the rest of the line after the blanks that follow it, trailing
    // blanks trimmed and inner ones kept (a single argument, as on Linux).
    char interpreter[kBinprmBufSize];
    char argument[kBinprmBufSize];
    bool has_argument;
};

// false: the file does not start with "#!" (not a script). Malformed (Linux: ENOEXEC): no
// interpreter named, or no newline in the first kBinprmBufSize bytes and no blank or NUL after
// the interpreter's name there either (the name may be cut). A line longer than the buffer with
// its name complete keeps its argument up to the buffer's end, as on Linux.
lib::Result<bool> parse_shebang(const std::uint8_t* file, std::size_t size, Shebang& out);

}  // namespace kernel
