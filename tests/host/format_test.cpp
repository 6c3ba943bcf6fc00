// lib::format against the host's snprintf for random specs, plus the cases where the kernel's engine
// deliberately differs from C (%p, %s of nullptr, unsupported conversions).
#include <gtest/gtest.h>

#include <cinttypes>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lib/format.h"

namespace {

// Goes through vsnformat so that deliberately odd formats ("%f" without a double, "%n") do not trip
// -Wformat on the attribute of snformat.
std::string unchecked(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::size_t n = lib::vsnformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    EXPECT_LT(n, sizeof(buf));
    return std::string(buf, n);
}

template <typename... A>
std::string fmt(const char* f, A... args) {
    char buf[512];
    std::size_t n = lib::snformat(buf, sizeof(buf), f, args...);
    EXPECT_LT(n, sizeof(buf));
    EXPECT_EQ(buf[n < sizeof(buf) ? n : sizeof(buf) - 1], '\0');
    return std::string(buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

TEST(FormatTest, FormatsSignedIntegersIncludingTheExtremes) {
    EXPECT_EQ(fmt("%d", 42), "42");
    EXPECT_EQ(fmt("%i", -42), "-42");
    EXPECT_EQ(fmt("%d", INT_MIN), "-2147483648");
    EXPECT_EQ(fmt("%d", INT_MAX), "2147483647");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%ld", static_cast<long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%jd", INTMAX_MIN), "-9223372036854775808");
    EXPECT_EQ(fmt("%td", static_cast<std::ptrdiff_t>(PTRDIFF_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(INT64_MAX)), "9223372036854775807");
    EXPECT_EQ(fmt("%+d|% d|%+d", 5, 5, -5), "+5| 5|-5");
    EXPECT_EQ(fmt("%+ d", 5), "+5");  // '+' wins over ' '
}

TEST(FormatTest, FormatsUnsignedIntegersInEveryBase) {
    EXPECT_EQ(fmt("%llu", static_cast<unsigned long long>(UINT64_MAX)), "18446744073709551615");
    EXPECT_EQ(fmt("%zu", SIZE_MAX), "18446744073709551615");
    EXPECT_EQ(fmt("%llx", 0xdeadbeefcafef00dULL), "deadbeefcafef00d");
    EXPECT_EQ(fmt("%llX", 0xdeadbeefcafef00dULL), "DEADBEEFCAFEF00D");
    EXPECT_EQ(fmt("%llo", static_cast<unsigned long long>(UINT64_MAX)), "1777777777777777777777");
    EXPECT_EQ(fmt("%b", 10u), "1010");
    EXPECT_EQ(fmt("%llb", static_cast<unsigned long long>(UINT64_MAX)), std::string(64, '1'));
    EXPECT_EQ(fmt("%#b|%#x|%#X|%#o", 5u, 255u, 255u, 8u), "0b101|0xff|0XFF|010");
    EXPECT_EQ(fmt("%+u|% u", 7u, 7u), "7|7");  // sign flags mean nothing to unsigned conversions
}

TEST(FormatTest, TruncatesShortAndCharLengthModifiers) {
    EXPECT_EQ(fmt("%hhd", 255), "-1");
    EXPECT_EQ(fmt("%hhu", 256), "0");
    EXPECT_EQ(fmt("%hd", 65535), "-1");
    EXPECT_EQ(fmt("%hx", 0x12345), "2345");
    EXPECT_EQ(fmt("%hhx", 0x1ff), "ff");
}

TEST(FormatTest, AppliesCRulesForZeroValuesAndPrecision) {
    EXPECT_EQ(fmt("[%.0d]", 0), "[]");
    EXPECT_EQ(fmt("[%+.0d]", 0), "[+]");
    EXPECT_EQ(fmt("[%5.0d]", 0), "[     ]");
    EXPECT_EQ(fmt("[%#x]", 0u), "[0]");  // no 0x for zero
    EXPECT_EQ(fmt("[%#o]", 0u), "[0]");
    EXPECT_EQ(fmt("[%#.0o]", 0u), "[0]");  // # forces the one zero digit
    EXPECT_EQ(fmt("[%#.3o]", 8u), "[010]");
    EXPECT_EQ(fmt("[%08.3d]", -5), "[    -005]");  // precision disables the 0 flag
    EXPECT_EQ(fmt("[%-08d]", -5), "[-5      ]");   // '-' beats '0'
    EXPECT_EQ(fmt("[%08d]", -5), "[-0000005]");
    EXPECT_EQ(fmt("[%#010x]", 255u), "[0x000000ff]");
    EXPECT_EQ(fmt("[%.100d]", 1), "[" + std::string(99, '0') + "1]");  // beyond any internal buffer
    EXPECT_EQ(fmt("[%70d]", -1), "[" + std::string(68, ' ') + "-1]");
}

TEST(FormatTest, TakesWidthAndPrecisionFromArguments) {
    EXPECT_EQ(fmt("[%*d]", 5, 42), "[   42]");
    EXPECT_EQ(fmt("[%*d]", -5, 42), "[42   ]");  // negative width means '-'
    EXPECT_EQ(fmt("[%.*d]", 4, 42), "[0042]");
    EXPECT_EQ(fmt("[%.*d]", -1, 42), "[42]");  // negative precision is ignored
    EXPECT_EQ(fmt("[%*.*s]", 6, 2, "abcdef"), "[    ab]");
}

TEST(FormatTest, PrintsPointersAsSixteenHexDigits) {
    EXPECT_EQ(fmt("%p", static_cast<void*>(nullptr)), "0x0000000000000000");
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0xdeadbeefULL)), "0x00000000deadbeef");
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0xffff000012345678ULL)), "0xffff000012345678");
    EXPECT_EQ(fmt("[%20p]", reinterpret_cast<void*>(1)), "[  0x0000000000000001]");
    EXPECT_EQ(fmt("[%-20p]", reinterpret_cast<void*>(1)), "[0x0000000000000001  ]");
}

TEST(FormatTest, PrintsStringsAndCharacters) {
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(fmt("%.3s", static_cast<const char*>(nullptr)), "(nu");
    EXPECT_EQ(fmt("[%8s]", "abc"), "[     abc]");
    EXPECT_EQ(fmt("[%-8s]", "abc"), "[abc     ]");
    EXPECT_EQ(fmt("[%.2s]", "abc"), "[ab]");
    EXPECT_EQ(fmt("[%s]", ""), "[]");
    EXPECT_EQ(fmt("[%c%c]", 'o', 'k'), "[ok]");
    EXPECT_EQ(fmt("[%3c|%-3c]", 'x', 'y'), "[  x|y  ]");
    EXPECT_EQ(fmt("100%%"), "100%");
    // A precision bounds the read: the array below has no terminator.
    const char unterminated[3] = {'x', 'y', 'z'};
    EXPECT_EQ(fmt("%.3s", unterminated), "xyz");
}

TEST(FormatTest, CountsAndStoresAnEmbeddedNulCharacter) {
    char buf[8];
    std::memset(buf, 'Z', sizeof(buf));
    EXPECT_EQ(lib::snformat(buf, sizeof(buf), "a%cb", 0), 3u);
    EXPECT_EQ(std::memcmp(buf, "a\0b\0", 4), 0);
}

TEST(FormatTest, EchoesUnsupportedConversionsVerbatim) {
    EXPECT_EQ(unchecked("%f"), "%f");
    EXPECT_EQ(unchecked("[%8.3Lf]"), "[%8.3Lf]");
    EXPECT_EQ(unchecked("%e %g %a %E %G %A"), "%e %g %a %E %G %A");
    EXPECT_EQ(unchecked("%q|%d", 5), "%q|5");
    EXPECT_EQ(unchecked("%ls|%d", L"wide", 7), "%ls|7");  // consumes the pointer, stays in step
    // Format ends inside a spec.
    EXPECT_EQ(unchecked("abc%"), "abc%");
    EXPECT_EQ(unchecked("abc%-5"), "abc%-5");
    EXPECT_EQ(unchecked("%ll"), "%ll");
#if defined(__x86_64__) || defined(__aarch64__)
    // Both ABIs pass doubles in FP registers, so an unconsumed double leaves the int where it was.
    EXPECT_EQ(unchecked("%f %d", 1.5, 7), "%f 7");
#endif
}

TEST(FormatTest, NeverWritesThroughPercentN) {
    int target = 1234;
    EXPECT_EQ(unchecked("ab%ncd", &target), "ab%ncd");
    EXPECT_EQ(target, 1234);
}

TEST(FormatTest, SnformatTruncatesAndAlwaysTerminates) {
    char buf[8];
    std::memset(buf, 'Z', sizeof(buf));
    EXPECT_EQ(lib::snformat(buf, 5, "hello %s", "world"), 11u);
    EXPECT_STREQ(buf, "hell");
    EXPECT_EQ(buf[5], 'Z');  // nothing written past size
    EXPECT_EQ(lib::snformat(buf, 1, "%d", 12345), 5u);
    EXPECT_STREQ(buf, "");
    EXPECT_EQ(lib::snformat(nullptr, 0, "%d", 12345), 5u);
    std::memset(buf, 'Z', sizeof(buf));
    EXPECT_EQ(lib::snformat(buf, sizeof(buf), "1234567"), 7u);
    EXPECT_STREQ(buf, "1234567");
}

TEST(FormatTest, StreamsToACallbackWithoutLimit) {
    std::string out;
    auto put = [](char c, void* ctx) { static_cast<std::string*>(ctx)->push_back(c); };
    std::string big(3000, 'q');
    std::size_t n = lib::format(put, &out, "<%s|%-5d|%llx>", big.c_str(), 7, 0xabcULL);
    EXPECT_EQ(out, "<" + big + "|7    |abc>");
    EXPECT_EQ(n, out.size());
}

TEST(FormatTest, HandlesSeveralConversionsInOneString) {
    EXPECT_EQ(fmt("%s=%d (%#x) at %p, %c%%", "irq", 33, 33u, reinterpret_cast<void*>(0x1000), '!'),
              "irq=33 (0x21) at 0x0000000000001000, !%");
    EXPECT_EQ(fmt("%hhu %hu %u %lu %llu %zu %tu %ju", 1, 2, 3u, 4ul, 5ull, std::size_t{6},
                  std::ptrdiff_t{7}, std::uintmax_t{8}),
              "1 2 3 4 5 6 7 8");
}

// ---- Random comparison against the host's snprintf ----

constexpr std::uint32_t kSeed = 0x5eed0f0f;
constexpr int kIterations = 30000;

bool host_supports_binary() {
    char buf[16];
    std::string f = "%b";  // not a literal: older compilers' -Wformat do not know %b
    std::snprintf(buf, sizeof(buf), f.c_str(), 5u);
    return std::strcmp(buf, "101") == 0;
}

// Calls both implementations with the same arguments and buffer size and compares return value and
// buffer contents (including the truncation point).
template <typename... A>
void expect_same_as_host(const std::string& f, std::size_t size, A... args) {
    std::vector<char> want(size + 1, '#'), got(size + 1, '#');
    int n = std::snprintf(size ? want.data() : nullptr, size, f.c_str(), args...);
    std::size_t m = lib::snformat(size ? got.data() : nullptr, size, f.c_str(), args...);
    ASSERT_GE(n, 0) << "host rejected " << f;
    EXPECT_EQ(m, static_cast<std::size_t>(n)) << "format \"" << f << "\" size " << size;
    EXPECT_EQ(std::string(got.data(), got.size()), std::string(want.data(), want.size()))
        << "format \"" << f << "\" size " << size;
}

std::uint64_t random_value(std::mt19937_64& rng) {
    static const std::uint64_t kEdges[] = {
        0, 1, 2, 7, 8, 9, 15, 16, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
        0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
        0x8000000000000000ULL, 0xffffffffffffffffULL, 0xfffffffffffffffeULL, 0xffffffff80000000ULL,
    };
    switch (rng() % 4) {
    case 0: return kEdges[rng() % (sizeof(kEdges) / sizeof(kEdges[0]))];
    case 1: return rng() % 1000;
    case 2: return rng() >> (rng() % 64);  // every magnitude
    default: return rng();
    }
}

std::string random_literal(std::mt19937_64& rng) {
    static const char kChars[] = "abcXYZ 09:=[]-.";
    std::string s;
    for (std::size_t n = rng() % 4; n > 0; --n) s += kChars[rng() % (sizeof(kChars) - 1)];
    return s;
}

TEST(FormatTest, MatchesHostSnprintfOnRandomSpecs) {
    std::mt19937_64 rng(kSeed);
    SCOPED_TRACE(::testing::Message() << "seed 0x" << std::hex << kSeed);
    std::string convs = "diuxXoscp%";
    if (host_supports_binary()) convs += 'b';
    static const char* kLengths[] = {"", "hh", "h", "l", "ll", "z", "t", "j"};
    static const char* kStrings[] = {"", "a", "kernel", "hello, world", "0123456789abcdefghij"};

    for (int it = 0; it < kIterations && !HasFailure(); ++it) {
        char conv = convs[rng() % convs.size()];
        bool integer = std::strchr("diuxXob", conv) != nullptr;
        std::string spec = "%";
        int stars[2];
        int nstars = 0;
        if (conv != '%' && conv != 'p') {  // glibc's %p differs from ours by design: no flags/width there
            const char* flags = integer ? "-0+ #" : "-";
            for (int i = rng() % 4; i > 0; --i) spec += flags[rng() % std::strlen(flags)];
            switch (rng() % 4) {
            case 0: break;
            case 1:
                spec += '*';
                stars[nstars++] = static_cast<int>(rng() % 61) - 30;
                break;
            default: spec += std::to_string(rng() % 30); break;
            }
            if (conv != 'c') {
                switch (rng() % 5) {
                case 0:
                case 1: break;
                case 2: spec += '.'; break;
                case 3:
                    spec += ".*";
                    stars[nstars++] = static_cast<int>(rng() % 36) - 5;
                    break;
                default: spec += "." + std::to_string(rng() % 30); break;
                }
            }
        }
        const char* length = integer ? kLengths[rng() % 8] : "";
        std::string f = random_literal(rng) + spec + length + conv + random_literal(rng);
        std::size_t size = rng() % 3 == 0 ? rng() % 40 : 200;  // often truncating
        std::uint64_t raw = random_value(rng);
        SCOPED_TRACE(::testing::Message() << "iteration " << it);

        auto run = [&](auto value) {
            if (nstars == 0) expect_same_as_host(f, size, value);
            else if (nstars == 1) expect_same_as_host(f, size, stars[0], value);
            else expect_same_as_host(f, size, stars[0], stars[1], value);
        };
        if (conv == '%') {
            expect_same_as_host(f, size, 0);  // an unused argument keeps the call shape uniform
        } else if (conv == 'p') {
            // Ours: always 0x + 16 digits. Compare against the host printing the same thing.
            char want[32];
            std::snprintf(want, sizeof(want), "0x%016" PRIx64, raw);
            std::string expected = f;
            expected.replace(expected.find("%p"), 2, want);
            EXPECT_EQ(unchecked(f.c_str(), reinterpret_cast<void*>(raw)), expected) << f;
        } else if (conv == 's') {
            run(kStrings[rng() % 5]);
        } else if (conv == 'c') {
            run(static_cast<int>(' ' + rng() % 95));
        } else {
            bool is_signed = conv == 'd' || conv == 'i';
            std::string len = length;
            if (len == "" || len == "hh" || len == "h") {
                // Passed as int; the conversion narrows it like C does.
                if (is_signed) run(static_cast<int>(raw));
                else run(static_cast<unsigned>(raw));
            } else if (len == "l") {
                if (is_signed) run(static_cast<long>(raw));
                else run(static_cast<unsigned long>(raw));
            } else if (len == "ll") {
                if (is_signed) run(static_cast<long long>(raw));
                else run(static_cast<unsigned long long>(raw));
            } else if (len == "z") {
                if (is_signed) run(static_cast<std::make_signed_t<std::size_t>>(raw));
                else run(static_cast<std::size_t>(raw));
            } else if (len == "t") {
                if (is_signed) run(static_cast<std::ptrdiff_t>(raw));
                else run(static_cast<std::make_unsigned_t<std::ptrdiff_t>>(raw));
            } else {
                if (is_signed) run(static_cast<std::intmax_t>(raw));
                else run(static_cast<std::uintmax_t>(raw));
            }
        }
    }
}

}  // namespace
