// Read-only view of a cpio `newc` archive (the initramfs) held in memory (portable). The archive is
// untrusted: open() validates every header once, so lookups and walks afterwards cannot go out of
// bounds. Owns no memory and copies nothing; entries point into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"

namespace kernel {

// File-type bits of CpioEntry::mode (the st_mode values Linux uses).
inline constexpr std::uint32_t kCpioTypeMask = 0170000;
inline constexpr std::uint32_t kCpioTypeRegular = 0100000;
inline constexpr std::uint32_t kCpioTypeDirectory = 0040000;
inline constexpr std::uint32_t kCpioTypeSymlink = 0120000;

struct CpioEntry {
    const char* name;           // NUL-terminated, as stored (may start with "./")
    std::size_t name_len;       // without the NUL
    std::uint32_t mode;         // type and permission bits
    const std::uint8_t* data;   // `size` bytes inside the archive (a symlink's data is its target)
    std::size_t size;
    std::uint32_t ino, uid, gid, nlink, mtime;   // as the header gives them (for stat)
    std::uint32_t rdev_major, rdev_minor;        // a device node's number
};

constexpr bool is_regular(std::uint32_t mode) { return (mode & kCpioTypeMask) == kCpioTypeRegular; }
constexpr bool is_directory(std::uint32_t mode) { return (mode & kCpioTypeMask) == kCpioTypeDirectory; }
constexpr bool is_symlink(std::uint32_t mode) { return (mode & kCpioTypeMask) == kCpioTypeSymlink; }
constexpr bool is_regular(const CpioEntry& e) { return is_regular(e.mode); }
constexpr bool is_directory(const CpioEntry& e) { return is_directory(e.mode); }
constexpr bool is_symlink(const CpioEntry& e) { return is_symlink(e.mode); }

class CpioArchive {
public:
    // Validates the whole archive: magic ("070701", or "070702" whose check field must equal the
    // byte sum of a regular file's data), hex fields, names NUL-terminated where namesize says, data and padding
    // inside the buffer, and a "TRAILER!!!" entry. Bytes after the trailer are ignored (block
    // padding, or a second concatenated archive, which is not read).
    static lib::Result<CpioArchive> open(const void* base, std::size_t size);

    // Path lookup: leading "/" and "./" components and trailing "/" are ignored on both sides, so
    // "/bin/x", "bin/x" and "./bin/x" all find "bin/x" or "./bin/x"; "/" finds ".". When a name
    // appears twice the later entry wins, as when Linux unpacks an initramfs.
    lib::Result<CpioEntry> find(const char* path) const;

    // Entries in archive order, the trailer excluded.
    std::size_t count() const { return m_count; }
    // An archive with no entries (a placeholder until a real one is opened).
    static constexpr CpioArchive empty() { return CpioArchive(nullptr, 0, 0); }

    class Iterator {
    public:
        const CpioEntry& operator*() const { return m_entry; }
        const CpioEntry* operator->() const { return &m_entry; }
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return m_offset == other.m_offset; }

    private:
        friend class CpioArchive;
        Iterator(const CpioArchive* archive, std::size_t offset);
        const CpioArchive* m_archive;
        std::size_t m_offset;   // of the current header; the trailer's offset at the end
        std::size_t m_next;     // of the next header
        CpioEntry m_entry;
    };
    Iterator begin() const { return Iterator(this, 0); }
    Iterator end() const { return Iterator(this, m_trailer_offset); }

    // Calls f(const CpioEntry&) for each entry; if f returns bool, false stops the walk.
    template <typename F>
    void for_each(F&& f) const {
        for (const CpioEntry& e : *this) {
            if constexpr (std::is_same_v<decltype(f(e)), bool>) {
                if (!f(e)) return;
            } else {
                f(e);
            }
        }
    }

private:
    constexpr CpioArchive(const std::uint8_t* base, std::size_t trailer_offset, std::size_t count)
        : m_base(base), m_trailer_offset(trailer_offset), m_count(count) {}

    const std::uint8_t* m_base;
    std::size_t m_trailer_offset;   // every header before it has been validated by open()
    std::size_t m_count;
};

static_assert(std::is_trivially_copyable_v<CpioEntry> && std::is_trivially_copyable_v<CpioArchive>);

}  // namespace kernel
