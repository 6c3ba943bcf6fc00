// The proc file system's tree: its superblock, the /proc, /proc/<pid> and /proc/<pid>/fd
// directories, and the inode that serves each file's snapshot (proc_inodes.h).
#include "kernel/fs/procfs/procfs.h"

#include <new>

#include "hal/rtc_pl031.h"
#include "kernel/fs/procfs/proc_inodes.h"
#include "kernel/syscall/linux_abi.h"
#include "lib/string.h"

namespace kernel::fs::proc {

namespace {

constexpr std::uint32_t kDir = abi::kS_IFDIR | 0555, kFile = abi::kS_IFREG | 0444, kLink = abi::kS_IFLNK | 0777;
constexpr std::uint64_t kRootIno = 1;      // PROC_ROOT_INO
constexpr std::uint64_t kPidCookie = 0x10000;   // /proc's readdir: cookies from here on are pid + this

struct Entry {
    const char* name;
    Node node;
    std::uint32_t mode;
};
constexpr Entry kRootEntries[] = {
    {"self", Node::Self, kLink},          {"meminfo", Node::Meminfo, kFile}, {"uptime", Node::Uptime, kFile},
    {"loadavg", Node::Loadavg, kFile},    {"stat", Node::Stat, kFile},       {"cpuinfo", Node::Cpuinfo, kFile},
    {"mounts", Node::Mounts, kFile},      {"filesystems", Node::Filesystems, kFile},
    {"version", Node::Version, kFile},
};
constexpr Entry kPidEntries[] = {
    {"stat", Node::PidStat, kFile},     {"status", Node::PidStatus, kFile}, {"cmdline", Node::PidCmdline, kFile},
    {"comm", Node::PidComm, kFile},     {"exe", Node::PidExe, kLink},       {"cwd", Node::PidCwd, kLink},
    {"fd", Node::PidFdDir, abi::kS_IFDIR | 0500},   {"maps", Node::PidMaps, kFile},
};
constexpr std::size_t kRootCount = sizeof kRootEntries / sizeof kRootEntries[0];
constexpr std::size_t kPidCount = sizeof kPidEntries / sizeof kPidEntries[0];

// Inode numbers: unique in the instance and the same for a name each time it is looked up.
std::uint64_t root_entry_ino(std::size_t i) { return 2 + i; }
std::uint64_t pid_ino(int pid, std::uint64_t sub) { return (static_cast<std::uint64_t>(pid) << 16) | sub; }
std::uint64_t pid_entry_ino(int pid, std::size_t i) { return pid_ino(pid, 0x100 + i); }
std::uint64_t fd_ino(int pid, int fd) { return pid_ino(pid, 0x1000 + static_cast<std::uint64_t>(fd)); }

bool name_is(const char* name, std::size_t len, const char* s) {
    return lib::string_length(s) == len && lib::compare_bytes(name, s, len) == 0;
}

// A decimal number without sign or leading zeros (Linux's name_to_int), or -1.
long parse_number(const char* name, std::size_t len) {
    if (len == 0 || len > 9 || (name[0] == '0' && len > 1)) return -1;
    long v = 0;
    for (std::size_t i = 0; i < len; ++i) {
        if (name[i] < '0' || name[i] > '9') return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

std::size_t format_int(long v, char* out) {   // out: at least 12 bytes
    char tmp[12];
    std::size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    return n;
}

class ProcSuperBlock final : public SuperBlock {
public:
    ProcSuperBlock() : m_root(this, Node::Root, 0, -1, kRootIno, kDir) {
        m_root.parent = &m_root;
        m_root.nlink = 2;
    }
    Inode* root() override { return &m_root; }
    FsStats stats() override { return FsStats{0x9fa0 /* PROC_SUPER_MAGIC */, 4096, 0, 0, 0, 0, 0, 255}; }
    const char* type_name() const override { return "proc"; }
    void release(Inode* inode) override {
        if (inode == &m_root) return;
        delete static_cast<ProcInode*>(inode);   // made per lookup
        --m_live;
    }
    // Every inode but the root lives only while referenced; the root's creator reference is ours.
    bool busy() override { return m_live != 0 || m_root.refs() > 1; }
    void made() { ++m_live; }   // the VFS lock held, as release()

private:
    ProcInode m_root;
    std::uint64_t m_live = 0;   // inodes made by lookups and not yet released
};

// A new referenced inode for `node` under `parent` (its owner: the process's, for per-process ones).
ErrorOr<Inode*> make(Inode* parent, Node node, int pid, int fd, std::uint64_t ino, std::uint32_t mode) {
    std::uint32_t uid = 0, gid = 0;
    if (pid && !process_owner(pid, uid, gid)) return ErrorOr<Inode*>::error(abi::kENOENT);
    auto* i = new ProcInode(parent->sb, node, pid, fd, ino, mode);
    if (!i) return ErrorOr<Inode*>::error(abi::kENOMEM);
    static_cast<ProcSuperBlock*>(parent->sb)->made();
    i->uid = uid;
    i->gid = gid;
    i->parent = (mode & abi::kS_IFMT) == abi::kS_IFDIR ? parent : nullptr;
    if (i->parent) i->parent->get();   // a directory keeps its parent (the walk's "..")
    return static_cast<Inode*>(i);
}

}  // namespace

ProcInode::ProcInode(SuperBlock* sb, Node node, int pid, int fd, std::uint64_t ino, std::uint32_t mode)
    : Inode(sb, ino, mode), m_node(node), m_pid(pid), m_fd(fd) {
    const std::uint64_t now = hal::rtc::realtime_ns();   // Linux: a proc inode's times are its creation's
    atime = mtime = ctime = Timestamp{static_cast<std::int64_t>(now / 1'000'000'000u),
                                      static_cast<std::int64_t>(now % 1'000'000'000u)};
    if (is_dir()) nlink = 2;
}

ProcInode::~ProcInode() {
    delete[] m_text;
    if (parent && parent != this) parent->put_locked();   // release() runs with the VFS lock held
}

ErrorOr<Inode*> ProcInode::lookup(const char* name, std::size_t len) {
    switch (m_node) {
    case Node::Root: {
        for (std::size_t i = 0; i < kRootCount; ++i)
            if (name_is(name, len, kRootEntries[i].name))
                return make(this, kRootEntries[i].node, 0, -1, root_entry_ino(i), kRootEntries[i].mode);
        const long pid = parse_number(name, len);
        if (pid <= 0) return ErrorOr<Inode*>::error(abi::kENOENT);
        return make(this, Node::PidDir, static_cast<int>(pid), -1, pid_ino(static_cast<int>(pid), 0), kDir);
    }
    case Node::PidDir:
        for (std::size_t i = 0; i < kPidCount; ++i)
            if (name_is(name, len, kPidEntries[i].name))
                return make(this, kPidEntries[i].node, m_pid, -1, pid_entry_ino(m_pid, i), kPidEntries[i].mode);
        return ErrorOr<Inode*>::error(abi::kENOENT);
    case Node::PidFdDir: {
        const long fd = parse_number(name, len);
        if (fd < 0) return ErrorOr<Inode*>::error(abi::kENOENT);
        struct Find {
            int want;
            bool found;
        } f{static_cast<int>(fd), false};
        const std::int64_t r = for_each_fd(m_pid, static_cast<int>(fd), [](int n, void* ctx) {
            auto* s = static_cast<Find*>(ctx);
            s->found = n == s->want;
            return false;   // the first one at or above it is all we need
        }, &f);
        if (r < 0) return ErrorOr<Inode*>::error(static_cast<int>(-r));
        if (!f.found) return ErrorOr<Inode*>::error(abi::kENOENT);
        // Linux: lrwx------ (the mode bits show the descriptor's access; all here).
        return make(this, Node::PidFd, m_pid, static_cast<int>(fd), fd_ino(m_pid, static_cast<int>(fd)),
                    abi::kS_IFLNK | 0700);
    }
    default: return ErrorOr<Inode*>::error(abi::kENOTDIR);
    }
}

std::int64_t ProcInode::readdir(std::uint64_t& cookie, DirSink& sink) {
    if (!is_dir()) return -abi::kENOTDIR;
    std::uint32_t owner_uid, owner_gid;
    if (m_node != Node::Root && !process_owner(m_pid, owner_uid, owner_gid)) return -abi::kENOENT;   // gone
    while (cookie < 2) {   // "." and ".."
        Inode* dir = cookie == 0 ? this : parent;
        const char* name = cookie == 0 ? "." : "..";
        const std::size_t len = cookie == 0 ? 1 : 2;
        if (!sink.emit(DirEntry{dir->ino, abi::kS_IFDIR, name, len}, cookie + 1)) return 0;
        ++cookie;
    }
    if (m_node == Node::PidDir) {
        for (; cookie - 2 < kPidCount; ++cookie) {
            const Entry& e = kPidEntries[cookie - 2];
            if (!sink.emit(DirEntry{pid_entry_ino(m_pid, cookie - 2), e.mode, e.name, lib::string_length(e.name)},
                           cookie + 1))
                return 0;
        }
        return 0;
    }
    if (m_node == Node::PidFdDir) {
        struct Emit {
            DirSink* sink;
            int pid;
            std::uint64_t* cookie;
        } e{&sink, m_pid, &cookie};
        const std::int64_t r = for_each_fd(m_pid, static_cast<int>(cookie - 2), [](int fd, void* ctx) {
            auto* s = static_cast<Emit*>(ctx);
            char name[12];
            const std::size_t n = format_int(fd, name);
            const std::uint64_t next = static_cast<std::uint64_t>(fd) + 3;
            if (!s->sink->emit(DirEntry{fd_ino(s->pid, fd), abi::kS_IFLNK, name, n}, next)) return false;
            *s->cookie = next;
            return true;
        }, &e);
        return r < 0 && r != -abi::kENOENT ? r : 0;
    }
    // The root: its files, then one directory per process in pid order.
    for (; cookie - 2 < kRootCount; ++cookie) {
        const Entry& e = kRootEntries[cookie - 2];
        if (!sink.emit(DirEntry{root_entry_ino(cookie - 2), e.mode, e.name, lib::string_length(e.name)}, cookie + 1))
            return 0;
    }
    if (cookie < kPidCookie) cookie = kPidCookie;
    int pids[32];
    for (;;) {
        const int after = static_cast<int>(cookie - kPidCookie);
        const std::size_t n = list_pids(after, pids, sizeof pids / sizeof pids[0]);
        if (n == 0) return 0;
        for (std::size_t i = 0; i < n; ++i) {
            char name[12];
            const std::size_t len = format_int(pids[i], name);
            const std::uint64_t next = kPidCookie + static_cast<std::uint64_t>(pids[i]);
            if (!sink.emit(DirEntry{pid_ino(pids[i], 0), abi::kS_IFDIR, name, len}, next)) return 0;
            cookie = next;
        }
    }
}

std::int64_t ProcInode::generate() {
    if (!m_text) {
        m_cap = text_capacity(m_node);
        m_text = new char[m_cap];
        if (!m_text) return -abi::kENOMEM;
    }
    Text t(m_text, m_cap);
    const std::int64_t r = m_pid ? gen_process(m_node, m_pid, t) : gen_system(m_node, t);
    if (r < 0) return r;
    m_len = t.size();
    m_have = true;
    return 0;
}

std::int64_t ProcInode::read(std::uint64_t off, IoBuffer& buf, std::size_t n) {
    if (is_dir()) return -abi::kEISDIR;
    if (off == 0 || !m_have)   // a read from the start sees the state now; later ones the same snapshot
        if (std::int64_t r = generate(); r < 0) return r;
    if (off >= m_len) return 0;
    const std::size_t k = m_len - off < n ? m_len - off : n;
    const std::size_t done = buf.copy_out(0, m_text + off, k);
    return done ? static_cast<std::int64_t>(done) : -abi::kEFAULT;
}

ErrorOr<const char*> ProcInode::link_target(std::size_t& len) {
    if (!is_symlink()) return ErrorOr<const char*>::error(abi::kEINVAL);
    if (!m_text) {
        m_cap = text_capacity(m_node);
        m_text = new char[m_cap];
        if (!m_text) return ErrorOr<const char*>::error(abi::kENOMEM);
    }
    Text t(m_text, m_cap);
    if (std::int64_t r = gen_link(m_node, m_pid, m_fd, t); r < 0) return ErrorOr<const char*>::error(static_cast<int>(-r));
    m_len = len = t.size();
    return static_cast<const char*>(m_text);
}

}  // namespace kernel::fs::proc

namespace kernel::fs {

SuperBlock* make_procfs() {
    return new proc::ProcSuperBlock();   // mount() gives it its anonymous device number
}

}  // namespace kernel::fs
