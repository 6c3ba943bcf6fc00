// lib/string against the host libc on random sizes, alignments and overlaps, and parse_u64 against
// a 128-bit reference parser and strtoull.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lib/string.h"

namespace {

constexpr std::uint32_t kSeed = 0xb17e5eed;
constexpr std::size_t kArena = 1024;

std::vector<unsigned char> random_bytes(std::mt19937_64& rng, std::size_t n) {
    std::vector<unsigned char> v(n);
    for (auto& b : v) b = static_cast<unsigned char>(rng());
    return v;
}

// Sizes cluster around the word-loop thresholds and the 32-byte unrolled block, then go large.
std::size_t random_size(std::mt19937_64& rng, std::size_t max) {
    switch (rng() % 3) {
    case 0: return rng() % 40;
    case 1: return rng() % 130;
    default: return rng() % (max + 1);
    }
}

int sign(int v) { return (v > 0) - (v < 0); }

TEST(StringTest, CopyBytesMatchesMemcpyAtEveryAlignment) {
    std::mt19937_64 rng(kSeed);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        auto src = random_bytes(rng, kArena);
        auto dst = random_bytes(rng, kArena);
        auto want = dst;
        std::size_t so = rng() % 64, doff = rng() % 64;
        std::size_t n = random_size(rng, kArena - 64);
        std::memcpy(want.data() + doff, src.data() + so, n);
        lib::copy_bytes(dst.data() + doff, src.data() + so, n);
        ASSERT_EQ(dst, want) << "iteration " << it << " src+" << so << " dst+" << doff << " n " << n;
    }
}

TEST(StringTest, MoveBytesMatchesMemmoveForOverlappingRanges) {
    std::mt19937_64 rng(kSeed + 1);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed + 1);
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        auto buf = random_bytes(rng, kArena);
        auto want = buf;
        std::size_t n = random_size(rng, kArena / 2);
        std::size_t so = rng() % (kArena - n + 1);
        // Mostly overlapping, by small and word-multiple distances in both directions.
        std::size_t doff;
        if (rng() % 4 == 0) {
            doff = rng() % (kArena - n + 1);
        } else {
            long delta = static_cast<long>(rng() % 80) - 40;
            long d = static_cast<long>(so) + delta;
            doff = static_cast<std::size_t>(std::clamp(d, 0L, static_cast<long>(kArena - n)));
        }
        std::memmove(want.data() + doff, want.data() + so, n);
        lib::move_bytes(buf.data() + doff, buf.data() + so, n);
        ASSERT_EQ(buf, want) << "iteration " << it << " src+" << so << " dst+" << doff << " n " << n;
    }
}

TEST(StringTest, FillBytesMatchesMemsetAndStaysInBounds) {
    std::mt19937_64 rng(kSeed + 2);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed + 2);
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        auto buf = random_bytes(rng, kArena);
        auto want = buf;
        std::size_t off = rng() % 64;
        std::size_t n = random_size(rng, kArena - 64);
        auto value = static_cast<std::uint8_t>(rng());
        std::memset(want.data() + off, value, n);
        lib::fill_bytes(buf.data() + off, value, n);
        ASSERT_EQ(buf, want) << "iteration " << it << " off " << off << " n " << n;
    }
}

TEST(StringTest, CompareBytesOrdersLikeMemcmpWithUnsignedBytes) {
    std::mt19937_64 rng(kSeed + 3);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed + 3);
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        auto a = random_bytes(rng, kArena);
        std::size_t ao = rng() % 64, bo = rng() % 64;
        std::size_t n = random_size(rng, kArena - 64);
        std::vector<unsigned char> b = random_bytes(rng, kArena);
        // Equal for a few bytes past n as well, so reading beyond the range would go unnoticed
        // only if it were harmless.
        std::size_t equal = std::min(n + 16, kArena - std::max(ao, bo));
        std::memcpy(b.data() + bo, a.data() + ao, equal);
        auto flip = [&](std::size_t at) {
            // Often the high bit, to catch signed comparisons.
            b[bo + at] = static_cast<unsigned char>(b[bo + at] ^ (rng() % 2 ? 0x80 : (1u << (rng() % 8))));
        };
        switch (rng() % 4) {
        case 0: break;
        case 1:
            if (n < equal) flip(n + rng() % (equal - n));  // just outside the range: must not count
            break;
        default:
            if (n > 0) flip(rng() % n);
            break;
        }
        ASSERT_EQ(lib::compare_bytes(a.data() + ao, b.data() + bo, n),
                  sign(std::memcmp(a.data() + ao, b.data() + bo, n)))
            << "iteration " << it << " a+" << ao << " b+" << bo << " n " << n;
    }
}

TEST(StringTest, CopyBytesHandlesLargeAlignedBlocks) {
    std::mt19937_64 rng(kSeed + 4);
    auto src = random_bytes(rng, 64 * 1024 + 8);
    std::vector<unsigned char> dst(src.size(), 0);
    lib::copy_bytes(dst.data(), src.data(), src.size());
    EXPECT_EQ(dst, src);
    lib::fill_bytes(dst.data(), 0xa5, dst.size());
    EXPECT_EQ(dst, std::vector<unsigned char>(src.size(), 0xa5));
}

TEST(StringTest, CStringHelpersMatchLibc) {
    std::mt19937_64 rng(kSeed + 5);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed + 5);
    // A small alphabet (with a high-bit byte) so that random strings often share prefixes.
    static const char kAlphabet[] = {'a', 'b', 'c', static_cast<char>(0xe9)};
    auto random_string = [&] {
        std::string s;
        for (std::size_t n = rng() % 8; n > 0; --n) s += kAlphabet[rng() % 4];
        return s;
    };
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        std::string a = random_string(), b = random_string();
        std::size_t n = rng() % 10;
        char c = rng() % 5 == 0 ? '\0' : kAlphabet[rng() % 4];
        SCOPED_TRACE(::testing::Message() << "iteration " << it);
        ASSERT_EQ(lib::string_length(a.c_str()), std::strlen(a.c_str()));
        ASSERT_EQ(lib::string_compare(a.c_str(), b.c_str()), sign(std::strcmp(a.c_str(), b.c_str())));
        ASSERT_EQ(lib::string_ncompare(a.c_str(), b.c_str(), n), sign(std::strncmp(a.c_str(), b.c_str(), n)))
            << "n " << n;
        ASSERT_EQ(lib::string_find_char(a.c_str(), c), std::strchr(a.c_str(), c));
        ASSERT_EQ(lib::starts_with(a.c_str(), b.c_str()), a.compare(0, b.size(), b) == 0);
    }
}

TEST(StringTest, StringHelpersHandleEmptyAndTerminatorCases) {
    EXPECT_EQ(lib::string_length(""), 0u);
    EXPECT_EQ(lib::string_compare("", ""), 0);
    EXPECT_LT(lib::string_compare("ab", "abc"), 0);
    EXPECT_GT(lib::string_compare("\xff", "a"), 0);  // bytes compare unsigned
    EXPECT_EQ(lib::string_ncompare("abcX", "abcY", 3), 0);
    EXPECT_EQ(lib::string_ncompare("a", "b", 0), 0);
    const char* s = "hello";
    EXPECT_EQ(lib::string_find_char(s, 'l'), s + 2);
    EXPECT_EQ(lib::string_find_char(s, '\0'), s + 5);
    EXPECT_EQ(lib::string_find_char(s, 'z'), nullptr);
    char mutable_s[] = "xyz";
    char* found = lib::string_find_char(mutable_s, 'y');
    ASSERT_NE(found, nullptr);
    *found = 'Y';
    EXPECT_STREQ(mutable_s, "xYz");
    EXPECT_TRUE(lib::starts_with("test=all", "test="));
    EXPECT_TRUE(lib::starts_with("abc", ""));
    EXPECT_FALSE(lib::starts_with("te", "test"));
    EXPECT_FALSE(lib::starts_with("", "a"));
}

// ---- parse_u64 ----

lib::Result<std::uint64_t> parse(const std::string& s, unsigned base) {
    return lib::parse_u64(s.data(), s.size(), base);
}

void expect_value(const std::string& s, unsigned base, std::uint64_t want) {
    auto r = parse(s, base);
    ASSERT_TRUE(r.ok()) << "\"" << s << "\" base " << base << ": " << lib::error_name(r.error());
    EXPECT_EQ(r.value(), want) << "\"" << s << "\" base " << base;
}

void expect_error(const std::string& s, unsigned base, lib::Error want) {
    auto r = parse(s, base);
    ASSERT_FALSE(r.ok()) << "\"" << s << "\" base " << base << " gave " << r.value();
    EXPECT_EQ(r.error(), want) << "\"" << s << "\" base " << base << ": " << lib::error_name(r.error());
}

TEST(ParseU64Test, ParsesEachBaseAndAutoPrefix) {
    expect_value("0", 10, 0);
    expect_value("12345", 10, 12345);
    expect_value("ff", 16, 255);
    expect_value("FF", 16, 255);
    expect_value("0xff", 16, 255);
    expect_value("0x1F", 0, 31);
    expect_value("0X1f", 0, 31);
    expect_value("0b101", 0, 5);
    expect_value("0B101", 2, 5);
    expect_value("101", 2, 5);
    expect_value("017", 0, 15);
    expect_value("0", 0, 0);
    expect_value("00", 0, 0);
    expect_value("42", 0, 42);
    expect_value("zz", 36, 35 * 36 + 35);
    expect_value("0b1", 16, 0xb1);  // in hex, "b" is a digit, not a prefix
    expect_value("18446744073709551615", 10, UINT64_MAX);
    expect_value("0xffffffffffffffff", 0, UINT64_MAX);
    expect_value("0b" + std::string(64, '1'), 0, UINT64_MAX);
    expect_value("01777777777777777777777", 0, UINT64_MAX);
}

TEST(ParseU64Test, ReadsOnlyTheGivenLength) {
    const char* s = "123abc";
    auto r = lib::parse_u64(s, 3, 10);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 123u);
}

TEST(ParseU64Test, RejectsEmptyPrefixOnlyAndGarbage) {
    expect_error("", 10, lib::Error::InvalidArgument);
    expect_error("0x", 0, lib::Error::InvalidArgument);
    expect_error("0b", 2, lib::Error::InvalidArgument);
    expect_error("12a", 10, lib::Error::InvalidArgument);
    expect_error("-1", 10, lib::Error::InvalidArgument);
    expect_error("+1", 10, lib::Error::InvalidArgument);
    expect_error(" 1", 10, lib::Error::InvalidArgument);
    expect_error("1 ", 10, lib::Error::InvalidArgument);
    expect_error("08", 0, lib::Error::InvalidArgument);  // leading 0 means octal
    expect_error("2", 2, lib::Error::InvalidArgument);
    expect_error("0x10", 10, lib::Error::InvalidArgument);
    expect_error(std::string("1\0" "2", 3), 10, lib::Error::InvalidArgument);
    expect_error("1", 1, lib::Error::InvalidArgument);
    expect_error("1", 37, lib::Error::InvalidArgument);
    EXPECT_EQ(lib::parse_u64(nullptr, 0, 10).error(), lib::Error::InvalidArgument);
}

TEST(ParseU64Test, ReportsOverflowAsOutOfRange) {
    expect_error("18446744073709551616", 10, lib::Error::OutOfRange);
    expect_error("99999999999999999999999", 10, lib::Error::OutOfRange);
    expect_error("0x10000000000000000", 0, lib::Error::OutOfRange);
    expect_error("0b1" + std::string(64, '0'), 0, lib::Error::OutOfRange);
    expect_error("02000000000000000000000", 0, lib::Error::OutOfRange);
    // A bad digit after the overflow still makes the input garbage, not merely too large.
    expect_error("99999999999999999999999x", 10, lib::Error::InvalidArgument);
}

// Reference: 128-bit accumulation, so overflow is simply "the value exceeds 64 bits".
struct RefParse {
    bool valid;
    bool overflow;
    std::uint64_t value;
};

RefParse reference_parse(const std::string& s, unsigned base) {
    std::size_t i = 0;
    if (s.size() >= 2 && s[0] == '0') {
        char m = static_cast<char>(s[1] | 0x20);
        if ((base == 0 || base == 16) && m == 'x') base = 16, i = 2;
        else if ((base == 0 || base == 2) && m == 'b') base = 2, i = 2;
    }
    if (base == 0) base = s.size() > 1 && s[0] == '0' ? 8 : 10;
    if (i >= s.size()) return {false, false, 0};
    unsigned __int128 v = 0;
    bool overflow = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? static_cast<unsigned>(c - '0')
                     : c >= 'a' && c <= 'z' ? static_cast<unsigned>(c - 'a' + 10)
                     : c >= 'A' && c <= 'Z' ? static_cast<unsigned>(c - 'A' + 10)
                                            : 99;
        if (d >= base) return {false, false, 0};
        v = v * base + d;
        if (v > UINT64_MAX) {
            overflow = true;
            v = UINT64_MAX;  // stays above the limit on the next step, and cannot overflow 128 bits
        }
    }
    return {true, overflow, static_cast<std::uint64_t>(v)};
}

TEST(ParseU64Test, MatchesReferenceAndStrtoullOnRandomInput) {
    std::mt19937_64 rng(kSeed + 6);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed + 6);
    static const unsigned kBases[] = {0, 0, 2, 8, 10, 10, 16, 16, 36};
    static const char kChars[] = "0123456789abcdefxzABFXZ_";
    for (int it = 0; it < 20000 && !HasFailure(); ++it) {
        unsigned base = kBases[rng() % 9];
        std::string s;
        switch (rng() % 3) {
        case 0: s = "0"; s += "xXbB0"[rng() % 5]; break;
        case 1: break;
        default: s = std::to_string(rng() % 10); break;
        }
        std::size_t len = rng() % 4 == 0 ? rng() % 70 : rng() % 22;
        // Mostly valid digits for the base, sometimes anything.
        bool anything = rng() % 5 == 0;
        unsigned digit_base = base == 0 ? 8 : base;
        for (std::size_t i = 0; i < len; ++i) {
            if (anything) s += kChars[rng() % (sizeof(kChars) - 1)];
            else s += "0123456789abcdefghijklmnopqrstuvwxyz"[rng() % digit_base];
        }
        SCOPED_TRACE(::testing::Message() << "iteration " << it << " \"" << s << "\" base " << base);
        RefParse want = reference_parse(s, base);
        auto got = parse(s, base);
        if (!want.valid) {
            ASSERT_FALSE(got.ok());
            ASSERT_EQ(got.error(), lib::Error::InvalidArgument);
        } else if (want.overflow) {
            ASSERT_FALSE(got.ok());
            ASSERT_EQ(got.error(), lib::Error::OutOfRange);
        } else {
            ASSERT_TRUE(got.ok()) << lib::error_name(got.error());
            ASSERT_EQ(got.value(), want.value);
        }
        // Cross-check with libc where it speaks the same language: strtoull knows no 0b prefix
        // (before C23), and for a bare "0x" it parses the "0" and stops.
        bool has_0b = s.size() >= 2 && s[0] == '0' && (s[1] | 0x20) == 'b' && (base == 0 || base == 2);
        if (!has_0b && !s.empty()) {
            errno = 0;
            char* end = nullptr;
            unsigned long long v = std::strtoull(s.c_str(), &end, static_cast<int>(base));
            bool libc_whole = end == s.c_str() + s.size();
            if (got.ok()) {
                ASSERT_TRUE(libc_whole);
                ASSERT_EQ(errno, 0);
                ASSERT_EQ(got.value(), v);
            } else if (got.error() == lib::Error::OutOfRange) {
                ASSERT_TRUE(libc_whole);
                ASSERT_EQ(errno, ERANGE);
            } else {
                ASSERT_FALSE(libc_whole && errno == 0);
            }
        }
    }
}

}  // namespace
