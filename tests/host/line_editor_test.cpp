#include <gtest/gtest.h>

#include <string>

#include "kernel/line_editor.h"

namespace {

struct Screen {
    std::string out;
    static void echo(const char* s, std::size_t n, void* ctx) { static_cast<Screen*>(ctx)->out.append(s, n); }
};

using Action = kernel::LineEditor::Action;

Action feed(kernel::LineEditor& ed, const std::string& keys) {
    Action last = Action::None;
    for (char c : keys) last = ed.feed(c);
    return last;
}

TEST(LineEditorTest, SubmitsTheTypedLineOnEnter) {
    Screen s;
    kernel::LineEditor ed(Screen::echo, &s);
    EXPECT_EQ(feed(ed, "help\r"), Action::Submit);
    EXPECT_STREQ(ed.line(), "help");
    EXPECT_EQ(s.out, "help\n");
}

TEST(LineEditorTest, BackspaceAndDelEraseOneCharacter) {
    Screen s;
    kernel::LineEditor ed(Screen::echo, &s);
    EXPECT_EQ(feed(ed, "hellp\x7f" "o\b\bo\r"), Action::Submit);
    EXPECT_STREQ(ed.line(), "helo");
    EXPECT_EQ(feed(ed, ""), Action::None);
}

TEST(LineEditorTest, BackspaceOnAnEmptyLineDoesNothing) {
    Screen s;
    kernel::LineEditor ed(Screen::echo, &s);
    feed(ed, "\x7f\x7f");
    EXPECT_EQ(s.out, "");
}

TEST(LineEditorTest, CtrlUErasesTheLineAndCtrlCCancelsIt) {
    Screen s;
    kernel::LineEditor ed(Screen::echo, &s);
    feed(ed, "abc\x15");
    EXPECT_EQ(ed.length(), 0u);
    EXPECT_EQ(s.out, "abc\b \b\b \b\b \b");
    feed(ed, "xyz");
    EXPECT_EQ(ed.feed(0x03), Action::Cancel);
    EXPECT_EQ(ed.length(), 0u);
}

TEST(LineEditorTest, IgnoresControlBytesAndRingsWhenFull) {
    Screen s;
    kernel::LineEditor ed(Screen::echo, &s);
    feed(ed, "\x01\x1b");
    EXPECT_EQ(ed.length(), 0u);
    feed(ed, std::string(kernel::LineEditor::kMaxLine + 3, 'a'));
    EXPECT_EQ(ed.length(), kernel::LineEditor::kMaxLine);
    EXPECT_EQ(s.out.back(), '\a');
}

}  // namespace
