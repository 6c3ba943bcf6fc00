// Host tests for kernel/elf on the layouts GNU ld really produces for a -nostdlib -static program:
// data/elf-*-aarch64, built by tools/mk-elf-fixtures.sh from data/elf-fixture.c (ld's default
// 64 KiB max-page-size, 4 KiB pages, -z separate-code, static PIE). Budget: a few milliseconds.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "kernel/process/elf.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using kernel::ElfImage;
using kernel::parse_elf;

Bytes read_data(const char* name) {
    std::ifstream in(std::string(HOST_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A heap copy of exactly the file's size, so AddressSanitizer reports any read past the end.
struct Exact {
    explicit Exact(const Bytes& b) : data(new std::uint8_t[b.size()]), size(b.size()) {
        std::memcpy(data.get(), b.data(), b.size());
    }
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size;
};

lib::Result<ElfImage> parse(const Bytes& b) {
    Exact e(b);
    return parse_elf(e.data.get(), e.size);
}

// The layouts GNU ld gives a -nostdlib -static program (tools/mk-elf-fixtures.sh builds them from
// data/elf-fixture.c): ld's defaults use a 64 KiB max-page-size, so the data segment sits 64 KiB into
// the file and a bss-only one points past its end.
TEST(ElfLdLayoutTest, ParsesLdDefaultLinkWith64KiBPages) {
    Bytes file = read_data("elf-default-aarch64");
    auto r = parse(file);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    EXPECT_FALSE(img.is_pie);
    EXPECT_EQ(img.entry, 0x400120u);
    ASSERT_EQ(img.segment_count, 2u);
    EXPECT_EQ(img.segments[0].vaddr, 0x400000u);
    EXPECT_TRUE(img.segments[0].exec && !img.segments[0].write);
    const auto& data = img.segments[1];
    EXPECT_EQ(data.vaddr, 0x41ffe8u);
    EXPECT_EQ(data.offset, 0xffe8u);
    EXPECT_EQ(data.filesz, 4u);
    EXPECT_EQ(data.memsz, 0x108u);
    EXPECT_TRUE(data.write && !data.exec);
    EXPECT_EQ(img.image_end, 0x421000u);
    EXPECT_EQ(img.mapped_size, 0x3000u);
}

TEST(ElfLdLayoutTest, LoadsABssOnlySegmentWhoseOffsetIsPastTheEndOfTheFile) {
    Bytes file = read_data("elf-bss-only-aarch64");
    ASSERT_LT(file.size(), 0xffe8u);   // the segment's p_offset lies beyond the file, as ld wrote it
    const char* why = nullptr;
    Exact e(file);
    auto r = parse_elf(e.data.get(), e.size, kernel::kElfDefaultUserLimit, kernel::kElfDefaultMaxMapped, &why);
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error()) << ": " << (why ? why : "");
    const ElfImage& img = r.value();
    EXPECT_EQ(img.entry, 0x4000e8u);
    ASSERT_EQ(img.segment_count, 2u);
    const auto& bss = img.segments[1];
    EXPECT_EQ(bss.vaddr, 0x41ffe8u);
    EXPECT_EQ(bss.filesz, 0u);
    EXPECT_EQ(bss.offset, 0u);   // nothing is read from the file for it
    EXPECT_EQ(bss.memsz, 0x100u);
    EXPECT_TRUE(bss.read && bss.write && !bss.exec);
}

TEST(ElfLdLayoutTest, ParsesDataWithoutBss) {
    auto r = parse(read_data("elf-no-bss-aarch64"));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    ASSERT_EQ(r.value().segment_count, 2u);
    const auto& data = r.value().segments[1];
    EXPECT_EQ(data.vaddr, 0x401fe8u);
    EXPECT_EQ(data.offset, 0xfe8u);
    EXPECT_EQ(data.filesz, 4u);
    EXPECT_EQ(data.memsz, 4u);
}

TEST(ElfLdLayoutTest, ParsesFourSegmentsOfSeparateCode) {
    auto r = parse(read_data("elf-segments-aarch64"));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    ASSERT_EQ(img.segment_count, 4u);
    const std::uint64_t vaddr[] = {0x400000, 0x401000, 0x402000, 0x403fe8};
    const bool exec[] = {false, true, false, false}, write[] = {false, false, false, true};
    for (std::size_t i = 0; i < 4; i++) {
        EXPECT_EQ(img.segments[i].vaddr, vaddr[i]) << i;
        EXPECT_EQ(img.segments[i].exec, exec[i]) << i;
        EXPECT_EQ(img.segments[i].write, write[i]) << i;
        EXPECT_TRUE(img.segments[i].read) << i;
    }
    EXPECT_EQ(img.entry, 0x401000u);
    EXPECT_EQ(img.phdr_vaddr, 0x400040u);   // in the first, read-only segment
    EXPECT_EQ(img.mapped_size, 0x5000u);
}

TEST(ElfLdLayoutTest, ParsesLdDefaultStaticPie) {
    auto r = parse(read_data("elf-default-pie-aarch64"));
    ASSERT_TRUE(r.ok()) << lib::error_name(r.error());
    const ElfImage& img = r.value();
    EXPECT_TRUE(img.is_pie);
    ASSERT_EQ(img.segment_count, 2u);
    EXPECT_EQ(img.segments[1].vaddr, 0x1ff10u);
    EXPECT_EQ(img.segments[1].offset, 0xff10u);
    EXPECT_EQ(img.image_start, 0u);
    EXPECT_EQ(img.image_end, 0x21000u);
}

}  // namespace
