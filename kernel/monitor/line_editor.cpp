// The console's line editor. Redrawing assumes only what every VT100 descendant does: a printable
// byte is drawn at the cursor, which moves right; BS moves it left; CSI n D moves it n left. Cursor
// moves to the right re-draw the characters passed over, so no other sequence is needed. The line
// must fit on one terminal row for the redraw to be exact (no wrap tracking).
//
// Input: a byte at a time, so an escape sequence may be split anywhere between feed() calls. Known:
//   CSI A/B/C/D (arrows), CSI H/F and CSI 1~/7~ (Home), CSI 4~/8~ (End), CSI 3~ (Delete), the same
//   letters after SS3 (ESC O, "application cursor" mode), CSI 1;5C/D (Ctrl-arrows: words), ESC b/f
//   (Alt: words), ESC DEL (Alt-Backspace: word). Any other sequence is consumed whole and ignored.
#include "kernel/monitor/line_editor.h"

#include "lib/string.h"

namespace kernel {

namespace {
constexpr char kEsc = 0x1b;
constexpr char kDel = 0x7f;
constexpr char ctrl(char c) { return static_cast<char>(c & 0x1f); }
bool printable(char c) { return c >= 0x20 && c <= 0x7e; }
}  // namespace

void LineEditor::reset() {
    m_len = m_cur = 0;
    m_buf[0] = 0;
    m_overflow = false;
    m_esc = Escape::None;
    m_hist_pos = -1;
}

const char* LineEditor::history_entry(std::size_t i) const {
    if (i >= m_hist_count) return nullptr;
    return m_hist[(m_hist_next + kHistory - 1 - i) % kHistory];
}

LineEditor::Action LineEditor::feed(char c) {
    // A LF right after a CR is the second half of one Enter (terminals and pastes send CR LF).
    const bool after_cr = m_after_cr;
    m_after_cr = false;
    if (m_esc != Escape::None) return escape_byte(c);
    if (c == '\n' && after_cr) return Action::None;
    return byte(c);
}

LineEditor::Action LineEditor::byte(char c) {
    switch (c) {
    case '\r': m_after_cr = true; return submit();
    case '\n': return submit();
    case kEsc:
        m_esc = Escape::Esc;
        return Action::None;
    case ctrl('C'):
        echo("^C\n", 3);
        reset();
        return Action::Cancel;
    case ctrl('A'): key(Key::Home); return Action::None;
    case ctrl('E'): key(Key::End); return Action::None;
    case ctrl('B'): key(Key::Left); return Action::None;
    case ctrl('F'): key(Key::Right); return Action::None;
    case ctrl('P'): key(Key::Up); return Action::None;
    case ctrl('N'): key(Key::Down); return Action::None;
    case ctrl('D'): key(Key::Delete); return Action::None;  // no end-of-file: the monitor never exits
    case ctrl('K'): erase(m_cur, m_len); return Action::None;
    case ctrl('U'): erase(0, m_cur); return Action::None;
    case ctrl('W'): key(Key::KillWord); return Action::None;
    case kDel:
    case '\b':
        if (m_cur > 0) erase(m_cur - 1, m_cur);
        return Action::None;
    default:
        if (printable(c)) insert(c);  // other control bytes and non-ASCII are ignored
        return Action::None;
    }
}

LineEditor::Action LineEditor::escape_byte(char c) {
    switch (m_esc) {
    case Escape::Esc:
        m_esc = Escape::None;
        if (c == '[' || c == 'O') {
            m_esc = c == '[' ? Escape::Csi : Escape::Ss3;
            m_nparams = 0;
            m_params[0] = 0;
            m_seq_unknown = false;
        } else if (c == kEsc) {
            m_esc = Escape::Esc;  // ESC ESC [ C: Alt-arrow on some terminals, read as the arrow
        } else if (c == 'b') {
            key(Key::WordLeft);
        } else if (c == 'f') {
            key(Key::WordRight);
        } else if (c == kDel || c == '\b') {
            key(Key::KillWord);
        } else if (!printable(c)) {
            return byte(c);  // a lone ESC, then a control key (Enter, Ctrl-C): act on the key
        }
        return Action::None;  // ESC + any other printable: an unknown Alt key, both dropped
    case Escape::Ss3:
    case Escape::Csi: {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u >= '0' && u <= '9') {  // SS3 too: old xterms send ESC O 5 C for Ctrl-Right
            if (m_nparams == 0) m_nparams = 1;
            std::uint16_t& p = m_params[m_nparams - 1];
            p = p > 999 ? p : static_cast<std::uint16_t>(p * 10 + (u - '0'));  // saturates: unknown anyway
            return Action::None;
        }
        if (u == ';') {
            if (m_nparams == 0) m_nparams = 1;
            if (m_nparams == kMaxParams) m_seq_unknown = true;
            else m_params[m_nparams++] = 0;
            return Action::None;
        }
        if (m_esc == Escape::Csi && ((u >= 0x3c && u <= 0x3f) || (u >= 0x20 && u <= 0x2f))) {
            m_seq_unknown = true;  // private markers (< = > ?) and intermediate bytes
            return Action::None;
        }
        const bool ss3 = m_esc == Escape::Ss3;
        m_esc = Escape::None;
        if (u < 0x20 || u == 0x7f) return byte(c);  // a broken sequence: the control key still acts
        if (u < 0x40 || u > 0x7e || m_seq_unknown) return Action::None;  // not a final byte, or unknown
        const std::uint16_t p0 = m_nparams > 0 ? m_params[0] : 0;
        // The modifier, xterm's 1 + (Shift 1, Alt 2, Ctrl 4): CSI 1 ; m X, or SS3 m X (older xterms).
        const std::uint16_t mod = ss3 ? (m_nparams > 0 ? p0 : 1) : (m_nparams > 1 ? m_params[1] : 1);
        const bool word = mod == 3 || mod == 5;  // Alt- or Ctrl-arrow
        switch (c) {
        case 'A': key(Key::Up); break;
        case 'B': key(Key::Down); break;
        case 'C': key(word ? Key::WordRight : Key::Right); break;
        case 'D': key(word ? Key::WordLeft : Key::Left); break;
        case 'H': key(Key::Home); break;
        case 'F': key(Key::End); break;
        case '~':
            if (ss3) break;
            if (p0 == 1 || p0 == 7) key(Key::Home);
            else if (p0 == 4 || p0 == 8) key(Key::End);
            else if (p0 == 3) key(Key::Delete);
            break;  // Insert, PgUp, PgDn, F5...: nothing to do
        default: break;  // F1-F4 (SS3 P-S), focus events, ...
        }
        return Action::None;
    }
    case Escape::None: break;
    }
    return Action::None;
}

void LineEditor::key(Key k) {
    switch (k) {
    case Key::Left:
        if (m_cur > 0) move_to(m_cur - 1);
        break;
    case Key::Right:
        if (m_cur < m_len) move_to(m_cur + 1);
        break;
    case Key::Home: move_to(0); break;
    case Key::End: move_to(m_len); break;
    case Key::WordLeft: move_to(word_start()); break;
    case Key::WordRight: move_to(word_end()); break;
    case Key::Delete:
        if (m_cur < m_len) erase(m_cur, m_cur + 1);
        break;
    case Key::KillWord: erase(word_start(), m_cur); break;
    case Key::Up: history_step(+1); break;
    case Key::Down: history_step(-1); break;
    }
}

LineEditor::Action LineEditor::submit() {
    m_esc = Escape::None;
    echo("\n", 1);
    if (m_overflow) {
        reset();
        return Action::TooLong;
    }
    m_buf[m_len] = 0;
    // Remembered unless empty or the same as the line before (as bash's ignoredups).
    const char* last = history_entry(0);
    if (m_len > 0 && !(last && lib::string_compare(last, m_buf) == 0)) {
        lib::copy_bytes(m_hist[m_hist_next], m_buf, m_len + 1);
        m_hist_next = (m_hist_next + 1) % kHistory;
        if (m_hist_count < kHistory) ++m_hist_count;
    }
    m_hist_pos = -1;
    return Action::Submit;
}

void LineEditor::cursor_left(std::size_t n) {
    if (n == 0) return;
    if (n == 1) {
        echo("\b", 1);
        return;
    }
    char seq[16] = {kEsc, '['};
    std::size_t i = 2;
    char digits[8];
    std::size_t nd = 0;
    for (; n; n /= 10) digits[nd++] = static_cast<char>('0' + n % 10);
    while (nd) seq[i++] = digits[--nd];
    seq[i++] = 'D';
    echo(seq, i);
}

void LineEditor::echo_tail_and_return(std::size_t blanks) {
    echo(m_buf + m_cur, m_len - m_cur);
    static constexpr char kSpaces[] = "                ";
    for (std::size_t left = blanks; left;) {
        const std::size_t n = left < sizeof kSpaces - 1 ? left : sizeof kSpaces - 1;
        echo(kSpaces, n);
        left -= n;
    }
    cursor_left(m_len - m_cur + blanks);
}

void LineEditor::move_to(std::size_t pos) {
    if (pos < m_cur) cursor_left(m_cur - pos);
    else echo(m_buf + m_cur, pos - m_cur);  // re-drawing what is passed over moves right anywhere
    m_cur = pos;
}

void LineEditor::insert(char c) {
    if (m_len == kMaxLine) {
        // Refused at Enter (never run cut short): one bell, then the rest is dropped.
        if (!m_overflow) echo("\a", 1);
        m_overflow = true;
        return;
    }
    lib::move_bytes(m_buf + m_cur + 1, m_buf + m_cur, m_len - m_cur);
    m_buf[m_cur] = c;
    ++m_len;
    echo(&c, 1);
    ++m_cur;
    echo_tail_and_return(0);
}

void LineEditor::erase(std::size_t from, std::size_t to) {
    if (from >= to) return;
    move_to(from);
    const std::size_t n = to - from;
    lib::move_bytes(m_buf + from, m_buf + to, m_len - to);
    m_len -= n;
    m_buf[m_len] = 0;
    echo_tail_and_return(n);  // blanks over the old end
    if (m_len == 0) m_overflow = false;  // an emptied line is again exactly what is shown
}

void LineEditor::replace_line(const char* text, std::size_t n) {
    move_to(0);
    const std::size_t old_len = m_len;
    lib::copy_bytes(m_buf, text, n);
    m_buf[n] = 0;
    m_len = n;
    echo_tail_and_return(old_len > n ? old_len - n : 0);
    move_to(m_len);
}

void LineEditor::history_step(int direction) {
    const int target = m_hist_pos + direction;
    if (target < -1 || target >= static_cast<int>(m_hist_count)) {
        echo("\a", 1);
        return;
    }
    if (m_hist_pos == -1) {  // leaving the line being typed: keep it for the way back down
        lib::copy_bytes(m_saved, m_buf, m_len);
        m_saved_len = m_len;
        m_saved_overflow = m_overflow;
    }
    m_hist_pos = target;
    if (target == -1) {
        replace_line(m_saved, m_saved_len);
        m_overflow = m_saved_overflow;  // back to the typed line, with what it lost
    } else {
        const char* e = history_entry(static_cast<std::size_t>(target));
        replace_line(e, lib::string_length(e));
        m_overflow = false;  // a history line fits by construction
    }
}

std::size_t LineEditor::word_start() const {
    std::size_t i = m_cur;
    while (i > 0 && m_buf[i - 1] == ' ') --i;
    while (i > 0 && m_buf[i - 1] != ' ') --i;
    return i;
}

std::size_t LineEditor::word_end() const {
    std::size_t i = m_cur;
    while (i < m_len && m_buf[i] == ' ') ++i;
    while (i < m_len && m_buf[i] != ' ') ++i;
    return i;
}

}  // namespace kernel
