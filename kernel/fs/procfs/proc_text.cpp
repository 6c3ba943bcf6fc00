// /proc's formats (proc_text.h), each as Linux's fs/proc prints it (the seq_file code it mirrors is
// named at each function).
#include "kernel/fs/procfs/proc_text.h"

#include "lib/format.h"

namespace kernel::fs::proc {

void Text::put(char c) {
    if (m_len < m_cap) m_buf[m_len++] = c;
    else m_overflow = true;
}

void Text::write(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) put(s[i]);
}

void Text::puts(const char* s) {
    while (*s) put(*s++);
}

void Text::printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lib::vformat([](char c, void* ctx) { static_cast<Text*>(ctx)->put(c); }, this, fmt, ap);
    va_end(ap);
}

void Text::pad_to(std::size_t column) {
    while (m_len < column && !m_overflow) put(' ');
}

void Text::escaped(const char* s) {   // mangle(): " \t\n\\" as \ooo
    for (; *s; ++s) {
        const char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\') printf("\\%03o", static_cast<unsigned>(c));
        else put(c);
    }
}

namespace {

constexpr const char* kRlimInfinity = "18446744073709551615";

// "0-3", "0,2-3": a CPU mask as a list (%*pbl).
void cpu_list(Text& t, std::uint64_t mask) {
    bool first = true;
    for (unsigned c = 0; c < 64; ++c) {
        if (!(mask >> c & 1)) continue;
        unsigned e = c;
        while (e + 1 < 64 && (mask >> (e + 1) & 1)) ++e;
        t.printf(first ? "%u" : ",%u", c);
        if (e > c) t.printf("-%u", e);
        first = false;
        c = e;
    }
}

void kb_line(Text& t, const char* label, std::uint64_t kb) {   // show_val_kb / task_mem's "%8lu kB"
    t.puts(label);
    t.printf("%8llu kB\n", static_cast<unsigned long long>(kb));
}

}  // namespace

const char* state_name(char state) {
    switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'Z': return "Z (zombie)";
    default: return "R (running)";
    }
}

// fs/proc/array.c do_task_stat. Each process is its own group and session (no setsid yet), has no
// controlling terminal (tty_nr 0, tpgid -1) and one thread; the obsolete signal fields are 0 (no
// signal handlers or masks exist yet). Memory addresses are shown only when vm_known.
void format_stat(Text& t, const ProcessInfo& p) {
    const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    const bool mm = p.state != 'Z';
    t.printf("%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %llu %llu 0 0 20 0 1 0 %llu ", p.pid, p.comm, p.state, p.ppid,
             p.pid, p.pid, u(p.utime_ticks), u(p.stime_ticks), u(p.start_ticks));
    t.printf("%llu %llu %s ", u(mm ? p.vm_size : 0), u(mm ? p.vm_rss / 4096 : 0), kRlimInfinity);
    t.printf("0 0 0 0 0 0 0 0 0 0 0 0 17 %u 0 0 0 0 0 ", p.cpu);
    t.printf("0 0 %llu 0 0 0 0 0\n", u(mm && p.vm_known ? p.start_brk : 0));
}

// fs/proc/array.c proc_pid_status (the lines this kernel has something true to say for).
void format_status(Text& t, const ProcessInfo& p) {
    t.printf("Name:\t%s\nUmask:\t%04o\nState:\t%s\n", p.comm, p.umask, state_name(p.state));
    t.printf("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", p.pid, p.pid, p.ppid);
    t.printf("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", p.ruid, p.euid, p.suid, p.fsuid, p.rgid, p.egid,
             p.sgid, p.fsgid);
    t.printf("FDSize:\t%d\nGroups:\t", p.fd_size);
    for (int i = 0; i < p.ngroups; ++i) t.printf(i ? " %u" : "%u", p.groups[i]);
    t.printf("\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p.pid, p.pid, p.pid, p.pid);
    if (p.state != 'Z' && p.vm_known) {   // task_mem: only with an address space (and known, vm_known)
        const std::uint64_t k = 1024;
        kb_line(t, "VmPeak:\t", p.vm_size / k);
        kb_line(t, "VmSize:\t", p.vm_size / k);
        kb_line(t, "VmLck:\t", 0);
        kb_line(t, "VmPin:\t", 0);
        kb_line(t, "VmHWM:\t", p.vm_rss / k);
        kb_line(t, "VmRSS:\t", p.vm_rss / k);
        kb_line(t, "RssAnon:\t", p.vm_rss / k);
        kb_line(t, "RssFile:\t", 0);
        kb_line(t, "RssShmem:\t", 0);
        kb_line(t, "VmData:\t", p.vm_data / k);
        kb_line(t, "VmStk:\t", p.vm_stack / k);
        kb_line(t, "VmExe:\t", p.vm_exe / k);
        kb_line(t, "VmLib:\t", 0);
        kb_line(t, "VmPTE:\t", 0);
        kb_line(t, "VmSwap:\t", 0);
    }
    t.puts("Threads:\t1\n");
    t.puts("SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
           "SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n");
    // Root holds every capability (CAP_LAST_CAP 40); other users none (no file capabilities).
    const char* caps = p.euid == 0 ? "000001ffffffffff" : "0000000000000000";
    t.printf("CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t000001ffffffffff\n"
             "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n", caps, caps);
    const unsigned width = (p.online_cpus + 3) / 4;   // %*pb: nr_cpu_ids bits in hex
    t.printf("Cpus_allowed:\t%0*llx\nCpus_allowed_list:\t", static_cast<int>(width ? width : 1),
             static_cast<unsigned long long>(p.cpus_allowed));
    cpu_list(t, p.cpus_allowed);
    t.printf("\nMems_allowed:\t1\nMems_allowed_list:\t0\n");
    t.printf("voluntary_ctxt_switches:\t%llu\nnonvoluntary_ctxt_switches:\t%llu\n",
             static_cast<unsigned long long>(p.voluntary), static_cast<unsigned long long>(p.involuntary));
}

// fs/proc/meminfo.c: "Label:" padded to 16 columns, the value in 8, " kB". No page cache, buffers
// or swap exist: those lines are 0 because the quantities are.
void format_meminfo(Text& t, const MemInfo& m) {
    const auto line = [&t](const char* label, std::uint64_t kb) {
        const std::size_t start = t.size();
        t.puts(label);
        t.pad_to(start + 16);
        t.printf("%8llu kB\n", static_cast<unsigned long long>(kb));
    };
    line("MemTotal:", m.total_pages * 4);
    line("MemFree:", m.free_pages * 4);
    line("MemAvailable:", m.free_pages * 4);
    line("Buffers:", 0);
    line("Cached:", m.shmem_pages * 4);
    line("SwapCached:", 0);
    line("SwapTotal:", 0);
    line("SwapFree:", 0);
    line("Shmem:", m.shmem_pages * 4);
    line("Slab:", m.slab_bytes / 1024);
    line("SReclaimable:", 0);
    line("SUnreclaim:", m.slab_bytes / 1024);
    line("PageTables:", m.page_tables * 4);
}

// fs/proc/uptime.c: seconds with hundredths.
void format_uptime(Text& t, std::uint64_t uptime_ns, std::uint64_t idle_ns) {
    const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    t.printf("%llu.%02llu %llu.%02llu\n", u(uptime_ns / 1'000'000'000), u(uptime_ns / 10'000'000 % 100),
             u(idle_ns / 1'000'000'000), u(idle_ns / 10'000'000 % 100));
}

// fs/proc/loadavg.c: LOAD_INT.LOAD_FRAC of each average (rounded to the hundredth, loadavg.h).
void format_loadavg(Text& t, const std::uint64_t avg[3], unsigned running, unsigned total, int last_pid) {
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t a = avg[i] + (1u << 11) / 200;
        t.printf("%llu.%02llu ", static_cast<unsigned long long>(a >> 11),
                 static_cast<unsigned long long>(((a & ((1u << 11) - 1)) * 100) >> 11));
    }
    t.printf("%u/%u %d\n", running, total, last_pid);
}

// fs/proc/stat.c: user nice system idle iowait irq softirq steal guest guest_nice, in USER_HZ ticks.
void format_stat_file(Text& t, const SystemStat& s) {
    const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    CpuStat sum{0, 0, 0};
    for (unsigned i = 0; i < s.ncpus; ++i) {
        sum.user += s.cpu[i].user;
        sum.system += s.cpu[i].system;
        sum.idle += s.cpu[i].idle;
    }
    t.printf("cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", u(sum.user), u(sum.system), u(sum.idle));
    for (unsigned i = 0; i < s.ncpus; ++i)
        t.printf("cpu%u %llu 0 %llu %llu 0 0 0 0 0 0\n", i, u(s.cpu[i].user), u(s.cpu[i].system), u(s.cpu[i].idle));
    t.printf("ctxt %llu\nbtime %llu\nprocesses %llu\nprocs_running %u\nprocs_blocked %u\n", u(s.ctxt), u(s.btime),
             u(s.processes), s.running, s.blocked);
}

// arch/arm64/kernel/cpuinfo.c c_show: Features from the ID registers (hwcap names, in Linux's order).
void format_cpuinfo(Text& t, const CpuIdent& id, std::uint64_t online_mask) {
    const auto field = [](std::uint64_t reg, unsigned shift) { return static_cast<unsigned>(reg >> shift & 0xf); };
    const unsigned fp = field(id.pfr0, 16), simd = field(id.pfr0, 20);
    const unsigned aes = field(id.isar0, 4), sha1 = field(id.isar0, 8), sha2 = field(id.isar0, 12);
    const unsigned crc = field(id.isar0, 16), atomic = field(id.isar0, 20), rdm = field(id.isar0, 28);
    const unsigned sha3 = field(id.isar0, 32), sm3 = field(id.isar0, 36), sm4 = field(id.isar0, 40);
    const unsigned dp = field(id.isar0, 44), fhm = field(id.isar0, 48);
    struct Cap {
        bool on;
        const char* name;
    } const caps[] = {
        {fp != 0xf, "fp"}, {simd != 0xf, "asimd"}, {aes >= 1, "aes"}, {aes >= 2, "pmull"}, {sha1 >= 1, "sha1"},
        {sha2 >= 1, "sha2"}, {crc >= 1, "crc32"}, {atomic >= 2, "atomics"}, {fp == 1, "fphp"}, {simd == 1, "asimdhp"},
        {rdm >= 1, "asimdrdm"}, {sha3 >= 1, "sha3"}, {sm3 >= 1, "sm3"}, {sm4 >= 1, "sm4"}, {dp >= 1, "asimddp"},
        {sha2 >= 2, "sha512"}, {fhm >= 1, "asimdfhm"},
    };
    const std::uint64_t lpj_hz = id.timer_hz;   // loops_per_jiffy * HZ: the timer's rate on arm64
    for (unsigned c = 0; c < 64; ++c) {
        if (!(online_mask >> c & 1)) continue;
        t.printf("processor\t: %u\nBogoMIPS\t: %llu.%02llu\nFeatures\t:", c,
                 static_cast<unsigned long long>(lpj_hz / 500000), static_cast<unsigned long long>(lpj_hz / 5000 % 100));
        for (const Cap& cap : caps)
            if (cap.on) t.printf(" %s", cap.name);
        t.printf("\nCPU implementer\t: 0x%02x\nCPU architecture: 8\nCPU variant\t: 0x%x\nCPU part\t: 0x%03x\n"
                 "CPU revision\t: %u\n\n",
                 static_cast<unsigned>(id.midr >> 24 & 0xff), static_cast<unsigned>(id.midr >> 20 & 0xf),
                 static_cast<unsigned>(id.midr >> 4 & 0xfff), static_cast<unsigned>(id.midr & 0xf));
    }
}

// fs/proc_namespace.c show_vfsmnt: the options this kernel has (MS_RDONLY), then "0 0".
void format_mount(Text& t, const char* source, const char* where, const char* type, bool read_only) {
    t.escaped(source);
    t.put(' ');
    t.escaped(where);
    t.put(' ');
    t.escaped(type);
    t.puts(read_only ? " ro,relatime 0 0\n" : " rw,relatime 0 0\n");
}

// fs/proc/task_mmu.c show_vma_header_prefix, then the name padded to column 73.
void format_map(Text& t, std::uint64_t start, std::uint64_t end, bool r, bool w, bool x, bool shared,
                std::uint64_t offset, unsigned dev_major, unsigned dev_minor, std::uint64_t ino, const char* name) {
    const std::size_t line_start = t.size();
    t.printf("%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ", static_cast<unsigned long long>(start),
             static_cast<unsigned long long>(end), r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-', shared ? 's' : 'p',
             static_cast<unsigned long long>(offset), dev_major, dev_minor, static_cast<unsigned long long>(ino));
    if (name) {
        t.pad_to(line_start + 25 + 6 * 8 - 1);
        t.put(' ');
        t.puts(name);
    }
    t.put('\n');
}

// init/version.c linux_proc_banner: "%s version %s (%s@%s) (%s) %s\n".
void format_version(Text& t, const char* release, const char* compiler, const char* version) {
    t.printf("Linux version %s (root@qemu-virt) (%s) %s\n", release, compiler, version);
}

}  // namespace kernel::fs::proc
