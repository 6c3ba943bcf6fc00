// Host tests for kernel/elf: toolchain-built binaries, images from a builder here, every truncation,
// one test per rejected field, and a seeded fuzz loop whose accepted results are checked against the
// loader's safety properties. Budget: about 1 s with sanitizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "host/support.h"
#include "kernel/process/elf.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using kernel::ElfImage;
using kernel::parse_elf;
using lib::Error;

constexpr std::uint64_t kPage = 4096;
constexpr std::uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3, kPtNote = 4, kPtPhdr = 6;
constexpr std::uint32_t kPtGnuStack = 0x6474e551;
constexpr std::uint32_t kR = 4, kW = 2, kX = 1;

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

lib::Result<ElfImage> parse(const Bytes& b, std::uint64_t limit = kernel::kElfDefaultUserLimit,
                            std::uint64_t max_mapped = kernel::kElfDefaultMaxMapped) {
    Exact e(b);
    return parse_elf(e.data.get(), e.size, limit, max_mapped);
}

// ---------------------------------------------------------------------------------------------
// ELF64 writer.

struct Phdr {
    std::uint32_t type, flags;
    std::uint64_t offset, vaddr, filesz, memsz, align;
};

struct ElfSpec {
    std::uint8_t ident_class = 2, ident_data = 1, ident_version = 1;
    std::uint16_t type = 2, machine = 183;
    std::uint32_t version = 1;
    std::uint64_t entry = 0x400100;
    std::uint64_t phoff = 64;
    std::uint16_t phentsize = 56;
    int phnum_override = -1;   // >= 0: write this e_phnum instead of phdrs.size()
    std::vector<Phdr> phdrs;
    std::size_t file_size = 0x2000;
};

template <typename T>
void put(Bytes& b, std::size_t at, T v) {
    for (std::size_t i = 0; i < sizeof(T); i++) b.at(at + i) = static_cast<std::uint8_t>(v >> (8 * i));
}

Bytes build(const ElfSpec& s) {
    std::size_t table_end = s.phdrs.empty() ? 0 : s.phoff + s.phdrs.size() * 56;
    Bytes b(std::max({s.file_size, std::size_t{64}, table_end}), 0);
    // Recognisable file contents, so that nothing depends on zeroes.
    for (std::size_t i = 64; i < b.size(); i++) b[i] = static_cast<std::uint8_t>(i * 7);
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', s.ident_class, s.ident_data, s.ident_version};
    std::memcpy(b.data(), ident, sizeof ident);
    std::memset(b.data() + 7, 0, 9);
    put<std::uint16_t>(b, 16, s.type);
    put<std::uint16_t>(b, 18, s.machine);
    put<std::uint32_t>(b, 20, s.version);
    put<std::uint64_t>(b, 24, s.entry);
    put<std::uint64_t>(b, 32, s.phoff);
    put<std::uint64_t>(b, 40, 0);   // no section headers
    put<std::uint32_t>(b, 48, 0);
    put<std::uint16_t>(b, 52, 64);
    put<std::uint16_t>(b, 54, s.phentsize);
    put<std::uint16_t>(b, 56, static_cast<std::uint16_t>(s.phnum_override >= 0 ? s.phnum_override
                                                                                  : static_cast<int>(s.phdrs.size())));
    put<std::uint16_t>(b, 58, 64);
    put<std::uint16_t>(b, 60, 0);
    put<std::uint16_t>(b, 62, 0);
    for (std::size_t i = 0; i < s.phdrs.size(); i++) {
        const Phdr& p = s.phdrs[i];
        std::size_t at = s.phoff + i * 56;
        put<std::uint32_t>(b, at + 0, p.type);
        put<std::uint32_t>(b, at + 4, p.flags);
        put<std::uint64_t>(b, at + 8, p.offset);
        put<std::uint64_t>(b, at + 16, p.vaddr);
        put<std::uint64_t>(b, at + 24, p.vaddr);   // p_paddr
        put<std::uint64_t>(b, at + 32, p.filesz);
        put<std::uint64_t>(b, at + 40, p.memsz);
        put<std::uint64_t>(b, at + 48, p.align);
    }
    return b;
}

// Text at 0x400000 (file 0..0x800, holding the headers), data at 0x401800 (file 0x800..0x900, plus
// 0x1700 bytes of bss, ending on a page boundary), and a non-executable stack.
ElfSpec good_spec() {
    ElfSpec s;
    s.phdrs = {
        {kPtLoad, kR | kX, 0, 0x400000, 0x800, 0x800, kPage},
        {kPtLoad, kR | kW, 0x800, 0x401800, 0x100, 0x1800, kPage},
        {kPtGnuStack, kR | kW, 0, 0, 0, 0, 16},
    };
    return s;
}

// Where the needed bytes of a file end: the shortest prefix the parser must accept.
std::size_t needed_size(const Bytes& b) {
    auto rd = [&](std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[at + i];
        return v;
    };
    std::uint64_t phoff = rd(32, 8), phnum = rd(56, 2);
    std::uint64_t need = std::max<std::uint64_t>(64, phoff + phnum * 56);
    for (std::uint64_t i = 0; i < phnum; i++) {
        std::size_t at = phoff + i * 56;
        // A PT_LOAD without file bytes reads nothing, wherever its offset points.
        if (rd(at, 4) == kPtLoad && rd(at + 32, 8) != 0) need = std::max(need, rd(at + 8, 8) + rd(at + 32, 8));
    }
    return need;
}

// ---------------------------------------------------------------------------------------------
// Well-formed inputs.

TEST(ElfParseTest, ParsesStaticExecutableFromTheToolchain) {
    Bytes file = read_data("elf-static-aarch64");
    ASSERT_LT(file.size(), 10u * 1024);
    auto r = parse(file);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    EXPECT_FALSE(img.is_pie);
    EXPECT_FALSE(img.stack_exec);
    EXPECT_EQ(img.entry, 0x400120u);
    EXPECT_EQ(img.phnum, 4u);
    EXPECT_EQ(img.phentsize, 56u);
    EXPECT_EQ(img.phdr_vaddr, 0x400040u);   // no PT_PHDR: found through the text segment
    ASSERT_EQ(img.segment_count, 2u);
    const auto& text = img.segments[0];
    EXPECT_EQ(text.vaddr, 0x400000u);
    EXPECT_EQ(text.offset, 0u);
    EXPECT_EQ(text.filesz, 0x178u);
    EXPECT_TRUE(text.read && text.exec && !text.write);
    const auto& data = img.segments[1];
    EXPECT_EQ(data.vaddr, 0x401fe8u);
    EXPECT_EQ(data.offset, 0xfe8u);
    EXPECT_EQ(data.filesz, 4u);
    EXPECT_EQ(data.memsz, 0x108u);
    EXPECT_TRUE(data.read && data.write && !data.exec);
    EXPECT_EQ(img.image_start, 0x400000u);
    EXPECT_EQ(img.image_end, 0x403000u);
    EXPECT_EQ(img.mapped_size, 0x3000u);
}

TEST(ElfParseTest, ParsesStaticPieFromTheToolchain) {
    Bytes file = read_data("elf-static-pie-aarch64");
    ASSERT_LT(file.size(), 10u * 1024);
    auto r = parse(file);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    EXPECT_TRUE(img.is_pie);
    EXPECT_EQ(img.entry, 0x1ccu);
    EXPECT_EQ(img.phdr_vaddr, 0x40u);
    ASSERT_EQ(img.segment_count, 2u);
    EXPECT_EQ(img.segments[0].vaddr, 0u);   // link-time address: the loader adds a bias
    EXPECT_EQ(img.image_start, 0u);
    EXPECT_EQ(img.image_end, 0x3000u);
}

TEST(ElfParseTest, ReadsNothingForSegmentsWithoutFileBytes) {
    // Any offset at all (past the end, not congruent, the largest there is) when p_filesz is 0.
    for (std::uint64_t offset : {std::uint64_t{0x10800}, std::uint64_t{0x123}, ~std::uint64_t{0}}) {
        ElfSpec s = good_spec();
        s.phdrs[1] = {kPtLoad, kR | kW, offset, 0x401800, 0, 0x1800, kPage};
        auto r = parse(build(s));
        ASSERT_TRUE(r.ok()) << std::hex << offset << ": " << lib::error_name(r.error());
        EXPECT_EQ(r.value().segments[1].offset, 0u);
        EXPECT_EQ(r.value().segments[1].filesz, 0u);
    }
    // One file byte makes the offset count again.
    ElfSpec s = good_spec();
    s.phdrs[1] = {kPtLoad, kR | kW, 0x10800, 0x401800, 1, 0x1800, kPage};
    EXPECT_EQ(parse(build(s)).error(), Error::Truncated);
}

TEST(ElfParseTest, SaysWhichCheckFailed) {
    auto why_of = [](const Bytes& b) {
        const char* why = nullptr;
        Exact e(b);
        auto r = parse_elf(e.data.get(), e.size, kernel::kElfDefaultUserLimit, kernel::kElfDefaultMaxMapped, &why);
        EXPECT_FALSE(r.ok());
        return std::string(why ? why : "(none)");
    };
    EXPECT_EQ(why_of(Bytes{'#', '!', '/', 'x'}), "not an ELF file (bad magic)");
    ElfSpec s = good_spec();
    s.machine = 62;
    EXPECT_EQ(why_of(build(s)), "not an AArch64 executable (e_machine)");
    s = good_spec();
    s.phdrs[0].flags = kR | kW | kX;
    EXPECT_EQ(why_of(build(s)), "a PT_LOAD is both writable and executable (W^X)");
    s = good_spec();
    s.phdrs.push_back({kPtInterp, kR, 0x200, 0x400200, 0x1c, 0x1c, 1});
    EXPECT_EQ(why_of(build(s)), "dynamically linked (PT_INTERP): no dynamic loader");
    s = good_spec();
    s.entry = 0x300000;
    EXPECT_EQ(why_of(build(s)), "entry point outside every executable segment");
    Bytes b = build(good_spec());
    b.resize(0x880);   // the data segment's file bytes end at 0x900
    EXPECT_EQ(why_of(b), "a PT_LOAD's file bytes run past the end of the file");
}

TEST(ElfParseTest, DescribesABuiltImage) {
    auto r = parse(build(good_spec()));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    EXPECT_EQ(img.entry, 0x400100u);
    EXPECT_EQ(img.phnum, 3u);
    EXPECT_EQ(img.phdr_vaddr, 0x400040u);
    ASSERT_EQ(img.segment_count, 2u);
    EXPECT_EQ(img.segments[1].memsz, 0x1800u);
    EXPECT_EQ(img.image_start, 0x400000u);
    EXPECT_EQ(img.image_end, 0x403000u);
    EXPECT_EQ(img.mapped_size, 0x3000u);   // one page of text, two of data+bss
}

TEST(ElfParseTest, UsesPtPhdrForTheProgramHeaderAddress) {
    ElfSpec s = good_spec();
    s.phdrs.insert(s.phdrs.begin(), Phdr{kPtPhdr, kR, 64, 0x400040, 4 * 56, 4 * 56, 8});
    auto r = parse(build(s));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().phdr_vaddr, 0x400040u);
}

TEST(ElfParseTest, RejectsPtPhdrThatDoesNotPointAtTheTable) {
    for (std::uint64_t vaddr : {0x400048ull, 0x401800ull, 0x500000ull, 0x4007f0ull}) {
        ElfSpec s = good_spec();
        s.phdrs.push_back(Phdr{kPtPhdr, kR, 64, vaddr, 4 * 56, 4 * 56, 8});
        EXPECT_EQ(parse(build(s)).error(), Error::Malformed) << std::hex << vaddr;
    }
    ElfSpec twice = good_spec();
    twice.phdrs.push_back(Phdr{kPtPhdr, kR, 64, 0x400040, 5 * 56, 5 * 56, 8});
    twice.phdrs.push_back(Phdr{kPtPhdr, kR, 64, 0x400040, 5 * 56, 5 * 56, 8});
    EXPECT_EQ(parse(build(twice)).error(), Error::Malformed);
}

TEST(ElfParseTest, ReportsZeroPhdrAddressWhenTheTableIsNotLoaded) {
    ElfSpec s = good_spec();
    s.phoff = 0x1000;   // after every PT_LOAD's file bytes
    auto r = parse(build(s));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().phdr_vaddr, 0u);
}

TEST(ElfParseTest, ReportsAnExecutableStackRequest) {
    ElfSpec s = good_spec();
    s.phdrs[2].flags = kR | kW | kX;
    auto r = parse(build(s));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.value().stack_exec);
}

TEST(ElfParseTest, IgnoresOtherProgramHeadersAndEmptyLoads) {
    ElfSpec s = good_spec();
    s.phdrs.push_back(Phdr{kPtNote, kR, 0x100, 0x400100, 0x20, 0x20, 4});
    s.phdrs.push_back(Phdr{kPtDynamic, kR | kW, 0x800, 0x401800, 0x40, 0x40, 8});
    s.phdrs.push_back(Phdr{0x70000000, 0, 0xffffffffffff0000, 0, 0xffff, 0, 3});   // arch-specific junk
    s.phdrs.push_back(Phdr{kPtLoad, kR, 0x10, 0x400010, 0, 0, kPage});             // maps nothing
    auto r = parse(build(s));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_EQ(r.value().segment_count, 2u);
}

TEST(ElfParseTest, AcceptsStaticPieWithLoadsFromAddressZero) {
    ElfSpec s = good_spec();
    s.type = 3;
    s.phdrs[0].vaddr = 0;
    s.phdrs[1].vaddr = 0x1800;
    s.entry = 0x100;
    auto r = parse(build(s));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    EXPECT_TRUE(r.value().is_pie);
    EXPECT_EQ(r.value().phdr_vaddr, 0x40u);
}

TEST(ElfParseTest, AcceptsSegmentsEndingExactlyAtTheUserLimit) {
    ElfSpec s = good_spec();
    const std::uint64_t limit = 0x0000'0000'8000'0000;
    s.phdrs[1].vaddr = limit - 0x2000 + 0x800;   // congruent with its file offset 0x800
    s.phdrs[1].memsz = 0x1800;
    EXPECT_TRUE(parse(build(s), limit).ok());
    s.phdrs[1].memsz = 0x1801;
    EXPECT_EQ(parse(build(s), limit).error(), Error::Malformed);
    s.phdrs[1].memsz = 0x1800;
    EXPECT_THROW((void)parse(build(s), limit + 1), lib::AssertionFailure);   // limit not page-aligned
}

TEST(ElfParseTest, AcceptsSegmentsOnAdjacentPages) {
    ElfSpec s = good_spec();
    s.phdrs[1].vaddr = 0x401800;   // the text ends at 0x400800, its page at 0x401000
    EXPECT_TRUE(parse(build(s)).ok());
}

TEST(ElfParseTest, AcceptsSixteenLoadsAndRefusesSeventeen) {
    ElfSpec s = good_spec();
    s.file_size = 0x4000;
    s.phdrs.resize(2);
    for (std::uint64_t i = 0; s.phdrs.size() < 16; i++) {
        s.phdrs.push_back(Phdr{kPtLoad, kR, 0x1000, 0x500000 + i * 0x10000, 0x10, 0x10, kPage});
    }
    EXPECT_TRUE(parse(build(s)).ok());
    s.phdrs.push_back(Phdr{kPtLoad, kR, 0x1000, 0x900000, 0x10, 0x10, kPage});
    EXPECT_EQ(parse(build(s)).error(), Error::Unsupported);
}

// ---------------------------------------------------------------------------------------------
// Rejections, one field at a time.

struct BadCase {
    const char* what;
    std::function<void(ElfSpec&)> change;
    Error expected;
};

TEST(ElfParseTest, RejectsEachBadField) {
    const std::uint64_t kMax = ~std::uint64_t{0};
    const std::vector<BadCase> cases = {
        {"32-bit class", [](ElfSpec& s) { s.ident_class = 1; }, Error::Unsupported},
        {"no class", [](ElfSpec& s) { s.ident_class = 0; }, Error::Malformed},
        {"class 3", [](ElfSpec& s) { s.ident_class = 3; }, Error::Malformed},
        {"big endian", [](ElfSpec& s) { s.ident_data = 2; }, Error::Unsupported},
        {"no data encoding", [](ElfSpec& s) { s.ident_data = 0; }, Error::Malformed},
        {"EI_VERSION 0", [](ElfSpec& s) { s.ident_version = 0; }, Error::Malformed},
        {"e_version 2", [](ElfSpec& s) { s.version = 2; }, Error::Malformed},
        {"x86-64", [](ElfSpec& s) { s.machine = 62; }, Error::Unsupported},
        {"relocatable", [](ElfSpec& s) { s.type = 1; }, Error::Unsupported},
        {"core", [](ElfSpec& s) { s.type = 4; }, Error::Unsupported},
        {"ET_NONE", [](ElfSpec& s) { s.type = 0; }, Error::Malformed},
        {"type 0xfe00", [](ElfSpec& s) { s.type = 0xfe00; }, Error::Malformed},
        {"phentsize 64", [](ElfSpec& s) { s.phentsize = 64; }, Error::Malformed},
        {"phentsize 0", [](ElfSpec& s) { s.phentsize = 0; }, Error::Malformed},
        {"no phdrs", [](ElfSpec& s) { s.phnum_override = 0; }, Error::Malformed},
        {"65 phdrs", [](ElfSpec& s) { s.phnum_override = 65; }, Error::Unsupported},
        {"PN_XNUM", [](ElfSpec& s) { s.phnum_override = 0xffff; }, Error::Unsupported},
        {"phnum past the end", [](ElfSpec& s) { s.phnum_override = 64; s.file_size = 0x900; s.phoff = 0x800; },
         Error::Truncated},
        {"phoff past the end", [](ElfSpec& s) { s.phoff = 0x1f00; s.file_size = 0x2000; s.phnum_override = 5; },
         Error::Truncated},
        {"phoff huge", [&](ElfSpec& s) { s.phdrs.clear(); s.phnum_override = 3; s.phoff = kMax - 8; },
         Error::Truncated},
        {"phdrs over the ELF header", [](ElfSpec& s) { s.phdrs.clear(); s.phnum_override = 1; s.phoff = 8; },
         Error::Malformed},
        {"PT_INTERP", [](ElfSpec& s) { s.phdrs.push_back({kPtInterp, kR, 0x200, 0x400200, 0x1c, 0x1c, 1}); },
         Error::Unsupported},
        {"PT_INTERP in a PIE", [](ElfSpec& s) {
             s.type = 3;
             s.phdrs.push_back({kPtInterp, kR, 0x200, 0x400200, 0x1c, 0x1c, 1});
         }, Error::Unsupported},
        {"filesz > memsz", [](ElfSpec& s) { s.phdrs[1].memsz = 0xff; }, Error::Malformed},
        {"file bytes past the end", [](ElfSpec& s) { s.phdrs[1].filesz = 0x1801; s.phdrs[1].memsz = 0x1900; },
         Error::Truncated},
        {"offset past the end", [](ElfSpec& s) { s.phdrs[1].offset = 0x10800; s.phdrs[1].vaddr = 0x410800; },
         Error::Truncated},
        {"offset + filesz overflows", [&](ElfSpec& s) {
             s.phdrs[1].offset = kMax - 0xff;
             s.phdrs[1].vaddr = 0x401f00;
         }, Error::Malformed},
        {"vaddr + memsz overflows", [&](ElfSpec& s) { s.phdrs[1].vaddr = kMax - 0x7ff; }, Error::Malformed},
        {"memsz huge", [&](ElfSpec& s) { s.phdrs[1].memsz = kMax; }, Error::Malformed},
        {"above the user limit", [](ElfSpec& s) { s.phdrs[1].vaddr = 0x0000'FFFF'FFFF'F800; },
         Error::Malformed},
        {"kernel address", [](ElfSpec& s) { s.phdrs[1].vaddr = 0xFFFF'0000'0000'0800; }, Error::Malformed},
        {"align 3", [](ElfSpec& s) { s.phdrs[1].align = 3; }, Error::Malformed},
        {"align 0x3000", [](ElfSpec& s) { s.phdrs[1].align = 0x3000; }, Error::Malformed},
        {"vaddr and offset not congruent", [](ElfSpec& s) { s.phdrs[1].vaddr = 0x401810; }, Error::Malformed},
        {"overlapping segments", [](ElfSpec& s) { s.phdrs[1].vaddr = 0x400800; }, Error::Malformed},
        {"segments sharing a page", [](ElfSpec& s) { s.phdrs[0].memsz = 0x1900; s.phdrs[1].vaddr = 0x401800; },
         Error::Malformed},
        {"second segment inside the first", [](ElfSpec& s) {
             s.phdrs[0].memsz = 0x10000;
             s.phdrs[1].vaddr = 0x405800;
         }, Error::Malformed},
        {"one segment twice", [](ElfSpec& s) { s.phdrs.push_back(s.phdrs[1]); }, Error::Malformed},
        {"W+X", [](ElfSpec& s) { s.phdrs[0].flags = kR | kW | kX; }, Error::Unsupported},
        {"page zero in an executable", [](ElfSpec& s) {
             s.phdrs.push_back({kPtLoad, kR, 0x800, 0x800, 0x10, 0x10, kPage});
         }, Error::Unsupported},
        {"entry outside every segment", [](ElfSpec& s) { s.entry = 0x300000; }, Error::Malformed},
        {"entry just past the text", [](ElfSpec& s) { s.entry = 0x400800; }, Error::Malformed},
        {"entry in the data", [](ElfSpec& s) { s.entry = 0x401800; }, Error::Malformed},
        {"entry misaligned", [](ElfSpec& s) { s.entry = 0x400102; }, Error::Malformed},
        {"no PT_LOAD", [](ElfSpec& s) { s.phdrs.erase(s.phdrs.begin(), s.phdrs.begin() + 2); }, Error::Malformed},
        {"only empty PT_LOADs", [](ElfSpec& s) { s.phdrs[0].memsz = s.phdrs[0].filesz = 0;
                                                  s.phdrs[1].memsz = s.phdrs[1].filesz = 0; },
         Error::Malformed},
        {"too large to map", [](ElfSpec& s) { s.phdrs[1].memsz = (1ull << 30); }, Error::Unsupported},
    };
    ASSERT_TRUE(parse(build(good_spec())).ok());
    for (const BadCase& c : cases) {
        ElfSpec s = good_spec();
        c.change(s);
        auto r = parse(build(s));
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.error(), c.expected) << c.what << ": got " << lib::error_name(r.error());
    }
}

TEST(ElfParseTest, RejectsBadMagicAndTinyFiles) {
    Bytes good = build(good_spec());
    for (std::size_t i = 0; i < 4; i++) {
        Bytes bad = good;
        bad[i] ^= 0x20;
        EXPECT_EQ(parse(bad).error(), Error::Malformed) << i;
    }
    EXPECT_EQ(parse(Bytes{'#', '!'}).error(), Error::Malformed);   // a script is not ELF
    EXPECT_EQ(parse(Bytes{0x7f, 'E', 'L'}).error(), Error::Truncated);
    EXPECT_EQ(parse_elf(nullptr, 0, kernel::kElfDefaultUserLimit).error(), Error::Truncated);
    EXPECT_EQ(parse_elf(nullptr, 64, kernel::kElfDefaultUserLimit).error(), Error::InvalidArgument);
}

TEST(ElfParseTest, HonoursTheMappedSizeLimit) {
    Bytes b = build(good_spec());
    EXPECT_TRUE(parse(b, kernel::kElfDefaultUserLimit, 0x3000).ok());
    EXPECT_EQ(parse(b, kernel::kElfDefaultUserLimit, 0x2fff).error(), Error::Unsupported);
}

TEST(ElfParseTest, EveryTruncationOfTheNeededBytesIsTruncated) {
    for (const Bytes& full : {read_data("elf-static-aarch64"), read_data("elf-static-pie-aarch64"),
                              read_data("elf-bss-only-aarch64"), read_data("elf-segments-aarch64"),
                              build(good_spec())}) {
        std::size_t need = needed_size(full);
        ASSERT_LE(need, full.size());
        for (std::size_t len = 0; len <= full.size(); len++) {
            Exact e(full, len);
            auto r = parse_elf(e.data.get(), e.size, kernel::kElfDefaultUserLimit);
            if (len < need) {
                ASSERT_FALSE(r.ok()) << "len " << len;
                EXPECT_EQ(r.error(), Error::Truncated) << "len " << len;
            } else {
                ASSERT_TRUE(r.ok()) << "len " << len << ": " << lib::error_name(r.error());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing. An accepted image must satisfy what the loader relies on; these are checked here from
// the raw bytes the parser was given, independently of how it reached its answer.

void check_image_is_safe(const ElfImage& img, std::size_t size, std::uint64_t limit, std::uint64_t max_mapped) {
    ASSERT_GE(img.segment_count, 1u);
    ASSERT_LE(img.segment_count, kernel::kElfMaxSegments);
    std::uint64_t mapped = 0;
    bool entry_ok = false;
    for (std::size_t i = 0; i < img.segment_count; i++) {
        const auto& s = img.segments[i];
        ASSERT_LE(s.offset, size);
        ASSERT_LE(s.filesz, size - s.offset);
        ASSERT_LE(s.filesz, s.memsz);
        ASSERT_LE(s.vaddr, limit);
        ASSERT_LE(s.memsz, limit - s.vaddr);
        if (s.filesz != 0) {
            ASSERT_EQ(s.vaddr % kPage, s.offset % kPage);
        } else {
            ASSERT_EQ(s.offset, 0u);   // nothing to read: no offset for the loader to misuse
        }
        ASSERT_FALSE(s.write && s.exec);
        if (!img.is_pie) {
            ASSERT_GE(s.vaddr, kPage);
        }
        std::uint64_t lo = s.vaddr / kPage, hi = (s.vaddr + s.memsz + kPage - 1) / kPage;
        mapped += (hi - lo) * kPage;
        for (std::size_t j = 0; j < i; j++) {
            const auto& t = img.segments[j];
            std::uint64_t tlo = t.vaddr / kPage, thi = (t.vaddr + t.memsz + kPage - 1) / kPage;
            ASSERT_TRUE(hi <= tlo || thi <= lo) << "segments " << j << " and " << i << " share a page";
        }
        if (s.exec && img.entry >= s.vaddr && img.entry < s.vaddr + s.memsz) entry_ok = true;
    }
    ASSERT_TRUE(entry_ok);
    ASSERT_EQ(img.entry % 4, 0u);
    ASSERT_EQ(mapped, img.mapped_size);
    ASSERT_LE(mapped, max_mapped);
    if (img.phdr_vaddr != 0) {
        bool inside = false;
        for (std::size_t i = 0; i < img.segment_count; i++) {
            const auto& s = img.segments[i];
            inside |= img.phdr_vaddr >= s.vaddr && img.phdr_vaddr + img.phnum * 56ull <= s.vaddr + s.filesz;
        }
        ASSERT_TRUE(inside);
    }
}

void mutate(Bytes& b, std::mt19937_64& rng) {
    if (b.empty()) return;   // an earlier round cut it all away
    auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
    // Most interesting bytes are in the ELF header and the program headers right after it.
    std::size_t hot = std::min<std::size_t>(b.size(), 64 + 8 * 56);
    static const std::uint64_t kBoundary[] = {0, 1, 2, 3, 0x1000, 0xfff, 0x7f, 0xff, 0xffff, 0x10000,
                                              0x400000, 0x0000'FFFF'FFFF'F000, 0x8000'0000'0000'0000,
                                              ~0ull, ~0ull - 0xfff, 0xfffffff, 56, 64, 183};
    switch (pick(6)) {
    case 0:
        b[pick(hot)] = static_cast<std::uint8_t>(rng());
        break;
    case 1:
        b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
        break;
    case 2: {   // an aligned 1/2/4/8-byte field set to a boundary value or a nudge of itself
        std::size_t width = std::size_t{1} << pick(4);
        std::size_t at = pick(hot) & ~(width - 1);
        if (at + width > b.size()) break;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < width; i++) v |= std::uint64_t{b[at + i]} << (8 * i);
        if (pick(2)) {
            v = kBoundary[pick(std::size(kBoundary))];
        } else {
            v = pick(2) ? v + pick(0x2000) : v - pick(0x2000);
        }
        for (std::size_t i = 0; i < width; i++) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
        break;
    }
    case 3:
        b.resize(pick(b.size() + 1));
        break;
    case 4: {   // copy one program header over another
        std::size_t from = 64 + pick(4) * 56, to = 64 + pick(4) * 56;
        if (from + 56 <= b.size() && to + 56 <= b.size()) std::memmove(b.data() + to, b.data() + from, 56);
        break;
    }
    case 5:   // p_flags gets random permissions
    {
        std::size_t at = 64 + pick(4) * 56 + 4;
        if (at < b.size()) b[at] = static_cast<std::uint8_t>(pick(8));
        break;
    }
    }
}

TEST(ElfParseTest, FuzzedImagesAreRejectedOrSafeToLoad) {
    const std::uint64_t seed = 0xE1F6'4AA6;
    std::mt19937_64 rng(seed);
    const std::vector<Bytes> seeds = {read_data("elf-static-aarch64"), read_data("elf-static-pie-aarch64"),
                                      read_data("elf-bss-only-aarch64"), read_data("elf-segments-aarch64"),
                                      build(good_spec())};
    int accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        Bytes input = seeds[iter % seeds.size()];
        int rounds = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < rounds; i++) mutate(input, rng);
        std::uint64_t limit = (rng() % 4 == 0) ? 0x0000'0000'0040'2000 : kernel::kElfDefaultUserLimit;
        std::uint64_t max_mapped = (rng() % 4 == 0) ? 0x2000 : kernel::kElfDefaultMaxMapped;
        Exact e(input);
        auto r = parse_elf(e.data.get(), e.size, limit, max_mapped);
        if (!r.ok()) {
            Error err = r.error();
            ASSERT_TRUE(err == Error::Malformed || err == Error::Truncated || err == Error::Unsupported)
                << "seed " << seed << " iteration " << iter << ": " << lib::error_name(err);
            continue;
        }
        accepted++;
        SCOPED_TRACE(testing::Message() << "seed " << seed << " iteration " << iter);
        check_image_is_safe(r.value(), e.size, limit, max_mapped);
        if (HasFatalFailure()) return;
    }
    EXPECT_GT(accepted, 8000);   // enough inputs survive to exercise the accepting paths
}

}  // namespace
