#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/cmdline.h"

namespace {

struct Warnings {
    std::vector<std::string> tokens;
    static void record(const char*, kernel::StrView tok, void* ctx) {
        static_cast<Warnings*>(ctx)->tokens.emplace_back(tok.ptr, tok.len);
    }
};

// The split words live here, so that the options' views stay valid until the next parse.
kernel::CmdlineWords g_words;

kernel::BootOptions parse(const std::string& s, Warnings& w) {
    kernel::split_command_line(s.c_str(), s.size(), g_words);
    return kernel::parse_boot_options(g_words, Warnings::record, &w);
}

std::string str(kernel::StrView v) { return std::string(v.ptr, v.len); }

TEST(CmdlineTest, ParsesEveryKnownOption) {
    Warnings w;
    const std::string line = "test=sched,mm bench=all hz=250 loglevel=3 init=/bin/init asid_bits=8 maxcpus=2";  // outlives the views
    auto o = parse(line, w);
    EXPECT_EQ(str(o.test), "sched,mm");
    EXPECT_EQ(str(o.bench), "all");
    EXPECT_EQ(o.hz, 250u);
    EXPECT_EQ(o.loglevel, 3);
    EXPECT_EQ(str(o.init), "/bin/init");
    EXPECT_EQ(o.asid_bits, 8u);
    EXPECT_EQ(o.maxcpus, 2u);
    EXPECT_TRUE(w.tokens.empty());
}

// maxcpus=0 is the boot CPU alone, as on Linux; a bad value starts every CPU, with a warning.
TEST(CmdlineTest, MaxCpus) {
    Warnings w;
    EXPECT_EQ(parse("maxcpus=0", w).maxcpus, 1u);
    EXPECT_EQ(parse("maxcpus=1", w).maxcpus, 1u);
    EXPECT_EQ(parse("maxcpus=8", w).maxcpus, 8u);
    EXPECT_TRUE(w.tokens.empty());
    EXPECT_EQ(parse("maxcpus=x", w).maxcpus, 0u);
    EXPECT_EQ(parse("maxcpus", w).maxcpus, 0u);
    EXPECT_EQ(w.tokens.size(), 2u);
}

TEST(CmdlineTest, DefaultsWhenEmpty) {
    Warnings w;
    auto o = parse("", w);
    EXPECT_TRUE(o.test.empty());
    EXPECT_EQ(o.hz, 100u);
    EXPECT_EQ(o.loglevel, 2);
    EXPECT_EQ(o.asid_bits, 0u);
    EXPECT_TRUE(w.tokens.empty());
}

TEST(CmdlineTest, WarnsAboutUnknownOptionsAndBadValues) {
    Warnings w;
    auto o = parse("  frob=1 hz=0 hz=99999 loglevel=7 hz=abc  quiet asid_bits=12 asid_bits ", w);
    EXPECT_EQ(o.hz, 100u);
    EXPECT_EQ(o.loglevel, 2);
    EXPECT_EQ(o.asid_bits, 0u);
    ASSERT_EQ(w.tokens.size(), 8u);
    EXPECT_EQ(w.tokens[0], "frob=1");
    EXPECT_EQ(w.tokens[5], "quiet");
    EXPECT_EQ(w.tokens[6], "asid_bits=12");
    EXPECT_EQ(w.tokens[7], "asid_bits");
}

TEST(CmdlineTest, StopsAtTheLengthAndAtNul) {
    Warnings w;
    const char s[] = "hz=200\0hz=300";
    kernel::split_command_line(s, sizeof s - 1, g_words);
    EXPECT_EQ(kernel::parse_boot_options(g_words, Warnings::record, &w).hz, 200u);
    kernel::split_command_line("hz=200 hz=300", 6, g_words);
    EXPECT_EQ(kernel::parse_boot_options(g_words, Warnings::record, &w).hz, 200u);
}

// Every option parse_boot_options reads is a kernel option (so init= never receives it), and
// anything else is not (so init does).
TEST(CmdlineTest, KernelOptionsAreExactlyTheOnesTheParserReads) {
    for (const char* k : {"test", "bench", "init", "hz", "loglevel", "asid_bits", "maxcpus", "strace"}) {
        EXPECT_TRUE(kernel::is_kernel_option(kernel::StrView{k, std::strlen(k)})) << k;
        std::vector<std::string> messages;
        const std::string tok = std::string(k) + "=8";
        kernel::split_command_line(tok.c_str(), tok.size(), g_words);
        kernel::parse_boot_options(
            g_words,
            [](const char* what, kernel::StrView, void* ctx) { static_cast<std::vector<std::string>*>(ctx)->push_back(what); },
            &messages);
        for (const auto& msg : messages) EXPECT_EQ(msg.find("unknown"), std::string::npos) << k;
    }
    for (const char* k : {"", "FOO", "hzz", "tes", "init2", "HOME"}) {
        EXPECT_FALSE(kernel::is_kernel_option(kernel::StrView{k, std::strlen(k)})) << k;
    }
}

TEST(CmdlineTest, ListItemsSkipEmptyOnes) {
    kernel::StrView list{",a,,bc,", 7};
    std::size_t pos = 0;
    kernel::StrView item;
    std::vector<std::string> items;
    while (kernel::next_list_item(list, pos, item)) items.push_back(str(item));
    EXPECT_EQ(items, (std::vector<std::string>{"a", "bc"}));
}

std::vector<std::string> split(const std::string& s) {
    kernel::split_command_line(s.c_str(), s.size(), g_words);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < g_words.count; ++i) {
        out.push_back(str(g_words.word(i)));
        EXPECT_EQ(g_words.word(i).ptr[g_words.word(i).len], '\0');  // each word is a C string
    }
    return out;
}

using Words = std::vector<std::string>;

TEST(CmdlineSplitTest, BlanksSeparateWords) {
    EXPECT_EQ(split(""), Words{});
    EXPECT_EQ(split("   \t\n "), Words{});
    EXPECT_EQ(split("a"), Words{"a"});
    EXPECT_EQ(split("  a\tbb \n ccc  "), (Words{"a", "bb", "ccc"}));
}

// Linux's next_arg(): a quote groups blanks into the word and is removed, at the start of the word
// or of its value (foo="a b") or anywhere else in it.
TEST(CmdlineSplitTest, DoubleQuotesGroupWords) {
    EXPECT_EQ(split("\"echo a b\""), Words{"echo a b"});
    EXPECT_EQ(split("foo=\"a b\" c"), (Words{"foo=a b", "c"}));
    EXPECT_EQ(split("a\"b c\"d e"), (Words{"ab cd", "e"}));
    EXPECT_EQ(split("\"\" x"), (Words{"", "x"}));  // an empty quoted word is a word
    EXPECT_EQ(split("\"a=b c\""), Words{"a=b c"});
}

TEST(CmdlineSplitTest, SingleQuotesGroupAndEachKindIsLiteralInTheOther) {
    EXPECT_EQ(split("'a b' c"), (Words{"a b", "c"}));
    EXPECT_EQ(split("'say \"hi there\"'"), Words{"say \"hi there\""});
    EXPECT_EQ(split("\"it's\" x"), (Words{"it's", "x"}));
    EXPECT_EQ(split("-c 'echo \"a  b\" | wc'"), (Words{"-c", "echo \"a  b\" | wc"}));
}

TEST(CmdlineSplitTest, AnUnclosedQuoteRunsToTheEnd) {
    EXPECT_EQ(split("a \"b c  d"), (Words{"a", "b c  d"}));
    EXPECT_EQ(split("x='y z"), Words{"x=y z"});
}

TEST(CmdlineSplitTest, DashesEndTheKernelsOptions) {
    split("a -- b c");
    EXPECT_EQ(g_words.count, 3u);
    EXPECT_EQ(g_words.dashes, 1u);
    split("a b");
    EXPECT_EQ(g_words.dashes, 2u);  // none: count
    split("a -- b -- c");  // only the first is the separator; the second is init's
    EXPECT_EQ(g_words.count, 4u);
    EXPECT_EQ(g_words.dashes, 1u);
    EXPECT_EQ(str(g_words.word(2)), "--");
    split("a --x -");
    EXPECT_EQ(g_words.dashes, 3u);
    split("--");
    EXPECT_EQ(g_words.count, 0u);
    EXPECT_EQ(g_words.dashes, 0u);
}

TEST(CmdlineSplitTest, TooLongALineIsCutAtAWordAndSaysSo) {
    std::string line;
    for (int i = 0; i < 300; ++i) line += "w" + std::to_string(i) + " ";
    split(line);
    EXPECT_EQ(g_words.count, kernel::CmdlineWords::kMaxWords);
    EXPECT_TRUE(g_words.truncated);
    EXPECT_EQ(str(g_words.word(255)), "w255");
    const std::string huge(5000, 'x');
    EXPECT_EQ(split("a " + huge + " b"), Words{"a"});
    EXPECT_TRUE(g_words.truncated);
    split("a b");
    EXPECT_FALSE(g_words.truncated);
}

// Options after "--" are init's, never the kernel's.
TEST(CmdlineTest, OptionsAfterDashesAreNotTheKernels) {
    Warnings w;
    auto o = parse("hz=250 init=/bin/sh -- hz=1000 test=all -c x", w);
    EXPECT_EQ(o.hz, 250u);
    EXPECT_TRUE(o.test.empty());
    EXPECT_EQ(str(o.init), "/bin/sh");
    EXPECT_TRUE(w.tokens.empty());
}

TEST(CmdlineTest, QuotedValuesOfKernelOptions) {
    Warnings w;
    auto o = parse("init=\"/bin/sh\" strace='all' test=\"boot\"", w);
    EXPECT_EQ(str(o.init), "/bin/sh");
    EXPECT_EQ(str(o.strace), "all");
    EXPECT_EQ(str(o.test), "boot");
    EXPECT_TRUE(w.tokens.empty());
    EXPECT_TRUE(parse("strace=", w).strace.empty());
    EXPECT_EQ(w.tokens.size(), 1u);
}

struct Init {
    std::vector<std::string> argv, envp;
    int dropped;
};

Init init_args(const std::string& line, const char* path = "/bin/sh") {
    kernel::split_command_line(line.c_str(), line.size(), g_words);
    static kernel::InitArgs a;
    kernel::build_init_args(g_words, path, a);
    Init r{{}, {}, a.dropped};
    for (int i = 0; i < a.argc; ++i) r.argv.emplace_back(a.argv[i]);
    for (int i = 0; i < a.envc; ++i) r.envp.emplace_back(a.envp[i]);
    EXPECT_EQ(a.argv[a.argc], nullptr);
    EXPECT_EQ(a.envp[a.envc], nullptr);
    return r;
}

// The example: init=/bin/sh -- -c "echo a b" gives ["/bin/sh", "-c", "echo a b"].
TEST(CmdlineInitTest, ArgumentsAfterDashes) {
    auto r = init_args("init=/bin/sh -- -c \"echo a b\"");
    EXPECT_EQ(r.argv, (Words{"/bin/sh", "-c", "echo a b"}));
    EXPECT_EQ(r.envp, (Words{"HOME=/", "PATH=/bin", "TERM=vt100"}));
}

TEST(CmdlineInitTest, AfterDashesEverythingIsAnArgument) {
    auto r = init_args("loglevel=3 init=/bin/x -- A=1 hz=5 init=/y a.b=c -- 'q r'", "/bin/x");
    EXPECT_EQ(r.argv, (Words{"/bin/x", "A=1", "hz=5", "init=/y", "a.b=c", "--", "q r"}));
    EXPECT_EQ(r.envp.size(), 3u);
}

// Before "--": bare words are arguments, unknown key=value words environment, the kernel's own
// options neither, and names with a dot (module parameters) nobody's.
TEST(CmdlineInitTest, BeforeDashesAsLinuxUnknownBootoption) {
    auto r = init_args("one FOO=bar hz=250 PATH=/x init=/bin/sh two mod.param=1 mod.flag strace=all");
    EXPECT_EQ(r.argv, (Words{"/bin/sh", "one", "two"}));
    EXPECT_EQ(r.envp, (Words{"FOO=bar", "PATH=/x", "HOME=/", "TERM=vt100"}));
}

TEST(CmdlineInitTest, ALaterVariableReplacesAnEarlierOneOfTheSameName) {
    auto r = init_args("A=1 AB=2 A=3 A= HOME=/root");
    EXPECT_EQ(r.envp, (Words{"A=", "AB=2", "HOME=/root", "PATH=/bin", "TERM=vt100"}));
}

TEST(CmdlineInitTest, QuotedEnvironmentValues) {
    auto r = init_args("PS1=\"$ \" 'MSG=a b' x=\"1 2\"3");
    EXPECT_EQ(r.envp, (Words{"PS1=$ ", "MSG=a b", "x=1 23", "HOME=/", "PATH=/bin", "TERM=vt100"}));
}

TEST(CmdlineInitTest, TooManyWordsAreCountedNotWrittenPastTheArrays) {
    std::string line = "--";
    for (int i = 0; i < 40; ++i) line += " a" + std::to_string(i);
    for (int i = 0; i < 3; ++i) line = "V" + std::to_string(i) + "=1 " + line;
    auto r = init_args(line);
    EXPECT_EQ(r.argv.size(), static_cast<std::size_t>(kernel::InitArgs::kMax + 1));
    EXPECT_EQ(r.argv.back(), "a31");
    EXPECT_EQ(r.dropped, 8);
    EXPECT_EQ(r.envp.size(), 6u);
    std::string envs;
    for (int i = 0; i < 40; ++i) envs += " E" + std::to_string(i) + "=x";
    auto e = init_args(envs);
    EXPECT_EQ(e.envp.size(), static_cast<std::size_t>(kernel::InitArgs::kMax + 3));
    EXPECT_EQ(e.dropped, 8);
}

TEST(CmdlineInitTest, NoWordsGiveThePathAndTheDefaults) {
    auto r = init_args("", "/init");
    EXPECT_EQ(r.argv, Words{"/init"});
    EXPECT_EQ(r.envp, (Words{"HOME=/", "PATH=/bin", "TERM=vt100"}));
}

}  // namespace
