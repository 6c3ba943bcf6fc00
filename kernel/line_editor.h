// A console line editor: printable characters, backspace/DEL, Ctrl-U (erase line), Ctrl-C (cancel),
// Enter. Portable (host-tested): echo goes through a callback.
#pragma once

#include <cstddef>

namespace kernel {

class LineEditor {
public:
    enum class Action { None, Submit, Cancel };
    using Echo = void (*)(const char* s, std::size_t n, void* ctx);
    static constexpr std::size_t kMaxLine = 256;

    LineEditor(Echo echo, void* ctx) : m_echo(echo), m_ctx(ctx) {}

    Action feed(char c);
    const char* line() const { return m_buf; }   // NUL-terminated after Submit
    std::size_t length() const { return m_len; }
    void reset() { m_len = 0; m_buf[0] = 0; }

private:
    void echo(const char* s, std::size_t n) { if (m_echo) m_echo(s, n, m_ctx); }
    Echo m_echo;
    void* m_ctx;
    char m_buf[kMaxLine + 1] = {};
    std::size_t m_len = 0;
};

}  // namespace kernel
