// The text of /proc's files in Linux's exact formats, from plain snapshots (portable: the host tests
// check each format against lines taken from a real Linux). procfs collects the snapshots (under
// the locks that guard the data) and calls these with no lock but the VFS's.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>

namespace kernel::fs::proc {

// A bounded text being built: appends past the capacity are dropped (and remembered), never
// written out of bounds. The storage belongs to the caller.
class Text {
public:
    Text(char* buf, std::size_t capacity) : m_buf(buf), m_cap(capacity) {}
    void printf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    void put(char c);
    void write(const char* s, std::size_t n);
    void puts(const char* s);
    void pad_to(std::size_t column);     // spaces up to this length (maps' name column)
    void escaped(const char* s);         // /proc/mounts' octal escapes for space, tab, newline, '\'
    // Room to write into directly (a path_of result): the free space, then advance() by what was used.
    char* tail(std::size_t& room) {
        room = m_cap - m_len;
        return m_buf + m_len;
    }
    void advance(std::size_t n) { m_len += n <= m_cap - m_len ? n : m_cap - m_len; }
    std::size_t size() const { return m_len; }
    const char* data() const { return m_buf; }
    bool overflowed() const { return m_overflow; }

private:
    char* m_buf;
    std::size_t m_cap;
    std::size_t m_len = 0;
    bool m_overflow = false;
};

inline constexpr std::uint64_t kUserHz = 100;   // USER_HZ: clock ticks in /proc

// What /proc/<pid>/{stat,status} show of one process.
struct ProcessInfo {
    int pid = 0, ppid = 0;
    char comm[16] = {};
    char state = 'R';                  // R, S, Z (as Linux's task_state_array)
    std::uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
    std::uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
    std::uint32_t groups[32] = {};
    int ngroups = 0;
    std::uint32_t umask = 022;
    std::uint64_t utime_ticks = 0, stime_ticks = 0, start_ticks = 0;   // USER_HZ ticks
    std::uint64_t voluntary = 0, involuntary = 0;
    unsigned cpu = 0;                  // the CPU it runs (or last ran) on
    std::uint64_t cpus_allowed = 1;    // bit n: CPU n
    unsigned online_cpus = 1;          // Cpus_allowed's width
    int fd_size = 64;                  // FDSize: the descriptor table's size
    // Memory (bytes): only known for the reader's own process (vm_known); else stat shows 0 and
    // status leaves the Vm lines out (as Linux for a process without memory).
    bool vm_known = false;
    std::uint64_t vm_size = 0, vm_rss = 0, vm_data = 0, vm_stack = 0, vm_exe = 0;
    std::uint64_t start_brk = 0;
};
void format_stat(Text& t, const ProcessInfo& p);
void format_status(Text& t, const ProcessInfo& p);
const char* state_name(char state);   // "R (running)"...

// /proc/meminfo and sysinfo's memory (4 KiB pages).
struct MemInfo {
    std::uint64_t total_pages, free_pages, shmem_pages, slab_bytes, page_tables;
};
void format_meminfo(Text& t, const MemInfo& m);

// /proc/uptime: seconds since boot, and the idle time summed over CPUs.
void format_uptime(Text& t, std::uint64_t uptime_ns, std::uint64_t idle_ns_all_cpus);

// /proc/loadavg: three fixed-point averages (sched/loadavg.h), running/total tasks, the last pid.
void format_loadavg(Text& t, const std::uint64_t avg[3], unsigned running, unsigned total, int last_pid);

// /proc/stat.
struct CpuStat {
    std::uint64_t user, system, idle;   // USER_HZ ticks
};
struct SystemStat {
    CpuStat cpu[8];
    unsigned ncpus;                      // lines cpu0..cpu(n-1), n <= 8
    std::uint64_t ctxt, btime, processes;
    unsigned running, blocked;
};
void format_stat_file(Text& t, const SystemStat& s);

// /proc/cpuinfo: one block per online CPU (arm64's format).
struct CpuIdent {
    std::uint64_t midr;                  // MIDR_EL1
    std::uint64_t isar0, pfr0;           // ID_AA64ISAR0_EL1, ID_AA64PFR0_EL1 (the Features line)
    std::uint64_t timer_hz;              // CNTFRQ_EL0 (BogoMIPS, as arm64 Linux derives it)
};
void format_cpuinfo(Text& t, const CpuIdent& id, std::uint64_t online_mask);

// One /proc/mounts line.
void format_mount(Text& t, const char* source, const char* where, const char* type, bool read_only);

// One /proc/<pid>/maps line (name: null for an anonymous mapping).
void format_map(Text& t, std::uint64_t start, std::uint64_t end, bool r, bool w, bool x, bool shared,
                std::uint64_t offset, unsigned dev_major, unsigned dev_minor, std::uint64_t ino, const char* name);

// /proc/version from uname's release and version and the compiler that built the kernel.
void format_version(Text& t, const char* release, const char* compiler, const char* version);

}  // namespace kernel::fs::proc
