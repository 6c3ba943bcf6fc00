// The entries of an in-memory directory (portable; tmpfs and rootfs use it): names to inodes with
// hashed lookup, kept in creation order with a sequence number each, which is the readdir cookie.
// So lookups cost O(1), `ls` of a directory of n entries O(n), and a readdir resumed after entries
// were removed or added neither skips nor repeats the others (as Linux's tmpfs cursors). The table
// holds no references: its owner counts them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"

namespace kernel::fs {

class Inode;

class DirTable {
public:
    DirTable() = default;
    ~DirTable();
    DirTable(const DirTable&) = delete;
    DirTable& operator=(const DirTable&) = delete;

    Inode* find(const char* name, std::size_t len) const;
    // Adds name -> inode (the name must be absent). False when out of memory (nothing changed).
    bool insert(const char* name, std::size_t len, Inode* inode);
    // Room for `n` more inserts without allocating the index (rename reserves before it changes
    // anything); false when out of memory.
    bool reserve(std::size_t n);
    // Removes the name; returns the inode it named, or null.
    Inode* remove(const char* name, std::size_t len);
    // Points an existing name at another inode; returns the previous one, or null if absent.
    Inode* replace(const char* name, std::size_t len, Inode* inode);
    std::size_t size() const { return m_count; }

    // Entries from readdir position `pos` on (an entry's position is its sequence number; after
    // the last, next_pos() of it), in creation order: f(name, len, inode, next_pos) returns false
    // to stop.
    template <typename F>
    void for_each_from(std::uint64_t pos, F&& f) const {
        for (std::size_t i = first_at_or_after(pos); i < m_count; ++i) {
            const Entry* e = m_order[i];
            if (!f(e->name, static_cast<std::size_t>(e->len), e->inode, e->seq + 1)) return;
        }
    }

private:
    struct Entry {
        Entry* hash_next;
        std::uint64_t seq;
        Inode* inode;
        std::uint32_t hash;
        std::uint32_t len;
        char name[1];   // len bytes (allocated to size)
    };
    static std::uint32_t hash_of(const char* name, std::size_t len);
    Entry* find_entry(const char* name, std::size_t len, Entry*** link_out) const;
    std::size_t first_at_or_after(std::uint64_t seq) const;
    bool grow_buckets();
    void drop(Entry* e);

    Entry** m_buckets = nullptr;   // chained, a power of two of them
    std::size_t m_nbuckets = 0;
    Entry** m_order = nullptr;     // by sequence number (= creation order)
    std::size_t m_count = 0, m_cap = 0;
    std::uint64_t m_next_seq = 0;
};

// Inode::readdir for a directory whose entries are in `entries`: "." and ".." as cookies 0 and 1,
// then the table's entries from cookie - 2 (rootfs and tmpfs share it).
inline std::int64_t readdir_table(const Inode& dir, const DirTable& entries, std::uint64_t& cookie, DirSink& sink) {
    if (cookie == 0) {
        if (!sink.emit(DirEntry{dir.ino, dir.mode, ".", 1}, 1)) return 0;
        cookie = 1;
    }
    if (cookie == 1) {
        if (!sink.emit(DirEntry{dir.parent->ino, dir.parent->mode, "..", 2}, 2)) return 0;
        cookie = 2;
    }
    entries.for_each_from(cookie - 2, [&](const char* n, std::size_t l, Inode* i, std::uint64_t next) {
        if (!sink.emit(DirEntry{i->ino, i->mode, n, l}, next + 2)) return false;
        cookie = next + 2;
        return true;
    });
    return 0;
}

}  // namespace kernel::fs
