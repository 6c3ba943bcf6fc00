// The system-call table and the calls that need no process internals. Every user pointer goes
// through copy_from_user/copy_to_user; every unknown number returns -kENOSYS.
#include "kernel/syscall/syscall.h"

#include "hal/psci.h"
#include "hal/rtc_pl031.h"
#include "hal/timer.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_syscalls.h"
#include "kernel/fs/io_syscalls.h"
#include "kernel/process/rlimit.h"
#include "kernel/process/cred_syscalls.h"  // cred
#include "kernel/process/prctl.h"         // cred
#include "kernel/syscall/linux_abi.h"
#include "kernel/memory.h"
#include "kernel/random.h"
#include "kernel/version.h"
#include "kernel/process/process.h"
#include "kernel/syscall/sched_syscalls.h"
#include "kernel/syscall/sysinfo.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"
#include "sched/scheduler.h"

namespace kernel {

namespace {

using namespace abi;

bool valid_timespec(const Timespec& ts) { return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1'000'000'000; }

// A valid Timespec in nanoseconds, saturating: a sleep of centuries is a sleep until killed.
std::uint64_t timespec_ns(const Timespec& ts) {
    constexpr std::uint64_t kMaxSec = ~std::uint64_t{0} / 1'000'000'000ull - 1;
    const auto sec = static_cast<std::uint64_t>(ts.tv_sec);
    return sec > kMaxSec ? ~std::uint64_t{0} : sec * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t deadline_after(std::uint64_t ns) {
    const std::uint64_t now = hal::timer::uptime_ns();
    return ns > ~std::uint64_t{0} - now ? ~std::uint64_t{0} : now + ns;
}

// Sleeps until the uptime `deadline`. Killed first: -EINTR, with the time left at rem if rem != 0.
std::int64_t sleep_until_deadline(std::uint64_t deadline, std::uint64_t rem) {
    sched::sleep_until(deadline);
    const std::uint64_t now = hal::timer::uptime_ns();
    if (now >= deadline) return 0;
    if (rem) {
        const std::uint64_t left = deadline - now;
        Timespec r{static_cast<std::int64_t>(left / 1'000'000'000ull), static_cast<std::int64_t>(left % 1'000'000'000ull)};
        (void)put_user(rem, r);
    }
    return -kEINTR;
}

std::int64_t sys_nanosleep(std::uint64_t req, std::uint64_t rem) {
    Timespec ts;
    if (!get_user(ts, req).ok()) return -kEFAULT;
    if (!valid_timespec(ts)) return -kEINVAL;
    return sleep_until_deadline(deadline_after(timespec_ns(ts)), rem);
}

// clock_nanosleep: glibc's nanosleep, usleep and sleep. An absolute monotonic or boot time is an
// uptime; an absolute realtime one is turned into one at the call (the realtime clock is uptime plus
// a fixed offset: nothing sets it, so no later jump to follow). As on Linux, the raw, coarse
// and thread CPU-time clocks cannot be slept on (EOPNOTSUPP) and flag bits other than TIMER_ABSTIME
// are ignored. The process CPU-time clock is EINVAL: Linux sleeps on it, but a single-threaded
// sleeper's CPU time never advances, so the sleep would only end by a signal.
std::int64_t sys_clock_nanosleep(std::uint64_t clk, std::uint64_t flags, std::uint64_t req, std::uint64_t rem) {
    if (clk > 0xffff'ffffull) return -kEINVAL;
    switch (static_cast<int>(clk)) {
    case kCLOCK_REALTIME:
    case kCLOCK_MONOTONIC:
    case kCLOCK_BOOTTIME: break;
    case kCLOCK_MONOTONIC_RAW:
    case kCLOCK_REALTIME_COARSE:
    case kCLOCK_MONOTONIC_COARSE:
    case kCLOCK_THREAD_CPUTIME_ID: return -kEOPNOTSUPP;
    default: return -kEINVAL;
    }
    Timespec ts;
    if (!get_user(ts, req).ok()) return -kEFAULT;
    if (!valid_timespec(ts)) return -kEINVAL;
    if (flags & kTIMER_ABSTIME) {  // rem is for relative sleeps only
        std::uint64_t at = timespec_ns(ts);
        if (static_cast<int>(clk) == kCLOCK_REALTIME) {
            const std::uint64_t offset = hal::rtc::realtime_ns() - hal::timer::uptime_ns();
            at = at > offset ? at - offset : 0;
        }
        return sleep_until_deadline(at, 0);
    }
    return sleep_until_deadline(deadline_after(timespec_ns(ts)), rem);
}

std::int64_t sys_clock_gettime(std::uint64_t clk, std::uint64_t tp) {
    std::uint64_t ns;
    switch (static_cast<int>(clk)) {
    case kCLOCK_REALTIME:
    case kCLOCK_REALTIME_COARSE: ns = hal::rtc::realtime_ns(); break;  // the PL031's time at boot + uptime
    case kCLOCK_MONOTONIC:
    case kCLOCK_MONOTONIC_RAW:
    case kCLOCK_MONOTONIC_COARSE:
    case kCLOCK_BOOTTIME: ns = hal::timer::uptime_ns(); break;
    case kCLOCK_PROCESS_CPUTIME_ID:
    case kCLOCK_THREAD_CPUTIME_ID: ns = hal::timer::counts_to_ns(sched::current()->cpu_counts); break;
    default: return -kEINVAL;
    }
    if (clk > 0xffff'ffffull) return -kEINVAL;
    Timespec ts{static_cast<std::int64_t>(ns / 1'000'000'000ull), static_cast<std::int64_t>(ns % 1'000'000'000ull)};
    return put_user(tp, ts).ok() ? 0 : -kEFAULT;
}

std::int64_t sys_gettimeofday(std::uint64_t tv, std::uint64_t tz) {
    if (tv) {
        const std::uint64_t ns = hal::rtc::realtime_ns();  // CLOCK_REALTIME
        const Timeval t{static_cast<std::int64_t>(ns / 1'000'000'000ull), static_cast<std::int64_t>(ns % 1'000'000'000ull / 1000)};
        if (!put_user(tv, t).ok()) return -kEFAULT;
    }
    if (tz) {
        const std::int32_t zone[2] = {0, 0};  // struct timezone: UTC, no DST (what Linux keeps unless told)
        if (!copy_to_user(tz, zone, sizeof zone).ok()) return -kEFAULT;
    }
    return 0;
}

std::int64_t sys_uname(std::uint64_t buf) {
    Utsname u{};
    auto set = [](char* dst, const char* s) { lib::copy_bytes(dst, s, lib::string_length(s) + 1); };
    set(u.sysname, "Linux");  // what Linux-ABI programs expect to see
    set(u.nodename, "qemu-virt");
    set(u.release, kUnameRelease);   // kernel/version.h: /proc/version says the same
    set(u.version, kUnameVersion);
    set(u.machine, "aarch64");
    set(u.domainname, "(none)");
    return copy_to_user(buf, &u, sizeof u).ok() ? 0 : -kEFAULT;
}

std::int64_t sys_brk(Process* p, std::uint64_t want) {
    if (want == 0 || want < p->brk_base || want > p->brk_base + (std::uint64_t{1} << 30)) return static_cast<std::int64_t>(p->brk);
    const std::uint64_t old_top = mm::align_up(p->brk, mm::kPageSize);
    const std::uint64_t new_top = mm::align_up(want, mm::kPageSize);
    if (new_top > old_top) {
        // As mmap: more than the free frames fails before taking them all.
        if ((new_top - old_top) / mm::kPageSize > memory::free_frame_count())
            return static_cast<std::int64_t>(p->brk);
        if (!p->space->map_new(old_top, new_top - old_top, mm::MapFlags::Read | mm::MapFlags::Write).ok())
            return static_cast<std::int64_t>(p->brk);  // Linux: failure returns the old break
    } else if (new_top < old_top) {
        if (!p->space->unmap(new_top, old_top - new_top).ok()) return static_cast<std::int64_t>(p->brk);
    }
    p->brk = want;
    return static_cast<std::int64_t>(want);
}

std::int64_t sys_mmap(Process* p, std::uint64_t addr, std::uint64_t len, std::uint64_t prot, std::uint64_t flags,
                      std::int64_t fd, std::uint64_t off) {
    if (len == 0) return -kEINVAL;
    if (len > (std::uint64_t{1} << 40)) return -kENOMEM;
    if (prot & ~static_cast<std::uint64_t>(kPROT_READ | kPROT_WRITE | kPROT_EXEC)) return -kEINVAL;
    const std::uint64_t known = kMAP_SHARED | kMAP_PRIVATE | kMAP_FIXED | kMAP_ANONYMOUS | kMAP_NORESERVE | kMAP_FIXED_NOREPLACE;
    if (flags & ~known) return -kEINVAL;
    if ((flags & (kMAP_SHARED | kMAP_PRIVATE)) != kMAP_PRIVATE) return -kEINVAL;  // private only
    (void)fd;
    if (!(flags & kMAP_ANONYMOUS)) return -kEBADF;  // no file mappings: no file system with pages yet
    if (off & 4095) return -kEINVAL;
    if ((prot & kPROT_WRITE) && (prot & kPROT_EXEC)) return -kEINVAL;  // W^X is enforced for user pages too
    const std::uint64_t size = mm::align_up(len, mm::kPageSize);
    mm::MapFlags f = mm::MapFlags::Read;  // AArch64 has no write-only or execute-only user pages
    if (prot & kPROT_WRITE) f |= mm::MapFlags::Write;
    if (prot & kPROT_EXEC) f |= mm::MapFlags::Execute;
    std::uint64_t va;
    if (flags & (kMAP_FIXED | kMAP_FIXED_NOREPLACE)) {
        if (addr & 4095) return -kEINVAL;
        if (!user_range_ok(addr, size) || addr < mm::kPageSize) return -kEINVAL;
        va = addr;
        if (flags & kMAP_FIXED) (void)p->space->unmap_mapped(va, size);  // MAP_FIXED replaces (range checked)
    } else {
        if (p->mmap_next < size + (std::uint64_t{1} << 32)) return -kENOMEM;
        va = p->mmap_next - size;
    }
    // Pages are allocated at once (no demand paging for maps yet): a request beyond the free frames
    // fails here instead of taking every frame in the system before failing.
    if (prot != 0 && size / mm::kPageSize > memory::free_frame_count()) return -kENOMEM;
    if (prot == 0) {
        // PROT_NONE: the range is reserved (never handed out again) but nothing is mapped, so any
        // access faults, as on Linux.
    } else if (auto r = p->space->map_new(va, size, f); !r.ok()) {
        return r.error() == lib::Error::AlreadyMapped ? -kEEXIST : -kENOMEM;
    }
    if (!(flags & (kMAP_FIXED | kMAP_FIXED_NOREPLACE))) p->mmap_next = va - mm::kPageSize;  // a guard page between maps
    return static_cast<std::int64_t>(va);
}

std::int64_t sys_munmap(Process* p, std::uint64_t addr, std::uint64_t len) {
    if ((addr & 4095) || len == 0 || !user_range_ok(addr, len)) return -kEINVAL;
    const std::uint64_t end = mm::align_up(addr + len, mm::kPageSize);
    // Holes in the range are fine; the cost follows the pages mapped there, not len (which may span
    // the whole user half).
    return p->space->unmap_mapped(addr, end - addr).ok() ? 0 : -kEINVAL;
}

// mprotect: how a program makes code it wrote executable under W^X (write, then switch to R+X).
std::int64_t sys_mprotect(Process* p, std::uint64_t addr, std::uint64_t len, std::uint64_t prot) {
    if ((addr & 4095) || !user_range_ok(addr, len)) return -kEINVAL;
    if (prot & ~static_cast<std::uint64_t>(kPROT_READ | kPROT_WRITE | kPROT_EXEC)) return -kEINVAL;
    if ((prot & kPROT_WRITE) && (prot & kPROT_EXEC)) return -kEINVAL;  // W^X
    if (prot == 0) return -kEINVAL;  // PROT_NONE on mapped pages: not supported (no unmapped-but-reserved state)
    const std::uint64_t size = mm::align_up(len, mm::kPageSize);
    if (size == 0) return 0;
    for (std::uint64_t a = addr; a < addr + size; a += mm::kPageSize)
        if (!p->space->translate(a).ok()) return -kENOMEM;  // Linux: the range must be mapped
    mm::MapFlags f = mm::MapFlags::Read;
    if (prot & kPROT_WRITE) f |= mm::MapFlags::Write;
    if (prot & kPROT_EXEC) f |= mm::MapFlags::Execute;
    if (!p->space->protect(addr, size, f).ok()) return -kEINVAL;
    if (prot & kPROT_EXEC) asm volatile("dsb ish\n ic ialluis\n dsb ish\n isb" ::: "memory");
    return 0;
}

std::int64_t sys_getrandom(std::uint64_t buf, std::uint64_t len, std::uint64_t flags) {
    if (flags & ~static_cast<std::uint64_t>(kGRND_NONBLOCK | kGRND_RANDOM | kGRND_INSECURE)) return -kEINVAL;
    if ((flags & kGRND_RANDOM) && (flags & kGRND_INSECURE)) return -kEINVAL;
    if (len > 33554431) len = 33554431;
    if (!user_range_ok(buf, len)) return -kEFAULT;  // Linux's import_ubuf checks the whole range first
    std::uint64_t done = 0;
    while (done < len) {
        const std::uint64_t v = random::next_u64();   // kernel/random.h: shared with /dev/urandom
        const std::uint64_t n = len - done < 8 ? len - done : 8;
        // A hole in the buffer ends it: the bytes before it are the result (Linux's getrandom
        // returns the partial count; EFAULT only when nothing was copied).
        const std::size_t got = copy_to_user_partial(buf + done, &v, n);
        done += got;
        if (got < n) return done ? static_cast<std::int64_t>(done) : -kEFAULT;
    }
    return static_cast<std::int64_t>(done);
}

std::int64_t sys_reboot(std::uint64_t m1, std::uint64_t m2, std::uint64_t cmd) {
    if (m1 != kREBOOT_MAGIC1 || (m2 != kREBOOT_MAGIC2 && m2 != kREBOOT_MAGIC2A && m2 != kREBOOT_MAGIC2B && m2 != kREBOOT_MAGIC2C))
        return -kEINVAL;
    if (cmd == kREBOOT_CMD_POWER_OFF || cmd == kREBOOT_CMD_HALT) hal::psci::system_off();
    if (cmd == kREBOOT_CMD_RESTART) hal::psci::system_reset();
    return -kEINVAL;
}

// execve: only the path is copied here (EFAULT, ENAMETOOLONG as Linux's getname); argv and envp
// stay in user memory until exec.cpp streams their strings onto the new program's stack.
std::int64_t sys_execve_entry(arch::TrapFrame& frame, std::uint64_t upath, std::uint64_t uargv, std::uint64_t uenvp) {
    char* path = new char[fs::kPathMax];
    if (!path) return -kENOMEM;
    auto r = copy_string_from_user(path, upath, fs::kPathMax);
    std::int64_t result = !r.ok() ? (r.error() == lib::Error::Fault ? -kEFAULT : -kENAMETOOLONG)
                                  : sys_execve(frame, path, ArgVector{uargv, true}, ArgVector{uenvp, true});
    delete[] path;
    return result;
}

}  // namespace

namespace {

// Table entries: each system call gets the process and the frame (arguments in x0-x5).
using Handler = std::int64_t (*)(Process* p, arch::TrapFrame& f);

std::int64_t h_read(Process* p, arch::TrapFrame& f) { return sys_read(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_write(Process* p, arch::TrapFrame& f) { return sys_write(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_writev(Process* p, arch::TrapFrame& f) { return sys_writev(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_close(Process* p, arch::TrapFrame& f) { return sys_close(p, f.x[0]); }
std::int64_t h_dup(Process* p, arch::TrapFrame& f) { return sys_dup(p, f.x[0]); }
std::int64_t h_dup3(Process* p, arch::TrapFrame& f) { return sys_dup3(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_pipe2(Process* p, arch::TrapFrame& f) { return sys_pipe2(p, f.x[0], f.x[1]); }
std::int64_t h_exit(Process*, arch::TrapFrame& f) { process_exit(wait_status_exited(static_cast<int>(f.x[0]))); }
std::int64_t h_wait4(Process* p, arch::TrapFrame& f) {
    const int pid = static_cast<int>(f.x[0]);
    if (f.x[2] & ~static_cast<std::uint64_t>(kWNOHANG | 2 /* WUNTRACED */ | 8 /* WCONTINUED */)) return -kEINVAL;
    if (pid < -1 || pid == 0) return -kEINVAL;  // process groups: not supported
    int status = 0;
    const std::int64_t r = wait_child(p, pid, &status, static_cast<int>(f.x[2]));
    if (r > 0 && f.x[1] && !put_user(f.x[1], status).ok()) return -kEFAULT;
    if (r > 0 && f.x[3]) {
        static const std::uint8_t zero[kRusageSize] = {};  // no resource accounting yet: all zero
        if (!copy_to_user(f.x[3], zero, sizeof zero).ok()) return -kEFAULT;
    }
    return r;
}
// clone as fork (arm64 order: flags, newsp, parent_tid, tls, child_tid). Sharing flags (CLONE_VM,
// CLONE_THREAD, CLONE_FILES, ...) and CLONE_SETTLS are -EINVAL: no threads or shared tables yet.
// Linux accepts any exit signal (or none); we only ever report SIGCHLD, so others are -EINVAL too.
std::int64_t h_clone(Process*, arch::TrapFrame& f) {
    const std::uint64_t flags = f.x[0] & 0xffff'ffffull;  // Linux reads the low 32 bits only
    constexpr std::uint64_t kTidFlags = kCLONE_PARENT_SETTID | kCLONE_CHILD_SETTID | kCLONE_CHILD_CLEARTID;
    if ((flags & kCSIGNAL) != kSIGCHLD || (flags & ~(kCSIGNAL | kTidFlags)) != 0) return -kEINVAL;
    ForkRequest req;
    req.stack = f.x[1];
    if (flags & kCLONE_CHILD_SETTID) req.set_child_tid = f.x[4];
    if (flags & kCLONE_CHILD_CLEARTID) req.clear_child_tid = f.x[4];
    const std::uint64_t parent_tid = f.x[2];
    const std::int64_t pid = sys_fork(f, req);
    // After the copy, so only the parent's memory holds it; a bad address is ignored, as on Linux.
    if (pid > 0 && (flags & kCLONE_PARENT_SETTID)) (void)put_user(parent_tid, static_cast<int>(pid));
    return pid;
}
std::int64_t h_execve(Process*, arch::TrapFrame& f) { return sys_execve_entry(f, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_getpid(Process* p, arch::TrapFrame&) { return p->pid; }
std::int64_t h_getppid(Process* p, arch::TrapFrame&) { return parent_pid(p); }
std::int64_t h_set_tid_address(Process* p, arch::TrapFrame& f) {
    p->clear_tid = f.x[0];
    return p->pid;
}
std::int64_t h_sched_yield(Process*, arch::TrapFrame&) {
    sched::yield();
    return 0;
}
std::int64_t h_nanosleep(Process*, arch::TrapFrame& f) { return sys_nanosleep(f.x[0], f.x[1]); }
std::int64_t h_clock_gettime(Process*, arch::TrapFrame& f) { return sys_clock_gettime(f.x[0], f.x[1]); }
std::int64_t h_uname(Process*, arch::TrapFrame& f) { return sys_uname(f.x[0]); }
std::int64_t h_brk(Process* p, arch::TrapFrame& f) { return sys_brk(p, f.x[0]); }
std::int64_t h_mmap(Process* p, arch::TrapFrame& f) {
    return sys_mmap(p, f.x[0], f.x[1], f.x[2], f.x[3], static_cast<std::int64_t>(f.x[4]), f.x[5]);
}
std::int64_t h_munmap(Process* p, arch::TrapFrame& f) { return sys_munmap(p, f.x[0], f.x[1]); }
std::int64_t h_mprotect(Process* p, arch::TrapFrame& f) { return sys_mprotect(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_kill(Process*, arch::TrapFrame& f) { return sys_kill(static_cast<int>(f.x[0]), static_cast<int>(f.x[1])); }
// tkill/tgkill: glibc's raise() and abort(). Every process has one thread whose tid is its pid.
std::int64_t h_tkill(Process*, arch::TrapFrame& f) {
    const int tid = static_cast<int>(f.x[0]);
    return tid <= 0 ? -kEINVAL : sys_kill(tid, static_cast<int>(f.x[1]));
}
std::int64_t h_tgkill(Process*, arch::TrapFrame& f) {
    const int tgid = static_cast<int>(f.x[0]), tid = static_cast<int>(f.x[1]);
    if (tgid <= 0 || tid <= 0) return -kEINVAL;
    if (tgid != tid) return -kESRCH;  // no thread of that group has that id
    return sys_kill(tid, static_cast<int>(f.x[2]));
}
// set_robust_list: the list is only walked at exit to release futexes other processes share; with
// no shared memory here there are none, so recording the head is all Linux would do.
std::int64_t h_set_robust_list(Process* p, arch::TrapFrame& f) {
    if (f.x[1] != kRobustListHeadSize) return -kEINVAL;
    p->robust_list = f.x[0];
    return 0;
}
std::int64_t h_clock_nanosleep(Process*, arch::TrapFrame& f) {
    return sys_clock_nanosleep(f.x[0], static_cast<std::uint32_t>(f.x[1]), f.x[2], f.x[3]);
}
std::int64_t h_gettimeofday(Process*, arch::TrapFrame& f) { return sys_gettimeofday(f.x[0], f.x[1]); }
std::int64_t h_prlimit64(Process* p, arch::TrapFrame& f) {
    return sys_prlimit64(p, static_cast<int>(f.x[0]), static_cast<std::uint32_t>(f.x[1]), f.x[2], f.x[3]);
}
std::int64_t h_reboot(Process*, arch::TrapFrame& f) { return sys_reboot(f.x[0], f.x[1], f.x[2]); }
std::int64_t h_getrandom(Process*, arch::TrapFrame& f) { return sys_getrandom(f.x[0], f.x[1], f.x[2]); }
std::int64_t h_fcntl(Process* p, arch::TrapFrame& f) { return sys_fcntl(p, f.x[0], f.x[1], f.x[2]); }
// --- Descriptors and file I/O (fdio: kernel/fs/io_syscalls*.cpp) ---
std::int64_t h_readv(Process* p, arch::TrapFrame& f) { return sys_readv(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_pread64(Process* p, arch::TrapFrame& f) {
    return sys_pread64(p, f.x[0], f.x[1], f.x[2], static_cast<std::int64_t>(f.x[3]));
}
std::int64_t h_pwrite64(Process* p, arch::TrapFrame& f) {
    return sys_pwrite64(p, f.x[0], f.x[1], f.x[2], static_cast<std::int64_t>(f.x[3]));
}
// preadv/pwritev take the offset as two halves; on 64-bit Linux the low one (x3) is all of it.
std::int64_t h_preadv(Process* p, arch::TrapFrame& f) {
    return sys_preadv(p, f.x[0], f.x[1], f.x[2], static_cast<std::int64_t>(f.x[3]));
}
std::int64_t h_pwritev(Process* p, arch::TrapFrame& f) {
    return sys_pwritev(p, f.x[0], f.x[1], f.x[2], static_cast<std::int64_t>(f.x[3]));
}
std::int64_t h_lseek(Process* p, arch::TrapFrame& f) {
    return sys_lseek(p, f.x[0], static_cast<std::int64_t>(f.x[1]), f.x[2] & 0xffff'ffffu);
}
std::int64_t h_getdents64(Process* p, arch::TrapFrame& f) { return sys_getdents64(p, f.x[0], f.x[1], f.x[2]); }
std::int64_t h_sendfile(Process* p, arch::TrapFrame& f) { return sys_sendfile(p, f.x[0], f.x[1], f.x[2], f.x[3]); }
std::int64_t h_ftruncate(Process* p, arch::TrapFrame& f) { return sys_ftruncate(p, f.x[0], static_cast<std::int64_t>(f.x[1])); }
std::int64_t h_fallocate(Process* p, arch::TrapFrame& f) {
    return sys_fallocate(p, f.x[0], f.x[1] & 0xffff'ffffu, static_cast<std::int64_t>(f.x[2]), static_cast<std::int64_t>(f.x[3]));
}
std::int64_t h_fsync(Process* p, arch::TrapFrame& f) { return sys_fsync(p, f.x[0]); }
std::int64_t h_flock(Process* p, arch::TrapFrame& f) { return sys_flock(p, f.x[0], f.x[1] & 0xffff'ffffu); }
std::int64_t h_close_range(Process* p, arch::TrapFrame& f) { return sys_close_range(p, f.x[0], f.x[1], f.x[2]); }
// --- end fdio ---
std::int64_t h_ioctl(Process* p, arch::TrapFrame& f) { return sys_ioctl(p, f.x[0], f.x[1], f.x[2]); }

// procdev
std::int64_t h_sysinfo(Process*, arch::TrapFrame& f) { return sys_sysinfo(f.x[0]); }

constexpr std::size_t kTableSize = 453;   // up to fchmodat2 (452)
struct Table {
    Handler h[kTableSize] = {};
    constexpr Table() {
        h[kRead] = h_read, h[kWrite] = h_write, h[kWritev] = h_writev, h[kClose] = h_close;
        h[kDup] = h_dup, h[kDup3] = h_dup3, h[kPipe2] = h_pipe2, h[kExit] = h_exit, h[kExitGroup] = h_exit;
        h[kWait4] = h_wait4, h[kClone] = h_clone, h[kExecve] = h_execve, h[kGetpid] = h_getpid;
        h[kGettid] = h_getpid, h[kGetppid] = h_getppid, h[kSetTidAddress] = h_set_tid_address;
        h[kSchedYield] = h_sched_yield, h[kNanosleep] = h_nanosleep, h[kClockGettime] = h_clock_gettime;
        h[kUname] = h_uname, h[kBrk] = h_brk, h[kMmap] = h_mmap, h[kMunmap] = h_munmap;
        h[kMprotect] = h_mprotect, h[kKill] = h_kill, h[kReboot] = h_reboot, h[kGetrandom] = h_getrandom;
        h[kTkill] = h_tkill, h[kTgkill] = h_tgkill, h[kSetRobustList] = h_set_robust_list;
        h[kClockNanosleep] = h_clock_nanosleep, h[kGettimeofday] = h_gettimeofday, h[kPrlimit64] = h_prlimit64;
        // Left at -ENOSYS on purpose: rseq (glibc registers it and copes with ENOSYS), madvise (glibc
        // ignores its result; MADV_DONTNEED would need page replacement this kernel lacks).
        h[kFcntl] = h_fcntl, h[kIoctl] = h_ioctl;
        // The path system calls (kernel/fs/fs_syscalls.h).
        h[kOpenat] = sys_openat, h[kMkdirat] = sys_mkdirat, h[kMknodat] = sys_mknodat, h[kSymlinkat] = sys_symlinkat;
        h[kLinkat] = sys_linkat, h[kUnlinkat] = sys_unlinkat, h[kRenameat] = sys_renameat, h[kRenameat2] = sys_renameat2;
        h[kReadlinkat] = sys_readlinkat, h[kFaccessat] = sys_faccessat, h[kFaccessat2] = sys_faccessat2;
        h[kFchmodat] = sys_fchmodat, h[kFchmod] = sys_fchmod, h[kFchownat] = sys_fchownat, h[kFchown] = sys_fchown;
        h[kUtimensat] = sys_utimensat, h[kTruncate] = sys_truncate, h[kChdir] = sys_chdir, h[kFchdir] = sys_fchdir;
        h[kChroot] = sys_chroot, h[kGetcwd] = sys_getcwd, h[kUmask] = sys_umask, h[kNewfstatat] = sys_newfstatat;
        h[kFstat] = sys_fstat, h[kStatx] = sys_statx, h[kStatfs] = sys_statfs, h[kFstatfs] = sys_fstatfs;
        h[kMount] = sys_mount, h[kUmount2] = sys_umount2, h[kSync] = sys_sync;
        // End of the path system calls.
        h[kSchedSetaffinity] = h_sched_setaffinity, h[kSchedGetaffinity] = h_sched_getaffinity, h[kGetcpu] = h_getcpu;
        // fdio: descriptors and file I/O.
        h[kReadv] = h_readv, h[kPread64] = h_pread64, h[kPwrite64] = h_pwrite64, h[kPreadv] = h_preadv;
        h[kPwritev] = h_pwritev, h[kLseek] = h_lseek, h[kGetdents64] = h_getdents64, h[kSendfile] = h_sendfile;
        h[kFtruncate] = h_ftruncate, h[kFallocate] = h_fallocate, h[kFsync] = h_fsync, h[kFdatasync] = h_fsync;
        h[kFlock] = h_flock, h[kCloseRange] = h_close_range;
        // cred: identities (kernel/process/cred_syscalls.cpp) and prctl (kernel/process/prctl.cpp)
        h[kGetuid] = h_getuid, h[kGeteuid] = h_geteuid, h[kGetgid] = h_getgid, h[kGetegid] = h_getegid;
        h[kGetresuid] = h_getresuid, h[kGetresgid] = h_getresgid, h[kSetuid] = h_setuid, h[kSetgid] = h_setgid;
        h[kSetreuid] = h_setreuid, h[kSetregid] = h_setregid, h[kSetresuid] = h_setresuid, h[kSetresgid] = h_setresgid;
        h[kSetfsuid] = h_setfsuid, h[kSetfsgid] = h_setfsgid, h[kGetgroups] = h_getgroups, h[kSetgroups] = h_setgroups;
        h[kPrctl] = h_prctl;
        // procdev
        h[kSysinfo] = h_sysinfo;
    }
};
constexpr Table kTable;
static_assert(kGetrandom < kTableSize && kFaccessat2 < kTableSize);

}  // namespace

std::int64_t syscall_dispatch(Process* p, arch::TrapFrame& f) {
    const std::uint64_t nr = f.x[8];
    if (nr >= kTableSize || kTable.h[nr] == nullptr) return -kENOSYS;
    return kTable.h[nr](p, f);
}

}  // namespace kernel
