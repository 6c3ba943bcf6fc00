// execve as Linux does it: symbolic links followed, "#!" scripts run through their interpreter (argv
// rewritten, nested, too deep), programs linked with ld's defaults, the errno of each failure in
// Linux's order, and the argument limits (a quarter of the 8 MiB stack limit for strings and
// pointers, 128 KiB per string, no fixed count). Checked against Linux with qemu_user_check.sh where
// qemu-user models it (noted where not) and on a Linux host for the script and limit rules.
#include <initializer_list>

#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

const auto kKernelPtr = reinterpret_cast<const char*>(kKernelAddress);
const auto kLowPtr = reinterpret_cast<const char*>(kUnmappedUserAddress);
constexpr std::size_t kStringSpace = 2 * 1024 * 1024;   // 8 MiB stack limit / 4
constexpr std::size_t kMaxArgStrlen = 128 * 1024;       // MAX_ARG_STRLEN, the NUL included

struct Outcome {
    int status = -1;   // the child's wait status: exit 100 + errno when execve failed
    char out[8192] = {};
};

// Runs execve(path, argv, envp) in a child with its stdout on a pipe.
void run(Outcome& o, const char* path, const char* const* argv, const char* const* envp) {
    Pipe p;
    if (!p.ok()) return;
    const long pid = fork();
    if (pid < 0) return;
    if (pid == 0) {
        dup3(p.w, kStdout, 0);
        const long r = execve(path, argv, envp);
        exit_group(static_cast<int>(100 - r));
    }
    p.close_w();
    std::size_t len = 0;
    char sink[256];
    for (;;) {   // the first 8 KiB are kept; the rest is drained so the child never blocks
        const bool full = len + 1 == sizeof o.out;
        const long r = full ? read(p.r, sink, sizeof sink) : read(p.r, o.out + len, sizeof o.out - 1 - len);
        if (r <= 0) break;
        if (!full) len += static_cast<std::size_t>(r);
    }
    o.out[len] = '\0';
    o.status = wait_child(pid);
}

// What execve returns in a process of its own (so a success cannot replace this one).
long exec_errno(const char* path, const char* const* argv, const char* const* envp) {
    Outcome o;
    run(o, path, argv, envp);
    if (!wifexited(o.status)) return 1000;
    return 100 - wexitstatus(o.status) == 100 ? 0 : 100 - wexitstatus(o.status);
}

bool has_line(const Outcome& o, const char* line) {
    char want[320];
    snprintf(want, sizeof want, "%s\n", line);
    const bool found = str_find(o.out, want) != nullptr;
    if (!found) note("missing line \"%s\" in:\n%s", line, o.out);
    return found;
}

void* map_pages(std::size_t bytes) {
    const long a = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return a < 0 ? nullptr : reinterpret_cast<void*>(a);
}

// FNV-1a over strings with their NULs, as argstat computes it.
struct Digest {
    unsigned long bytes = 0, hash = 0xcbf29ce484222325ul;
    void add(const char* s) {
        for (;; ++s) {
            hash = (hash ^ static_cast<unsigned char>(*s)) * 0x100000001b3ul;
            ++bytes;
            if (*s == '\0') break;
        }
    }
};

const char* const kNoEnv[] = {nullptr};

}  // namespace

// ---- Programs as ld links them by default (64 KiB max-page-size).

UTEST(runs_programs_linked_with_ld_defaults) {
    const char* argv[] = {"elf", nullptr};
    Outcome o;
    run(o, path("/bin/elf_default"), argv, kNoEnv);
    CHECK(exited_with(o.status, 0));   // 1: its data or bss was not as linked
    CHECK(has_line(o, "elf fixture: loaded, data and bss as linked"));
    Outcome b;   // a bss-only PT_LOAD whose p_offset lies past the end of the file
    run(b, path("/bin/elf_bss_only"), argv, kNoEnv);
    CHECK(exited_with(b.status, 0));
    CHECK(has_line(b, "elf fixture: ok"));
}

// execmap: a program's data segment is a private mapping of its file, whose pages every run shares
// (the file system's page cache): a run's writes are its own copies, so the next run of the same
// file sees the initial bytes again (cowdata checks three whole pages of .data, writes them all).
UTEST(writes_to_initialised_data_stay_in_the_process) {
    const char* argv[] = {"cowdata", nullptr};
    for (int run_no = 0; run_no < 3; ++run_no) {
        Outcome o;
        run(o, path("/bin/cowdata"), argv, kNoEnv);
        CHECK(exited_with(o.status, 0));
        CHECK(has_line(o, "cowdata: initial data intact"));
    }
    // and the file itself still holds them (read(2) through the same cache)
    const long fd = openat(AT_FDCWD, path("/bin/cowdata"), O_RDONLY, 0);
    CHECK(fd >= 0);
    static char buf[64 * 1024];
    long total = 0;
    for (;;) {
        const long r = read(static_cast<int>(fd), buf + total, sizeof buf - static_cast<unsigned long>(total));
        if (r <= 0) break;
        total += r;
    }
    close(static_cast<int>(fd));
    // The three pages of 1, 8, 15, ... (i * 7 + 1, plus a page's number) as linked, somewhere.
    bool found = false;
    for (long at = 0; !found && at + 3 * 4096 <= total; at += 4096) {
        bool all = true;
        for (unsigned i = 0; all && i < 3 * 4096; ++i)
            all = static_cast<unsigned char>(buf[at + i]) == static_cast<unsigned char>(i * 7 + 1 + (i >> 12));
        found = all;
    }
    CHECK(found);
}

// A program larger than the machine's memory (768 MiB of bss, test_exec boots with 512 MiB): ENOMEM,
// and the caller goes on with everything the attempt took given back.
UTEST(a_program_larger_than_memory_is_enomem) {
    if (qemu_user()) {
        note("skipped under qemu-user: Linux overcommits and runs it");
        return;
    }
    const char* argv[] = {"elf", nullptr};
    CHECK_EQ(exec_errno(path("/bin/elf_huge_bss"), argv, kNoEnv), -ENOMEM);
    Outcome o;   // and memory is there again for the next program
    run(o, path("/bin/elf_default"), argv, kNoEnv);
    CHECK(exited_with(o.status, 0));
    CHECK_EQ(exec_errno(path("/bin/elf_huge_bss"), argv, kNoEnv), -ENOMEM);
}

// A null (or empty) argv: the program still gets argc 1 and an empty argv[0], as on Linux since 5.18.
UTEST(null_argv_gives_one_empty_argument) {
    for (const bool null : {true, false}) {
        const char* none[] = {nullptr};
        Outcome o;
        run(o, path("/bin/hello"), null ? nullptr : none, null ? nullptr : kNoEnv);
        CHECK(exited_with(o.status, 0));
        CHECK(has_line(o, "argc=1"));
        CHECK(has_line(o, "argv[0]="));
    }
}

// ---- Symbolic links.

UTEST(follows_symbolic_links_to_the_program) {
    for (const char* link : {"/bin/hello.link", "/bin/hello.abs", "/bin/hello.chain"}) {
        if (qemu_user() && str_eq(link, "/bin/hello.abs")) continue;   // would name the host's /bin/hello
        const char* argv[] = {link, "x", nullptr};
        Outcome o;
        run(o, path(link), argv, kNoEnv);
        CHECK(exited_with(o.status, 0));
        CHECK(has_line(o, "hello from user space"));
        char line[64];
        snprintf(line, sizeof line, "argv[0]=%s", link);   // argv is the caller's, not the link's target
        CHECK(has_line(o, line));
    }
}

UTEST(path_errors_are_linux_errnos) {
    const char* argv[] = {"x", nullptr};
    CHECK_EQ(exec_errno(path("/bin/no-such-program"), argv, kNoEnv), -ENOENT);
    CHECK_EQ(exec_errno(path("/no-such-dir/x"), argv, kNoEnv), -ENOENT);
    CHECK_EQ(exec_errno("", argv, kNoEnv), -ENOENT);
    CHECK_EQ(exec_errno(path("/bin/hello/x"), argv, kNoEnv), -ENOTDIR);
    CHECK_EQ(exec_errno(path("/bin/loop"), argv, kNoEnv), -ELOOP);
    CHECK_EQ(exec_errno(path("/bin"), argv, kNoEnv), -EACCES);           // a directory
    CHECK_EQ(exec_errno(path("/bin/etc.link"), argv, kNoEnv), -EACCES);  // a link to one
    CHECK_EQ(exec_errno(path("/etc/motd"), argv, kNoEnv), -EACCES);      // mode 0644
    CHECK_EQ(exec_errno(path("/bin/notelf"), argv, kNoEnv), -ENOEXEC);   // 0755 text without #!
    CHECK_EQ(exec_errno(kKernelPtr, argv, kNoEnv), -EFAULT);
    CHECK_EQ(exec_errno(kLowPtr, argv, kNoEnv), -EFAULT);
    static char longpath[5000];
    for (std::size_t i = 0; i + 1 < sizeof longpath; ++i) longpath[i] = i % 2 ? 'a' : '/';
    CHECK_EQ(exec_errno(longpath, argv, kNoEnv), -ENAMETOOLONG);
}

// ---- "#!" scripts.

UTEST(runs_scripts_through_their_interpreter) {
    if (qemu_user()) {
        note("skipped under qemu-user: the scripts name the initramfs's /bin/hello, not the host's");
        return;
    }
    const char* argv[] = {"my-name", "a", "b c", nullptr};
    Outcome o;
    run(o, "/bin/script_noarg", argv, kNoEnv);   // interpreter, script path, then argv[1..]
    CHECK(exited_with(o.status, 0));
    CHECK(has_line(o, "argc=4"));
    CHECK(has_line(o, "argv[0]=/bin/hello"));
    CHECK(has_line(o, "argv[1]=/bin/script_noarg"));
    CHECK(has_line(o, "argv[2]=a"));
    CHECK(has_line(o, "argv[3]=b c"));
    Outcome a;   // with its one argument: the rest of the line, trimmed, inner blanks kept
    run(a, "/bin/script_arg", argv, kNoEnv);
    CHECK(exited_with(a.status, 0));
    CHECK(has_line(a, "argc=5"));
    CHECK(has_line(a, "argv[0]=/bin/hello"));
    CHECK(has_line(a, "argv[1]=-x  y"));
    CHECK(has_line(a, "argv[2]=/bin/script_arg"));
    CHECK(has_line(a, "argv[3]=a"));
    Outcome l;   // the interpreter through a symbolic link; the path as the caller spelt it
    run(l, "/bin/../bin/script_link", argv, kNoEnv);
    CHECK(exited_with(l.status, 0));
    CHECK(has_line(l, "argv[0]=/bin/hello.link"));
    CHECK(has_line(l, "argv[1]=/bin/../bin/script_link"));
    Outcome e;   // an empty argv: the script still gets its own name
    const char* none[] = {nullptr};
    run(e, "/bin/script_noarg", none, kNoEnv);
    CHECK(has_line(e, "argc=2"));
    CHECK(has_line(e, "argv[1]=/bin/script_noarg"));
}

UTEST(nests_scripts_five_deep_and_no_deeper) {
    if (qemu_user()) {
        note("skipped under qemu-user: the scripts name the initramfs's paths; a Linux host gives the same");
        return;
    }
    const char* argv[] = {"n", "end", nullptr};
    Outcome n;   // a script whose interpreter is a script
    run(n, "/bin/script_nested", argv, kNoEnv);
    CHECK(exited_with(n.status, 0));
    CHECK(has_line(n, "argv[0]=/bin/hello"));
    CHECK(has_line(n, "argv[1]=-x  y"));
    CHECK(has_line(n, "argv[2]=/bin/script_arg"));
    CHECK(has_line(n, "argv[3]=/bin/script_nested"));
    CHECK(has_line(n, "argv[4]=end"));
    Outcome five;
    run(five, "/bin/nest5", argv, kNoEnv);
    CHECK(exited_with(five.status, 0));
    CHECK(has_line(five, "argv[5]=/bin/nest5"));
    CHECK_EQ(exec_errno("/bin/nest6", argv, kNoEnv), -ELOOP);
}

UTEST(bad_scripts_are_linux_errnos) {
    const char* argv[] = {"x", nullptr};
    CHECK_EQ(exec_errno(path("/bin/script_empty"), argv, kNoEnv), -ENOEXEC);    // "#!" and a newline
    CHECK_EQ(exec_errno(path("/bin/script_long"), argv, kNoEnv), -ENOEXEC);     // name cut at 256 bytes
    CHECK_EQ(exec_errno(path("/bin/script_missing"), argv, kNoEnv), -ENOENT);   // the interpreter's errno
    CHECK_EQ(exec_errno(path("/bin/script_noexec"), argv, kNoEnv), -EACCES);    // #!/etc/motd (0644)
    CHECK_EQ(exec_errno(path("/bin/script_bare"), argv, kNoEnv), -EACCES);      // "#!" alone: the cwd
}

// ---- Arguments: faults and order.

UTEST(unreadable_arguments_are_efault) {
    const char* bad_string[] = {"x", kLowPtr, nullptr};
    const char* kernel_string[] = {kKernelPtr, nullptr};
    const char* argv[] = {"x", nullptr};
    CHECK_EQ(exec_errno(path("/bin/hello"), reinterpret_cast<const char* const*>(kLowPtr), kNoEnv), -EFAULT);
    CHECK_EQ(exec_errno(path("/bin/hello"), bad_string, kNoEnv), -EFAULT);
    CHECK_EQ(exec_errno(path("/bin/hello"), kernel_string, kNoEnv), -EFAULT);
    CHECK_EQ(exec_errno(path("/bin/hello"), argv, reinterpret_cast<const char* const*>(kKernelPtr)), -EFAULT);
    CHECK_EQ(exec_errno(path("/bin/hello"), argv, bad_string), -EFAULT);
    // An argv with no terminating null before an unmapped page, and a string with no NUL before one.
    auto* page = static_cast<char*>(map_pages(2 * 4096));
    REQUIRE(page != nullptr);
    REQUIRE(munmap(page + 4096, 4096) == 0);
    auto** vec = reinterpret_cast<const char**>(page);
    for (int i = 0; i < 512; ++i) vec[i] = "x";
    CHECK_EQ(exec_errno(path("/bin/hello"), vec, kNoEnv), -EFAULT);
    memset(page, 'a', 4096);
    const char* unterminated[] = {"x", page + 4000, nullptr};
    CHECK_EQ(exec_errno(path("/bin/hello"), unterminated, kNoEnv), -EFAULT);
    munmap(page, 4096);
}

// Linux (6.8 on) opens the file before it reads argv: a missing or unrunnable file wins over a bad
// argv; a bad ELF is only found after the strings were copied, so E2BIG and EFAULT win over it.
UTEST(errors_come_in_linux_order) {
    const auto* bad = reinterpret_cast<const char* const*>(kLowPtr);
    if (qemu_user()) {
        note("file-before-argv skipped under qemu-user: it reads argv before the host's execve opens the file");
    } else {
        CHECK_EQ(exec_errno(path("/bin/no-such-program"), bad, kNoEnv), -ENOENT);
        CHECK_EQ(exec_errno(path("/etc/motd"), bad, kNoEnv), -EACCES);
        CHECK_EQ(exec_errno(path("/bin"), bad, bad), -EACCES);
        CHECK_EQ(exec_errno(path("/bin/hello/x"), bad, kNoEnv), -ENOTDIR);
    }
    CHECK_EQ(exec_errno(path("/bin/notelf"), bad, kNoEnv), -EFAULT);
    CHECK_EQ(exec_errno(path("/bin/script_empty"), bad, kNoEnv), -EFAULT);
    auto* big = static_cast<char*>(map_pages(kMaxArgStrlen + 4096));
    REQUIRE(big != nullptr);
    memset(big, 'b', kMaxArgStrlen);   // one byte too many with its NUL
    big[kMaxArgStrlen] = '\0';
    const char* too_long[] = {"x", big, nullptr};
    CHECK_EQ(exec_errno(path("/bin/notelf"), too_long, kNoEnv), -E2BIG);
    munmap(big, kMaxArgStrlen + 4096);
}

// ---- Limits.

// Strings of up to 128 KiB each, totalling exactly the quarter of the stack limit less the
// pointers, run; one byte more is E2BIG. argstat reports what it received.
UTEST_TIMEOUT(arguments_up_to_the_limit_and_one_byte_over, 60000) {
    const char* prog = path("/bin/argstat");
    const std::size_t prog_bytes = strlen(prog) + 1;   // execve's path is counted too
    constexpr int kBig = 15;                             // 15 strings of 128 KiB
    auto* mem = static_cast<char*>(map_pages((kBig + 1) * kMaxArgStrlen));
    REQUIRE(mem != nullptr);
    const char* argv[kBig / 2 + 4] = {"argstat"};
    const char* envp[kBig - kBig / 2 + 1] = {};
    int argc = 1, envc = 0;
    for (int i = 0; i < kBig; ++i) {   // 128 KiB - 1 characters and the NUL: the largest string
        char* s = mem + i * kMaxArgStrlen;
        memset(s, 'A' + i, kMaxArgStrlen - 1);
        s[kMaxArgStrlen - 1] = '\0';
        if (i % 2) envp[envc++] = s;
        else argv[argc++] = s;
    }
    char* filler = mem + kBig * kMaxArgStrlen;
    argv[argc++] = filler;
    argv[argc] = nullptr;
    envp[envc] = nullptr;
    const std::size_t pointers = static_cast<std::size_t>(argc + envc) * 8;
    const std::size_t fixed = prog_bytes + 8 + kBig * kMaxArgStrlen;   // path, "argstat", the big ones
    const std::size_t filler_bytes = kStringSpace - pointers - fixed;  // with its NUL
    REQUIRE(filler_bytes > 1 && filler_bytes < kMaxArgStrlen);
    memset(filler, 'z', filler_bytes - 1);
    filler[filler_bytes - 1] = '\0';
    Digest d;
    for (int i = 0; i < argc; ++i) d.add(argv[i]);
    for (int i = 0; i < envc; ++i) d.add(envp[i]);
    // Linux runs both exact fits (checked natively), but qemu-user, exec'd through binfmt_misc,
    // builds the program's stack itself with its own strings added, and that stack may overflow.
    const bool run_fits = !qemu_user();
    if (!run_fits) note("the exact fits skipped under qemu-user: its own stack set-up may overflow");
    char line[128];
    if (run_fits) {
        Outcome o;
        run(o, prog, argv, envp);
        CHECK(exited_with(o.status, 0));
        snprintf(line, sizeof line, "argc=%d envc=%d bytes=%lu hash=%lx", argc, envc, d.bytes, d.hash);
        CHECK(has_line(o, line));
    }
    filler[filler_bytes - 1] = 'z';   // one byte more
    filler[filler_bytes] = '\0';
    CHECK_EQ(exec_errno(prog, argv, envp), -E2BIG);
    // One argument more costs its string and its pointer: "" (1 byte) and 8 bytes. With the filler
    // 9 bytes shorter it fits exactly; 8 bytes shorter, it is one byte over.
    const char* one_more[kBig / 2 + 5];
    for (int i = 0; i < argc; ++i) one_more[i] = argv[i];
    one_more[argc] = "";
    one_more[argc + 1] = nullptr;
    memset(filler, 'z', filler_bytes);
    filler[filler_bytes - 1 - 9] = '\0';
    if (run_fits) {
        Outcome fits;
        run(fits, prog, one_more, envp);
        CHECK(exited_with(fits.status, 0));
        snprintf(line, sizeof line, "argc=%d envc=%d", argc + 1, envc);
        CHECK(str_find(fits.out, line) != nullptr);
    }
    filler[filler_bytes - 1 - 9] = 'z';
    filler[filler_bytes - 1 - 8] = '\0';
    CHECK_EQ(exec_errno(prog, one_more, envp), -E2BIG);
    munmap(mem, (kBig + 1) * kMaxArgStrlen);
}

// No fixed count: 100000 arguments (800 KB of pointers) run; so many that the pointers alone fill
// the space are E2BIG.
UTEST_TIMEOUT(many_arguments_have_no_fixed_count, 60000) {
    constexpr int kMany = 100000;
    constexpr std::size_t kTooMany = kStringSpace / 8;
    auto** argv = static_cast<const char**>(map_pages((kTooMany + 1) * 8));
    REQUIRE(argv != nullptr);
    static const char* const kWords[] = {"a", "bb", "ccc", "dddd"};
    Digest d;
    for (int i = 0; i < kMany; ++i) d.add(argv[i] = kWords[i % 4]);
    argv[kMany] = nullptr;
    Outcome o;
    run(o, path("/bin/argstat"), argv, kNoEnv);
    CHECK(exited_with(o.status, 0));
    char line[128];
    snprintf(line, sizeof line, "argc=%d envc=0 bytes=%lu hash=%lx", kMany, d.bytes, d.hash);
    CHECK(has_line(o, line));
    for (std::size_t i = 0; i < kTooMany; ++i) argv[i] = "";
    argv[kTooMany] = nullptr;
    CHECK_EQ(exec_errno(path("/bin/argstat"), argv, kNoEnv), -E2BIG);
    munmap(argv, (kTooMany + 1) * 8);
}

UTEST(one_string_up_to_128_kib) {
    auto* s = static_cast<char*>(map_pages(kMaxArgStrlen + 4096));
    REQUIRE(s != nullptr);
    memset(s, 'q', kMaxArgStrlen - 1);
    s[kMaxArgStrlen - 1] = '\0';
    const char* argv[] = {"argstat", s, nullptr};
    Outcome o;
    run(o, path("/bin/argstat"), argv, kNoEnv);
    CHECK(exited_with(o.status, 0));
    CHECK(str_find(o.out, "argc=2 envc=0 bytes=131080 hash=") != nullptr);
    s[kMaxArgStrlen - 1] = 'q';
    s[kMaxArgStrlen] = '\0';
    CHECK_EQ(exec_errno(path("/bin/argstat"), argv, kNoEnv), -E2BIG);
    const char* envp[] = {s, nullptr};   // the same rule for the environment
    CHECK_EQ(exec_errno(path("/bin/argstat"), argv + 1 + 1, envp), -E2BIG);
    // 128 KiB without a NUL right before an unmapped page: too long (nothing past it is read), while
    // a shorter unterminated string there is a fault.
    REQUIRE(munmap(s + kMaxArgStrlen, 4096) == 0);
    memset(s, 'q', kMaxArgStrlen);
    if (qemu_user()) note("128 KiB before unmapped skipped under qemu-user: it measures the string itself (EFAULT)");
    else CHECK_EQ(exec_errno(path("/bin/argstat"), argv, kNoEnv), -E2BIG);
    const char* short_one[] = {"argstat", s + kMaxArgStrlen - 100, nullptr};
    CHECK_EQ(exec_errno(path("/bin/argstat"), short_one, kNoEnv), -EFAULT);
    munmap(s, kMaxArgStrlen);
}
