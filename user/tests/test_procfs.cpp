// test_procfs: /proc read and parsed as busybox and procps do: /proc/self and the per-process files
// (stat, status, cmdline, comm, exe, fd/, maps), a pid that has gone, the system files (meminfo,
// uptime, loadavg, stat, cpuinfo, mounts, filesystems, version), the pid listing, and sysinfo(2)
// agreeing with them. Formats are checked, never values that depend on the machine.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kKernelPtr = reinterpret_cast<void*>(kKernelAddress);

// The whole file into buf (NUL-terminated), or a negative errno.
long slurp(const char* p, char* buf, std::size_t cap) {
    const long fd = open(p, O_RDONLY);
    if (fd < 0) return fd;
    std::size_t len = 0;
    for (;;) {
        const long n = read(static_cast<int>(fd), buf + len, cap - 1 - len);
        if (n < 0) {
            close(static_cast<int>(fd));
            return n;
        }
        if (n == 0) break;
        len += static_cast<std::size_t>(n);
        if (len == cap - 1) break;
    }
    close(static_cast<int>(fd));
    buf[len] = 0;
    return static_cast<long>(len);
}

// The value after "label" at a line start ("MemTotal:" -> the number), or -1.
long field(const char* text, const char* label) {
    const std::size_t n = strlen(label);
    for (const char* line = text; *line;) {
        if (starts_with(line, label)) {
            const char* p = line + n;
            while (*p == ' ' || *p == '\t') ++p;
            long v = 0;
            if (*p < '0' || *p > '9') return -1;
            while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
            return v;
        }
        while (*line && *line != '\n') ++line;
        if (*line) ++line;
    }
    return -1;
}

// Splits s at spaces in place; returns the word count (at most max).
int split(char* s, char** words, int max) {
    int n = 0;
    while (*s && n < max) {
        while (*s == ' ' || *s == '\n') *s++ = 0;
        if (!*s) break;
        words[n++] = s;
        while (*s && *s != ' ' && *s != '\n') ++s;
    }
    return n;
}

bool all_digits(const char* s) {
    if (!*s) return false;
    for (; *s; ++s)
        if (*s < '0' || *s > '9') return false;
    return true;
}

// "a.bc": a load average as /proc/loadavg prints it.
bool is_load(const char* s) {
    const char* dot = s;
    while (*dot >= '0' && *dot <= '9') ++dot;
    return dot > s && dot[0] == '.' && dot[1] >= '0' && dot[1] <= '9' && dot[2] >= '0' && dot[2] <= '9' && !dot[3];
}

long read_link(const char* p, char* buf, std::size_t cap) {
    const long n = readlinkat(AT_FDCWD, p, buf, cap - 1);
    buf[n > 0 ? n : 0] = 0;
    return n;
}

char g_buf[65536];

}  // namespace

UTEST(self_is_a_link_to_the_callers_pid) {
    char link[32], want[32];
    snprintf(want, sizeof want, "%ld", getpid());
    CHECK(read_link("/proc/self", link, sizeof link) > 0);
    CHECK(str_eq(link, want));
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/self", &st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/self", &st, 0), 0l);   // followed: the pid's directory
    CHECK_EQ(st.st_mode, static_cast<unsigned>(S_IFDIR | 0555));
    CHECK_EQ(st.st_uid, static_cast<unsigned>(geteuid()));
}

UTEST(self_stat_has_linux_fields) {
    const long n = slurp("/proc/self/stat", g_buf, sizeof g_buf);
    REQUIRE(n > 0);
    CHECK_EQ(g_buf[n - 1], '\n');
    long pid = 0;
    char* words[64];
    char* close_paren = g_buf;
    for (char* p = g_buf; *p; ++p)
        if (*p == ')') close_paren = p;   // the comm may hold ')' itself: the last one ends it
    REQUIRE(close_paren > g_buf);
    *close_paren = 0;
    char* open_paren = g_buf;
    while (*open_paren && *open_paren != '(') ++open_paren;
    REQUIRE(*open_paren == '(');
    *open_paren = 0;
    char* pid_text = g_buf;
    while (*pid_text == ' ') ++pid_text;
    char* end = pid_text;
    while (*end >= '0' && *end <= '9') ++end;
    *end = 0;
    CHECK(parse_long(pid_text, &pid));
    CHECK_EQ(pid, getpid());
    const int count = split(close_paren + 1, words, 64);
    // Linux has 50 fields after the comm; qemu-user fakes a line of its own with the emulator's name
    // and state.
    if (qemu_user()) {
        note("skipped: comm, state and the field count (qemu-user's own /proc/self/stat)");
        CHECK(count >= 42);
    } else {
        CHECK(str_eq(open_paren + 1, "test_procfs"));
        CHECK_EQ(count, 50);
        CHECK(count > 0 && str_eq(words[0], "R"));   // reading it, so running
    }
    REQUIRE(count >= 42);
    long ppid = -1;
    CHECK(parse_long(words[1], &ppid));
    CHECK_EQ(ppid, getppid());
    for (int i = 1; i < count; ++i) CHECK(all_digits(words[i]) || (words[i][0] == '-' && all_digits(words[i] + 1)));
}

UTEST(self_status_names_the_process) {
    REQUIRE(slurp("/proc/self/status", g_buf, sizeof g_buf) > 0);
    if (qemu_user()) note("skipped: Name and Threads (the emulator's own under qemu-user)");
    else CHECK(starts_with(g_buf, "Name:\ttest_procfs\n"));
    CHECK_EQ(field(g_buf, "Pid:"), getpid());
    CHECK_EQ(field(g_buf, "PPid:"), getppid());
    CHECK_EQ(field(g_buf, "Tgid:"), getpid());
    CHECK_EQ(field(g_buf, "Uid:"), getuid());
    CHECK_EQ(field(g_buf, "Gid:"), getgid());
    if (!qemu_user()) CHECK_EQ(field(g_buf, "Threads:"), 1l);
    CHECK(field(g_buf, "VmRSS:") > 0);
    CHECK(field(g_buf, "voluntary_ctxt_switches:") >= 0);
}

UTEST(comm_and_cmdline_of_self) {
    if (qemu_user()) {
        note("skipped: comm is the emulator's under qemu-user");
    } else {
        CHECK_EQ(slurp("/proc/self/comm", g_buf, sizeof g_buf), 12l);
        CHECK(str_eq(g_buf, "test_procfs\n"));
    }
    const long n = slurp("/proc/self/cmdline", g_buf, sizeof g_buf);
    REQUIRE(n > 0);
    CHECK_EQ(g_buf[n - 1], '\0');   // each argument NUL-terminated
    const char* base = g_buf;
    for (const char* p = g_buf; *p; ++p)
        if (*p == '/') base = p + 1;
    CHECK(str_eq(base, "test_procfs"));
}

UTEST(cmdline_and_comm_of_a_child_with_known_arguments) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const char* argv[] = {"sleep", "30000", "two words", "", nullptr};
        const char* envp[] = {"X=1", nullptr};
        execve(path("/bin/sleep"), argv, envp);
        exit_group(127);
    }
    char p[64];
    snprintf(p, sizeof p, "/proc/%ld/comm", pid);
    bool execd = false;
    for (int i = 0; i < 2000 && !execd; ++i) {   // until the child has exec'd (an event, not a time)
        execd = slurp(p, g_buf, sizeof g_buf) > 0 && str_eq(g_buf, "sleep\n");
        if (!execd) sleep_ms(5);
    }
    CHECK(execd);
    snprintf(p, sizeof p, "/proc/%ld/cmdline", pid);
    const long n = slurp(p, g_buf, sizeof g_buf);
    static const char kWant[] = "sleep\0" "30000\0" "two words\0" "";
    if (qemu_user()) {
        note("skipped: another process's cmdline under qemu-user is the emulator's");
    } else {
        CHECK_EQ(n, static_cast<long>(sizeof kWant));
        CHECK(n == static_cast<long>(sizeof kWant) && memcmp(g_buf, kWant, sizeof kWant) == 0);
    }
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    REQUIRE(slurp(p, g_buf, sizeof g_buf) > 0);
    char want[64];
    snprintf(want, sizeof want, "%ld (sleep) ", pid);
    CHECK(starts_with(g_buf, want));
    const char* rest = g_buf + strlen(want);
    CHECK(rest[0] == 'S' || rest[0] == 'R');   // asleep, or not yet: it may still be on its way there
    long ppid = -1;
    char ppid_text[16] = {};
    for (int i = 0; i < 15 && rest[2 + i] >= '0' && rest[2 + i] <= '9'; ++i) ppid_text[i] = rest[2 + i];
    CHECK(parse_long(ppid_text, &ppid));
    CHECK_EQ(ppid, getpid());
    kill(static_cast<int>(pid), SIGKILL);
    CHECK(killed_by(wait_child(pid), SIGKILL));
}

UTEST(a_pid_that_has_gone_is_enoent) {
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        sleep_ms(100000);
        exit_group(0);
    }
    char p[64];
    snprintf(p, sizeof p, "/proc/%ld/status", pid);
    const long fd = open(p, O_RDONLY);
    CHECK(fd >= 0);
    kill(static_cast<int>(pid), SIGKILL);
    CHECK(killed_by(wait_child(pid), SIGKILL));
    CHECK_EQ(open(p, O_RDONLY), -ENOENT);
    snprintf(p, sizeof p, "/proc/%ld", pid);
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, p, &st, 0), -ENOENT);
    // A file opened before: reading it now finds no process (Linux: ESRCH).
    char b[64];
    if (fd >= 0) {
        CHECK_EQ(read(static_cast<int>(fd), b, sizeof b), -ESRCH);
        close(static_cast<int>(fd));
    }
}

UTEST(fd_links_name_what_is_open) {
    Pipe pp;
    REQUIRE(pp.ok());
    char p[64], link[256];
    Stat st;
    REQUIRE(fstat(pp.r, &st) == 0);
    char want[64];
    snprintf(want, sizeof want, "pipe:[%lu]", static_cast<unsigned long>(st.st_ino));
    snprintf(p, sizeof p, "/proc/self/fd/%d", pp.r);
    CHECK(read_link(p, link, sizeof link) > 0);
    CHECK(str_eq(link, want));
    const long fd = open("/proc/self", O_RDONLY | O_DIRECTORY);   // a directory: its path (see README)
    REQUIRE(fd >= 0);
    snprintf(p, sizeof p, "/proc/self/fd/%ld", fd);
    CHECK(read_link(p, link, sizeof link) > 0);
    snprintf(want, sizeof want, "/proc/%ld", getpid());
    CHECK(str_eq(link, want));
    CHECK_EQ(newfstatat(AT_FDCWD, p, &st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
    // fd/ lists exactly the open descriptors.
    const long dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    REQUIRE(dir >= 0);
    bool seen_r = false, seen_w = false, seen_fd = false, seen_dir = false, seen_dot = false;
    alignas(8) char buf[4096];
    for (;;) {
        const long n = getdents64(static_cast<int>(dir), buf, sizeof buf);
        CHECK(n >= 0);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            const auto reclen = *reinterpret_cast<unsigned short*>(buf + off + 16);
            const char* name = buf + off + 19;
            long v = -1;
            if (str_eq(name, ".")) seen_dot = true;
            else if (parse_long(name, &v)) {
                seen_r |= v == pp.r, seen_w |= v == pp.w, seen_fd |= v == fd, seen_dir |= v == dir;
                Stat s2;
                CHECK_EQ(fstat(static_cast<int>(v), &s2), 0l);   // every one listed is open
            } else if (!str_eq(name, "..")) {
                CHECK(false);
            }
            off += reclen;
        }
    }
    CHECK(seen_dot && seen_r && seen_w && seen_fd && seen_dir);
    close(static_cast<int>(dir));
    close(static_cast<int>(fd));
    snprintf(p, sizeof p, "/proc/self/fd/%ld", fd);
    CHECK_EQ(read_link(p, link, sizeof link), -ENOENT);   // closed: gone
    if (!qemu_user()) {   // under qemu-user descriptor 0 is whatever the host gave
        CHECK(read_link("/proc/self/fd/1", link, sizeof link) > 0);
        CHECK(str_eq(link, "/dev/console"));
    }
}

UTEST(exe_and_maps_of_self) {
    char link[256];
    REQUIRE(read_link("/proc/self/exe", link, sizeof link) > 0);
    CHECK(link[0] == '/');
    const char* base = link;
    for (const char* p = link; *p; ++p)
        if (*p == '/') base = p + 1;
    CHECK(str_eq(base, "test_procfs"));
    const long n = slurp("/proc/self/maps", g_buf, sizeof g_buf);
    REQUIRE(n > 0);
    bool stack = false, code = false, code_is_the_program = false;
    for (char* line = g_buf; *line;) {
        char* end = line;
        while (*end && *end != '\n') ++end;
        const bool last = !*end;
        *end = 0;
        char* w[8];
        const int c = split(line, w, 8);
        CHECK(c == 5 || c == 6);
        if (c >= 5) {
            CHECK(strlen(w[1]) == 4 && (w[1][3] == 'p' || w[1][3] == 's'));
            CHECK(strlen(w[2]) >= 8);
            CHECK(strlen(w[3]) == 5 && w[3][2] == ':');
            CHECK(all_digits(w[4]));
        }
        if (c == 6 && str_eq(w[5], "[stack]")) stack = str_eq(w[1], "rw-p");
        if (c >= 5 && str_eq(w[1], "r-xp")) code = true;
        // The program's code is a mapping of its file: named by it, with its inode (not 0).
        if (c == 6 && str_eq(w[1], "r-xp") && str_eq(w[5], link) && !str_eq(w[4], "0")) code_is_the_program = true;
        if (last) break;
        line = end + 1;
    }
    CHECK(stack);
    CHECK(code);
    CHECK(code_is_the_program);
}

UTEST(proc_lists_the_processes) {
    const long dir = open("/proc", O_RDONLY | O_DIRECTORY);
    REQUIRE(dir >= 0);
    bool self = false, me = false, meminfo = false;
    alignas(8) char buf[4096];
    int pids = 0;
    for (;;) {
        const long n = getdents64(static_cast<int>(dir), buf, sizeof buf);
        CHECK(n >= 0);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            const auto reclen = *reinterpret_cast<unsigned short*>(buf + off + 16);
            const unsigned char type = static_cast<unsigned char>(buf[off + 18]);
            const char* name = buf + off + 19;
            long v;
            self |= str_eq(name, "self");
            meminfo |= str_eq(name, "meminfo");
            if (all_digits(name) && parse_long(name, &v)) {
                ++pids;
                me |= v == getpid();
                CHECK_EQ(type, 4u);   // DT_DIR
            }
            off += reclen;
        }
    }
    close(static_cast<int>(dir));
    CHECK(self && me && meminfo);
    CHECK(pids >= 1);
}

UTEST(meminfo_and_sysinfo_agree) {
    REQUIRE(slurp("/proc/meminfo", g_buf, sizeof g_buf) > 0);
    CHECK(starts_with(g_buf, "MemTotal:"));
    const long total_kb = field(g_buf, "MemTotal:"), free_kb = field(g_buf, "MemFree:");
    CHECK(total_kb > 0 && free_kb > 0 && free_kb <= total_kb);
    CHECK(field(g_buf, "MemAvailable:") >= 0);
    CHECK(field(g_buf, "SwapTotal:") >= 0);
    CHECK(field(g_buf, "Cached:") >= 0);
    Sysinfo si;
    CHECK_EQ(sysinfo(&si), 0l);
    CHECK(si.mem_unit >= 1);
    CHECK_EQ(static_cast<long>(si.totalram * si.mem_unit / 1024), total_kb);
    // Free memory moves (other processes, page tables): the two reads are close, not equal.
    const long si_free_kb = static_cast<long>(si.freeram * si.mem_unit / 1024);
    CHECK(si_free_kb > free_kb - 16384 && si_free_kb < free_kb + 16384);
    CHECK(si.procs >= 1);
}

UTEST(uptime_and_sysinfo_agree) {
    REQUIRE(slurp("/proc/uptime", g_buf, sizeof g_buf) > 0);
    char* w[4];
    const int c = split(g_buf, w, 4);
    REQUIRE(c == 2);
    CHECK(is_load(w[0]) && is_load(w[1]));   // same shape: seconds with two decimals
    long up = -1;
    char* dot = w[0];
    while (*dot != '.') ++dot;
    *dot = 0;
    CHECK(parse_long(w[0], &up));
    Sysinfo si;
    CHECK_EQ(sysinfo(&si), 0l);
    CHECK(si.uptime >= up && si.uptime <= up + 60);   // sysinfo rounds up, and time passed between
}

UTEST(loadavg_format_and_sysinfo_loads) {
    REQUIRE(slurp("/proc/loadavg", g_buf, sizeof g_buf) > 0);
    char* w[8];
    REQUIRE(split(g_buf, w, 8) == 5);
    CHECK(is_load(w[0]) && is_load(w[1]) && is_load(w[2]));
    char* slash = w[3];
    while (*slash && *slash != '/') ++slash;
    REQUIRE(*slash == '/');
    *slash = 0;
    long running = -1, total = -1, last = -1;
    CHECK(parse_long(w[3], &running) && parse_long(slash + 1, &total) && parse_long(w[4], &last));
    CHECK(running >= 1 && running <= total);   // this reader runs
    CHECK(last >= 1);
    Sysinfo si;
    CHECK_EQ(sysinfo(&si), 0l);
    for (int i = 0; i < 3; ++i) CHECK(si.loads[i] < (1ul << 16) * 10000);
}

UTEST(sysinfo_bad_pointers_are_efault) {
    CHECK_EQ(sysinfo(static_cast<Sysinfo*>(kKernelPtr)), -EFAULT);
    if (qemu_user()) note("skipped: sysinfo(NULL) (qemu-user writes nothing and returns 0)");
    else CHECK_EQ(sysinfo(nullptr), -EFAULT);
    CHECK_EQ(sysinfo(reinterpret_cast<Sysinfo*>(kUnmappedUserAddress)), -EFAULT);
}

UTEST(stat_has_a_line_per_cpu) {
    REQUIRE(slurp("/proc/stat", g_buf, sizeof g_buf) > 0);
    CHECK(starts_with(g_buf, "cpu  "));
    int cpus = 0;
    bool ctxt = false, btime = false, processes = false, running = false;
    for (char* line = g_buf; *line;) {
        char* end = line;
        while (*end && *end != '\n') ++end;
        const bool last = !*end;
        *end = 0;
        if (starts_with(line, "cpu") && line[3] >= '0' && line[3] <= '9') {
            ++cpus;
            char* w[16];
            CHECK(split(line, w, 16) >= 9);   // cpuN user nice system idle iowait irq softirq steal ...
        }
        ctxt |= starts_with(line, "ctxt ");
        btime |= starts_with(line, "btime ");
        processes |= starts_with(line, "processes ");
        running |= starts_with(line, "procs_running ");
        if (last) break;
        line = end + 1;
    }
    CHECK(cpus >= 1);
    CHECK(ctxt && btime && processes && running);
    // As many CPUs as sched_getaffinity allows here (every online one).
    unsigned long mask[16] = {};
    const long r = sched_getaffinity(0, sizeof mask, mask);
    CHECK(r > 0);
    int allowed = 0;
    for (auto m : mask) allowed += __builtin_popcountll(m);
    if (!qemu_user()) CHECK_EQ(cpus, allowed);
}

UTEST(cpuinfo_blocks_per_cpu) {
    REQUIRE(slurp("/proc/cpuinfo", g_buf, sizeof g_buf) > 0);
    if (qemu_user()) {
        note("skipped: qemu-user shows the host's /proc/cpuinfo");
        return;
    }
    CHECK(starts_with(g_buf, "processor\t: 0\nBogoMIPS\t: "));
    CHECK(field(g_buf, "CPU architecture:") == 8);
    int blocks = 0;
    for (const char* p = g_buf; *p; ++p)
        if (starts_with(p, "processor\t: ") && (p == g_buf || p[-1] == '\n')) ++blocks;
    REQUIRE(slurp("/proc/stat", g_buf, sizeof g_buf) > 0);
    int cpus = 0;
    for (const char* p = g_buf; *p; ++p)
        if ((p == g_buf || p[-1] == '\n') && starts_with(p, "cpu") && p[3] >= '0' && p[3] <= '9') ++cpus;
    CHECK_EQ(blocks, cpus);
}

UTEST(mounts_lists_the_boot_mounts) {
    REQUIRE(slurp("/proc/mounts", g_buf, sizeof g_buf) > 0);
    bool root = false, tmp = false, proc = false, dev = false;
    for (char* line = g_buf; *line;) {
        char* end = line;
        while (*end && *end != '\n') ++end;
        const bool last = !*end;
        *end = 0;
        char* w[8];
        CHECK_EQ(split(line, w, 8), 6);
        root |= str_eq(w[1], "/");
        tmp |= str_eq(w[1], "/tmp") && str_eq(w[2], "tmpfs");
        proc |= str_eq(w[1], "/proc") && str_eq(w[2], "proc");
        dev |= str_eq(w[1], "/dev") && str_eq(w[2], "devtmpfs");
        CHECK(starts_with(w[3], "rw") || starts_with(w[3], "ro"));
        CHECK(str_eq(w[4], "0") && str_eq(w[5], "0"));
        if (last) break;
        line = end + 1;
    }
    CHECK(root && proc && dev);
    if (qemu_user()) note("skipped: /tmp need not be a mount on the host");
    else CHECK(tmp);
}

UTEST(filesystems_and_version) {
    REQUIRE(slurp("/proc/filesystems", g_buf, sizeof g_buf) > 0);
    bool proc = false, tmpfs = false;
    for (const char* p = g_buf; *p; ++p) {
        proc |= starts_with(p, "nodev\tproc\n");
        tmpfs |= starts_with(p, "nodev\ttmpfs\n");
    }
    CHECK(proc && tmpfs);
    REQUIRE(slurp("/proc/version", g_buf, sizeof g_buf) > 0);
    CHECK(starts_with(g_buf, "Linux version "));
    Utsname u;
    REQUIRE(uname(&u) == 0);
    CHECK(starts_with(g_buf + 14, u.release));
}

UTEST(proc_files_modes_and_owners) {
    Stat st;
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/self/stat", &st, 0), 0l);
    CHECK_EQ(st.st_mode, static_cast<unsigned>(S_IFREG | 0444));
    CHECK_EQ(st.st_uid, static_cast<unsigned>(geteuid()));
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/meminfo", &st, 0), 0l);
    CHECK_EQ(st.st_mode, static_cast<unsigned>(S_IFREG | 0444));
    CHECK_EQ(st.st_size, 0l);   // generated: Linux reports 0
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc", &st, 0), 0l);
    CHECK_EQ(st.st_mode, static_cast<unsigned>(S_IFDIR | 0555));
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/self/exe", &st, AT_SYMLINK_NOFOLLOW), 0l);
    CHECK_EQ(st.st_mode, static_cast<unsigned>(S_IFLNK | 0777));
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/nonexistent", &st, 0), -ENOENT);
    CHECK_EQ(newfstatat(AT_FDCWD, "/proc/self/nonexistent", &st, 0), -ENOENT);
    CHECK_EQ(open("/proc/99999999/stat", O_RDONLY), -ENOENT);
}
