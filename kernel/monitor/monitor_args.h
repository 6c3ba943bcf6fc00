// The monitor's command lines (portable, host-tested): splitting a line into words and a trailing
// "&", and finding a program through the search path. No kernel state: the file lookup is a callback.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::monitor {

inline constexpr int kMaxArgs = 16;

enum class ParseError { None, TooManyArgs, UnterminatedQuote, MisplacedAmpersand };

struct ParsedLine {
    char* argv[kMaxArgs + 1];  // argv[argc] is nullptr
    int argc = 0;
    bool background = false;   // the line ended with "&"
};

// Splits `line` in place into words separated by blanks. '...' and "..." make one word of what they
// hold (blanks and '&' included; no escapes inside). An unquoted "&" is allowed only at the very end,
// alone or stuck to the last word ("spin&"), and sets `background`.
ParseError split_line(char* line, ParsedLine& out);
const char* parse_error_message(ParseError e);

// What a path names, as far as running it goes.
enum class FileKind { Missing, Directory, NotExecutable, Executable, NotDirectory, TooManyLinks, NameTooLong };
using StatFn = FileKind (*)(const char* path, void* ctx);
// The kind of a regular file, a directory or anything else from its st_mode bits: a regular file
// with an execute bit (for anyone: there is one user) is Executable, anything else NotExecutable.
FileKind kind_from_mode(std::uint32_t mode);

inline constexpr const char* kSearchPath[] = {"/bin", "/sbin", "/usr/bin"};
inline constexpr std::size_t kMaxPath = 256;

struct Resolved {
    FileKind kind = FileKind::Missing;  // Executable on success
    bool searched = false;              // the word had no '/': the search path was walked
    char path[kMaxPath] = {};           // the program found (or, on failure, the best candidate)
};
// As execvp: a word with a '/' names the file itself; otherwise each directory of kSearchPath is
// tried in order and the first executable wins. When none is, the first candidate that exists
// (not executable, a directory) is reported, else Missing. A path that does not fit kMaxPath is
// NameTooLong.
Resolved resolve_command(const char* word, StatFn stat, void* ctx);

}  // namespace kernel::monitor
