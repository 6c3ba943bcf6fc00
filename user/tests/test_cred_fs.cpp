// test_cred_fs: the identities of test_cred as the file system's checks see them, end to end.
// After setresuid(1000) a root-owned 0600 file is EACCES to open and to faccessat (which checks the
// real ids; open the file-system ids, which setfsuid moves alone), groups grant their bits, a
// directory without x cannot be searched, a sticky directory protects other users' entries, root
// passes; a set-user-id / set-group-id program runs with its owner as effective and saved ids,
// unless PR_SET_NO_NEW_PRIVS; prctl's name in /proc/self/comm. Runs as root (init, or root on the qemu-user host).
#include "user/tests/test_fs_util.h"

using namespace user;
using namespace user::utest;

namespace {

// Runs body in a child (whose identity changes stay there) and checks it passed.
template <typename F>
void isolated(F&& body) {
    const int st = in_child(body);
    CHECK(exited_with(st, 0));
    if (!exited_with(st, 0)) note("child: %s", describe_status(st));
}

// Runs prog (an ids program) with stdout on a pipe; its output in out. Returns the wait status.
int run_ids(const char* prog, char* out, std::size_t size) {
    Pipe p;
    if (!p.ok()) return -1;
    const long pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup3(p.w, kStdout, 0);
        const char* argv[] = {"ids", nullptr};
        const char* envp[] = {nullptr};
        const long r = execve(prog, argv, envp);
        exit_group(static_cast<int>(100 - r));
    }
    p.close_w();
    std::size_t len = 0;
    for (long r; len + 1 < size && (r = read(p.r, out + len, size - 1 - len)) > 0;) len += static_cast<std::size_t>(r);
    out[len] = '\0';
    return wait_child(pid);
}

bool has(const char* out, const char* part) {
    const bool found = str_find(out, part) != nullptr;
    if (!found) note("\"%s\" not in: %s", part, out);
    return found;
}

// Copies the file at src to dst (created with mode 0700); true on success.
bool copy_file(const char* src, const char* dst) {
    const long in = open(src, O_RDONLY);
    const long out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    bool ok = in >= 0 && out >= 0;
    char buf[4096];
    for (long n; ok && (n = read(static_cast<int>(in), buf, sizeof buf)) != 0;)
        ok = n > 0 && write(static_cast<int>(out), buf, static_cast<std::size_t>(n)) == n;
    if (in >= 0) close(static_cast<int>(in));
    if (out >= 0) close(static_cast<int>(out));
    return ok;
}

bool opens(const char* path, int flags) {
    const long fd = open(path, flags);
    if (fd >= 0) close(static_cast<int>(fd));
    else note("open(%s, %d): %ld", path, flags, fd);
    return fd >= 0;
}

}  // namespace

UTEST(a_root_owned_0600_file_is_eacces_for_uid_1000) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    REQUIRE(fstest::make_file(s.at("secret"), "root only\n", 0600));
    REQUIRE(fstest::make_file(s.at("public"), "anyone\n", 0644));
    isolated([&s] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(open(s.at("secret"), O_RDONLY), -EACCES);
        CHECK_EQ(open(s.at("secret"), O_WRONLY), -EACCES);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("secret"), R_OK), -EACCES);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("secret"), W_OK), -EACCES);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("secret"), F_OK), 0l);   // existence is not guarded
        CHECK(opens(s.at("public"), O_RDONLY));
        CHECK_EQ(open(s.at("public"), O_WRONLY), -EACCES);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("public"), R_OK), 0l);
    });
    // faccessat checks the real ids: euid 0 with ruid 1000 is refused, open (effective ids) passes.
    isolated([&s] {
        REQUIRE(setresuid(1000, 0, 0) == 0);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("secret"), R_OK), -EACCES);
        CHECK(opens(s.at("secret"), O_RDONLY));
    });
    // setfsuid alone decides for open: fsuid 1000 with euid 0 is refused.
    isolated([&s] {
        REQUIRE(setfsuid(1000) == 0);
        CHECK_EQ(open(s.at("secret"), O_RDONLY), -EACCES);
        REQUIRE(setfsuid(0) == 1000);
        CHECK(opens(s.at("secret"), O_RDONLY));
    });
    // Root passes whatever the mode.
    CHECK(opens(s.at("secret"), O_RDWR));
}

UTEST(group_and_supplementary_groups_grant_their_bits) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    REQUIRE(fstest::make_file(s.at("grp"), "group\n", 0640));
    REQUIRE(fchownat(AT_FDCWD, s.at("grp"), 0, 500, 0) == 0);
    isolated([&s] {
        const unsigned g[] = {500};
        REQUIRE(setgroups(1, g) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("grp"), R_OK), 0l);     // a supplementary group
        CHECK_EQ(faccessat(AT_FDCWD, s.at("grp"), W_OK), -EACCES);
    });
    isolated([&s] {
        REQUIRE(setgroups(0, nullptr) == 0);
        REQUIRE(setresgid(500, 500, 500) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("grp"), R_OK), 0l);     // the gid
    });
    isolated([&s] {
        REQUIRE(setgroups(0, nullptr) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("grp"), R_OK), -EACCES);   // neither
    });
}

UTEST(a_directory_without_x_cannot_be_searched) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("closed"), 0777) == 0);
    REQUIRE(fstest::make_file(s.at("closed/f"), "x\n", 0644));
    REQUIRE(fchmodat(AT_FDCWD, s.at("closed"), 0766) == 0);   // rw for group (still 0 below) and others, no x
    isolated([&s] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(open(s.at("closed/f"), O_RDONLY), -EACCES);
        CHECK_EQ(faccessat(AT_FDCWD, s.at("closed/f"), F_OK), -EACCES);
        CHECK(opens(s.at("closed"), O_RDONLY | O_DIRECTORY));   // listing needs only r
    });
    CHECK(opens(s.at("closed/f"), O_RDONLY));   // root searches any directory
}

UTEST(a_sticky_directory_protects_other_users_files) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    REQUIRE(mkdirat(AT_FDCWD, s.at("sticky"), 0777) == 0);
    REQUIRE(fchmodat(AT_FDCWD, s.at("sticky"), 01777) == 0);
    REQUIRE(fstest::make_file(s.at("sticky/roots"), "r\n", 0666));
    REQUIRE(fchmodat(AT_FDCWD, s.at("sticky/roots"), 0666) == 0);   // past the umask
    isolated([&s] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK(fstest::make_file(s.at("sticky/mine"), "m\n", 0666));
        CHECK_EQ(unlinkat(AT_FDCWD, s.at("sticky/roots"), 0), -EPERM);   // writable dir, but sticky
        CHECK(opens(s.at("sticky/roots"), O_WRONLY));   // the file itself is 0666
    });
    isolated([&s] {
        REQUIRE(setresuid(1001, 1001, 1001) == 0);
        CHECK_EQ(unlinkat(AT_FDCWD, s.at("sticky/mine"), 0), -EPERM);    // uid 1000's
    });
    isolated([&s] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(unlinkat(AT_FDCWD, s.at("sticky/mine"), 0), 0l);        // its owner may
    });
    CHECK_EQ(unlinkat(AT_FDCWD, s.at("sticky/roots"), 0), 0l);           // root passes
}

UTEST(a_set_id_program_runs_as_its_owner) {
    if (qemu_user()) return note("qemu-user: the host runs qemu itself, which no set-id bit of the guest program affects");
    fstest::Scratch s;
    REQUIRE(s.ok());
    const char* prog = s.at("ids");
    REQUIRE(copy_file(path("/bin/ids"), prog));
    REQUIRE(fchownat(AT_FDCWD, prog, 1234, 567, 0) == 0);
    REQUIRE(fchmodat(AT_FDCWD, prog, 06755) == 0);   // after chown, which clears the set-id bits
    isolated([prog] {
        REQUIRE(setresgid(100, 100, 100) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        char out[512];
        CHECK(exited_with(run_ids(prog, out, sizeof out), 0));
        CHECK(has(out, "res_uid=1000/1234/1234 res_gid=100/567/567 "));
        CHECK(has(out, "at_uid=1000/1234 at_gid=100/567 at_secure=1 dumpable=0 nnp=0"));
        REQUIRE(prctl(PR_SET_NO_NEW_PRIVS, 1) == 0);   // from here on the bits are ignored
        CHECK(exited_with(run_ids(prog, out, sizeof out), 0));
        CHECK(has(out, "res_uid=1000/1000/1000 res_gid=100/100/100 "));
        CHECK(has(out, "at_secure=0 dumpable=1 nnp=1"));
    });
    // Set-group-id without group execute marks mandatory locking, not an identity.
    REQUIRE(fchmodat(AT_FDCWD, prog, 02745) == 0);
    isolated([prog] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        char out[512];
        CHECK(exited_with(run_ids(prog, out, sizeof out), 0));
        CHECK(has(out, "res_uid=1000/1000/1000 res_gid=0/0/0 "));
    });
    // Root runs a set-user-id program as its owner too (a secure exec: the ids differ).
    REQUIRE(fchmodat(AT_FDCWD, prog, 04755) == 0);
    char out[512];
    CHECK(exited_with(run_ids(prog, out, sizeof out), 0));
    CHECK(has(out, "res_uid=0/1234/1234 res_gid=0/0/0 "));
    CHECK(has(out, "at_secure=1 dumpable=0"));
}

UTEST(exec_needs_execute_permission_for_the_caller) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    const char* prog = s.at("ids");
    REQUIRE(copy_file(path("/bin/ids"), prog));
    REQUIRE(fchmodat(AT_FDCWD, prog, 0744) == 0);   // x for the owner (root) only
    char out[512];
    CHECK(exited_with(run_ids(prog, out, sizeof out), 0));
    isolated([prog] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        char o[512];
        CHECK(exited_with(run_ids(prog, o, sizeof o), 100 + EACCES));
    });
}

// PR_SET_NAME's name is the process's comm: /proc/self/comm shows it (proc is mounted on a scratch
// directory when the boot has not mounted /proc).
UTEST(prctl_name_is_the_comm_proc_shows) {
    fstest::Scratch s;
    REQUIRE(s.ok());
    isolated([&s] {
        REQUIRE(prctl(PR_SET_NAME, arg("cred-worker")) == 0);
        const char* comm = "/proc/self/comm";
        bool mounted = false;
        if (!qemu_user() && faccessat(AT_FDCWD, comm, R_OK) != 0) {
            REQUIRE(mkdirat(AT_FDCWD, s.at("proc"), 0755) == 0);
            REQUIRE(mount("proc", s.at("proc"), "proc", 0, nullptr) == 0);
            mounted = true;
            comm = s.at("proc/self/comm");
        }
        char buf[64];
        CHECK_EQ(fstest::read_file(comm, buf, sizeof buf), 12l);
        CHECK(strcmp(buf, "cred-worker\n") == 0);
        REQUIRE(prctl(PR_SET_NAME, arg("0123456789abcdefgh")) == 0);
        CHECK_EQ(fstest::read_file(comm, buf, sizeof buf), 16l);
        CHECK(strcmp(buf, "0123456789abcde\n") == 0);
        if (mounted) CHECK_EQ(umount2(s.at("proc"), 0), 0l);
    });
}
