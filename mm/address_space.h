// mm::AddressSpace: one user address space (the TTBR0 half): its page table, its ASID context id, and
// the user frames it owns, which it allocates, zeroes, copies on fork and frees. Portable: frames,
// tables and TLB maintenance come through interfaces; it allocates no memory of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/result.h"
#include "lib/string.h"
#include "mm/page_table.h"
#include "mm/types.h"

namespace mm {

class AsidAllocator;

// Where user frames come from (the buddy allocator in the kernel, a fake on the host). Separate from
// FrameSource, which feeds page tables only, so either can be accounted or limited on its own.
struct FrameAllocator {
    virtual lib::Result<PhysAddr> alloc_frame() = 0;  // one 4 KiB-aligned 4 KiB frame, any contents
    virtual void free_frame(PhysAddr) = 0;
    virtual void* frame_virt(PhysAddr) = 0;           // where the kernel reads/writes it (linear map)
    // Copies 4 KiB from frame src to frame dst (the kernel's uses a tuned page copy).
    virtual void copy_frame(PhysAddr dst, PhysAddr src) {
        lib::copy_bytes(frame_virt(dst), frame_virt(src), kPageSize);
    }
    // Reference counts for frames shared copy-on-write. A frame from alloc_frame() has one
    // reference; share_frame() adds one; release_frame() drops one and frees the frame when it was
    // the last (returns true then). frame_shared(): more than one reference. Safe to call from
    // several CPUs at once (spaces sharing a frame belong to different processes).
    [[nodiscard]] virtual bool share_frame(PhysAddr) = 0;  // false: too many sharers (the caller copies)
    virtual bool release_frame(PhysAddr) = 0;
    virtual bool frame_shared(PhysAddr) = 0;

protected:
    ~FrameAllocator() = default;  // never deleted through this interface
};

// A user address space. Every page in it is EL0-accessible (MapFlags::User is implied) and 4 KiB:
// AddressSpace never maps blocks, so unmap and protect never split one and cannot fail half way.
// Pages come in two kinds, told apart by the MapFlags::Owned software bit of their descriptor:
//   owned: frames map_new allocated (or clone_eager copied, or clone_cow shared, or map_file_page
//          took a reference to); unmap and destroy drop the space's reference to them
//          (FrameAllocator::release_frame), freeing the last.
//   borrowed: frames map_existing mapped (shared or device memory); never freed here.
// An owned page may also be MapFlags::Shared (a MAP_SHARED file page, map_file_page): its frame is
// referenced like any owned one, but it is shared on purpose, so it is never copied on write: fork
// shares it in both spaces with the same permissions, protect gives it Write directly.
// Copy-on-write: an owned page that is logically writable but whose frame another space may share
// is mapped read-only with MapFlags::CopyOnWrite; resolve_cow_fault() makes it writable (copying the
// frame if it is still shared). translate() reports such a page without Write.
// Failure atomicity: a call that returns an error has changed no mapping and leaked no frame.
//
// Caches: pages are zeroed and copied through frame_virt() (the linear map). Before EL0 executes such
// a page the kernel must make the instruction cache see those writes (DC CVAU / IC IVAU, or rely on
// CTR_EL0.IDC/DIC); nothing here does cache maintenance.
//
// Storage: no heap in portable code, so create() and clone_eager() construct the object in memory the
// caller provides (sizeof(AddressSpace), alignof(AddressSpace): e.g. a slab object). The object is
// trivially destructible: after destroy() the caller simply reuses or frees that memory.
//
// Not thread-safe: the owning process serialises calls with its lock. ASIDs: assign_asid() on every
// switch to this space (under the AsidAllocator's lock); on death, destroy() first (it invalidates
// the ASID's TLB entries), then AsidAllocator::release(context_id()): the other order would let the
// ASID be reused while stale entries of this space still exist.
class AddressSpace {
public:
    // An empty address space (one root table) in `storage`. NoMemory if no table frame is left; the
    // storage is then untouched.
    [[nodiscard]] static lib::Result<AddressSpace*> create(void* storage, FrameSource& tables,
                                                           FrameAllocator& frames, TlbMaintainer& tlb);

    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    // Maps [va, va+size) to newly allocated, zeroed frames, which the space owns. flags: Read plus
    // optionally Write or Execute (User implied); not Device, Global or Owned. InvalidArgument
    // (alignment, size 0, range not wholly in the user half, flags), AlreadyMapped (any page of the
    // range; nothing is allocated then), NoMemory (user or table frames; everything undone).
    [[nodiscard]] lib::Status map_new(VirtAddr va, std::size_t size, MapFlags flags);
    // Maps [va, va+size) to [pa, pa+size), frames the space does not own (not freed on unmap or
    // destroy). Device allowed; Global and Owned are not. Same errors as map_new.
    [[nodiscard]] lib::Status map_existing(VirtAddr va, PhysAddr pa, std::size_t size, MapFlags flags);
    // Maps the one page at va to a frame someone else holds (a file's page: the page cache), taking
    // a reference to it (FrameAllocator::share_frame) that unmap and destroy drop again, so the frame
    // outlives its holder's release while mapped. shared (MAP_SHARED): writes go to that frame
    // (Owned|Shared, flags as given). Private (MAP_PRIVATE): the page is copy-on-write over the
    // frame: mapped read-only, CopyOnWrite if flags has Write, and resolve_cow_fault gives it a copy
    // of its own on the first write (in place if the holder has let the frame go meanwhile).
    // flags as map_new. InvalidArgument, AlreadyMapped, NoMemory (a table frame, or the frame's
    // count is saturated: nothing changed then).
    [[nodiscard]] lib::Status map_file_page(VirtAddr va, PhysAddr pa, MapFlags flags, bool shared);
    // Unmaps every page of the range and frees the owned ones (after their TLB invalidation).
    // InvalidArgument, NotMapped (any page of the range; nothing changed then).
    [[nodiscard]] lib::Status unmap(VirtAddr va, std::size_t size);
    // Unmaps whatever is mapped in the range (holes allowed, as munmap), freeing the owned frames.
    // Costs about the pages unmapped, not the range's size. InvalidArgument only.
    [[nodiscard]] lib::Status unmap_mapped(VirtAddr va, std::size_t size);
    // New permissions for every page of the range; ownership and frames stay. Write on an owned page
    // whose frame is shared becomes CopyOnWrite instead. InvalidArgument, NotMapped (nothing changed
    // then).
    [[nodiscard]] lib::Status protect(VirtAddr va, std::size_t size, MapFlags flags);
    // The translation of any user VA (flags include User, and Owned for owned pages).
    [[nodiscard]] lib::Result<Translation> translate(VirtAddr va) const;

    // fork(): a new space in `storage` with the same layout: every owned page copied into a new frame
    // the child owns (eager copy), every Shared page and borrowed page mapped to the same frame (a
    // Shared one with a reference of the child's). The child starts with
    // no ASID (context id 0). NoMemory: whatever the child had got is freed again, storage is dead.
    [[nodiscard]] lib::Result<AddressSpace*> clone_eager(void* storage) const;
    // fork() with copy-on-write: like clone_eager, but every owned page's frame is shared (one more
    // reference) instead of copied, and the writable ones (but Shared pages) become read-only
    // CopyOnWrite pages in BOTH spaces (this space's ASID is invalidated once, when the copy ends). One walk over the
    // entries in use (PageTable::clone_into). NoMemory (child tables, or a copy of a frame too widely
    // shared to share once more): the
    // child is freed again; pages of this space already made CopyOnWrite stay so (harmless: the next
    // write fault finds the frame unshared and makes it writable in place).
    [[nodiscard]] lib::Result<AddressSpace*> clone_cow(void* storage);
    // A write fault at va: if its page is CopyOnWrite, makes it writable, in place when this space
    // holds the only reference to the frame, else in a fresh copy (dropping the reference to the
    // old frame). NotMapped (va unmapped), InvalidArgument (not a CopyOnWrite page, or va outside
    // the user half), NoMemory (no frame for the copy; nothing changed).
    [[nodiscard]] lib::Status resolve_cow_fault(VirtAddr va);

    // Frees every owned frame and every table. The space must be installed in no TTBR0 (the caller
    // switched every CPU away). The object is dead afterwards; release its ASID next.
    void destroy();

    // Switch-time ASID: AsidAllocator::assign() for this space, and the page table then invalidates
    // with the ASID it got. Call under the allocator's lock with IRQs masked; flush_all as assign().
    std::uint16_t assign_asid(AsidAllocator& asids, bool& flush_all);

    PageTable& table() { return m_table; }
    const PageTable& table() const { return m_table; }
    std::uint64_t& context_id() { return m_context_id; }
    std::size_t owned_frames() const { return m_owned; }
    bool alive() const { return m_table.root() != 0; }

private:
    AddressSpace(PageTable table, FrameSource& tables, FrameAllocator& frames, TlbMaintainer& tlb)
        : m_table(table), m_tables(&tables), m_frames(&frames), m_tlb(&tlb) {}

    // InvalidArgument unless [va, va+size) is a non-empty, page-aligned range inside the user half.
    [[nodiscard]] static lib::Status check_range(VirtAddr va, std::size_t size);
    // NotMapped unless every page of [va, va+size) is mapped (and, KASSERT, by a 4 KiB page).
    [[nodiscard]] lib::Status check_all_mapped(VirtAddr va, std::size_t size) const;
    // AlreadyMapped if any page of [va, va+size) is mapped.
    [[nodiscard]] lib::Status check_none_mapped(VirtAddr va, std::size_t size) const;
    // Maps one owned page holding a fresh frame filled from `src` (zeroes when null).
    [[nodiscard]] lib::Status map_owned_page(VirtAddr va, MapFlags flags, const void* src);
    // Undoes pages [va, va+size) this call mapped: unmaps them, releases the owned frames.
    void unmap_pages(VirtAddr va, std::size_t size);
    struct ClonePair {
        AddressSpace* parent;
        AddressSpace* child;
    };
    static lib::Result<LeafClone> cow_leaf(const Mapping& m, void* ctx);  // ctx: a ClonePair

    PageTable m_table;
    FrameSource* m_tables;
    FrameAllocator* m_frames;
    TlbMaintainer* m_tlb;
    std::uint64_t m_context_id = 0;  // AsidAllocator's: generation << bits | asid; 0 = none yet
    std::size_t m_owned = 0;         // owned pages mapped (one frame each)
};

static_assert(std::is_trivially_destructible_v<AddressSpace>);

}  // namespace mm
