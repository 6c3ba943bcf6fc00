// Host tests for kernel/cpio: archives from GNU cpio and from a builder here, every truncation, bad
// fields, and a seeded fuzz loop checked against a reference parser written independently below.
// Budget: well under 2 s with sanitizers.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "host/support.h"
#include "kernel/fs/cpio.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using kernel::CpioArchive;
using kernel::CpioEntry;
using lib::Error;

Bytes read_data(const char* name) {
    std::ifstream in(std::string(HOST_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A heap copy of exactly `n` bytes, so AddressSanitizer reports any read past the end.
struct Exact {
    Exact(const Bytes& b, std::size_t n) : data(new std::uint8_t[n]), size(n) {
        if (n > 0 && !b.empty()) std::memcpy(data.get(), b.data(), std::min(n, b.size()));
    }
    explicit Exact(const Bytes& b) : Exact(b, b.size()) {}
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size;
};

std::string entry_data(const CpioEntry& e) {
    return std::string(reinterpret_cast<const char*>(e.data), e.size);
}

// newc writer. Field order: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
// rdevminor namesize check.
enum : std::size_t { kMode = 1, kFileSize = 6, kNameSize = 11, kCheck = 12 };
using Fields = std::array<std::uint32_t, 13>;

class CpioBuilder {
public:
    explicit CpioBuilder(bool crc = false, bool lowercase = false) : m_crc(crc), m_lowercase(lowercase) {}

    // An entry whose header fields are consistent with its name and data.
    CpioBuilder& add(const std::string& name, std::uint32_t mode, const std::string& data = "") {
        Fields f{};
        f[0] = ++m_ino;
        f[kMode] = mode;
        f[4] = 1;
        f[kFileSize] = static_cast<std::uint32_t>(data.size());
        f[kNameSize] = static_cast<std::uint32_t>(name.size() + 1);
        if (m_crc) {
            for (unsigned char c : data) f[kCheck] += c;
        }
        return add_raw(m_crc ? "070702" : "070701", f, name + '\0', data);
    }
    CpioBuilder& file(const std::string& name, const std::string& data) { return add(name, 0100644, data); }
    CpioBuilder& dir(const std::string& name) { return add(name, 0040755); }
    CpioBuilder& trailer() { return add("TRAILER!!!", 0); }

    // Any header at all; the name bytes are written as given (NUL included or not) and padding is
    // computed from the bytes actually written.
    CpioBuilder& add_raw(const std::string& magic, const Fields& f, const std::string& name_bytes,
                         const std::string& data) {
        m_out.insert(m_out.end(), magic.begin(), magic.end());
        for (std::uint32_t v : f) {
            char buf[9];
            std::snprintf(buf, sizeof buf, m_lowercase ? "%08x" : "%08X", v);
            m_out.insert(m_out.end(), buf, buf + 8);
        }
        m_out.insert(m_out.end(), name_bytes.begin(), name_bytes.end());
        pad();
        m_out.insert(m_out.end(), data.begin(), data.end());
        pad();
        return *this;
    }
    CpioBuilder& raw_bytes(const std::string& s) {
        m_out.insert(m_out.end(), s.begin(), s.end());
        return *this;
    }
    Bytes bytes() const { return m_out; }

private:
    void pad() {
        while (m_out.size() % 4) m_out.push_back(0);
    }
    Bytes m_out;
    bool m_crc;
    bool m_lowercase;
    std::uint32_t m_ino = 0;
};

Bytes small_archive() {
    return CpioBuilder().dir("bin").file("bin/init", "#!init\n").file("etc/motd", "hi").trailer().bytes();
}

lib::Result<CpioArchive> open(const Exact& b) { return CpioArchive::open(b.data.get(), b.size); }

std::vector<std::string> names(const CpioArchive& a) {
    std::vector<std::string> out;
    for (const CpioEntry& e : a) out.emplace_back(e.name, e.name_len);
    return out;
}

// Offset just past the trailer's name: the shortest prefix that is a complete archive.
std::size_t trailer_end(const Bytes& b) {
    static constexpr char kName[] = "TRAILER!!!";
    for (std::size_t i = 0; i + sizeof kName <= b.size(); i++) {
        if (std::memcmp(b.data() + i, kName, sizeof kName) == 0) return i + sizeof kName;
    }
    ADD_FAILURE() << "no trailer";
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Archives made by GNU cpio.

TEST(CpioArchiveTest, ReadsArchiveWrittenByGnuCpio) {
    Exact b(read_data("cpio-sample.cpio"));
    auto r = open(b);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const CpioArchive& a = r.value();
    EXPECT_EQ(a.count(), 8u);
    EXPECT_EQ(names(a), (std::vector<std::string>{".", "bin", "bin/blob", "bin/hello", "bin/motd-link",
                                                   "etc", "etc/empty", "etc/motd"}));

    auto hello = a.find("/bin/hello");
    ASSERT_TRUE(hello.ok());
    EXPECT_TRUE(kernel::is_regular(hello.value()));
    EXPECT_EQ(entry_data(hello.value()), "hello\n");
    EXPECT_EQ(hello.value().mode, 0100644u);

    auto blob = a.find("bin/blob");
    ASSERT_TRUE(blob.ok());
    EXPECT_EQ(entry_data(blob.value()), std::string("\x00\x01\x02\xff", 4));

    auto link = a.find("./bin/motd-link");
    ASSERT_TRUE(link.ok());
    EXPECT_TRUE(kernel::is_symlink(link.value()));
    EXPECT_EQ(entry_data(link.value()), "../etc/motd");

    auto etc = a.find("/etc");
    ASSERT_TRUE(etc.ok());
    EXPECT_TRUE(kernel::is_directory(etc.value()));
    EXPECT_FALSE(kernel::is_regular(etc.value()));

    auto empty = a.find("/etc/empty");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty.value().size, 0u);

    auto root = a.find("/");
    ASSERT_TRUE(root.ok());
    EXPECT_STREQ(root.value().name, ".");

    EXPECT_EQ(a.find("/bin/nothing").error(), Error::NotFound);
    EXPECT_EQ(a.find("/bin/hell").error(), Error::NotFound);
    EXPECT_EQ(a.find("/bin/hello2").error(), Error::NotFound);
}

TEST(CpioArchiveTest, ReadsCrcArchiveAndRejectsAWrongSum) {
    Bytes bytes = read_data("cpio-sample-crc.cpio");
    Exact b(bytes);
    auto r = open(b);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().count(), 7u);
    auto motd = r.value().find("/etc/motd");
    ASSERT_TRUE(motd.ok());
    EXPECT_EQ(entry_data(motd.value()), "Welcome to the test initramfs.\n");

    std::size_t at = static_cast<std::size_t>(motd.value().data - b.data.get());
    bytes[at] ^= 0x01;
    Exact bad(bytes);
    EXPECT_EQ(open(bad).error(), Error::Malformed);
}

// ---------------------------------------------------------------------------------------------
// Lookup and iteration.

TEST(CpioArchiveTest, FindIgnoresLeadingSlashAndDotSlashOnBothSides) {
    Exact b(CpioBuilder().file("./bin/x", "X").file("etc/y", "Y").dir("./usr/").trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    const CpioArchive& a = r.value();
    for (const char* p : {"/bin/x", "bin/x", "./bin/x", "//bin/x", "/./bin/x", "bin/x/"}) {
        auto e = a.find(p);
        ASSERT_TRUE(e.ok()) << p;
        EXPECT_EQ(entry_data(e.value()), "X") << p;
        EXPECT_STREQ(e.value().name, "./bin/x");
    }
    for (const char* p : {"/etc/y", "etc/y", "./etc/y"}) {
        auto e = a.find(p);
        ASSERT_TRUE(e.ok()) << p;
        EXPECT_EQ(entry_data(e.value()), "Y") << p;
    }
    EXPECT_TRUE(a.find("/usr").ok());
    EXPECT_TRUE(a.find("usr/").ok());
    // No "." entry and no "bin" directory entry here: neither exists.
    for (const char* p : {"/", "", "bin", "/bin/", "x", "bin/x/y", "etc/yy", "tc/y", "/etc"}) {
        EXPECT_EQ(a.find(p).error(), Error::NotFound) << p;
    }
}

TEST(CpioArchiveTest, FindReturnsTheLaterOfTwoEntriesWithOneName) {
    Exact b(CpioBuilder().file("init", "old").file("other", "o").file("./init", "new").trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().count(), 3u);
    EXPECT_EQ(entry_data(r.value().find("/init").value()), "new");
}

TEST(CpioArchiveTest, EntriesCarryTheHeaderFieldsStatReports) {
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    const Fields f{0x1234, 0100750, 1000, 100, 3, 0x5f5e1000, 2, 0, 0, 5, 1, 2, 0};
    Exact b(CpioBuilder().add_raw("070701", f, std::string("x\0", 2), "ab").trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    const CpioEntry e = r.value().find("x").value();
    EXPECT_EQ(e.ino, 0x1234u);
    EXPECT_EQ(e.mode, 0100750u);
    EXPECT_EQ(e.uid, 1000u);
    EXPECT_EQ(e.gid, 100u);
    EXPECT_EQ(e.nlink, 3u);
    EXPECT_EQ(e.mtime, 0x5f5e1000u);
    EXPECT_EQ(e.rdev_major, 5u);
    EXPECT_EQ(e.rdev_minor, 1u);
    EXPECT_EQ(entry_data(e), "ab");
}

TEST(CpioArchiveTest, FindRefusesOverlongPaths) {
    Exact b(CpioBuilder().file("a", "1").trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    std::string longpath(10000, 'a');
    EXPECT_EQ(r.value().find(longpath.c_str()).error(), Error::NotFound);
    EXPECT_THROW((void)r.value().find(nullptr), lib::AssertionFailure);
}

TEST(CpioArchiveTest, ForEachVisitsEntriesInOrderAndCanStop) {
    Exact b(CpioBuilder().dir("d").file("d/a", "aa").file("d/b", "").trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    std::vector<std::string> seen;
    r.value().for_each([&](const CpioEntry& e) { seen.emplace_back(e.name); });
    EXPECT_EQ(seen, (std::vector<std::string>{"d", "d/a", "d/b"}));

    seen.clear();
    r.value().for_each([&](const CpioEntry& e) {
        seen.emplace_back(e.name);
        return seen.size() < 2;
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"d", "d/a"}));
}

TEST(CpioArchiveTest, TrailerOnlyArchiveIsEmpty) {
    Exact b(CpioBuilder().trailer().bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().count(), 0u);
    EXPECT_TRUE(r.value().begin() == r.value().end());
    EXPECT_EQ(r.value().find("/").error(), Error::NotFound);
}

TEST(CpioArchiveTest, AcceptsLowercaseHexAndBytesAfterTheTrailer) {
    Exact b(CpioBuilder(false, true).file("f", std::string(300, 'z')).trailer().raw_bytes("junk after").bytes());
    auto r = open(b);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().find("f").value().size, 300u);
}

TEST(CpioArchiveTest, NullBufferIsAnError) {
    EXPECT_EQ(CpioArchive::open(nullptr, 0).error(), Error::Truncated);
    EXPECT_EQ(CpioArchive::open(nullptr, 100).error(), Error::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Malformed archives.

TEST(CpioArchiveTest, EveryTruncationBeforeTheTrailerEndsIsTruncated) {
    for (const Bytes& full : {read_data("cpio-sample.cpio"), read_data("cpio-sample-crc.cpio"), small_archive()}) {
        std::size_t end = trailer_end(full);
        for (std::size_t len = 0; len <= full.size(); len++) {
            Exact b(full, len);
            auto r = open(b);
            if (len < end) {
                ASSERT_FALSE(r.ok()) << "len " << len;
                EXPECT_EQ(r.error(), Error::Truncated) << "len " << len;
            } else {
                ASSERT_TRUE(r.ok()) << "len " << len;
            }
        }
    }
}

TEST(CpioArchiveTest, RejectsBadMagic) {
    for (const char* magic : {"070707", "070700", "070703", "170701", "07070", "0707011"}) {
        Exact b(CpioBuilder().add_raw(magic, Fields{0, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0}, "a", "")
                    .trailer().bytes());
        EXPECT_EQ(open(b).error(), Error::Malformed) << magic;
    }
    Bytes zeros(512, 0);
    EXPECT_EQ(open(Exact(zeros)).error(), Error::Malformed);
}

TEST(CpioArchiveTest, RejectsNonHexDigitInAnyField) {
    Bytes good = small_archive();
    ASSERT_TRUE(open(Exact(good)).ok());
    for (std::size_t pos = 6; pos < 110; pos++) {
        for (char c : {'g', 'G', ' ', 'x', '\0', '-', '+', '/', ':', '@', '`'}) {
            Bytes bad = good;
            bad[pos] = static_cast<std::uint8_t>(c);
            EXPECT_EQ(open(Exact(bad)).error(), Error::Malformed) << "pos " << pos << " char " << int(c);
        }
    }
}

TEST(CpioArchiveTest, RejectsBadNames) {
    auto one = [](std::uint32_t namesize, const std::string& name_bytes) {
        Fields f{1, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, namesize, 0};
        return Exact(CpioBuilder().add_raw("070701", f, name_bytes, "").trailer().bytes());
    };
    EXPECT_TRUE(open(one(4, std::string("abc", 4))).ok());
    EXPECT_EQ(open(one(3, std::string("abc", 4))).error(), Error::Malformed);     // not terminated
    EXPECT_EQ(open(one(4, std::string("a\0c", 4))).error(), Error::Malformed);    // NUL inside
    EXPECT_EQ(open(one(0, "")).error(), Error::Malformed);
    EXPECT_EQ(open(one(1, std::string(1, '\0'))).error(), Error::Malformed);      // empty name
    EXPECT_EQ(open(one(0xFFFFFFFF, "a")).error(), Error::Malformed);              // absurd size
    EXPECT_EQ(open(one(4000, "a")).error(), Error::Truncated);                     // past the end
    EXPECT_EQ(open(one(4097, std::string(4097, '\0'))).error(), Error::Malformed); // over PATH_MAX
    // An unterminated name that runs to the end of the buffer.
    Bytes unterminated = CpioBuilder().add_raw("070701", Fields{1, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, 0},
                                               "abcdef", "").bytes();
    EXPECT_EQ(open(Exact(unterminated)).error(), Error::Malformed);
}

TEST(CpioArchiveTest, RejectsFileSizesPastTheEnd) {
    for (std::uint32_t size : {0xFFFFFFFFu, 0x80000000u, 1000u}) {
        Fields f{1, 0100644, 0, 0, 1, 0, size, 0, 0, 0, 0, 2, 0};
        Exact b(CpioBuilder().add_raw("070701", f, std::string("a", 2), "data").trailer().bytes());
        EXPECT_EQ(open(b).error(), Error::Truncated) << size;
    }
    // One byte too large: the entry swallows the trailer's magic, so what follows is no header.
    Fields f{1, 0100644, 0, 0, 1, 0, 5, 0, 0, 0, 0, 2, 0};
    Exact b(CpioBuilder().add_raw("070701", f, std::string("a", 2), "data").trailer().bytes());
    EXPECT_EQ(open(b).error(), Error::Malformed);
}

TEST(CpioArchiveTest, RejectsMissingTrailer) {
    EXPECT_EQ(open(Exact(CpioBuilder().file("a", "1").file("b", "2").bytes())).error(), Error::Truncated);
    EXPECT_EQ(open(Exact(CpioBuilder().file("a", "1").raw_bytes(std::string(512, '\0')).bytes())).error(),
              Error::Malformed);
    EXPECT_EQ(open(Exact(Bytes{})).error(), Error::Truncated);
    // A name that merely starts like the trailer is an ordinary entry.
    EXPECT_EQ(open(Exact(CpioBuilder().file("TRAILER!!!x", "").bytes())).error(), Error::Truncated);
}

TEST(CpioArchiveTest, RejectsTrailerWithData) {
    Fields f{0, 0, 0, 0, 1, 0, 4, 0, 0, 0, 0, 11, 0};
    Exact b(CpioBuilder().add_raw("070701", f, std::string("TRAILER!!!", 11), "abcd").bytes());
    EXPECT_EQ(open(b).error(), Error::Malformed);
}

TEST(CpioArchiveTest, TrailerPaddingIsOptional) {
    Bytes full = small_archive();
    Exact b(full, trailer_end(full));
    ASSERT_EQ(b.size % 4, 1u);   // really unpadded
    EXPECT_TRUE(open(b).ok());
}

// ---------------------------------------------------------------------------------------------
// Fuzzing against a reference parser: a second, deliberately plain implementation of the same
// rules, using std::string_view.

struct RefEntry {
    std::string name;
    std::uint32_t mode;
    std::size_t data_offset, size;
    bool operator==(const RefEntry&) const = default;
};
struct RefResult {
    std::optional<Error> error;
    std::vector<RefEntry> entries;
};

std::optional<std::uint32_t> ref_hex(std::string_view s) {
    std::uint32_t v = 0;
    for (char c : s) {
        const char* digits = "0123456789abcdef";
        char lower = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
        const char* p = c ? std::strchr(digits, lower) : nullptr;
        if (!p) return std::nullopt;
        v = v * 16 + static_cast<std::uint32_t>(p - digits);
    }
    return v;
}

RefResult ref_parse(const std::uint8_t* base, std::size_t n) {
    std::string_view all(reinterpret_cast<const char*>(base), n);
    RefResult out;
    std::size_t pos = 0;
    auto up4 = [](std::size_t x) { return (x + 3) / 4 * 4; };
    for (;;) {
        if (n - pos < 110) return {Error::Truncated, {}};
        std::string_view h = all.substr(pos, 110);
        if (h.substr(0, 6) != "070701" && h.substr(0, 6) != "070702") return {Error::Malformed, {}};
        std::array<std::uint32_t, 13> f{};
        for (int i = 0; i < 13; i++) {
            auto v = ref_hex(h.substr(6 + 8 * i, 8));
            if (!v) return {Error::Malformed, {}};
            f[i] = *v;
        }
        std::size_t namesize = f[kNameSize];
        if (namesize < 2 || namesize > 4096) return {Error::Malformed, {}};
        if (pos + 110 + namesize > n) return {Error::Truncated, {}};
        std::string_view name = all.substr(pos + 110, namesize);
        if (name.find('\0') != namesize - 1) return {Error::Malformed, {}};
        name.remove_suffix(1);
        if (name == "TRAILER!!!") {
            if (f[kFileSize] != 0) return {Error::Malformed, {}};
            return out;
        }
        std::size_t data = up4(pos + 110 + namesize);
        std::size_t next = up4(data + f[kFileSize]);
        if (data > n || data + f[kFileSize] > n || next > n) return {Error::Truncated, {}};
        if (h[5] == '2' && (f[kMode] & 0170000) == 0100000) {
            std::uint32_t sum = 0;
            for (std::size_t i = 0; i < f[kFileSize]; i++) sum += base[data + i];
            if (sum != f[kCheck]) return {Error::Malformed, {}};
        }
        out.entries.push_back({std::string(name), f[kMode], data, f[kFileSize]});
        pos = next;
    }
}

// Mutations aimed at where the interesting bytes are: header digits, sizes, names.
void mutate(Bytes& b, std::mt19937_64& rng) {
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    if (b.empty()) return;
    switch (pick(7)) {
    case 0:   // random byte
        b[pick(b.size())] = static_cast<std::uint8_t>(rng());
        break;
    case 1:   // a hex digit replaced with another hex digit (keeps the header parseable)
        b[pick(b.size())] = static_cast<std::uint8_t>("0123456789abcdefF"[pick(17)]);
        break;
    case 2: {  // a whole 8-digit field at a random 4-aligned spot, biased to small values
        std::size_t at = pick(b.size()) & ~std::size_t{3};
        if (at + 8 > b.size()) break;
        char buf[9];
        std::uint32_t v = pick(2) ? static_cast<std::uint32_t>(rng()) : static_cast<std::uint32_t>(pick(64));
        std::snprintf(buf, sizeof buf, "%08X", v);
        std::memcpy(b.data() + at, buf, 8);
        break;
    }
    case 3:   // truncate
        b.resize(pick(b.size() + 1));
        break;
    case 4:   // delete a range
    {
        std::size_t at = pick(b.size()), len = std::min(b.size() - at, pick(16) + 1);
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + len));
        break;
    }
    case 5:   // insert bytes
    {
        std::size_t at = pick(b.size() + 1), len = pick(8) + 1;
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), len, static_cast<std::uint8_t>(rng()));
        break;
    }
    case 6:   // a NUL somewhere
        b[pick(b.size())] = 0;
        break;
    }
}

TEST(CpioArchiveTest, FuzzedArchivesMatchTheReferenceParser) {
    const std::uint64_t seed = 0xC910'2024;
    std::mt19937_64 rng(seed);
    std::vector<Bytes> seeds = {read_data("cpio-sample.cpio"), read_data("cpio-sample-crc.cpio"),
                                small_archive(), CpioBuilder(true).file("x", "abc").dir("d").trailer().bytes()};
    int ok_count = 0;
    for (int iter = 0; iter < 20000; iter++) {
        Bytes input = seeds[iter % seeds.size()];
        int rounds = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < rounds; i++) mutate(input, rng);
        Exact b(input);
        auto r = open(b);
        RefResult ref = ref_parse(b.data.get(), b.size);
        SCOPED_TRACE(testing::Message() << "seed " << seed << " iteration " << iter);
        ASSERT_EQ(r.ok(), !ref.error.has_value()) << (r.ok() ? "ok" : lib::error_name(r.error()));
        if (!r.ok()) {
            ASSERT_EQ(r.error(), *ref.error);
            continue;
        }
        ok_count++;
        const CpioArchive& a = r.value();
        ASSERT_EQ(a.count(), ref.entries.size());
        std::size_t i = 0;
        for (const CpioEntry& e : a) {
            RefEntry got{std::string(e.name, e.name_len), e.mode,
                         static_cast<std::size_t>(e.data - b.data.get()), e.size};
            ASSERT_EQ(got, ref.entries[i]);
            ASSERT_EQ(e.name[e.name_len], '\0');
            // Every entry can be found again (perhaps as a later duplicate of the same name).
            auto found = a.find(e.name);
            ASSERT_TRUE(found.ok());
            ASSERT_LE(found.value().data + found.value().size, b.data.get() + b.size);
            i++;
        }
    }
    // The mutations must leave a fair share of inputs valid, or the loop tests only rejections.
    EXPECT_GT(ok_count, 1000);
}

}  // namespace
