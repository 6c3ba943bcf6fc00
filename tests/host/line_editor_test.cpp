// The console line editor, fed the bytes real terminals send (xterm, VT100 application mode, the
// Linux console), also split anywhere across feed() calls. A small terminal model draws the echo, so
// the tests check what the user sees: the row equals the line and the cursor sits where the editor
// thinks it is.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kernel/monitor/line_editor.h"

namespace {

using kernel::LineEditor;
using Action = LineEditor::Action;

// A one-row terminal knowing only what a VT100 does with what the editor may send: printable bytes,
// BS, BEL, "\n" (the console turns it into CR LF), CSI n D. Anything else fails the test.
struct Terminal {
    std::string raw;                 // every byte echoed
    std::string row;                 // the current row
    std::size_t col = 0;
    std::vector<std::string> lines;  // rows finished by "\n"
    int bells = 0;
    std::string pending;             // an escape sequence being read

    static void echo(const char* s, std::size_t n, void* ctx) {
        auto* t = static_cast<Terminal*>(ctx);
        for (std::size_t i = 0; i < n; ++i) t->put(s[i]);
    }
    void put(char c) {
        raw += c;
        if (!pending.empty() || c == 0x1b) {
            pending += c;
            if (pending.size() >= 3 && c >= 0x40 && c <= 0x7e) apply(pending);
            return;
        }
        if (c == '\b') {
            ASSERT_GT(col, 0u) << "BS at the left margin";
            --col;
        } else if (c == '\a') {
            ++bells;
        } else if (c == '\n') {
            lines.push_back(visible());
            row.clear();
            col = 0;
        } else {
            ASSERT_TRUE(c >= 0x20 && c <= 0x7e) << "unexpected byte " << int(c);
            if (col == row.size()) row += c;
            else row[col] = c;
            ++col;
        }
    }
    void apply(std::string seq) {
        pending.clear();
        ASSERT_EQ(seq.substr(0, 2), "\x1b[");
        ASSERT_EQ(seq.back(), 'D') << "unexpected sequence " << seq.substr(1);
        const std::size_t n = std::stoul(seq.substr(2, seq.size() - 3));
        ASSERT_GE(n, 2u) << "CSI 1 D where BS would do";
        ASSERT_LE(n, col);
        col -= n;
    }
    std::string visible() const {  // the row without the blanks erasing left behind
        std::string s = row;
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s;
    }
    // The row is `line` followed by nothing but blanks.
    bool shows(const std::string& line) const {
        return row.compare(0, line.size(), line) == 0 && row.size() >= line.size() &&
               row.find_first_not_of(' ', line.size()) == std::string::npos;
    }
};

struct Editor {
    Terminal term;
    LineEditor ed{Terminal::echo, &term};
    Action last = Action::None;
    std::vector<std::string> submitted;

    Action feed(const std::string& bytes) {
        for (char c : bytes) {
            last = ed.feed(c);
            if (last == Action::Submit) submitted.emplace_back(ed.line());
            if (last != Action::None) ed.reset();
        }
        return last;
    }
    std::string line() const { return std::string(ed.line(), ed.length()); }
    // The screen shows exactly the line, with the cursor where the editor has it.
    void expect_consistent() const {
        EXPECT_TRUE(term.shows(line())) << "row '" << term.row << "', line '" << line() << "'";
        EXPECT_EQ(term.col, ed.cursor());
    }
};

// What terminals send.
const std::string kLeft = "\x1b[D", kRight = "\x1b[C", kUp = "\x1b[A", kDown = "\x1b[B";
const std::string kHome = "\x1b[H", kEnd = "\x1b[F", kDelete = "\x1b[3~";

TEST(LineEditorTest, SubmitsTheTypedLineOnEnter) {
    Editor e;
    EXPECT_EQ(e.feed("help\r"), Action::Submit);
    ASSERT_EQ(e.submitted.size(), 1u);
    EXPECT_EQ(e.submitted[0], "help");
    EXPECT_EQ(e.term.raw, "help\n");
}

TEST(LineEditorTest, CrLfIsOneEnterButTwoLfAreTwo) {
    Editor e;
    e.feed("a\r\nb\n\n");
    EXPECT_EQ(e.submitted, (std::vector<std::string>{"a", "b", ""}));
}

TEST(LineEditorTest, BackspaceAndDelEraseOneCharacter) {
    Editor e;
    e.feed("hellp\x7f" "o\b\bo");
    EXPECT_EQ(e.line(), "helo");
    e.expect_consistent();
    EXPECT_EQ(e.term.raw, "hellp\b \bo\b \b\b \bo");
}

TEST(LineEditorTest, BackspaceOnAnEmptyLineDoesNothing) {
    Editor e;
    e.feed("\x7f\x7f\b");
    EXPECT_EQ(e.term.raw, "");
}

TEST(LineEditorTest, ArrowsMoveTheCursorAndTypingInsertsThere) {
    Editor e;
    e.feed("held" + kLeft + kLeft + "l" + kRight + "o" + kEnd + "!");
    EXPECT_EQ(e.line(), "hellod!");
    e.expect_consistent();
    e.feed(kHome + "[" + kEnd + "]");
    EXPECT_EQ(e.line(), "[hellod!]");
    e.expect_consistent();
    EXPECT_EQ(e.feed("\r"), Action::Submit);
    EXPECT_EQ(e.submitted.back(), "[hellod!]");
}

TEST(LineEditorTest, LeftAtTheStartAndRightAtTheEndDoNothing) {
    Editor e;
    e.feed("ab" + kRight + kRight);
    EXPECT_EQ(e.ed.cursor(), 2u);
    e.feed(kLeft + kLeft + kLeft + kLeft);
    EXPECT_EQ(e.ed.cursor(), 0u);
    e.expect_consistent();
}

TEST(LineEditorTest, EveryHomeAndEndFormIsUnderstood) {
    // xterm (CSI H/F), application cursor mode (SS3 H/F), the Linux console and rxvt (CSI 1~/4~, 7~/8~).
    for (const char* home : {"\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~", "\x01"}) {
        for (const char* end : {"\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~", "\x05"}) {
            Editor e;
            e.feed(std::string("bc") + home + "a" + end + "d");
            EXPECT_EQ(e.line(), "abcd") << "home " << home + 1 << " end " << end + 1;
            e.expect_consistent();
        }
    }
}

TEST(LineEditorTest, ApplicationModeArrowsWork) {
    Editor e;
    e.feed("ac\x1bOD" "b\x1bOC" "d");
    EXPECT_EQ(e.line(), "abcd");
    e.expect_consistent();
}

TEST(LineEditorTest, DeleteRemovesTheCharacterUnderTheCursor) {
    Editor e;
    e.feed("abcd" + kHome + kRight + kDelete);
    EXPECT_EQ(e.line(), "acd");
    EXPECT_EQ(e.ed.cursor(), 1u);
    e.expect_consistent();
    e.feed(kEnd + kDelete + "\x04");  // at the end: nothing (Ctrl-D too)
    EXPECT_EQ(e.line(), "acd");
    e.feed(kHome + "\x04");
    EXPECT_EQ(e.line(), "cd");
    e.expect_consistent();
}

TEST(LineEditorTest, CtrlKKillsToTheEndAndCtrlUToTheStart) {
    Editor e;
    e.feed("run /bin/hello world" + kLeft + kLeft + kLeft + kLeft + kLeft + "\x0b");
    EXPECT_EQ(e.line(), "run /bin/hello ");
    e.expect_consistent();
    e.feed(kLeft + kLeft + kLeft + kLeft + kLeft + kLeft + "\x15");
    EXPECT_EQ(e.line(), "hello ");
    EXPECT_EQ(e.ed.cursor(), 0u);
    e.expect_consistent();
}

TEST(LineEditorTest, CtrlWKillsTheWordBeforeTheCursor) {
    Editor e;
    e.feed("kill -9  %1  \x17");
    EXPECT_EQ(e.line(), "kill -9  ");
    e.feed("\x17");
    EXPECT_EQ(e.line(), "kill ");
    e.expect_consistent();
    e.feed("\x17\x17");
    EXPECT_EQ(e.line(), "");
    e.expect_consistent();
}

TEST(LineEditorTest, WordMotionWithCtrlAndAltArrows) {
    Editor e;
    e.feed("one two three\x1b[1;5D");
    EXPECT_EQ(e.ed.cursor(), 8u);
    e.feed("\x1b" "b");
    EXPECT_EQ(e.ed.cursor(), 4u);
    e.feed("\x1b[1;5C");
    EXPECT_EQ(e.ed.cursor(), 7u);
    e.feed("\x1bO5D");  // Ctrl-Left as older xterms send it
    EXPECT_EQ(e.ed.cursor(), 4u);
    e.feed("\x1b[1;3C");  // Alt-Right
    EXPECT_EQ(e.ed.cursor(), 7u);
    e.feed("\x1b" "f" "\x1b\x7f");  // Alt-f to the end, Alt-Backspace kills "three"
    EXPECT_EQ(e.line(), "one two ");
    e.expect_consistent();
}

TEST(LineEditorTest, HistoryRecallsOlderLinesAndComesBackToTheTypedOne) {
    Editor e;
    e.feed("first\rsecond\r");
    e.feed("draft" + kUp);
    EXPECT_EQ(e.line(), "second");
    e.expect_consistent();
    e.feed(kUp);
    EXPECT_EQ(e.line(), "first");
    e.expect_consistent();
    const int bells = e.term.bells;
    e.feed(kUp);  // no older line: the bell, the line stays
    EXPECT_EQ(e.line(), "first");
    EXPECT_EQ(e.term.bells, bells + 1);
    e.feed(kDown + kDown);
    EXPECT_EQ(e.line(), "draft");
    e.expect_consistent();
    e.feed(kUp + "!\r");  // an edited history line is submitted as edited
    EXPECT_EQ(e.submitted.back(), "second!");
    EXPECT_STREQ(e.ed.history_entry(0), "second!");
    EXPECT_STREQ(e.ed.history_entry(1), "second");
}

TEST(LineEditorTest, HistorySkipsEmptyLinesAndRepeatsOfTheLastOne) {
    Editor e;
    e.feed("ps\r\rps\rls\rps\r");
    ASSERT_EQ(e.ed.history_size(), 3u);
    EXPECT_STREQ(e.ed.history_entry(0), "ps");
    EXPECT_STREQ(e.ed.history_entry(1), "ls");
    EXPECT_STREQ(e.ed.history_entry(2), "ps");
    EXPECT_EQ(e.ed.history_entry(3), nullptr);
}

TEST(LineEditorTest, HistoryKeepsTheLastKHistoryLines) {
    Editor e;
    const std::size_t n = LineEditor::kHistory + 5;
    for (std::size_t i = 0; i < n; ++i) e.feed("cmd" + std::to_string(i) + "\r");
    ASSERT_EQ(e.ed.history_size(), LineEditor::kHistory);
    EXPECT_EQ(e.ed.history_entry(0), "cmd" + std::to_string(n - 1));
    EXPECT_EQ(e.ed.history_entry(LineEditor::kHistory - 1), "cmd" + std::to_string(n - LineEditor::kHistory));
    for (std::size_t i = 0; i < LineEditor::kHistory; ++i) e.feed(kUp);
    EXPECT_EQ(e.line(), "cmd" + std::to_string(n - LineEditor::kHistory));
    e.feed("\x10\x0e");  // Ctrl-P at the oldest rings; Ctrl-N goes one newer
    EXPECT_EQ(e.line(), "cmd" + std::to_string(n - LineEditor::kHistory + 1));
    e.expect_consistent();
}

TEST(LineEditorTest, ALongerLineIsRefusedNeverCut) {
    Editor e;
    const std::string too_long(LineEditor::kMaxLine + 10, 'x');
    EXPECT_EQ(e.feed(too_long), Action::None);
    EXPECT_EQ(e.ed.length(), LineEditor::kMaxLine);
    EXPECT_EQ(e.term.bells, 1);  // once, not for every dropped byte
    EXPECT_EQ(e.feed("\x7f\x7f\r"), Action::TooLong);  // room again, but bytes were lost
    EXPECT_TRUE(e.submitted.empty());
    EXPECT_EQ(e.ed.history_size(), 0u);
    // A line of exactly kMaxLine characters is fine.
    EXPECT_EQ(e.feed(std::string(LineEditor::kMaxLine, 'y') + "\r"), Action::Submit);
    EXPECT_EQ(e.submitted.back(), std::string(LineEditor::kMaxLine, 'y'));
}

TEST(LineEditorTest, AnOverflowedLineEmptiedByCtrlUIsAcceptedAgain) {
    Editor e;
    e.feed(std::string(LineEditor::kMaxLine + 1, 'x') + kEnd + "\x15" + "ps\r");
    EXPECT_EQ(e.last, Action::Submit);
    EXPECT_EQ(e.submitted.back(), "ps");
}

TEST(LineEditorTest, CtrlCCancelsTheLine) {
    Editor e;
    e.feed("xyz");
    EXPECT_EQ(e.feed("\x03"), Action::Cancel);
    EXPECT_EQ(e.ed.length(), 0u);
    EXPECT_EQ(e.term.lines.back(), "xyz^C");
    EXPECT_EQ(e.ed.history_size(), 0u);
}

TEST(LineEditorTest, UnknownSequencesAndControlBytesAreIgnoredWhole) {
    Editor e;
    // F1 (SS3 P), F5 (CSI 15~), Insert (CSI 2~), PgUp, a private-mode report (CSI ? 1 ; 2 c), a
    // focus-in (CSI I), Alt-x, Shift-Tab (CSI Z), a tab, a stray UTF-8 byte, Ctrl-L, Ctrl-G.
    e.feed("a\x1bOP\x1b[15~\x1b[2~\x1b[5~\x1b[?1;2c\x1b[I\x1bx\x1b[Z\t\xc3\x0c\x07" "b");
    EXPECT_EQ(e.line(), "ab");
    e.expect_consistent();
    // Too many parameters: unknown, not misread as an arrow.
    e.feed("\x1b[1;2;3;4;5D");
    EXPECT_EQ(e.ed.cursor(), 2u);
}

TEST(LineEditorTest, ControlKeysInsideABrokenSequenceStillAct) {
    Editor e;
    e.feed("ab\x1b[\r");  // an escape cut short by Enter
    ASSERT_EQ(e.submitted.size(), 1u);
    EXPECT_EQ(e.submitted[0], "ab");
    EXPECT_EQ(e.feed("cd\x1b\x03"), Action::Cancel);  // a lone ESC, then Ctrl-C
}

TEST(LineEditorTest, SequencesSplitAcrossFeedsAndLinesAreReassembled) {
    // Feed "xy" + Left + "z" one byte at a time through separate calls (as the UART delivers them).
    Editor e;
    for (char c : "xy\x1b[D" "z" + std::string()) e.ed.feed(c);
    EXPECT_EQ(e.line(), "xzy");
    // A sequence split right after ESC and after '[' across a pause: the same.
    Editor f;
    f.feed("ab\x1b");
    f.feed("[");
    f.feed("D");
    f.feed("\x1b[3");
    f.feed("~");
    EXPECT_EQ(f.line(), "a");
    f.expect_consistent();
}

TEST(LineEditorTest, AnEscapeLeftOpenIsDroppedByReset) {
    Editor e;
    e.feed("a\x1b[");
    e.ed.reset();
    e.feed("D");  // not the end of a sequence any more: a plain letter
    EXPECT_EQ(e.line(), "D");
}

TEST(LineEditorTest, CursorLeftUsesCsiForLongMoves) {
    Editor e;
    e.feed("abcdefghij" + kHome);
    EXPECT_EQ(e.term.raw, "abcdefghij\x1b[10D");
}

// Random keystrokes against a model of what the line must be; the screen must match after each one.
TEST(LineEditorTest, RandomEditingMatchesAModelAndTheScreen) {
    std::mt19937 rng(20261207);
    const std::vector<std::string> keys = {"a", "b", " ", kLeft, kRight, kHome, kEnd, kDelete, "\x7f", "\b",
                                           "\x0b", "\x15", "\x17", "\x01", "\x05", "\x1bOD", "\x1b[1;5D"};
    for (int round = 0; round < 200; ++round) {
        Editor e;
        std::string model;
        std::size_t cur = 0;
        for (int step = 0; step < 100; ++step) {
            const std::string& k = keys[rng() % keys.size()];
            e.feed(k);
            if (k == "a" || k == "b" || k == " ") model.insert(cur++, k);
            else if (k == kLeft || k == "\x1bOD") cur -= cur > 0;
            else if (k == kRight) cur += cur < model.size();
            else if (k == kHome || k == "\x01") cur = 0;
            else if (k == kEnd || k == "\x05") cur = model.size();
            else if (k == kDelete) { if (cur < model.size()) model.erase(cur, 1); }
            else if (k == "\x7f" || k == "\b") { if (cur > 0) model.erase(--cur, 1); }
            else if (k == "\x0b") model.erase(cur);
            else if (k == "\x15") { model.erase(0, cur); cur = 0; }
            else {  // Ctrl-W deletes, Ctrl-Left moves to, the start of the word before the cursor
                std::size_t i = cur;
                while (i > 0 && model[i - 1] == ' ') --i;
                while (i > 0 && model[i - 1] != ' ') --i;
                if (k == "\x17") model.erase(i, cur - i);
                cur = i;
            }
            ASSERT_EQ(e.line(), model) << "round " << round << " step " << step;
            ASSERT_EQ(e.ed.cursor(), cur);
            ASSERT_TRUE(e.term.shows(model)) << "row '" << e.term.row << "'";
            ASSERT_EQ(e.term.col, cur);
        }
    }
}

}  // namespace
