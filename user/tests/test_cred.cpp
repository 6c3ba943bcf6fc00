// test_cred: process identity with Linux's rules. The set*id families (root sets anything; others
// move among their real, effective and saved ids; -1 leaves an id alone; the saved id follows the
// effective one), setfsuid's old-value results, getgroups/setgroups, prctl's name and flags, fork
// inheriting and exec keeping the ids (and a set-id exec), and the checks on other processes: kill,
// sched_setaffinity and prlimit64 of a root process by uid 1000 are EPERM. Every case that changes
// its identity does so in a child of its own. Runs as root (init, or root on the qemu-user host).
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

constexpr unsigned kNone = ~0u;   // -1 as uid_t
const auto kBadPtr = reinterpret_cast<unsigned*>(kKernelAddress);

struct Ids {
    unsigned r = 7, e = 7, s = 7;
};
Ids uids() {
    Ids i;
    getresuid(&i.r, &i.e, &i.s);
    return i;
}
Ids gids() {
    Ids i;
    getresgid(&i.r, &i.e, &i.s);
    return i;
}
#define CHECK_IDS(ids, R, E, S)          \
    do {                                 \
        const Ids ids_ = (ids);          \
        CHECK_EQ(ids_.r, (R));           \
        CHECK_EQ(ids_.e, (E));           \
        CHECK_EQ(ids_.s, (S));           \
    } while (0)

// Runs body in a child (whose identity changes stay there) and checks it passed.
template <typename F>
void isolated(F&& body) {
    const int st = in_child(body);
    CHECK(exited_with(st, 0));
    if (!exited_with(st, 0)) note("child: %s", describe_status(st));
}

// Runs /bin/ids with stdout on a pipe; its one line in out. Returns the wait status.
int run_ids(char* out, std::size_t size) {
    Pipe p;
    if (!p.ok()) return -1;
    const long pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup3(p.w, kStdout, 0);
        const char* argv[] = {"ids", nullptr};
        const char* envp[] = {nullptr};
        execve(path("/bin/ids"), argv, envp);
        exit_group(99);
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

}  // namespace

UTEST(starts_as_root_and_getters_agree) {
    CHECK_EQ(getuid(), 0l);
    CHECK_EQ(geteuid(), 0l);
    CHECK_EQ(getgid(), 0l);
    CHECK_EQ(getegid(), 0l);
    CHECK_IDS(uids(), 0u, 0u, 0u);
    CHECK_IDS(gids(), 0u, 0u, 0u);
    CHECK_EQ(getauxval(AT_UID), 0ul);
    CHECK_EQ(getauxval(AT_EUID), 0ul);
    CHECK_EQ(getauxval(AT_SECURE), 0ul);
}

UTEST(getresuid_faults_in_order) {
    unsigned a = 7, b = 7;
    CHECK_EQ(getresuid(kBadPtr, &a, &b), -EFAULT);
    CHECK_EQ(a, 7u);   // stops at the first bad pointer
    CHECK_EQ(getresuid(&a, kBadPtr, &b), -EFAULT);
    CHECK_EQ(a, 0u);   // the ids before it were written
    CHECK_EQ(b, 7u);
    CHECK_EQ(getresuid(&a, &b, kBadPtr), -EFAULT);
    CHECK_EQ(getresgid(&a, &b, kBadPtr), -EFAULT);
    CHECK_EQ(getresgid(nullptr, &a, &b), -EFAULT);
}

UTEST(after_setresuid_1000_every_way_back_is_eperm) {
    isolated([] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_IDS(uids(), 1000u, 1000u, 1000u);
        CHECK_EQ(getuid(), 1000l);
        CHECK_EQ(geteuid(), 1000l);
        CHECK_EQ(setuid(0), -EPERM);
        CHECK_EQ(setreuid(0, kNone), -EPERM);
        CHECK_EQ(setreuid(kNone, 0), -EPERM);
        CHECK_EQ(setreuid(1000, 0), -EPERM);
        CHECK_EQ(setresuid(0, kNone, kNone), -EPERM);
        CHECK_EQ(setresuid(kNone, 0, kNone), -EPERM);
        CHECK_EQ(setresuid(kNone, kNone, 0), -EPERM);
        CHECK_EQ(setresuid(1000, 1000, 2000), -EPERM);
        CHECK_EQ(setgid(5), -EPERM);            // the gids are still 0, but CAP_SETGID went with euid 0
        CHECK_EQ(setregid(5, kNone), -EPERM);
        CHECK_EQ(setresgid(kNone, 5, kNone), -EPERM);
        CHECK_EQ(setgroups(0, nullptr), -EPERM);
        CHECK_EQ(setfsuid(0), 1000l);           // refused: still 1000
        CHECK_EQ(setfsuid(kNone), 1000l);
        CHECK_IDS(uids(), 1000u, 1000u, 1000u); // nothing changed by the refusals
        // What is allowed: the ids one already has.
        CHECK_EQ(setuid(1000), 0l);
        CHECK_EQ(setresuid(1000, 1000, 1000), 0l);
        CHECK_EQ(setgid(0), 0l);                 // the real gid
        CHECK_IDS(gids(), 0u, 0u, 0u);
    });
}

UTEST(setuid_as_root_sets_all_three) {
    isolated([] {
        REQUIRE(setuid(1000) == 0);
        CHECK_IDS(uids(), 1000u, 1000u, 1000u);
        CHECK_EQ(setfsuid(kNone), 1000l);   // fsuid follows
        CHECK_EQ(setuid(0), -EPERM);
        CHECK_EQ(setuid(2000), -EPERM);
    });
    isolated([] {
        REQUIRE(setgid(300) == 0);
        CHECK_IDS(gids(), 300u, 300u, 300u);
        CHECK_EQ(setfsgid(kNone), 300l);
    });
}

UTEST(setuid_minus_one_is_einval) {
    CHECK_EQ(setuid(kNone), -EINVAL);
    CHECK_EQ(setgid(kNone), -EINVAL);
    CHECK_IDS(uids(), 0u, 0u, 0u);
}

UTEST(non_root_setuid_moves_effective_between_real_and_saved) {
    isolated([] {
        REQUIRE(setresuid(1000, 2000, 3000) == 0);
        CHECK_EQ(setfsuid(kNone), 2000l);
        CHECK_EQ(setuid(3000), 0l);   // the saved id: only the effective (and fs) one changes
        CHECK_IDS(uids(), 1000u, 3000u, 3000u);
        CHECK_EQ(setuid(1000), 0l);   // the real id
        CHECK_IDS(uids(), 1000u, 1000u, 3000u);
        CHECK_EQ(setuid(2000), -EPERM);   // the old effective id is gone
        CHECK_EQ(setuid(3000), 0l);
        CHECK_IDS(uids(), 1000u, 3000u, 3000u);
    });
}

UTEST(setreuid_swaps_and_the_saved_id_follows) {
    isolated([] {
        REQUIRE(setresuid(1000, 2000, 0) == 0);
        // euid 2000: no capability; 0 is the saved id, so it may become the effective one, and the
        // saved id follows the new effective one (it differs from the real id).
        CHECK_EQ(setreuid(kNone, 0), 0l);
        CHECK_IDS(uids(), 1000u, 0u, 0u);
        CHECK_EQ(setreuid(kNone, 1000), 0l);   // back to the real id: the saved id stays
        CHECK_IDS(uids(), 1000u, 1000u, 0u);
        CHECK_EQ(setreuid(kNone, 0), 0l);
        CHECK_EQ(setreuid(0, 1000), 0l);       // root again: swap real and effective
        CHECK_IDS(uids(), 0u, 1000u, 1000u);   // the real id set: saved = effective
        CHECK_EQ(setreuid(1000, 0), 0l);       // swap back without a capability: both were ours
        CHECK_IDS(uids(), 1000u, 0u, 0u);
        CHECK_EQ(setreuid(kNone, 5000), 0l);   // euid 0 again: anything
        CHECK_IDS(uids(), 1000u, 5000u, 5000u);
        CHECK_EQ(setreuid(5000, kNone), 0l);   // the effective id may become the real one
        CHECK_IDS(uids(), 5000u, 5000u, 5000u);
        CHECK_EQ(setreuid(1000, kNone), -EPERM);
    });
}

UTEST(minus_one_leaves_ids_alone) {
    isolated([] {
        REQUIRE(setresuid(1000, 2000, 3000) == 0);
        CHECK_EQ(setresuid(kNone, kNone, kNone), 0l);
        CHECK_EQ(setreuid(kNone, kNone), 0l);
        CHECK_IDS(uids(), 1000u, 2000u, 3000u);
        CHECK_EQ(setresuid(3000, kNone, kNone), 0l);   // each may take any of the three
        CHECK_IDS(uids(), 3000u, 2000u, 3000u);
        CHECK_EQ(setresuid(kNone, kNone, 2000), 0l);
        CHECK_IDS(uids(), 3000u, 2000u, 2000u);
        CHECK_EQ(setresuid(kNone, 1000, kNone), -EPERM);   // 1000 is nobody's any more
    });
    isolated([] {
        REQUIRE(setresgid(100, 200, 300) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(setresgid(kNone, kNone, kNone), 0l);
        CHECK_IDS(gids(), 100u, 200u, 300u);
        CHECK_EQ(setgid(300), 0l);      // the saved gid
        CHECK_IDS(gids(), 100u, 300u, 300u);
        CHECK_EQ(setgid(200), -EPERM);  // setgid looks at the real and saved gids only
        CHECK_EQ(setregid(kNone, 100), 0l);   // the real gid; the saved one stays (egid == rgid)
        CHECK_IDS(gids(), 100u, 100u, 300u);
        CHECK_EQ(setregid(300, kNone), -EPERM);   // a real gid must be the real or effective one
        CHECK_EQ(setregid(kNone, 300), 0l);       // an effective one may also be the saved one
        CHECK_IDS(gids(), 100u, 300u, 300u);
        CHECK_EQ(setfsgid(kNone), 300l);
        CHECK_EQ(setresgid(400, kNone, kNone), -EPERM);
    });
}

UTEST(setfsuid_returns_the_old_value) {
    isolated([] {
        CHECK_EQ(setfsuid(1000), 0l);
        CHECK_EQ(setfsuid(kNone), 1000l);   // -1: only a read
        CHECK_EQ(geteuid(), 0l);            // the effective id did not move
        CHECK_EQ(setfsuid(0), 1000l);
        CHECK_EQ(setfsgid(50), 0l);
        CHECK_EQ(setfsgid(kNone), 50l);
        REQUIRE(setresuid(kNone, 2000, kNone) == 0);   // a new effective id resets fsuid to it
        CHECK_EQ(setfsuid(kNone), 2000l);
        CHECK_EQ(setfsuid(0), 2000l);        // the saved id is 0: allowed
        CHECK_EQ(setfsuid(kNone), 0l);
        CHECK_EQ(setfsuid(4242), 0l);        // not one of ours and no capability: refused, old value back
        CHECK_EQ(setfsuid(kNone), 0l);
    });
}

UTEST(groups_set_sorted_and_read_back) {
    isolated([] {
        const unsigned want[] = {30, 10, 20, 10};
        REQUIRE(setgroups(4, want) == 0);
        CHECK_EQ(getgroups(0, nullptr), 4l);         // size 0: the count, list untouched
        CHECK_EQ(getgroups(0, kBadPtr), 4l);
        unsigned got[8] = {};
        CHECK_EQ(getgroups(3, got), -EINVAL);        // too small
        CHECK_EQ(getgroups(-1, got), -EINVAL);
        CHECK_EQ(getgroups(8, kBadPtr), -EFAULT);
        CHECK_EQ(getgroups(8, got), 4l);
        CHECK_EQ(got[0], 10u);   // sorted as Linux's groups_sort, duplicates kept
        CHECK_EQ(got[1], 10u);
        CHECK_EQ(got[2], 20u);
        CHECK_EQ(got[3], 30u);
        CHECK_EQ(setgroups(2, kBadPtr), -EFAULT);
        CHECK_EQ(getgroups(0, nullptr), 4l);         // a failed setgroups changes nothing
        CHECK_EQ(setgroups(65537, want), -EINVAL);   // past NGROUPS_MAX
        CHECK_EQ(setgroups(-1, want), -EINVAL);
        CHECK_EQ(setgroups(0, nullptr), 0l);
        CHECK_EQ(getgroups(0, nullptr), 0l);
        REQUIRE(setgroups(1, want) == 0);
        REQUIRE(setuid(1000) == 0);
        CHECK_EQ(setgroups(0, nullptr), -EPERM);
        CHECK_EQ(getgroups(8, got), 1l);             // kept through setuid
        CHECK_EQ(got[0], 30u);
    });
}

UTEST(prctl_name_truncated_and_padded) {
    isolated([] {
        char name[16];
        memset(name, 'x', sizeof name);
        CHECK_EQ(prctl(PR_SET_NAME, arg("worker")), 0l);
        CHECK_EQ(prctl(PR_GET_NAME, arg(name)), 0l);
        CHECK(strcmp(name, "worker") == 0);
        for (std::size_t i = 6; i < 16; ++i) CHECK_EQ(name[i], '\0');
        CHECK_EQ(prctl(PR_SET_NAME, arg("a-name-longer-than-fifteen")), 0l);
        CHECK_EQ(prctl(PR_GET_NAME, arg(name)), 0l);
        CHECK(strcmp(name, "a-name-longer-t") == 0);   // 15 bytes and the NUL
        CHECK_EQ(prctl(PR_SET_NAME, arg(kBadPtr)), -EFAULT);
        CHECK_EQ(prctl(PR_GET_NAME, arg(kBadPtr)), -EFAULT);
        CHECK_EQ(prctl(PR_GET_NAME, arg(name)), 0l);
        CHECK(strcmp(name, "a-name-longer-t") == 0);   // a failed set kept the name
        // Near an unmapped page: Linux reads whole words while 8 or more bytes may remain, so a
        // word reaching the hole is EFAULT even after the NUL; one ending before it is not.
        const long page = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(!is_error(page));
        REQUIRE(munmap(reinterpret_cast<void*>(page + 4096), 4096) == 0);
        char* end = reinterpret_cast<char*>(page + 4096);
        memcpy(end - 4, "abc", 4);
        CHECK_EQ(prctl(PR_SET_NAME, arg(end - 4)), -EFAULT);
        if (qemu_user()) {
            note("qemu-user reads 16 bytes for PR_SET_NAME: a name 8 bytes before a hole is not checked");
        } else {
            memcpy(end - 8, "abcdefg", 8);
            CHECK_EQ(prctl(PR_SET_NAME, arg(end - 8)), 0l);
            CHECK_EQ(prctl(PR_GET_NAME, arg(name)), 0l);
            CHECK(strcmp(name, "abcdefg") == 0);
        }
    });
}

UTEST(prctl_flags_and_unknown_options) {
    isolated([] {
        CHECK_EQ(prctl(PR_GET_DUMPABLE), 1l);
        CHECK_EQ(prctl(PR_SET_DUMPABLE, 2), -EINVAL);   // SUID_DUMP_ROOT only through the sysctl
        CHECK_EQ(prctl(PR_SET_DUMPABLE, 0), 0l);
        CHECK_EQ(prctl(PR_GET_DUMPABLE), 0l);
        CHECK_EQ(prctl(PR_SET_DUMPABLE, 1), 0l);
        CHECK_EQ(prctl(PR_GET_KEEPCAPS), 0l);
        CHECK_EQ(prctl(PR_SET_KEEPCAPS, 2), -EINVAL);
        CHECK_EQ(prctl(PR_SET_KEEPCAPS, 1), 0l);
        CHECK_EQ(prctl(PR_GET_KEEPCAPS), 1l);
        CHECK_EQ(prctl(PR_CAPBSET_READ, 0), 1l);        // CAP_CHOWN is in the bounding set
        CHECK_EQ(prctl(PR_CAPBSET_READ, 1000), -EINVAL);
        CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS), 0l);
        CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 1), -EINVAL);
        CHECK_EQ(prctl(PR_SET_NO_NEW_PRIVS, 0), -EINVAL);
        CHECK_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 1), -EINVAL);
        CHECK_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1), 0l);
        CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS), 1l);
        int sig = 7;
        CHECK_EQ(prctl(PR_GET_PDEATHSIG, arg(&sig)), 0l);
        CHECK_EQ(sig, 0);
        CHECK_EQ(prctl(PR_GET_PDEATHSIG, arg(kBadPtr)), -EFAULT);
        CHECK_EQ(prctl(PR_SET_PDEATHSIG, 0), 0l);
        CHECK_EQ(prctl(PR_SET_PDEATHSIG, 65), -EINVAL);
        CHECK_EQ(prctl(0), -EINVAL);
        CHECK_EQ(prctl(12345), -EINVAL);
        CHECK_EQ(prctl(-1), -EINVAL);
    });
}

UTEST(an_identity_change_clears_dumpable) {
    isolated([] {
        REQUIRE(prctl(PR_GET_DUMPABLE) == 1);
        REQUIRE(setgroups(0, nullptr) == 0);
        CHECK_EQ(prctl(PR_GET_DUMPABLE), 1l);   // groups are not an effective id
        REQUIRE(setuid(1000) == 0);
        // suid_dumpable: 0 on Linux by default (some distributions set 2); never 1 (the user's).
        CHECK(prctl(PR_GET_DUMPABLE) != 1);
    });
}

UTEST(fork_inherits_and_exec_keeps_the_ids) {
    isolated([] {
        const unsigned g[] = {7, 5};
        REQUIRE(setgroups(2, g) == 0);
        REQUIRE(setresgid(100, 100, 100) == 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        const int st = in_child([] {
            CHECK_IDS(uids(), 1000u, 1000u, 1000u);
            CHECK_IDS(gids(), 100u, 100u, 100u);
            CHECK_EQ(getgroups(0, nullptr), 2l);
        });
        CHECK(exited_with(st, 0));
        if (qemu_user()) return note("qemu-user: uid 1000 cannot reach the unpacked initramfs (a root-only directory)");
        char out[512];
        CHECK(exited_with(run_ids(out, sizeof out), 0));
        CHECK(has(out, "res_uid=1000/1000/1000 res_gid=100/100/100 groups=2:5,7 "));
        CHECK(has(out, "at_uid=1000/1000 at_gid=100/100 at_secure=0 dumpable=1 nnp=0"));
    });
}

UTEST(exec_sets_the_saved_ids_to_the_effective_ones) {
    isolated([] {
        REQUIRE(setresgid(100, 200, 300) == 0);
        REQUIRE(setresuid(1000, 2000, 3000) == 0);
        REQUIRE(prctl(PR_SET_NO_NEW_PRIVS, 1) == 0);
        if (qemu_user()) return note("qemu-user: uid 1000 cannot reach the unpacked initramfs (a root-only directory)");
        char out[512];
        CHECK(exited_with(run_ids(out, sizeof out), 0));
        CHECK(has(out, "res_uid=1000/2000/2000 res_gid=100/200/200 "));
        // Effective ids other than the real ones: a secure exec, not dumpable; nnp kept.
        CHECK(has(out, "at_uid=1000/2000 at_gid=100/200 at_secure=1 dumpable=0 nnp=1"));
    });
}

UTEST(kill_of_another_users_process_is_eperm) {
    const long root_pid = getpid();
    isolated([root_pid] {
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(kill(static_cast<int>(root_pid), 0), -EPERM);
        CHECK_EQ(kill(static_cast<int>(root_pid), SIGTERM), -EPERM);
        CHECK_EQ(kill(1, SIGTERM), -EPERM);                      // init is root's
        CHECK_EQ(kill(static_cast<int>(root_pid), 99), -EINVAL); // the signal is judged first
        CHECK_EQ(kill(static_cast<int>(root_pid), SIGCONT), 0l); // allowed within the session
        CHECK_EQ(kill(static_cast<int>(getpid()), 0), 0l);
        // A process of the same user: its real uid matches.
        const long pid = fork();
        if (pid == 0) {
            for (;;) sleep_ms(10);
        }
        REQUIRE(pid > 0);
        CHECK_EQ(kill(static_cast<int>(pid), 0), 0l);
        CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
        CHECK(killed_by(wait_child(pid), SIGKILL));
    });
    // A uid-2000 process: a sender whose real uid matches may signal it, others not; root may.
    Pipe ready;
    REQUIRE(ready.ok());
    const long pid = fork();
    if (pid == 0) {
        const char c = setresuid(2000, 2000, 2000) == 0 ? 'y' : 'n';
        write(ready.w, &c, 1);
        for (;;) sleep_ms(10);
    }
    REQUIRE(pid > 0);
    char c = 0;
    CHECK_EQ(read(ready.r, &c, 1), 1l);
    CHECK_EQ(c, 'y');
    isolated([pid] {
        REQUIRE(setresuid(2000, 1000, 1000) == 0);   // real uid 2000 matches the target's
        CHECK_EQ(kill(static_cast<int>(pid), 0), 0l);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK_EQ(kill(static_cast<int>(pid), 0), -EPERM);
    });
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    CHECK(killed_by(wait_child(pid), SIGKILL));
}

UTEST(affinity_and_prlimit_of_another_users_process_are_eperm) {
    const long root_pid = getpid();
    isolated([root_pid] {
        unsigned long mask = 0;
        REQUIRE(sched_getaffinity(0, sizeof mask, &mask) > 0);
        REQUIRE(setresuid(1000, 1000, 1000) == 0);
        CHECK(sched_getaffinity(static_cast<int>(root_pid), sizeof mask, &mask) > 0);   // reading is allowed
        CHECK_EQ(sched_setaffinity(static_cast<int>(root_pid), sizeof mask, &mask), -EPERM);
        CHECK_EQ(sched_setaffinity(0, sizeof mask, &mask), 0l);
        Rlimit old{};
        CHECK_EQ(prlimit64(static_cast<int>(root_pid), RLIMIT_NOFILE, nullptr, &old), -EPERM);
        CHECK_EQ(prlimit64(0, RLIMIT_NOFILE, nullptr, &old), 0l);
        CHECK_EQ(prlimit64(static_cast<int>(getpid()), RLIMIT_NOFILE, nullptr, &old), 0l);
        CHECK_EQ(prlimit64(999999, RLIMIT_NOFILE, nullptr, &old), -ESRCH);
    });
}
