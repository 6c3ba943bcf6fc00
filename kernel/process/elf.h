// ELF64 program-header validation for static AArch64 executables (portable). It reads an untrusted
// file image and describes what to map; it maps nothing and allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"

namespace kernel {

// Top of the user half with a 48-bit VA (TTBR0), the last page left unmapped.
inline constexpr std::uint64_t kElfDefaultUserLimit = 0x0000'FFFF'FFFF'F000;
// Sum of the page-rounded PT_LOAD sizes accepted by default.
inline constexpr std::uint64_t kElfDefaultMaxMapped = std::uint64_t{1} << 30;
inline constexpr std::size_t kElfMaxSegments = 16;   // PT_LOAD entries an image may have
inline constexpr std::size_t kElfMaxPhnum = 64;      // program headers of any type

struct ElfSegment {
    std::uint64_t vaddr, memsz;    // memory image [vaddr, vaddr + memsz); bytes past filesz are zero
    std::uint64_t offset, filesz;  // file bytes [offset, offset + filesz), inside the file (offset 0
                                   // when filesz is 0: such a segment reads nothing from the file)
    bool read, write, exec;        // never both write and exec
};

struct ElfImage {
    std::uint64_t entry;
    // For AT_PHDR: where the program headers are in the mapped image (from PT_PHDR, or computed from
    // the PT_LOAD whose file bytes contain them); 0 if they are not mapped.
    std::uint64_t phdr_vaddr;
    std::uint16_t phnum, phentsize;
    // ET_DYN: the addresses below are link-time ones; the loader adds a page-aligned bias and must
    // check again that image_end + bias stays below its user limit.
    bool is_pie;
    bool stack_exec;             // PT_GNU_STACK asked for an executable stack (reported only)
    std::uint64_t image_start;   // lowest PT_LOAD address, rounded down to a page
    std::uint64_t image_end;     // end of the highest PT_LOAD, rounded up to a page
    std::uint64_t mapped_size;   // sum of the page-rounded PT_LOAD sizes
    std::size_t segment_count;
    ElfSegment segments[kElfMaxSegments];   // PT_LOAD entries with memsz > 0, in file order
};
static_assert(std::is_trivially_copyable_v<ElfImage>);

// Validates `file` (ELF header, every program header, every PT_LOAD) and returns what to map.
// Errors: Truncated (a structure runs past the end of the file), Malformed (inconsistent fields),
// Unsupported (valid ELF we do not run: other class, byte order or machine, PT_INTERP, W+X
// segments, more than kElfMaxSegments loads, too large). The kernel maps all of them to -ENOEXEC.
// `user_limit` must be page-aligned: every PT_LOAD must end at or below it. On a refusal, `*why`
// (when given) names the check that failed, as a static string.
lib::Result<ElfImage> parse_elf(const void* file, std::size_t size,
                                std::uint64_t user_limit = kElfDefaultUserLimit,
                                std::uint64_t max_mapped = kElfDefaultMaxMapped, const char** why = nullptr);

}  // namespace kernel
