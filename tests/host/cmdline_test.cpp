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

kernel::BootOptions parse(const std::string& s, Warnings& w) {
    return kernel::parse_boot_options(s.c_str(), s.size(), Warnings::record, &w);
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
    auto o = kernel::parse_boot_options(s, sizeof s - 1, Warnings::record, &w);
    EXPECT_EQ(o.hz, 200u);
    auto o2 = kernel::parse_boot_options("hz=200 hz=300", 6, Warnings::record, &w);
    EXPECT_EQ(o2.hz, 200u);
}

// Every option parse_boot_options reads is a kernel option (so init= never receives it), and
// anything else is not (so init does).
TEST(CmdlineTest, KernelOptionsAreExactlyTheOnesTheParserReads) {
    for (const char* k : {"test", "bench", "init", "hz", "loglevel", "asid_bits", "maxcpus"}) {
        EXPECT_TRUE(kernel::is_kernel_option(kernel::StrView{k, std::strlen(k)})) << k;
        std::vector<std::string> messages;
        const std::string tok = std::string(k) + "=8";
        kernel::parse_boot_options(
            tok.c_str(), tok.size(),
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

}  // namespace
