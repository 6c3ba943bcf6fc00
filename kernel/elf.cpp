// ELF64 validation (portable). Fields are read byte by byte as little-endian, so the file needs no
// particular alignment and no structure is ever read past `size`; all address arithmetic is
// checked for overflow before it is used.
#include "kernel/elf.h"

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

std::uint16_t rd16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t rd32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(rd16(p)) | (static_cast<std::uint32_t>(rd16(p + 2)) << 16);
}
std::uint64_t rd64(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(rd32(p)) | (static_cast<std::uint64_t>(rd32(p + 4)) << 32);
}

lib::Status check_ident(const std::uint8_t* f) {
    if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') return lib::Error::Malformed;
    if (f[kEiClass] == kElfClass32) return lib::Error::Unsupported;
    if (f[kEiClass] != kElfClass64) return lib::Error::Malformed;
    if (f[kEiData] == kElfData2Msb) return lib::Error::Unsupported;
    if (f[kEiData] != kElfData2Lsb) return lib::Error::Malformed;
    if (f[kEiVersion] != kEvCurrent || rd32(f + kEVersion) != kEvCurrent) return lib::Error::Malformed;
    return {};
}

// Checks one PT_LOAD on its own and turns it into a segment.
lib::Result<ElfSegment> check_load(const std::uint8_t* ph, std::size_t size, std::uint64_t user_limit,
                                   bool is_pie) {
    std::uint32_t flags = rd32(ph + kPFlags);
    std::uint64_t offset = rd64(ph + kPOffset), vaddr = rd64(ph + kPVaddr);
    std::uint64_t filesz = rd64(ph + kPFilesz), memsz = rd64(ph + kPMemsz), align = rd64(ph + kPAlign);

    if (offset > UINT64_MAX - filesz) return lib::Error::Malformed;
    if (offset + filesz > size) return lib::Error::Truncated;
    if (filesz > memsz) return lib::Error::Malformed;
    if (vaddr > UINT64_MAX - memsz) return lib::Error::Malformed;
    // user_limit is page-aligned, so the page-rounded end below cannot overflow either.
    if (vaddr + memsz > user_limit) return lib::Error::Malformed;
    if (align != 0 && (align & (align - 1)) != 0) return lib::Error::Malformed;
    // Mapped by pages: the file page holding `offset` lands on the page holding `vaddr`.
    if (vaddr % kPage != offset % kPage) return lib::Error::Malformed;
    // A fixed-address executable must leave page 0 unmapped, so null dereferences still fault.
    // (A PIE's link-time addresses start at 0; its bias moves them.)
    if (!is_pie && vaddr < kPage) return lib::Error::Unsupported;
    // The kernel enforces W^X: a segment both writable and executable is refused, not downgraded.
    if ((flags & kPfW) && (flags & kPfX)) return lib::Error::Unsupported;

    return ElfSegment{vaddr, memsz, offset, filesz, (flags & kPfR) != 0, (flags & kPfW) != 0,
                      (flags & kPfX) != 0};
}

std::uint64_t page_start(const ElfSegment& s) { return mm::align_down(s.vaddr, kPage); }
std::uint64_t page_end(const ElfSegment& s) { return mm::align_up(s.vaddr + s.memsz, kPage); }

}  // namespace

lib::Result<ElfImage> parse_elf(const void* file, std::size_t size, std::uint64_t user_limit,
                                std::uint64_t max_mapped) {
    // The caller's limits are kernel constants, not input: a bad one is a kernel bug.
    KASSERT(user_limit != 0 && mm::is_aligned(user_limit, kPage));
    if (file == nullptr) return size == 0 ? lib::Error::Truncated : lib::Error::InvalidArgument;
    const auto* f = static_cast<const std::uint8_t*>(file);
    if (size < kEhdrSize) {
        // Still say "not ELF" for short non-ELF input, which is the likelier story.
        for (std::size_t i = 0; i < size && i < 4; i++) {
            if (f[i] != "\x7f" "ELF"[i]) return lib::Error::Malformed;
        }
        return lib::Error::Truncated;
    }
    TRY_STATUS(check_ident(f));

    std::uint16_t type = rd16(f + kEType);
    if (type == kEtRel || type == kEtCore) return lib::Error::Unsupported;
    if (type != kEtExec && type != kEtDyn) return lib::Error::Malformed;
    if (rd16(f + kEMachine) != kEmAarch64) return lib::Error::Unsupported;

    ElfImage img{};
    img.entry = rd64(f + kEEntry);
    img.is_pie = type == kEtDyn;
    img.phentsize = rd16(f + kEPhentsize);
    img.phnum = rd16(f + kEPhnum);
    if (img.phentsize != kPhdrSize) return lib::Error::Malformed;
    if (img.phnum == 0) return lib::Error::Malformed;
    if (img.phnum == kPnXnum || img.phnum > kElfMaxPhnum) return lib::Error::Unsupported;
    std::uint64_t phoff = rd64(f + kEPhoff);
    std::uint64_t table_size = std::uint64_t{img.phnum} * kPhdrSize;   // <= 64 * 56, no overflow
    if (phoff > size || size - phoff < table_size) return lib::Error::Truncated;
    if (phoff < kEhdrSize) return lib::Error::Malformed;   // table overlapping the ELF header

    bool has_phdr = false;
    std::uint64_t phdr_vaddr = 0;
    for (std::size_t i = 0; i < img.phnum; i++) {
        const std::uint8_t* ph = f + phoff + i * kPhdrSize;
        switch (rd32(ph + kPType)) {
        case kPtInterp:
            return lib::Error::Unsupported;   // dynamically linked: no loader here
        case kPtPhdr:
            if (has_phdr) return lib::Error::Malformed;
            has_phdr = true;
            phdr_vaddr = rd64(ph + kPVaddr);
            break;
        case kPtGnuStack:
            img.stack_exec = (rd32(ph + kPFlags) & kPfX) != 0;
            break;
        case kPtLoad: {
            ElfSegment seg = TRY(check_load(ph, size, user_limit, img.is_pie));
            if (seg.memsz == 0) break;   // maps nothing
            if (img.segment_count == kElfMaxSegments) return lib::Error::Unsupported;
            // Segments are mapped whole pages at a time, so no two may touch the same page.
            for (std::size_t j = 0; j < img.segment_count; j++) {
                const ElfSegment& other = img.segments[j];
                if (page_start(seg) < page_end(other) && page_start(other) < page_end(seg)) {
                    return lib::Error::Malformed;
                }
            }
            img.segments[img.segment_count++] = seg;
            break;
        }
        default:
            break;   // PT_DYNAMIC, PT_TLS, PT_NOTE, ...: the program's own business
        }
    }
    if (img.segment_count == 0) return lib::Error::Malformed;

    // Totals. Each page-rounded size is below 2^48 and there are at most 16: no overflow.
    img.image_start = UINT64_MAX;
    for (std::size_t i = 0; i < img.segment_count; i++) {
        const ElfSegment& s = img.segments[i];
        img.mapped_size += page_end(s) - page_start(s);
        if (page_start(s) < img.image_start) img.image_start = page_start(s);
        if (page_end(s) > img.image_end) img.image_end = page_end(s);
    }
    if (img.mapped_size > max_mapped) return lib::Error::Unsupported;

    // The entry point must be an instruction inside an executable segment.
    if (img.entry % 4 != 0) return lib::Error::Malformed;
    bool entry_ok = false;
    for (std::size_t i = 0; i < img.segment_count && !entry_ok; i++) {
        const ElfSegment& s = img.segments[i];
        entry_ok = s.exec && img.entry >= s.vaddr && img.entry - s.vaddr < s.memsz;
    }
    if (!entry_ok) return lib::Error::Malformed;

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
    if (has_phdr && img.phdr_vaddr == 0) return lib::Error::Malformed;
    return img;
}

}  // namespace kernel
