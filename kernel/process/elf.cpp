// ELF64 validation (portable). Fields are read byte by byte as little-endian, so the file needs no
// particular alignment and no structure is ever read past `size`; all address arithmetic is
// checked for overflow before it is used.
#include "kernel/process/elf.h"

#include "lib/kassert.h"
#include "mm/types.h"

namespace kernel {

namespace {

// ELF header (Elf64_Ehdr) offsets, from the System V gABI.
constexpr std::size_t kEhdrSize = 64;
constexpr std::size_t kEiClass = 4, kEiData = 5, kEiVersion = 6;
constexpr std::size_t kEType = 16, kEMachine = 18, kEVersion = 20, kEEntry = 24, kEPhoff = 32;
constexpr std::size_t kEPhentsize = 54, kEPhnum = 56;

// Program header (Elf64_Phdr) offsets.
constexpr std::size_t kPhdrSize = 56;
constexpr std::size_t kPType = 0, kPFlags = 4, kPOffset = 8, kPVaddr = 16, kPFilesz = 32,
                      kPMemsz = 40, kPAlign = 48;

constexpr std::uint8_t kElfClass32 = 1, kElfClass64 = 2;
constexpr std::uint8_t kElfData2Lsb = 1, kElfData2Msb = 2;
constexpr std::uint8_t kEvCurrent = 1;
constexpr std::uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4;
constexpr std::uint16_t kEmAarch64 = 183;
constexpr std::uint16_t kPnXnum = 0xffff;   // "the real count is in section 0": not for us

constexpr std::uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6, kPtGnuStack = 0x6474e551;
constexpr std::uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

constexpr std::uint64_t kPage = mm::kPageSize;

// Every refusal says which check failed (for the exec error report), when the caller asks.
#define REJECT(error, text)              \
    do {                                 \
        if (why) *why = text;            \
        return lib::Error::error;        \
    } while (0)

std::uint16_t rd16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t rd32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(rd16(p)) | (static_cast<std::uint32_t>(rd16(p + 2)) << 16);
}
std::uint64_t rd64(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(rd32(p)) | (static_cast<std::uint64_t>(rd32(p + 4)) << 32);
}

lib::Status check_ident(const std::uint8_t* f, const char** why) {
    if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') REJECT(Malformed, "not an ELF file (bad magic)");
    if (f[kEiClass] == kElfClass32) REJECT(Unsupported, "32-bit ELF");
    if (f[kEiClass] != kElfClass64) REJECT(Malformed, "bad ELF class");
    if (f[kEiData] == kElfData2Msb) REJECT(Unsupported, "big-endian ELF");
    if (f[kEiData] != kElfData2Lsb) REJECT(Malformed, "bad ELF data encoding");
    if (f[kEiVersion] != kEvCurrent || rd32(f + kEVersion) != kEvCurrent) REJECT(Malformed, "bad ELF version");
    return {};
}

// Checks one PT_LOAD on its own and turns it into a segment.
lib::Result<ElfSegment> check_load(const std::uint8_t* ph, std::size_t size, std::uint64_t user_limit,
                                   bool is_pie, const char** why) {
    std::uint32_t flags = rd32(ph + kPFlags);
    std::uint64_t offset = rd64(ph + kPOffset), vaddr = rd64(ph + kPVaddr);
    std::uint64_t filesz = rd64(ph + kPFilesz), memsz = rd64(ph + kPMemsz), align = rd64(ph + kPAlign);

    if (filesz > memsz) REJECT(Malformed, "a PT_LOAD has p_filesz > p_memsz");
    // A segment with no file bytes (bss only) reads nothing from the file, so its offset means
    // nothing: GNU ld's default 64 KiB max-page-size can put it past the end of the file, and Linux
    // loads that (nor does it need the offset congruent with vaddr). It is reported as 0.
    if (filesz == 0) offset = 0;
    if (offset > UINT64_MAX - filesz) REJECT(Malformed, "a PT_LOAD's p_offset + p_filesz overflows");
    if (filesz != 0 && offset + filesz > size)
        REJECT(Truncated, "a PT_LOAD's file bytes run past the end of the file");
    if (vaddr > UINT64_MAX - memsz) REJECT(Malformed, "a PT_LOAD's p_vaddr + p_memsz overflows");
    // user_limit is page-aligned, so the page-rounded end below cannot overflow either.
    if (vaddr + memsz > user_limit) REJECT(Malformed, "a PT_LOAD ends above the user address limit");
    if (align != 0 && (align & (align - 1)) != 0) REJECT(Malformed, "a PT_LOAD's p_align is not a power of two");
    // Mapped by pages: the file page holding `offset` lands on the page holding `vaddr`.
    if (filesz != 0 && vaddr % kPage != offset % kPage)
        REJECT(Malformed, "a PT_LOAD's p_vaddr and p_offset differ modulo the page size");
    // A fixed-address executable must leave page 0 unmapped, so null dereferences still fault.
    // (A PIE's link-time addresses start at 0; its bias moves them.)
    if (!is_pie && vaddr < kPage) REJECT(Unsupported, "a PT_LOAD maps page 0");
    // The kernel enforces W^X: a segment both writable and executable is refused, not downgraded.
    if ((flags & kPfW) && (flags & kPfX)) REJECT(Unsupported, "a PT_LOAD is both writable and executable (W^X)");

    return ElfSegment{vaddr, memsz, offset, filesz, (flags & kPfR) != 0, (flags & kPfW) != 0,
                      (flags & kPfX) != 0};
}

std::uint64_t page_start(const ElfSegment& s) { return mm::align_down(s.vaddr, kPage); }
std::uint64_t page_end(const ElfSegment& s) { return mm::align_up(s.vaddr + s.memsz, kPage); }

}  // namespace

lib::Result<ElfImage> parse_elf(const void* file, std::size_t size, std::uint64_t user_limit,
                                std::uint64_t max_mapped, const char** why) {
    // The caller's limits are kernel constants, not input: a bad one is a kernel bug.
    KASSERT(user_limit != 0 && mm::is_aligned(user_limit, kPage));
    if (file == nullptr && size == 0) REJECT(Truncated, "empty file");
    if (file == nullptr) return lib::Error::InvalidArgument;
    const auto* f = static_cast<const std::uint8_t*>(file);
    if (size < kEhdrSize) {
        // Still say "not ELF" for short non-ELF input, which is the likelier story.
        for (std::size_t i = 0; i < size && i < 4; i++) {
            if (f[i] != "\x7f" "ELF"[i]) REJECT(Malformed, "not an ELF file (bad magic)");
        }
        REJECT(Truncated, "file shorter than the ELF header");
    }
    TRY_STATUS(check_ident(f, why));

    std::uint16_t type = rd16(f + kEType);
    if (type == kEtRel || type == kEtCore) REJECT(Unsupported, "not an executable (relocatable or core file)");
    if (type != kEtExec && type != kEtDyn) REJECT(Malformed, "bad e_type");
    if (rd16(f + kEMachine) != kEmAarch64) REJECT(Unsupported, "not an AArch64 executable (e_machine)");

    ElfImage img{};
    img.entry = rd64(f + kEEntry);
    img.is_pie = type == kEtDyn;
    img.phentsize = rd16(f + kEPhentsize);
    img.phnum = rd16(f + kEPhnum);
    if (img.phentsize != kPhdrSize) REJECT(Malformed, "bad e_phentsize");
    if (img.phnum == 0) REJECT(Malformed, "no program headers");
    if (img.phnum == kPnXnum || img.phnum > kElfMaxPhnum) REJECT(Unsupported, "too many program headers");
    std::uint64_t phoff = rd64(f + kEPhoff);
    std::uint64_t table_size = std::uint64_t{img.phnum} * kPhdrSize;   // <= 64 * 56, no overflow
    if (phoff > size || size - phoff < table_size) REJECT(Truncated, "program header table past the end of the file");
    if (phoff < kEhdrSize) REJECT(Malformed, "program header table overlaps the ELF header");

    bool has_phdr = false;
    std::uint64_t phdr_vaddr = 0;
    for (std::size_t i = 0; i < img.phnum; i++) {
        const std::uint8_t* ph = f + phoff + i * kPhdrSize;
        switch (rd32(ph + kPType)) {
        case kPtInterp:
            REJECT(Unsupported, "dynamically linked (PT_INTERP): no dynamic loader");
        case kPtPhdr:
            if (has_phdr) REJECT(Malformed, "two PT_PHDR entries");
            has_phdr = true;
            phdr_vaddr = rd64(ph + kPVaddr);
            break;
        case kPtGnuStack:
            img.stack_exec = (rd32(ph + kPFlags) & kPfX) != 0;
            break;
        case kPtLoad: {
            ElfSegment seg = TRY(check_load(ph, size, user_limit, img.is_pie, why));
            if (seg.memsz == 0) break;   // maps nothing
            if (img.segment_count == kElfMaxSegments) REJECT(Unsupported, "more PT_LOAD segments than the loader takes");
            // Segments are mapped whole pages at a time, so no two may touch the same page.
            for (std::size_t j = 0; j < img.segment_count; j++) {
                const ElfSegment& other = img.segments[j];
                if (page_start(seg) < page_end(other) && page_start(other) < page_end(seg)) {
                    REJECT(Malformed, "two PT_LOAD segments share a page");
                }
            }
            img.segments[img.segment_count++] = seg;
            break;
        }
        default:
            break;   // PT_DYNAMIC, PT_TLS, PT_NOTE, ...: the program's own business
        }
    }
    if (img.segment_count == 0) REJECT(Malformed, "no PT_LOAD segment");

    // Totals. Each page-rounded size is below 2^48 and there are at most 16: no overflow.
    img.image_start = UINT64_MAX;
    for (std::size_t i = 0; i < img.segment_count; i++) {
        const ElfSegment& s = img.segments[i];
        img.mapped_size += page_end(s) - page_start(s);
        if (page_start(s) < img.image_start) img.image_start = page_start(s);
        if (page_end(s) > img.image_end) img.image_end = page_end(s);
    }
    if (img.mapped_size > max_mapped) REJECT(Unsupported, "segments too large to map");

    // The entry point must be an instruction inside an executable segment.
    if (img.entry % 4 != 0) REJECT(Malformed, "entry point not 4-byte aligned");
    bool entry_ok = false;
    for (std::size_t i = 0; i < img.segment_count && !entry_ok; i++) {
        const ElfSegment& s = img.segments[i];
        entry_ok = s.exec && img.entry >= s.vaddr && img.entry - s.vaddr < s.memsz;
    }
    if (!entry_ok) REJECT(Malformed, "entry point outside every executable segment");

    // AT_PHDR must point at the real table: find the PT_LOAD whose file bytes hold it.
    for (std::size_t i = 0; i < img.segment_count; i++) {
        const ElfSegment& s = img.segments[i];
        if (has_phdr) {
            if (phdr_vaddr >= s.vaddr && phdr_vaddr - s.vaddr <= s.filesz &&
                s.filesz - (phdr_vaddr - s.vaddr) >= table_size &&
                s.offset + (phdr_vaddr - s.vaddr) == phoff) {
                img.phdr_vaddr = phdr_vaddr;
            }
        } else if (phoff >= s.offset && phoff - s.offset <= s.filesz &&
                   s.filesz - (phoff - s.offset) >= table_size) {
            img.phdr_vaddr = s.vaddr + (phoff - s.offset);
        }
    }
    if (has_phdr && img.phdr_vaddr == 0) REJECT(Malformed, "PT_PHDR does not point at the program header table");
    return img;
}

#undef REJECT

}  // namespace kernel
