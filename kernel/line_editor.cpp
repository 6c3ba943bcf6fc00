// Line editing for the console. The terminal sends DEL (0x7f) or BS (0x08) for backspace; we erase
// with "\b \b". A full line rings the bell instead of growing.
#include "kernel/line_editor.h"

namespace kernel {

LineEditor::Action LineEditor::feed(char c) {
    switch (c) {
    case '\r':
    case '\n':
        m_buf[m_len] = 0;
        echo("\n", 1);
        return Action::Submit;
    case 0x03:  // Ctrl-C: drop the line
        echo("^C\n", 3);
        reset();
        return Action::Cancel;
    case 0x15:  // Ctrl-U: erase the whole line
        while (m_len > 0) {
            --m_len;
            echo("\b \b", 3);
        }
        return Action::None;
    case 0x7f:
    case '\b':
        if (m_len > 0) {
            --m_len;
            echo("\b \b", 3);
        }
        return Action::None;
    default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return Action::None;
    if (m_len == kMaxLine) {
        echo("\a", 1);
        return Action::None;
    }
    m_buf[m_len++] = c;
    echo(&c, 1);
    return Action::None;
}

}  // namespace kernel
