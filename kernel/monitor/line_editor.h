// The console's line editor (portable, host-tested): bytes a terminal sends in, the edited line and
// the bytes that redraw it out (through a callback); no hardware. Understands the keys of VT100 and
// xterm-style terminals (arrows, Home/End/Delete in their CSI and SS3 forms, readline's control keys)
// and keeps a history. A line longer than kMaxLine is refused whole (Action::TooLong), never cut.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

class LineEditor {
public:
    enum class Action {
        None,     // keep feeding
        Submit,   // Enter: line() holds the line (also added to the history)
        Cancel,   // Ctrl-C: the line was dropped
        TooLong,  // Enter after characters were dropped because the line was full: nothing to run
    };
    using Echo = void (*)(const char* s, std::size_t n, void* ctx);
    static constexpr std::size_t kMaxLine = 256;  // characters, the NUL not included
    static constexpr std::size_t kHistory = 16;   // lines remembered; the oldest goes first

    constexpr LineEditor(Echo echo, void* ctx) : m_echo(echo), m_ctx(ctx) {}
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    Action feed(char c);
    const char* line() const { return m_buf; }  // NUL-terminated after Submit
    std::size_t length() const { return m_len; }
    std::size_t cursor() const { return m_cur; }
    // Starts a new, empty line (the history stays; an escape sequence split across lines is dropped).
    void reset();

    std::size_t history_size() const { return m_hist_count; }
    const char* history_entry(std::size_t i) const;  // 0 is the most recent; nullptr past the end

private:
    enum class Escape : std::uint8_t { None, Esc, Csi, Ss3 };
    enum class Key : std::uint8_t { Left, Right, Up, Down, Home, End, Delete, WordLeft, WordRight, KillWord };
    static constexpr std::size_t kMaxParams = 4;  // CSI parameters read; more make the sequence unknown

    Action byte(char c);
    Action escape_byte(char c);
    void key(Key k);
    Action submit();
    void insert(char c);
    void erase(std::size_t from, std::size_t to);  // removes [from, to); the cursor ends at from
    void move_to(std::size_t pos);
    void replace_line(const char* text, std::size_t n);
    void history_step(int direction);  // +1 older, -1 newer
    std::size_t word_start() const;   // where Ctrl-W and word-left stop, from the cursor
    std::size_t word_end() const;

    void echo(const char* s, std::size_t n) {
        if (m_echo && n) m_echo(s, n, m_ctx);
    }
    void echo_tail_and_return(std::size_t blanks);  // redraws [cursor, end) + blanks, cursor back
    void cursor_left(std::size_t n);

    Echo m_echo;
    void* m_ctx;
    char m_buf[kMaxLine + 1] = {};
    std::size_t m_len = 0;
    std::size_t m_cur = 0;
    bool m_overflow = false;   // characters were dropped: the line is refused at Enter
    bool m_after_cr = false;   // the last byte was CR: a LF right after it is the same Enter

    Escape m_esc = Escape::None;
    std::uint16_t m_params[kMaxParams] = {};
    std::size_t m_nparams = 0;
    bool m_seq_unknown = false;  // a private marker, intermediate byte or too many parameters

    // History: a ring of kHistory lines; m_hist_pos is the entry shown (-1: the line being typed,
    // kept in m_saved while browsing).
    char m_hist[kHistory][kMaxLine + 1] = {};
    std::size_t m_hist_count = 0;
    std::size_t m_hist_next = 0;  // slot the next line goes to
    int m_hist_pos = -1;
    char m_saved[kMaxLine + 1] = {};
    std::size_t m_saved_len = 0;
    bool m_saved_overflow = false;
};

}  // namespace kernel
