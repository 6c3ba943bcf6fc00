// Host tests for kernel/shebang: the "#!" line as Linux's binfmt_script reads it (checked against
// Linux 6.18 running the same scripts: argv as the interpreter saw it, or execve's errno).
#include <gtest/gtest.h>

#include <string>

#include "kernel/process/shebang.h"

namespace {

using kernel::parse_shebang;
using kernel::Shebang;

struct Parsed {
    bool ok, script;
    lib::Error error;
    std::string interp, arg;
    bool has_arg;
};

Parsed parse(const std::string& text) {
    Shebang s{};
    auto r = parse_shebang(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), s);
    if (!r.ok()) return {false, false, r.error(), "", "", false};
    if (!r.value()) return {true, false, lib::Error::Malformed, "", "", false};
    return {true, true, lib::Error::Malformed, s.interpreter, s.argument, s.has_argument};
}

TEST(ShebangTest, NotAScriptWithoutHashBang) {
    for (const char* t : {"", "#", "\x7f" "ELF", "# !/bin/sh\n", "!#/bin/sh\n", " #!/bin/sh\n"}) {
        Parsed p = parse(t);
        EXPECT_TRUE(p.ok && !p.script) << t;
    }
}

TEST(ShebangTest, InterpreterAlone) {
    for (const char* t : {"#!/bin/sh\n", "#!/bin/sh", "#! /bin/sh\n", "#!\t /bin/sh \t\necho\n", "#!/bin/sh\r"}) {
        Parsed p = parse(t);
        ASSERT_TRUE(p.ok && p.script) << t;
        EXPECT_FALSE(p.has_arg) << t;
    }
    EXPECT_EQ(parse("#!/bin/sh\n").interp, "/bin/sh");
    EXPECT_EQ(parse("#!  /bin/sh  \n").interp, "/bin/sh");
    EXPECT_EQ(parse("#!/bin/sh\r\n").interp, "/bin/sh\r");   // a CR is part of the name, as on Linux
}

TEST(ShebangTest, OneArgumentIsTheRestOfTheLineTrimmed) {
    Parsed p = parse("#!/bin/hello -x\nrest\n");
    EXPECT_EQ(p.interp, "/bin/hello");
    EXPECT_TRUE(p.has_arg);
    EXPECT_EQ(p.arg, "-x");
    p = parse("#!/bin/hello   a  b\tc \t \n");
    EXPECT_EQ(p.interp, "/bin/hello");
    EXPECT_EQ(p.arg, "a  b\tc");   // inner blanks kept: one argument
    p = parse("#!/usr/bin/env\tpython3 -u");   // no newline: the file ends the line
    EXPECT_EQ(p.interp, "/usr/bin/env");
    EXPECT_EQ(p.arg, "python3 -u");
}

TEST(ShebangTest, NulEndsTheWords) {
    Parsed p = parse(std::string("#!/bin/sh\0 -x\n", 14));
    EXPECT_EQ(p.interp, "/bin/sh");
    EXPECT_FALSE(p.has_arg);
    p = parse(std::string("#!/bin/sh -x\0yz\n", 16));
    EXPECT_EQ(p.arg, "-x");
    p = parse(std::string("#!/bin/sh \0foo\n", 15));   // a NUL is not a blank: an empty argument
    EXPECT_TRUE(p.has_arg);
    EXPECT_EQ(p.arg, "");
}

TEST(ShebangTest, NoInterpreterIsMalformed) {
    for (const char* t : {"#!\n", "#!   \n", "#! \t\nx\n"}) {
        Parsed p = parse(t);
        EXPECT_FALSE(p.ok) << t;
        EXPECT_EQ(p.error, lib::Error::Malformed) << t;
    }
}

// "#!" and nothing else: the zero padding after it is a NUL, which is not a blank, so Linux takes an
// empty interpreter name (and then fails to execute it: EACCES, the working directory).
TEST(ShebangTest, HashBangAloneNamesAnEmptyInterpreter) {
    Parsed p = parse("#!");
    ASSERT_TRUE(p.ok && p.script);
    EXPECT_EQ(p.interp, "");
    EXPECT_FALSE(p.has_arg);
}

TEST(ShebangTest, LongLinesAsLinux) {
    // A name that fills the 256-byte buffer without a blank after it may be cut: refused.
    std::string cut = "#!/" + std::string(300, 'a') + "\n";
    EXPECT_FALSE(parse(cut).ok);
    // Exactly 253 name bytes, the newline at byte 255: complete.
    std::string fits = "#!/" + std::string(252, 'b') + "\n";
    ASSERT_EQ(fits.size(), 256u);
    Parsed p = parse(fits);
    ASSERT_TRUE(p.ok && p.script);
    EXPECT_EQ(p.interp.size(), 253u);
    // The newline one byte later is outside the buffer: the name may be cut, refused.
    EXPECT_FALSE(parse("#!/" + std::string(253, 'b') + "\n").ok);
    // A complete name with a long argument: the argument is cut at the buffer's last byte.
    std::string longarg = "#!/bin/sh " + std::string(400, 'x') + "\n";
    p = parse(longarg);
    ASSERT_TRUE(p.ok && p.script);
    EXPECT_EQ(p.interp, "/bin/sh");
    EXPECT_EQ(p.arg, std::string(255 - 10, 'x'));
    // Only blanks in the whole buffer.
    EXPECT_FALSE(parse("#!" + std::string(300, ' ')).ok);
}

}  // namespace
