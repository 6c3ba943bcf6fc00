// Host tests for kernel/path_lookup: components, ".", "..", trailing slashes, symbolic links
// (relative, absolute, chained, in the middle of a path, loops) and the limits, over small archives
// built here.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "host/support.h"
#include "kernel/fs/path_lookup.h"

namespace {

using kernel::CpioArchive;
using kernel::FollowLast;
using lib::Error;

// A newc archive: mode and data per entry, inode numbers from 1, then the trailer.
class Archive {
public:
    Archive& add(const std::string& name, std::uint32_t mode, const std::string& data = "") {
        char hdr[111];
        std::snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ++m_ino, mode, 0u,
                      0u, 1u, 0u, data.size(), 0u, 0u, 0u, 0u, name.size() + 1, 0u);
        m_bytes.insert(m_bytes.end(), hdr, hdr + 110);
        m_bytes.insert(m_bytes.end(), name.begin(), name.end());
        m_bytes.push_back(0);
        pad();
        m_bytes.insert(m_bytes.end(), data.begin(), data.end());
        pad();
        return *this;
    }
    Archive& dir(const std::string& n) { return add(n, 0040755); }
    Archive& file(const std::string& n, const std::string& d) { return add(n, 0100644, d); }
    Archive& link(const std::string& n, const std::string& target) { return add(n, 0120777, target); }
    CpioArchive open() {
        add("TRAILER!!!", 0);
        auto r = CpioArchive::open(m_bytes.data(), m_bytes.size());
        EXPECT_TRUE(r.ok());
        return r.value();
    }

private:
    void pad() {
        while (m_bytes.size() % 4) m_bytes.push_back(0);
    }
    std::vector<std::uint8_t> m_bytes;
    std::uint32_t m_ino = 0;
};

class PathLookupTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_fs = m_archive.dir("bin")
                   .file("bin/sh", "shell")
                   .dir("usr")
                   .dir("usr/lib")
                   .file("usr/lib/libc", "libc")
                   .link("lib", "usr/lib")               // relative, in the root
                   .link("bin/abs", "/usr/lib/libc")     // absolute
                   .link("bin/rel", "../usr/lib/libc")   // relative to the link's directory
                   .link("bin/chain", "abs")             // a link to a link
                   .link("loop1", "loop2")
                   .link("loop2", "loop1")
                   .link("dangling", "nowhere")
                   .link("empty", "")
                   .open();
    }
    lib::Result<kernel::CpioEntry> find(const std::string& p, FollowLast f = FollowLast::Yes) {
        return kernel::lookup_path(m_fs, p.c_str(), f, m_scratch.data());
    }
    std::string data_of(const std::string& p, FollowLast f = FollowLast::Yes) {
        auto r = find(p, f);
        if (!r.ok()) return std::string("error ") + lib::error_name(r.error());
        return std::string(reinterpret_cast<const char*>(r.value().data), r.value().size);
    }

    Archive m_archive;
    CpioArchive m_fs = CpioArchive::empty();
    std::vector<char> m_scratch = std::vector<char>(2 * kernel::kPathMax);
};

TEST_F(PathLookupTest, FindsFilesAndDirectoriesWithDotsAndSlashes) {
    EXPECT_EQ(data_of("/bin/sh"), "shell");
    EXPECT_EQ(data_of("bin/sh"), "shell");   // relative to "/", the only working directory
    EXPECT_EQ(data_of("//bin///./sh"), "shell");
    EXPECT_EQ(data_of("/usr/lib/../../bin/sh"), "shell");
    EXPECT_EQ(data_of("/../../bin/sh"), "shell");   // the root's parent is the root
    EXPECT_TRUE(kernel::is_directory(find("/usr/lib/").value()));
    EXPECT_TRUE(kernel::is_directory(find("/bin/.").value()));
}

TEST_F(PathLookupTest, TheRootIsADirectoryEvenWithoutAnEntry) {
    for (const char* p : {"/", "//", "/.", "/..", "bin/.."}) {
        auto r = find(p);
        ASSERT_TRUE(r.ok()) << p;
        EXPECT_TRUE(kernel::is_directory(r.value())) << p;
        EXPECT_EQ(r.value().ino, kernel::kSyntheticRootIno) << p;
    }
}

TEST_F(PathLookupTest, MissingNamesAndFilesUsedAsDirectories) {
    EXPECT_EQ(find("").error(), Error::NotFound);
    EXPECT_EQ(find("/nope").error(), Error::NotFound);
    EXPECT_EQ(find("/nope/sh").error(), Error::NotFound);
    EXPECT_EQ(find("/bin/sh/x").error(), Error::NotDirectory);
    EXPECT_EQ(find("/bin/sh/").error(), Error::NotDirectory);
    EXPECT_EQ(find("/bin/sh/..").error(), Error::NotDirectory);   // no lexical shortcut past a file
}

TEST_F(PathLookupTest, FollowsSymbolicLinks) {
    EXPECT_EQ(data_of("/bin/abs"), "libc");
    EXPECT_EQ(data_of("/bin/rel"), "libc");
    EXPECT_EQ(data_of("/bin/chain"), "libc");
    EXPECT_EQ(data_of("/lib/libc"), "libc");          // a link in the middle
    EXPECT_EQ(data_of("/lib/../lib/libc"), "libc");   // ".." after a link: the target's parent (/usr)
    EXPECT_EQ(find("/lib/../bin/sh").error(), Error::NotFound);   // /usr/bin/sh, as on Linux
    EXPECT_TRUE(kernel::is_directory(find("/lib").value()));
}

TEST_F(PathLookupTest, LastLinkIsKeptWhenNotFollowed) {
    EXPECT_EQ(data_of("/bin/abs", FollowLast::No), "/usr/lib/libc");   // the link itself
    EXPECT_TRUE(kernel::is_symlink(find("/lib", FollowLast::No).value()));
    EXPECT_EQ(data_of("/lib/libc", FollowLast::No), "libc");            // not the last: followed
    EXPECT_TRUE(kernel::is_directory(find("/lib/", FollowLast::No).value()));   // "/" asks for the directory
    EXPECT_TRUE(kernel::is_symlink(find("/dangling", FollowLast::No).value()));
}

TEST_F(PathLookupTest, BrokenLinksAndLoops) {
    EXPECT_EQ(find("/dangling").error(), Error::NotFound);
    EXPECT_EQ(find("/empty").error(), Error::NotFound);
    EXPECT_EQ(find("/loop1").error(), Error::TooManyLinks);
    EXPECT_EQ(find("/loop1/x").error(), Error::TooManyLinks);
}

TEST_F(PathLookupTest, OverlongPathsAreOutOfRange) {
    std::string p = "/bin/sh";
    while (p.size() < kernel::kPathMax) p.insert(0, "/.");
    EXPECT_EQ(find(p).error(), Error::OutOfRange);
    p = p.substr(p.size() - (kernel::kPathMax - 1));   // 4095 characters: still a valid path
    EXPECT_EQ(data_of(p), "shell");
}

TEST(PathLookup, LinkExpansionPastPathMaxIsOutOfRange) {
    Archive a;
    const std::string target(3000, 'x');
    CpioArchive fs = a.link("l", target).open();
    std::vector<char> scratch(2 * kernel::kPathMax);
    const std::string path = "/l/" + std::string(1500, 'y');
    EXPECT_EQ(kernel::lookup_path(fs, path.c_str(), FollowLast::Yes, scratch.data()).error(), Error::OutOfRange);
}

TEST(PathLookup, ARootEntryInTheArchiveIsUsed) {
    Archive a;
    CpioArchive fs = a.add(".", 0040700).file("f", "1").open();
    std::vector<char> scratch(2 * kernel::kPathMax);
    auto r = kernel::lookup_path(fs, "/", FollowLast::Yes, scratch.data());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().mode, 0040700u);
}

}  // namespace
