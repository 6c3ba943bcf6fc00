// DirTable: a chained hash of entries plus an array of them in sequence order (portable).
#include "kernel/fs/vfs_dir_table.h"

#include <new>

#include "lib/string.h"

namespace kernel::fs {

DirTable::~DirTable() {
    for (std::size_t i = 0; i < m_count; ++i) delete[] reinterpret_cast<char*>(m_order[i]);
    delete[] m_order;
    delete[] m_buckets;
}

std::uint32_t DirTable::hash_of(const char* name, std::size_t len) {
    std::uint32_t h = 2166136261u;   // FNV-1a
    for (std::size_t i = 0; i < len; ++i) h = (h ^ static_cast<std::uint8_t>(name[i])) * 16777619u;
    return h;
}

DirTable::Entry* DirTable::find_entry(const char* name, std::size_t len, Entry*** link_out) const {
    if (m_nbuckets == 0) return nullptr;
    const std::uint32_t h = hash_of(name, len);
    Entry** link = &m_buckets[h & (m_nbuckets - 1)];
    for (; *link; link = &(*link)->hash_next) {
        Entry* e = *link;
        if (e->hash == h && e->len == len && lib::compare_bytes(e->name, name, len) == 0) {
            if (link_out) *link_out = link;
            return e;
        }
    }
    return nullptr;
}

Inode* DirTable::find(const char* name, std::size_t len) const {
    const Entry* e = find_entry(name, len, nullptr);
    return e ? e->inode : nullptr;
}

std::size_t DirTable::first_at_or_after(std::uint64_t seq) const {
    std::size_t lo = 0, hi = m_count;   // invariant: entries below lo are < seq, from hi on >= seq
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (m_order[mid]->seq < seq) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

bool DirTable::grow_buckets() {
    const std::size_t n = m_nbuckets ? m_nbuckets * 2 : 8;
    Entry** b = new Entry*[n];
    if (!b) return false;
    for (std::size_t i = 0; i < n; ++i) b[i] = nullptr;
    for (std::size_t i = 0; i < m_count; ++i) {
        Entry* e = m_order[i];
        Entry*& head = b[e->hash & (n - 1)];
        e->hash_next = head;
        head = e;
    }
    delete[] m_buckets;
    m_buckets = b;
    m_nbuckets = n;
    return true;
}

bool DirTable::reserve(std::size_t n) {
    if (m_count + n > m_cap) {
        std::size_t cap = m_cap ? m_cap : 8;
        while (cap < m_count + n) cap *= 2;
        Entry** o = new Entry*[cap];
        if (!o) return false;
        for (std::size_t i = 0; i < m_count; ++i) o[i] = m_order[i];
        delete[] m_order;
        m_order = o;
        m_cap = cap;
    }
    while (m_count + n > m_nbuckets)   // load factor at most 1
        if (!grow_buckets()) return false;
    return true;
}

bool DirTable::insert(const char* name, std::size_t len, Inode* inode) {
    if (!reserve(1)) return false;
    char* raw = new char[sizeof(Entry) + len];
    if (!raw) return false;
    Entry* e = reinterpret_cast<Entry*>(raw);
    e->seq = m_next_seq++;
    e->inode = inode;
    e->hash = hash_of(name, len);
    e->len = static_cast<std::uint32_t>(len);
    lib::copy_bytes(e->name, name, len);
    Entry*& head = m_buckets[e->hash & (m_nbuckets - 1)];
    e->hash_next = head;
    head = e;
    m_order[m_count++] = e;   // the newest has the highest sequence number: the order stays sorted
    return true;
}

void DirTable::drop(Entry* e) {
    std::size_t i = first_at_or_after(e->seq);
    for (; i + 1 < m_count; ++i) m_order[i] = m_order[i + 1];
    --m_count;
    delete[] reinterpret_cast<char*>(e);
}

Inode* DirTable::remove(const char* name, std::size_t len) {
    Entry** link = nullptr;
    Entry* e = find_entry(name, len, &link);
    if (!e) return nullptr;
    *link = e->hash_next;
    Inode* inode = e->inode;
    drop(e);
    return inode;
}

Inode* DirTable::replace(const char* name, std::size_t len, Inode* inode) {
    Entry* e = find_entry(name, len, nullptr);
    if (!e) return nullptr;
    Inode* old = e->inode;
    e->inode = inode;
    return old;
}

}  // namespace kernel::fs
