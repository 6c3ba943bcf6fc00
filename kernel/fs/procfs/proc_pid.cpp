// /proc/<pid>: what one process shows. Everything about another process is copied under the
// process-tree lock (inspect_process), so a process exiting meanwhile is either seen whole or not at
// all. What lives in state only the process's own task may touch without a lock (its descriptor
// table, working directory and address space) is shown to that process itself (through /proc/self
// or its own pid); to others fd/, cwd and maps give EACCES and the memory figures are left out,
// until those get locks of their own.
#include "hal/timer.h"
#include "kernel/fs/devices.h"
#include "kernel/fs/file.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/fs/procfs/proc_inodes.h"
#include "kernel/process/process.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"
#include "sched/scheduler.h"

namespace kernel::fs::proc {

namespace {

constexpr std::uint64_t kNsPerTick = 1'000'000'000 / kUserHz;

void snapshot(const Process& p, void* ctx) {   // process-tree lock held, IRQs masked
    auto* s = static_cast<ProcessInfo*>(ctx);
    s->pid = p.pid;
    s->ppid = parent_pid(&p);
    lib::copy_bytes(s->comm, p.name, sizeof s->comm);
    s->comm[sizeof s->comm - 1] = 0;
    const sched::Task* t = p.task;
    // The task's fields are read without its run-queue lock: each is one word, and this is a sample.
    s->state = p.zombie ? 'Z' : t->state == sched::TaskState::Blocked ? 'S' : 'R';
    const Credentials& c = p.cred;
    s->ruid = c.ruid, s->euid = c.euid, s->suid = c.suid, s->fsuid = c.fsuid;
    s->rgid = c.rgid, s->egid = c.egid, s->sgid = c.sgid, s->fsgid = c.fsgid;
    s->ngroups = c.ngroups < 32 ? c.ngroups : 32;
    for (int i = 0; i < s->ngroups; ++i) s->groups[i] = c.groups[i];
    s->umask = p.umask;
    s->utime_ticks = hal::timer::counts_to_ns(t->cpu_counts) / kNsPerTick;   // no user/system split per task
    s->start_ticks = p.start_ns / kNsPerTick;
    s->voluntary = t->voluntary_switches;
    s->involuntary = t->involuntary_switches;
    s->cpu = t->cpu;
    s->cpus_allowed = t->sched.affinity;
    s->fd_size = static_cast<int>(p.fds.end() > 64 ? p.fds.end() : 64);   // FDSize: the table's size
}

bool is_self(int pid) {
    const Process* me = current_process();
    return me && me->pid == pid;
}

// The caller's own memory, from its page table (the owner may walk it without a lock): every mapped
// page is resident here, so the sizes are those of the pages mapped.
void own_memory(ProcessInfo& info) {
    const Process* p = current_process();
    if (!p->space) return;
    info.vm_known = true;
    info.start_brk = p->brk_base;
    (void)p->space->table().for_each_mapping([&](const mm::Mapping& m) -> lib::Status {
        info.vm_size += m.size;
        info.vm_rss += m.size;
        if (m.va >= kUserStackTop - kUserStackSize) info.vm_stack += m.size;
        else if (m.va < p->brk_base && mm::has(m.flags, mm::MapFlags::Execute)) info.vm_exe += m.size;
        else if (mm::has(m.flags, mm::MapFlags::Write) || mm::has(m.flags, mm::MapFlags::CopyOnWrite))
            info.vm_data += m.size;
        return {};
    });
}

// /proc/self/maps, called with the VFS lock held (ProcInode::read). File mappings (fmmap's areas,
// exec's segments included) are listed whole, as Linux lists them, with their offset, device, inode
// and path, whether their pages are present or not; everything else comes from the page table's
// leaves, merged into regions of one kind and permission. Both are in address order.
struct FileAreas {
    FileMapInfo* areas = nullptr;
    std::size_t count = 0, cap = 0;
};

void own_maps(Text& t) {
    const Process* p = current_process();
    if (!p->space) return;
    FileAreas fa;
    for_each_file_map(*p, [](const FileMapInfo&, void* ctx) { ++static_cast<FileAreas*>(ctx)->cap; }, &fa);
    if (fa.cap) fa.areas = new FileMapInfo[fa.cap];
    if (fa.areas)
        for_each_file_map(*p, [](const FileMapInfo& m, void* ctx) {
            auto* f = static_cast<FileAreas*>(ctx);
            if (f->count < f->cap) f->areas[f->count++] = m;
        }, &fa);
    char* name_buf = fa.count ? new char[fs::kPathMax] : nullptr;
    std::size_t next_area = 0;
    const auto emit_areas_before = [&](std::uint64_t va) {
        for (; next_area < fa.count && fa.areas[next_area].start < va; ++next_area) {
            const FileMapInfo& m = fa.areas[next_area];
            const char* name = "";
            if (name_buf && fs::path_of(p->root, *m.path, name_buf, fs::kPathMax) >= 0) name = name_buf;
            // path_of names directories only (a file keeps no name): the program's own segments,
            // below its heap, take the name exec recorded; other file maps stay unnamed for now.
            else if (m.start < p->brk_base && p->exe[0]) name = p->exe;
            format_map(t, m.start, m.end, (m.prot & abi::kPROT_READ) != 0, (m.prot & abi::kPROT_WRITE) != 0,
                       (m.prot & abi::kPROT_EXEC) != 0, m.shared, m.offset, abi::dev_major(m.dev),
                       abi::dev_minor(m.dev), m.ino, name);
        }
    };
    const auto in_file_area = [&](std::uint64_t va) {
        for (std::size_t i = 0; i < fa.count; ++i)
            if (va >= fa.areas[i].start && va < fa.areas[i].end) return true;
        return false;
    };
    struct Region {
        std::uint64_t start = 0, end = 0;
        bool r = false, w = false, x = false;
        const char* name = nullptr;
    } cur;
    const std::uint64_t heap_end = (p->brk + 4095) & ~4095ull;
    const auto name_of = [&](std::uint64_t va) -> const char* {
        if (va >= kUserStackTop - kUserStackSize) return "[stack]";
        if (va >= p->brk_base && va < heap_end) return "[heap]";
        return nullptr;   // anonymous (a program's bss, anonymous maps)
    };
    const auto flush = [&] {
        if (cur.end > cur.start) {
            emit_areas_before(cur.start);
            format_map(t, cur.start, cur.end, cur.r, cur.w, cur.x, false, 0, 0, 0, 0, cur.name);
        }
        cur = Region{};
    };
    (void)p->space->table().for_each_mapping([&](const mm::Mapping& m) -> lib::Status {
        for (std::uint64_t va = m.va; va < m.va + m.size; va += mm::kPageSize) {
            if (in_file_area(va)) {   // listed whole, from its area
                flush();
                continue;
            }
            const bool w = mm::has(m.flags, mm::MapFlags::Write) || mm::has(m.flags, mm::MapFlags::CopyOnWrite);
            const bool x = mm::has(m.flags, mm::MapFlags::Execute);
            const char* name = name_of(va);
            if (va != cur.end || w != cur.w || x != cur.x || name != cur.name) {
                flush();
                cur = Region{va, va, true, w, x, name};
            }
            cur.end = va + mm::kPageSize;
        }
        return {};
    });
    flush();
    emit_areas_before(~std::uint64_t{0});
    delete[] name_buf;
    delete[] fa.areas;
}

// What fd/<n> links to: Linux's d_path of the file, or the pseudo names of pipes.
std::int64_t describe_file(const File& f, Text& t) {
    if (f.kind() == File::Kind::Inode) {
        // A file opened by path: that path as the reader sees it (the VFS lock is held: path_of's
        // rule; File::stat would take it again).
        const Process* reader = current_process();
        std::size_t room;
        char* buf = t.tail(room);
        const std::int64_t n = path_of(reader ? reader->root : root_path(), f.path(), buf, room);
        if (n < 0) return n;
        t.advance(static_cast<std::size_t>(n));
        return 0;
    }
    const abi::Stat st = f.stat();   // the console and pipes: no lock taken
    switch (st.st_mode & abi::kS_IFMT) {
    case abi::kS_IFIFO: t.printf("pipe:[%llu]", static_cast<unsigned long long>(st.st_ino)); return 0;
    case abi::kS_IFCHR:
        if (const Device* d = find_device(st.st_rdev)) {
            t.printf("/dev/%s", d->name);
            return 0;
        }
        break;
    default: break;
    }
    return -abi::kENOENT;
}

}  // namespace

bool process_owner(int pid, std::uint32_t& uid, std::uint32_t& gid) {
    struct Owner {
        std::uint32_t uid, gid;
    } o{0, 0};
    const bool found = inspect_process(pid, [](const Process& p, void* ctx) {
        auto* ow = static_cast<Owner*>(ctx);
        ow->uid = p.cred.euid;
        ow->gid = p.cred.egid;
    }, &o);
    uid = o.uid;
    gid = o.gid;
    return found;
}

std::size_t list_pids(int after, int* out, std::size_t max) {
    struct Collect {
        int after;
        int* out;
        std::size_t max, n;
    } c{after, out, max, 0};
    // Keeps the `max` smallest pids above `after`, sorted (insertion: max is small).
    for_each_process([](const Process& p, void* ctx) {
        auto* s = static_cast<Collect*>(ctx);
        if (p.pid <= s->after) return;
        std::size_t i = s->n;
        if (i == s->max) {
            if (p.pid >= s->out[i - 1]) return;
            --i;
        } else {
            ++s->n;
        }
        while (i > 0 && s->out[i - 1] > p.pid) {
            s->out[i] = s->out[i - 1];
            --i;
        }
        s->out[i] = p.pid;
    }, &c);
    return c.n;
}

std::int64_t for_each_fd(int pid, int from, bool (*fn)(int fd, void* ctx), void* ctx) {
    if (!is_self(pid)) return process_exists(pid) ? -abi::kEACCES : -abi::kENOENT;
    const Process* p = current_process();
    for (unsigned fd = from < 0 ? 0 : static_cast<unsigned>(from); fd < p->fds.end(); ++fd)
        if (p->fds.get(fd) && !fn(static_cast<int>(fd), ctx)) break;
    return 0;
}

std::int64_t gen_process(Node node, int pid, Text& t) {
    if (node == Node::PidCmdline || node == Node::PidComm) {
        struct Ctx {
            Node node;
            Text* t;
        } c{node, &t};
        const bool found = inspect_process(pid, [](const Process& p, void* ctx) {
            auto* s = static_cast<Ctx*>(ctx);
            if (s->node == Node::PidCmdline) {
                if (!p.zombie) s->t->write(p.cmdline, p.cmdline_len);   // a zombie's is empty, as Linux
            } else {
                s->t->puts(p.name);
                s->t->put('\n');
            }
        }, &c);
        return found ? 0 : -abi::kESRCH;
    }
    if (node == Node::PidMaps) {
        if (!is_self(pid)) return process_exists(pid) ? -abi::kEACCES : -abi::kESRCH;
        own_maps(t);
        return 0;
    }
    ProcessInfo info;
    info.online_cpus = sched::online_cpu_count();
    if (!inspect_process(pid, snapshot, &info)) return -abi::kESRCH;
    if (is_self(pid)) own_memory(info);
    if (node == Node::PidStat) format_stat(t, info);
    else if (node == Node::PidStatus) format_status(t, info);
    else return -abi::kEINVAL;
    return 0;
}

std::int64_t gen_link(Node node, int pid, int fd, Text& t) {
    switch (node) {
    case Node::Self: {
        const Process* me = current_process();
        if (!me) return -abi::kENOENT;   // a kernel task has no self
        t.printf("%d", me->pid);
        return 0;
    }
    case Node::PidExe: {
        const bool found = inspect_process(pid, [](const Process& p, void* ctx) {
            if (!p.zombie) static_cast<Text*>(ctx)->puts(p.exe);   // a zombie has no program any more
        }, &t);
        if (!found) return -abi::kENOENT;
        return t.size() ? 0 : -abi::kENOENT;   // a zombie (or a process that never exec'd) has none
    }
    case Node::PidCwd: {
        if (!is_self(pid)) return process_exists(pid) ? -abi::kEACCES : -abi::kENOENT;
        const Process* p = current_process();
        std::size_t room;
        char* buf = t.tail(room);
        const std::int64_t n = path_of(p->root, p->cwd, buf, room);
        if (n < 0) return n;
        t.advance(static_cast<std::size_t>(n));
        return 0;
    }
    case Node::PidFd: {
        if (!is_self(pid)) return process_exists(pid) ? -abi::kEACCES : -abi::kENOENT;
        File* f = current_process()->fd_at(static_cast<std::uint64_t>(fd));
        if (!f) return -abi::kENOENT;
        return describe_file(*f, t);
    }
    default: return -abi::kEINVAL;
    }
}

}  // namespace kernel::fs::proc
