// ids: prints the identity it runs with, one line, for test_cred's fork/exec/set-id checks:
// "res_uid=R/E/S res_gid=R/E/S groups=N[:g1,g2..] at_uid=U/EU at_gid=G/EG at_secure=S dumpable=D nnp=N"
// (the auxiliary vector's ids as exec computed them, beside what the calls report).
#include "user/lib/user.h"

using namespace user;

int main(int, char**, char**) {
    unsigned ru = 0, eu = 0, su = 0, rg = 0, eg = 0, sg = 0;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) die("getresuid/getresgid failed");
    unsigned groups[64];
    const long n = getgroups(64, groups);
    if (n < 0) die("getgroups failed: %ld", n);
    char list[512] = {};
    std::size_t len = 0;
    for (long i = 0; i < n && len + 12 < sizeof list; ++i)
        len += static_cast<std::size_t>(snprintf(list + len, sizeof list - len, "%s%u", i ? "," : ":", groups[i]));
    printf("res_uid=%u/%u/%u res_gid=%u/%u/%u groups=%ld%s at_uid=%lu/%lu at_gid=%lu/%lu at_secure=%lu dumpable=%ld nnp=%ld\n",
           ru, eu, su, rg, eg, sg, n, list, getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID),
           getauxval(AT_EGID), getauxval(AT_SECURE), prctl(PR_GET_DUMPABLE), prctl(PR_GET_NO_NEW_PRIVS));
    return 0;
}
