// flock and fcntl record locks (lock.h). Each lock is a record {object, owner, kind, range, type};
// a blocked locker sleeps on the one wait queue and looks again after any release. A POSIX locker
// about to wait on an owner that (through a chain of waiters) waits on it gets EDEADLK, as Linux's
// posix_locks_deadlock.
#include "kernel/fs/lock.h"

#include "arch/aarch64/spinlock.h"
#include "kernel/fs/file.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/syscall/user_copy.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"

namespace kernel::locks {

namespace {

using namespace abi;

constexpr std::int64_t kOffsetMax = static_cast<std::int64_t>(~std::uint64_t{0} >> 1);   // OFFSET_MAX

enum class Kind : std::uint8_t { Flock, Posix, Ofd };

struct Lock {
    const void* object;     // the inode (or pipe, or the console) locked
    const void* owner;      // Posix: the descriptor table; Flock, Ofd: the File
    int pid;                // a POSIX lock's process, for F_GETLK
    Kind kind;
    bool write;
    std::int64_t start, end;   // inclusive; end kOffsetMax: to the end of any file
    Lock* next;
};

// A locker asleep, for deadlock detection: owner waits for a lock of blocked_by.
struct Waiter {
    const void* owner;
    const void* blocked_by;
    Waiter* next;
};

arch::SpinLock s_lock;               // guards everything below
Lock* s_locks = nullptr;
Waiter* s_waiting = nullptr;
long s_count = 0;                    // records in s_locks; read unlocked (atomic) for close's fast path
sched::WaitQueue s_released{s_lock}; // every blocked locker

bool record(Kind k) { return k != Kind::Flock; }
bool killed() { return sched::current()->kill_pending; }

// The first lock of another owner on `object` that keeps this one out, or null.
Lock* conflict_locked(const void* object, const void* owner, Kind kind, bool write, std::int64_t start, std::int64_t end) {
    for (Lock* l = s_locks; l; l = l->next) {
        if (l->object != object || l->owner == owner || record(l->kind) != record(kind)) continue;
        if (l->end < start || l->start > end) continue;
        if (write || l->write) return l;
    }
    return nullptr;
}

// Whether `owner` waiting for `holder` closes a cycle of waiting POSIX owners.
bool deadlock_locked(const void* owner, const void* holder) {
    for (int depth = 0; depth < 10 && holder; ++depth) {   // Linux: MAX_DEADLK_ITERATIONS
        if (holder == owner) return true;
        const void* next = nullptr;
        for (Waiter* w = s_waiting; w; w = w->next)
            if (w->owner == holder) next = w->blocked_by;
        holder = next;
    }
    return false;
}

void unlink_waiter_locked(Waiter* me) {
    for (Waiter** w = &s_waiting; *w; w = &(*w)->next)
        if (*w == me) {
            *w = me->next;
            return;
        }
}

// Takes `owner`'s locks of this kind on object out of [start, end] (trimming or splitting them),
// then (unless unlock) adds the new one, merged with its own same-type neighbours. spare: up to two
// preallocated records, used ones set to null; records freed go on *freed (deleted outside the lock).
void apply_locked(const Lock& want, bool unlock, Lock* spare[2], Lock** freed) {
    auto take_spare = [&]() {
        Lock* s = spare[0] ? spare[0] : spare[1];
        (spare[0] ? spare[0] : spare[1]) = nullptr;
        return s;
    };
    std::int64_t start = want.start, end = want.end;
    for (Lock** pp = &s_locks; *pp;) {
        Lock* l = *pp;
        if (l->object != want.object || l->owner != want.owner || l->kind != want.kind) {
            pp = &l->next;
            continue;
        }
        const bool adjacent = !unlock && l->write == want.write &&
                              ((start > 0 && l->end == start - 1) || (end < kOffsetMax && l->start == end + 1));
        if (!adjacent && (l->end < want.start || l->start > want.end)) {
            pp = &l->next;
            continue;
        }
        if (adjacent || (l->write == want.write && !unlock)) {
            // Same type, touching or overlapping: absorbed into the new lock.
            if (l->start < start) start = l->start;
            if (l->end > end) end = l->end;
        } else if (l->start < want.start && l->end > want.end) {
            Lock* tail = take_spare();
            *tail = *l;
            tail->start = want.end + 1;
            l->end = want.start - 1;
            tail->next = l->next;
            l->next = tail;
            pp = &tail->next;
            __atomic_add_fetch(&s_count, 1, __ATOMIC_RELAXED);
            continue;
        } else if (l->start < want.start) {
            l->end = want.start - 1;
            pp = &l->next;
            continue;
        } else if (l->end > want.end) {
            l->start = want.end + 1;
            pp = &l->next;
            continue;
        }
        *pp = l->next;   // wholly replaced
        l->next = *freed;
        *freed = l;
        __atomic_sub_fetch(&s_count, 1, __ATOMIC_RELAXED);
    }
    if (unlock) return;
    Lock* n = take_spare();
    *n = want;
    n->start = start;
    n->end = end;
    n->next = s_locks;
    s_locks = n;
    __atomic_add_fetch(&s_count, 1, __ATOMIC_RELAXED);
}

void free_list(Lock* l) {
    while (l) {
        Lock* next = l->next;
        delete l;
        l = next;
    }
}

// Sets (or, unlock, removes) a lock, waiting while another owner's lock conflicts if `wait`.
std::int64_t set_lock(const Lock& want, bool unlock, bool wait) {
    Lock* spare[2] = {new Lock, new Lock};
    if (!spare[0] || !spare[1]) {
        delete spare[0];
        delete spare[1];
        return -kENOLCK;
    }
    Waiter me{want.owner, nullptr, nullptr};
    bool waiting = false;
    Lock* freed = nullptr;
    std::int64_t result = 0;
    for (;;) {
        const std::uint64_t daif = arch::irq_save();
        s_lock.lock();
        if (waiting) unlink_waiter_locked(&me);
        waiting = false;
        Lock* c = unlock ? nullptr : conflict_locked(want.object, want.owner, want.kind, want.write, want.start, want.end);
        if (c) {
            if (!wait) result = -kEAGAIN;
            else if (want.kind == Kind::Posix && c->kind == Kind::Posix && deadlock_locked(want.owner, c->owner))
                result = -kEDEADLK;
            else if (killed()) result = -kEINTR;
            if (result == 0) {
                me.blocked_by = c->kind == Kind::Posix ? c->owner : nullptr;
                me.next = s_waiting;
                s_waiting = &me;
                waiting = true;
                s_released.sleep_locked();   // unlocks; any release (or a kill) wakes us
                arch::irq_restore(daif);
                continue;
            }
        } else {
            apply_locked(want, unlock, spare, &freed);
        }
        const bool wake = !s_released.empty_locked();
        s_lock.unlock();
        arch::irq_restore(daif);
        if (wake) s_released.wake_all();
        break;
    }
    delete spare[0];
    delete spare[1];
    free_list(freed);
    return result;
}

// Removes every lock matching pred; wakes the waiters if one went.
template <typename P>
void release_where(P&& pred) {
    if (__atomic_load_n(&s_count, __ATOMIC_RELAXED) == 0) return;   // nothing locked anywhere
    Lock* freed = nullptr;
    bool wake;
    {
        arch::IrqSpinGuard g(s_lock);
        for (Lock** pp = &s_locks; *pp;) {
            Lock* l = *pp;
            if (!pred(*l)) {
                pp = &l->next;
                continue;
            }
            *pp = l->next;
            l->next = freed;
            freed = l;
            __atomic_sub_fetch(&s_count, 1, __ATOMIC_RELAXED);
        }
        wake = freed && !s_released.empty_locked();
    }
    if (wake) s_released.wake_all();
    free_list(freed);
}

// struct flock -> an absolute range, as Linux's flock_to_posix_lock.
std::int64_t to_range(File* f, const Flock& fl, std::int64_t& start, std::int64_t& end) {
    std::int64_t base;
    switch (fl.l_whence) {
    case kSEEK_SET: base = 0; break;
    case kSEEK_CUR: base = f->seek(0, kSEEK_CUR); break;
    case kSEEK_END: base = f->size(); break;
    default: return -kEINVAL;
    }
    if (base < 0) base = 0;   // pipes and the console have no offset: 0, as Linux's f_pos there
    if (fl.l_start > kOffsetMax - base) return -kEOVERFLOW;
    start = base + fl.l_start;
    if (start < 0) return -kEINVAL;
    if (fl.l_len > 0) {
        if (fl.l_len - 1 > kOffsetMax - start) return -kEOVERFLOW;
        end = start + (fl.l_len - 1);
    } else if (fl.l_len < 0) {
        if (start + fl.l_len < 0) return -kEINVAL;
        end = start - 1;
        start += fl.l_len;
    } else {
        end = kOffsetMax;
    }
    return 0;
}

}  // namespace

std::int64_t flock(File* f, int op) {
    const int base = op & ~kLOCK_NB;
    if (base != kLOCK_SH && base != kLOCK_EX && base != kLOCK_UN) return -kEINVAL;
    if (f->is_path_only()) return -kEBADF;
    Lock want{f->lock_object(), f, 0, Kind::Flock, base == kLOCK_EX, 0, kOffsetMax, nullptr};
    if (base == kLOCK_UN) return set_lock(want, true, false);
    // A conversion drops the old lock first (others may get in between), as Linux's flock does.
    bool same = false;
    {
        arch::IrqSpinGuard g(s_lock);
        for (Lock* l = s_locks; l; l = l->next)
            if (l->object == want.object && l->owner == f && l->kind == Kind::Flock) same = l->write == want.write;
    }
    if (same) return 0;
    (void)set_lock(want, true, false);
    return set_lock(want, false, (op & kLOCK_NB) == 0);
}

std::int64_t getlk(File* f, std::uint64_t user_flock, bool ofd, const void* owner, int) {
    Flock fl;
    if (!get_user(fl, user_flock).ok()) return -kEFAULT;
    if (fl.l_type != kF_RDLCK && fl.l_type != kF_WRLCK) return -kEINVAL;
    if (ofd && fl.l_pid != 0) return -kEINVAL;
    std::int64_t start, end;
    if (std::int64_t e = to_range(f, fl, start, end); e < 0) return e;
    const void* who = ofd ? static_cast<const void*>(f) : owner;
    {
        arch::IrqSpinGuard g(s_lock);
        const Lock* c = conflict_locked(f->lock_object(), who, ofd ? Kind::Ofd : Kind::Posix, fl.l_type == kF_WRLCK, start, end);
        if (c) {
            fl.l_type = c->write ? kF_WRLCK : kF_RDLCK;
            fl.l_whence = kSEEK_SET;
            fl.l_start = c->start;
            fl.l_len = c->end == kOffsetMax ? 0 : c->end - c->start + 1;
            fl.l_pid = c->kind == Kind::Ofd ? -1 : c->pid;
        } else {
            fl.l_type = kF_UNLCK;
        }
    }
    return put_user(user_flock, fl).ok() ? 0 : -kEFAULT;
}

std::int64_t setlk(File* f, std::uint64_t user_flock, bool ofd, bool wait, const void* owner, int pid) {
    Flock fl;
    if (!get_user(fl, user_flock).ok()) return -kEFAULT;
    if (fl.l_type != kF_RDLCK && fl.l_type != kF_WRLCK && fl.l_type != kF_UNLCK) return -kEINVAL;
    std::int64_t start, end;
    if (std::int64_t e = to_range(f, fl, start, end); e < 0) return e;
    if (fl.l_type == kF_RDLCK && !f->readable()) return -kEBADF;
    if (fl.l_type == kF_WRLCK && !f->writable()) return -kEBADF;
    if (ofd && fl.l_pid != 0) return -kEINVAL;
    const Lock want{f->lock_object(), ofd ? static_cast<const void*>(f) : owner, ofd ? -1 : pid,
                    ofd ? Kind::Ofd : Kind::Posix, fl.l_type == kF_WRLCK, start, end, nullptr};
    return set_lock(want, fl.l_type == kF_UNLCK, wait);
}

void release_owner(const void* object, const void* owner) {
    release_where([&](const Lock& l) { return l.kind == Kind::Posix && l.object == object && l.owner == owner; });
}

void release_file(const File* f) {
    release_where([&](const Lock& l) { return l.kind != Kind::Posix && l.owner == f; });
}

}  // namespace kernel::locks
