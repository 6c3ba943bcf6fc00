// cpio `newc` decoding (portable). Every byte read is bounds-checked against the buffer: the archive
// comes from the boot loader (-initrd) and may be anything.
#include "kernel/fs/cpio.h"

#include "lib/kassert.h"

namespace kernel {

namespace {

// newc header: 6-byte magic, then 13 fields of 8 ASCII hex digits, in this order.
enum Field : std::size_t {
    kIno, kMode, kUid, kGid, kNlink, kMtime, kFileSize, kDevMajor, kDevMinor,
    kRdevMajor, kRdevMinor, kNameSize, kCheck, kFieldCount,
};
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kFieldLen = 8;
constexpr std::size_t kHeaderSize = kMagicLen + kFieldCount * kFieldLen;
static_assert(kHeaderSize == 110);

// Linux refuses initramfs names longer than PATH_MAX; so do we, which also bounds find()'s scan.
constexpr std::size_t kMaxNameSize = 4096;

constexpr char kTrailer[] = "TRAILER!!!";
constexpr std::size_t kTrailerSize = sizeof(kTrailer);   // with the NUL, as namesize counts it

// Bytes needed to pad `offset` to the next multiple of 4. Offsets are relative to the archive start;
// every header starts 4-aligned there, so this is also "header+name" and "data" padding.
constexpr std::size_t pad4(std::size_t offset) { return (4 - (offset & 3)) & 3; }

int hex_digit(std::uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

struct Decoded {
    CpioEntry entry;
    std::size_t next;   // offset of the following header
    bool is_trailer;
};

// Decodes the header at `offset` (4-aligned, <= size) and checks that its name and data lie inside
// the buffer. `verify_sum` re-adds "070702" data bytes; the walk after open() skips that.
lib::Result<Decoded> decode(const std::uint8_t* base, std::size_t size, std::size_t offset,
                            bool verify_sum) {
    KASSERT(offset <= size && (offset & 3) == 0);
    std::size_t left = size - offset;
    if (left < kHeaderSize) return lib::Error::Truncated;
    const std::uint8_t* h = base + offset;

    static constexpr char kMagicPrefix[] = "07070";
    for (std::size_t i = 0; i < 5; i++) {
        if (h[i] != static_cast<std::uint8_t>(kMagicPrefix[i])) return lib::Error::Malformed;
    }
    if (h[5] != '1' && h[5] != '2') return lib::Error::Malformed;
    bool has_sum = h[5] == '2';

    std::uint32_t fields[kFieldCount];
    for (std::size_t f = 0; f < kFieldCount; f++) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < kFieldLen; i++) {
            int d = hex_digit(h[kMagicLen + f * kFieldLen + i]);
            if (d < 0) return lib::Error::Malformed;
            v = (v << 4) | static_cast<std::uint32_t>(d);
        }
        fields[f] = v;
    }

    // Name: namesize counts the NUL, which must be the name's only NUL.
    std::size_t name_size = fields[kNameSize];
    if (name_size < 2 || name_size > kMaxNameSize) return lib::Error::Malformed;
    left -= kHeaderSize;
    if (left < name_size) return lib::Error::Truncated;
    const char* name = reinterpret_cast<const char*>(h + kHeaderSize);
    if (name[name_size - 1] != '\0') return lib::Error::Malformed;
    for (std::size_t i = 0; i + 1 < name_size; i++) {
        if (name[i] == '\0') return lib::Error::Malformed;
    }
    left -= name_size;
    std::size_t name_end = offset + kHeaderSize + name_size;

    bool is_trailer = name_size == kTrailerSize;
    for (std::size_t i = 0; is_trailer && i < kTrailerSize; i++) is_trailer = name[i] == kTrailer[i];
    std::size_t file_size = fields[kFileSize];
    if (is_trailer) {
        // The archive may end right after the trailer's name: its padding is not required.
        if (file_size != 0) return lib::Error::Malformed;
        Decoded d{CpioEntry{name, name_size - 1, fields[kMode], h + kHeaderSize + name_size, 0, 0, 0, 0, 0, 0, 0, 0},
                  name_end, true};
        return d;
    }

    std::size_t pad = pad4(name_end);
    if (left < pad) return lib::Error::Truncated;
    left -= pad;
    std::size_t data_offset = name_end + pad;
    if (left < file_size) return lib::Error::Truncated;
    left -= file_size;
    std::size_t data_end = data_offset + file_size;
    pad = pad4(data_end);
    if (left < pad) return lib::Error::Truncated;

    const std::uint8_t* data = base + data_offset;
    // Like Linux, only a regular file's data is summed (GNU cpio writes 0 for symlinks).
    if (has_sum && verify_sum && is_regular(fields[kMode])) {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < file_size; i++) sum += data[i];
        if (sum != fields[kCheck]) return lib::Error::Malformed;
    }
    const CpioEntry e{name,          name_size - 1,  fields[kMode],  data,          file_size,
                      fields[kIno],  fields[kUid],   fields[kGid],   fields[kNlink], fields[kMtime],
                      fields[kRdevMajor], fields[kRdevMinor]};
    Decoded d{e, data_end + pad, false};
    return d;
}

// Strips what find() ignores: leading "/" and "./", trailing "/", and a lone ".".
void normalize(const char*& s, std::size_t& len) {
    for (;;) {
        if (len >= 1 && s[0] == '/') {
            s++;
            len--;
        } else if (len >= 2 && s[0] == '.' && s[1] == '/') {
            s += 2;
            len -= 2;
        } else {
            break;
        }
    }
    while (len > 0 && s[len - 1] == '/') len--;
    if (len == 1 && s[0] == '.') len = 0;
}

}  // namespace

lib::Result<CpioArchive> CpioArchive::open(const void* base, std::size_t size) {
    if (base == nullptr) return size == 0 ? lib::Error::Truncated : lib::Error::InvalidArgument;
    const auto* bytes = static_cast<const std::uint8_t*>(base);
    std::size_t offset = 0;
    std::size_t count = 0;
    // Loop invariant: every header before `offset` is valid and `offset` is 4-aligned and <= size.
    // Each step advances by at least one header, so the loop ends.
    for (;;) {
        Decoded d = TRY(decode(bytes, size, offset, true));
        if (d.is_trailer) return CpioArchive(bytes, offset, count);
        offset = d.next;
        count++;
    }
}

lib::Result<CpioEntry> CpioArchive::find(const char* path) const {
    KASSERT(path != nullptr);
    std::size_t path_len = 0;
    while (path_len <= kMaxNameSize && path[path_len] != '\0') path_len++;
    if (path_len > kMaxNameSize) return lib::Error::NotFound;
    normalize(path, path_len);

    bool found = false;
    CpioEntry match{};
    for (const CpioEntry& e : *this) {
        const char* name = e.name;
        std::size_t name_len = e.name_len;
        normalize(name, name_len);
        if (name_len != path_len) continue;
        bool same = true;
        for (std::size_t i = 0; same && i < name_len; i++) same = name[i] == path[i];
        if (same) {
            match = e;   // keep looking: a later duplicate replaces an earlier one
            found = true;
        }
    }
    if (!found) return lib::Error::NotFound;
    return match;
}

CpioArchive::Iterator::Iterator(const CpioArchive* archive, std::size_t offset)
    : m_archive(archive), m_offset(offset), m_next(offset), m_entry{} {
    if (m_offset == m_archive->m_trailer_offset) return;
    // open() validated this header; the buffer extends at least to the trailer's header.
    auto d = decode(m_archive->m_base, m_archive->m_trailer_offset + kHeaderSize, m_offset, false);
    KASSERT(d.ok() && !d.value().is_trailer);
    m_entry = d.value().entry;
    m_next = d.value().next;
}

CpioArchive::Iterator& CpioArchive::Iterator::operator++() {
    KASSERT(m_offset != m_archive->m_trailer_offset);
    *this = Iterator(m_archive, m_next);
    return *this;
}

}  // namespace kernel
