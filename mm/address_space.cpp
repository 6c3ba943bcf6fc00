// User address spaces (mm/address_space.h): owned-frame bookkeeping on top of the page-table engine,
// rollback of half-done range operations, eager and copy-on-write fork, and teardown.
#include "mm/address_space.h"

#include <atomic>
#include <new>

#include "arch/aarch64/pte.h"
#include "lib/kassert.h"
#include "lib/string.h"
#include "mm/asid_allocator.h"

namespace mm {

namespace {

constexpr VirtAddr kUserEnd = VirtAddr{1} << arch::kPtVaBits;  // TTBR0 covers [0, 2^48)
constexpr PhysAddr kPhysEnd = PhysAddr{1} << 48;               // 48-bit output addresses

// Flags a caller may not pass: Owned is ours to set, Global never belongs in a user space.
constexpr std::uint32_t kCallerForbidden = static_cast<std::uint32_t>(MapFlags::Owned) |
                                           static_cast<std::uint32_t>(MapFlags::CopyOnWrite) |
                                           static_cast<std::uint32_t>(MapFlags::Shared) |
                                           static_cast<std::uint32_t>(MapFlags::Global);

// The hardware permissions of a page that is logically `flags` but whose frame is shared.
constexpr MapFlags cow_flags(MapFlags flags) {
    return static_cast<MapFlags>(static_cast<std::uint32_t>(flags) &
                                 ~static_cast<std::uint32_t>(MapFlags::Write)) |
           MapFlags::CopyOnWrite;
}
// The permissions of a CopyOnWrite page once it has a frame of its own.
constexpr MapFlags writable_flags(MapFlags flags) {
    return static_cast<MapFlags>(static_cast<std::uint32_t>(flags) &
                                 ~static_cast<std::uint32_t>(MapFlags::CopyOnWrite)) |
           MapFlags::Write;
}

// The engine checks these rules too, but only once a page is about to be mapped: checking them first
// makes InvalidArgument win over NoMemory and AlreadyMapped, and costs no allocation.
lib::Result<MapFlags> user_flags(MapFlags flags) {
    const auto bits = static_cast<std::uint32_t>(flags);
    if ((bits & ~kMapFlagsKnown) != 0 || (bits & kCallerForbidden) != 0 ||
        !has(flags, MapFlags::Read) || has(flags, MapFlags::Write | MapFlags::Execute) ||
        has(flags, MapFlags::Device | MapFlags::Execute)) {
        return lib::Error::InvalidArgument;
    }
    return flags | MapFlags::User;
}

}  // namespace

lib::Result<AddressSpace*> AddressSpace::create(void* storage, FrameSource& tables,
                                                FrameAllocator& frames, TlbMaintainer& tlb) {
    KASSERT(storage != nullptr &&
            reinterpret_cast<std::uintptr_t>(storage) % alignof(AddressSpace) == 0);
    // ASID 0 until the first assign_asid(): nothing is in the TLB for a space that never ran, and
    // invalidations by ASID 0 hit no user entry (ASID 0 is never handed to a user space).
    PageTable table = TRY(PageTable::create(Half::User, 0, tables, tlb));
    return new (storage) AddressSpace(table, tables, frames, tlb);
}

// ---- Checks ------------------------------------------------------------------------------------

lib::Status AddressSpace::check_range(VirtAddr va, std::size_t size) {
    if (size == 0 || !is_aligned(va, kPageSize) || !is_aligned(size, kPageSize)) {
        return lib::Error::InvalidArgument;
    }
    if (va >= kUserEnd || size > kUserEnd - va) return lib::Error::InvalidArgument;
    return {};
}

lib::Status AddressSpace::check_all_mapped(VirtAddr va, std::size_t size) const {
    for (std::size_t off = 0; off < size; off += kPageSize) {
        auto t = m_table.translate(va + off);
        if (!t.ok()) return lib::Error::NotMapped;
        KASSERT_MSG(t.value().block_size == kPageSize, "block in a user address space");
    }
    return {};
}

lib::Status AddressSpace::check_none_mapped(VirtAddr va, std::size_t size) const {
    // One search over the entries in use, whatever the range's size.
    if (m_table.next_mapping(va, va + size).ok()) return lib::Error::AlreadyMapped;
    return {};
}

// ---- Mapping -----------------------------------------------------------------------------------

lib::Status AddressSpace::map_owned_page(VirtAddr va, MapFlags flags, const void* src) {
    PhysAddr pa = TRY(m_frames->alloc_frame());
    KASSERT(is_aligned(pa, kPageSize));
    void* dst = m_frames->frame_virt(pa);
    if (src != nullptr) {
        lib::copy_bytes(dst, src, kPageSize);
    } else {
        lib::fill_bytes(dst, 0, kPageSize);
    }
    // Another CPU running this space may use the page as soon as the descriptor store is visible:
    // the contents must be visible first (DMB ISH orders the stores above before it).
    std::atomic_thread_fence(std::memory_order_release);
    lib::Status st = m_table.map_page(va, pa, flags | MapFlags::Owned);
    if (!st.ok()) {
        m_frames->free_frame(pa);  // never reachable: the map failed before writing the descriptor
        return st;
    }
    ++m_owned;
    return {};
}

void AddressSpace::unmap_pages(VirtAddr va, std::size_t size) {
    for (std::size_t off = 0; off < size; off += kPageSize) {
        auto t = m_table.translate(va + off);
        KASSERT(t.ok() && t.value().block_size == kPageSize);
        // A 4 KiB leaf: no split, so no allocation and no failure. The engine has invalidated the
        // page's TLB entries when it returns, so the frame can go back at once.
        auto pa = m_table.unmap_page(va + off);
        KASSERT(pa.ok());
        if (has(t.value().flags, MapFlags::Owned)) {
            m_frames->release_frame(pa.value());
            KASSERT(m_owned > 0);
            --m_owned;
        }
    }
}

lib::Status AddressSpace::map_new(VirtAddr va, std::size_t size, MapFlags flags) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, size));
    MapFlags f = TRY(user_flags(flags));
    if (has(f, MapFlags::Device)) return lib::Error::InvalidArgument;  // owned frames are RAM
    TRY_STATUS(check_none_mapped(va, size));
    for (std::size_t off = 0; off < size; off += kPageSize) {
        lib::Status st = map_owned_page(va + off, f, nullptr);
        if (!st.ok()) {
            KASSERT(st.error() == lib::Error::NoMemory);  // everything else was checked above
            unmap_pages(va, off);
            return st;
        }
    }
    return {};
}

lib::Status AddressSpace::map_existing(VirtAddr va, PhysAddr pa, std::size_t size, MapFlags flags) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, size));
    if (!is_aligned(pa, kPageSize) || pa >= kPhysEnd || size > kPhysEnd - pa) {
        return lib::Error::InvalidArgument;
    }
    MapFlags f = TRY(user_flags(flags));
    TRY_STATUS(check_none_mapped(va, size));
    // Page by page rather than map_range: map_range would use blocks where va and pa allow, and
    // cutting one later (unmap, protect) needs table frames, so could fail half way.
    for (std::size_t off = 0; off < size; off += kPageSize) {
        lib::Status st = m_table.map_page(va + off, pa + off, f);
        if (!st.ok()) {
            KASSERT(st.error() == lib::Error::NoMemory);
            unmap_pages(va, off);
            return st;
        }
    }
    return {};
}

lib::Status AddressSpace::map_file_page(VirtAddr va, PhysAddr pa, MapFlags flags, bool shared) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, kPageSize));
    if (!is_aligned(pa, kPageSize) || pa >= kPhysEnd) return lib::Error::InvalidArgument;
    MapFlags f = TRY(user_flags(flags));
    if (has(f, MapFlags::Device)) return lib::Error::InvalidArgument;  // a file's page is RAM
    TRY_STATUS(check_none_mapped(va, kPageSize));
    if (!m_frames->share_frame(pa)) return lib::Error::NoMemory;  // saturated: a copy would not be shared
    if (shared) {
        f = f | MapFlags::Shared;
    } else if (has(f, MapFlags::Write)) {
        f = cow_flags(f);
    }
    lib::Status st = m_table.map_page(va, pa, f | MapFlags::Owned);
    if (!st.ok()) {
        m_frames->release_frame(pa);  // the holder's reference remains: never the last
        return st;
    }
    ++m_owned;
    return {};
}

lib::Status AddressSpace::unmap(VirtAddr va, std::size_t size) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, size));
    TRY_STATUS(check_all_mapped(va, size));
    unmap_pages(va, size);
    return {};
}

lib::Status AddressSpace::unmap_mapped(VirtAddr va, std::size_t size) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, size));
    const VirtAddr end = va + size;
    for (auto m = m_table.next_mapping(va, end); m.ok(); m = m_table.next_mapping(m.value().va + kPageSize, end)) {
        KASSERT(m.value().size == kPageSize);
        unmap_pages(m.value().va, kPageSize);
    }
    return {};
}

lib::Status AddressSpace::protect(VirtAddr va, std::size_t size, MapFlags flags) {
    KASSERT(alive());
    TRY_STATUS(check_range(va, size));
    MapFlags f = TRY(user_flags(flags));
    TRY_STATUS(check_all_mapped(va, size));
    for (std::size_t off = 0; off < size; off += kPageSize) {
        MapFlags pf = f;
        if (has(f, MapFlags::Write)) {
            // A shared frame stays read-only until a write fault copies it.
            auto t = m_table.translate(va + off);
            KASSERT(t.ok());
            if (has(t.value().flags, MapFlags::Owned) && !has(t.value().flags, MapFlags::Shared) &&
                m_frames->frame_shared(align_down(t.value().pa, kPageSize))) {
                pf = cow_flags(f);
            }
        }
        // Pages only: no split, so no allocation; with the checks above it cannot fail.
        lib::Status st = m_table.protect(va + off, pf);
        KASSERT(st.ok());
    }
    return {};
}

lib::Result<Translation> AddressSpace::translate(VirtAddr va) const {
    KASSERT(alive());
    return m_table.translate(va);
}

// ---- Whole space -------------------------------------------------------------------------------

lib::Result<AddressSpace*> AddressSpace::clone_eager(void* storage) const {
    KASSERT(alive());
    AddressSpace* child = TRY(create(storage, *m_tables, *m_frames, *m_tlb));
    lib::Status st = m_table.for_each_mapping([&](const Mapping& m) -> lib::Status {
        if (has(m.flags, MapFlags::Owned | MapFlags::Shared)) {
            KASSERT(m.size == kPageSize);
            if (!m_frames->share_frame(m.pa)) return lib::Error::NoMemory;  // cannot be copied
            lib::Status st = child->m_table.map_page(m.va, m.pa, m.flags);
            if (!st.ok()) {
                m_frames->release_frame(m.pa);
                return st;
            }
            ++child->m_owned;
            return {};
        }
        if (has(m.flags, MapFlags::Owned)) {
            KASSERT(m.size == kPageSize);
            // The child's copy is its own: a CopyOnWrite page of ours is plainly writable there.
            const MapFlags f = has(m.flags, MapFlags::CopyOnWrite) ? writable_flags(m.flags) : m.flags;
            return child->map_owned_page(m.va, f, m_frames->frame_virt(m.pa));
        }
        return child->m_table.map_range(m.va, m.pa, m.size, m.flags);
    });
    if (!st.ok()) {
        child->destroy();  // frees whatever it had got; never ran, so no ASID to release
        return st.error();
    }
    return child;
}

// clone_cow's decision for one leaf of the parent (see clone_into).
lib::Result<LeafClone> AddressSpace::cow_leaf(const Mapping& m, void* ctx) {
    auto& [parent, child] = *static_cast<ClonePair*>(ctx);
    if (!has(m.flags, MapFlags::Owned)) return LeafClone{m.pa, m.flags, m.flags};  // borrowed: same frame
    KASSERT(m.size == kPageSize);
    if (has(m.flags, MapFlags::Shared)) {
        // Shared on purpose: the same frame, writable on both sides; a saturated count cannot be
        // met with a copy, so the fork fails instead.
        if (!parent->m_frames->share_frame(m.pa)) return lib::Error::NoMemory;
        ++child->m_owned;
        return LeafClone{m.pa, m.flags, m.flags};
    }
    if (!parent->m_frames->share_frame(m.pa)) {
        // The frame's count is saturated: the child gets its own copy instead (plainly writable if
        // the page is a CopyOnWrite one of ours).
        PhysAddr pa = TRY(parent->m_frames->alloc_frame());
        parent->m_frames->copy_frame(pa, m.pa);
        ++child->m_owned;
        const MapFlags own = has(m.flags, MapFlags::CopyOnWrite) ? writable_flags(m.flags) : m.flags;
        return LeafClone{pa, own, m.flags};
    }
    ++child->m_owned;
    // A writable page turns read-only CopyOnWrite on both sides: the first write copies it.
    const MapFlags f = has(m.flags, MapFlags::Write) ? cow_flags(m.flags) : m.flags;
    return LeafClone{m.pa, f, f};
}

lib::Result<AddressSpace*> AddressSpace::clone_cow(void* storage) {
    KASSERT(alive());
    AddressSpace* child = TRY(create(storage, *m_tables, *m_frames, *m_tlb));
    ClonePair pair{this, child};
    // The parent's pages go read-only in place and its TLB is invalidated once when the copy ends,
    // before the child can run: the parent is the one forking, so nothing writes through it meanwhile.
    if (lib::Status st = m_table.clone_into(child->m_table, cow_leaf, &pair); !st.ok()) {
        child->destroy();  // drops the references it had taken; never ran, so no ASID to release
        return st.error();
    }
    return child;
}

lib::Status AddressSpace::resolve_cow_fault(VirtAddr va) {
    KASSERT(alive());
    if (va >= kUserEnd) return lib::Error::InvalidArgument;
    va = align_down(va, kPageSize);
    Translation t = TRY(m_table.translate(va));
    if (!has(t.flags, MapFlags::CopyOnWrite)) return lib::Error::InvalidArgument;
    KASSERT(has(t.flags, MapFlags::Owned) && t.block_size == kPageSize);
    const MapFlags f = writable_flags(t.flags);
    // Only spaces holding a reference can add one (by forking), and we are the only holder: the
    // frame cannot become shared again under us.
    if (!m_frames->frame_shared(t.pa)) {
        lib::Status st = m_table.protect(va, f);
        KASSERT(st.ok());
        return {};
    }
    PhysAddr pa = TRY(m_frames->alloc_frame());
    KASSERT(is_aligned(pa, kPageSize));
    m_frames->copy_frame(pa, t.pa);
    std::atomic_thread_fence(std::memory_order_release);  // contents before the descriptor
    lib::Status st = m_table.remap_page(va, pa, f);
    KASSERT(st.ok());
    // The old frame leaves this space only now that its TLB entry is gone; the copy was taken while
    // every sharer still mapped it read-only.
    m_frames->release_frame(t.pa);
    return {};
}

void AddressSpace::destroy() {
    KASSERT(alive());
    // The page table invalidates the ASID first, then reports the leaves: an owned frame goes back
    // only once no TLB entry of this space can reach it.
    m_table.destroy(
        [](const Mapping& m, void* ctx) {
            auto* self = static_cast<AddressSpace*>(ctx);
            if (!has(m.flags, MapFlags::Owned)) return;
            KASSERT(m.size == kPageSize && self->m_owned > 0);
            self->m_frames->release_frame(m.pa);
            --self->m_owned;
        },
        this);
    KASSERT(m_owned == 0);
}

std::uint16_t AddressSpace::assign_asid(AsidAllocator& asids, bool& flush_all) {
    std::uint16_t asid = asids.assign(m_context_id, flush_all);
    // The ASID changes only while the space runs on no CPU (a running space keeps its ASID across a
    // rollover), so no thread of it is unmapping with the old one on another CPU meanwhile. The old
    // one needs no flush: it belonged to an older generation, and the rollover flushed every TLB.
    if (m_table.asid() != asid) m_table.set_asid(asid);
    return asid;
}

}  // namespace mm
