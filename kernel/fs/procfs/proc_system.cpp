// The files of /proc itself: memory, time, load, CPUs, mounts, file systems, version. Each is
// collected from its owner's interface (memory stats, the scheduler, the mount list) and formatted
// by proc_text.cpp.
#include "arch/aarch64/cpu.h"
#include "hal/rtc_pl031.h"
#include "hal/timer.h"
#include "kernel/fs/procfs/proc_inodes.h"
#include "kernel/fs/procfs/proc_sources.h"
#include "kernel/fs/vfs.h"
#include "kernel/memory.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/version.h"
#include "sched/loadavg.h"
#include "sched/scheduler.h"

namespace kernel::fs::proc {

MemInfo memory_info() {
    const memory::Stats s = memory::stats();
    return MemInfo{s.total_frames, s.free_frames, 0 /* no page cache or shared memory accounting yet */,
                   s.heap_bytes_in_use, s.kernel_tables};
}

std::uint64_t idle_ns_all_cpus() {
    std::uint64_t idle = 0;
    for (unsigned c = 0; c < sched::kMaxStatCpus; ++c)
        if (sched::online_cpus() & sched::cpu_bit(c)) idle += hal::timer::counts_to_ns(sched::cpu_times(c).idle);
    return idle;
}

void load_averages(std::uint64_t out[3]) {
    for (int i = 0; i < 3; ++i) out[i] = sched::load_average().avg(i);
}

void format_mounts(Text& t, const Process* reader) {
    struct Ctx {
        Text* t;
        Path root;
        char* buf;
    } c{&t, reader ? reader->root : root_path(), new char[kPathMax]};
    if (!c.buf) return;
    for_each_mount([](const Mount& m, void* ctx) {
        auto* s = static_cast<Ctx*>(ctx);
        const Path at{const_cast<Mount*>(&m), m.sb->root()};
        const std::int64_t n = path_of(s->root, at, s->buf, kPathMax);
        // Mounts outside the reader's root (a chroot) are not shown, as on Linux.
        if (n < 0 || s->buf[0] != '/') return;
        constexpr std::uint64_t kMsRdonly = 1;   // MS_RDONLY
        format_mount(*s->t, m.source, s->buf, m.sb->type_name(), m.sb->read_only || (m.flags & kMsRdonly));
    }, &c);
    delete[] c.buf;
}

namespace {

std::uint64_t ticks(std::uint64_t counts) { return hal::timer::counts_to_ns(counts) / (1'000'000'000 / kUserHz); }

void gen_stat(Text& t) {
    SystemStat s{};
    const sched::CpuMask online = sched::online_cpus();
    for (unsigned c = 0; c < sched::kMaxStatCpus; ++c) {
        if (!(online & sched::cpu_bit(c))) continue;
        const sched::CpuTimes times = sched::cpu_times(c);
        s.cpu[s.ncpus++] = CpuStat{ticks(times.user), ticks(times.system), ticks(times.idle)};
        if (auto info = sched::cpu_info(c); info.ok()) s.ctxt += info.value().switches;
    }
    const std::uint64_t now = hal::rtc::realtime_ns(), up = hal::timer::uptime_ns();
    s.btime = (now - up) / 1'000'000'000;
    s.processes = static_cast<std::uint64_t>(last_pid());
    s.running = sched::runnable_now();
    s.blocked = 0;   // tasks in uninterruptible (I/O) sleep: none exist here
    format_stat_file(t, s);
}

void gen_cpuinfo(Text& t) {
    // MIDR and the ID registers of the CPU reading: every CPU of a QEMU virt machine is the same model.
    const CpuIdent id{read_sysreg(midr_el1), read_sysreg(id_aa64isar0_el1), read_sysreg(id_aa64pfr0_el1),
                      read_sysreg(cntfrq_el0)};
    format_cpuinfo(t, id, sched::online_cpus());
}

void gen_mounts(Text& t) { format_mounts(t, current_process()); }

}  // namespace

std::int64_t gen_system(Node node, Text& t) {
    switch (node) {
    case Node::Meminfo: format_meminfo(t, memory_info()); return 0;
    case Node::Uptime: format_uptime(t, hal::timer::uptime_ns(), idle_ns_all_cpus()); return 0;
    case Node::Loadavg: {
        std::uint64_t avg[3];
        load_averages(avg);
        format_loadavg(t, avg, sched::runnable_now(), static_cast<unsigned>(sched::task_count()), last_pid());
        return 0;
    }
    case Node::Stat: gen_stat(t); return 0;
    case Node::Cpuinfo: gen_cpuinfo(t); return 0;
    case Node::Mounts: gen_mounts(t); return 0;
    case Node::Filesystems: t.puts("nodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n"); return 0;
    case Node::Version: {
        format_version(t, kUnameRelease, "g++ " __VERSION__, kUnameVersion);
        return 0;
    }
    default: return -abi::kEINVAL;
    }
}

std::size_t text_capacity(Node node) {
    switch (node) {
    case Node::Cpuinfo: case Node::PidMaps: case Node::Mounts: return 16384;
    default: return 4096;   // the rest are short; cmdline is at most a page, a link at most PATH_MAX
    }
}

}  // namespace kernel::fs::proc
