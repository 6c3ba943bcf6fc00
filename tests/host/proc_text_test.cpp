// /proc's formats against lines of a real Linux (6.1, arm64), field for field.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "kernel/fs/procfs/proc_text.h"

namespace {

using namespace kernel::fs::proc;

template <typename F>
std::string render(F&& f, std::size_t cap = 8192) {
    std::vector<char> buf(cap);
    Text t(buf.data(), cap);
    f(t);
    return std::string(t.data(), t.size());
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    return w;
}

ProcessInfo sample() {
    ProcessInfo p;
    p.pid = 42;
    p.ppid = 1;
    std::snprintf(p.comm, sizeof p.comm, "%s", "sh");
    p.state = 'S';
    p.utime_ticks = 7;
    p.start_ticks = 123;
    p.cpu = 2;
    p.cpus_allowed = 0xf;
    p.online_cpus = 4;
    p.voluntary = 5;
    p.involuntary = 6;
    p.vm_known = true;
    p.vm_size = 1024 * 1024;
    p.vm_rss = 64 * 1024;
    p.start_brk = 0x4a0000;
    return p;
}

TEST(ProcTextTest, StatHas52FieldsInLinuxOrder) {
    const std::string s = render([](Text& t) { format_stat(t, sample()); });
    ASSERT_EQ(s.back(), '\n');
    const auto w = words(s);
    ASSERT_EQ(w.size(), 52u) << s;
    EXPECT_EQ(w[0], "42");
    EXPECT_EQ(w[1], "(sh)");
    EXPECT_EQ(w[2], "S");
    EXPECT_EQ(w[3], "1");       // ppid
    EXPECT_EQ(w[4], "42");      // pgrp
    EXPECT_EQ(w[13], "7");      // utime
    EXPECT_EQ(w[17], "20");     // priority
    EXPECT_EQ(w[19], "1");      // num_threads
    EXPECT_EQ(w[21], "123");    // starttime
    EXPECT_EQ(w[22], "1048576");   // vsize (bytes)
    EXPECT_EQ(w[23], "16");     // rss (pages)
    EXPECT_EQ(w[24], "18446744073709551615");
    EXPECT_EQ(w[37], "17");     // exit_signal
    EXPECT_EQ(w[38], "2");      // processor
    EXPECT_EQ(w[46], std::to_string(0x4a0000));   // start_brk
}

TEST(ProcTextTest, StatOfACommWithSpacesAndParensKeepsTheFieldCount) {
    ProcessInfo p = sample();
    std::snprintf(p.comm, sizeof p.comm, "%s", "a b) c");
    const std::string s = render([&](Text& t) { format_stat(t, p); });
    // Parsers (busybox, procps) take the comm up to the LAST ')'.
    const std::string rest = s.substr(s.rfind(')') + 2);
    EXPECT_EQ(words(rest).size(), 50u);
}

TEST(ProcTextTest, StatusLinesAsLinux) {
    ProcessInfo p = sample();
    p.ngroups = 2;
    p.groups[0] = 0;
    p.groups[1] = 10;
    const std::string s = render([&](Text& t) { format_status(t, p); });
    EXPECT_EQ(s.rfind("Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\nPid:\t42\nPPid:\t1\n", 0), 0u) << s;
    EXPECT_NE(s.find("\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 10\n"), std::string::npos);
    EXPECT_NE(s.find("\nVmSize:\t    1024 kB\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\nVmRSS:\t      64 kB\n"), std::string::npos);
    EXPECT_NE(s.find("\nThreads:\t1\n"), std::string::npos);
    EXPECT_NE(s.find("\nCapEff:\t000001ffffffffff\n"), std::string::npos);
    EXPECT_NE(s.find("\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t6\n"), std::string::npos);
    p.state = 'Z';
    p.cpus_allowed = 0x5;
    p.euid = 1000;
    const std::string z = render([&](Text& t) { format_status(t, p); });
    EXPECT_EQ(z.find("VmSize"), std::string::npos);   // a zombie has no memory lines
    EXPECT_NE(z.find("State:\tZ (zombie)\n"), std::string::npos);
    EXPECT_NE(z.find("Cpus_allowed_list:\t0,2\n"), std::string::npos);
    EXPECT_NE(z.find("CapEff:\t0000000000000000\n"), std::string::npos);
}

TEST(ProcTextTest, MeminfoColumnsAsLinux) {
    const MemInfo m{32768, 30000, 0, 1 << 20, 10};
    const std::string s = render([&](Text& t) { format_meminfo(t, m); });
    // Linux: "MemTotal:       %8lu kB" (label padded to 16).
    EXPECT_EQ(s.rfind("MemTotal:         131072 kB\nMemFree:          120000 kB\nMemAvailable:     120000 kB\n", 0), 0u) << s;
    EXPECT_NE(s.find("\nSwapTotal:             0 kB\n"), std::string::npos);
    EXPECT_NE(s.find("\nSlab:               1024 kB\n"), std::string::npos);
}

TEST(ProcTextTest, UptimeLoadavgAndVersion) {
    EXPECT_EQ(render([](Text& t) { format_uptime(t, 12'345'678'901ull, 40'050'000'000ull); }), "12.34 40.05\n");
    const std::uint64_t avg[3] = {2048, 1024, 0};
    EXPECT_EQ(render([&](Text& t) { format_loadavg(t, avg, 1, 57, 312); }), "1.00 0.50 0.00 1/57 312\n");
    EXPECT_EQ(render([](Text& t) { format_version(t, "6.1.0-k", "gcc 12", "#1 SMP"); }),
              "Linux version 6.1.0-k (root@qemu-virt) (gcc 12) #1 SMP\n");
}

TEST(ProcTextTest, StatFileSumsTheCpus) {
    SystemStat s{};
    s.ncpus = 2;
    s.cpu[0] = {10, 5, 100};
    s.cpu[1] = {1, 2, 300};
    s.ctxt = 999;
    s.btime = 1700000000;
    s.processes = 12;
    s.running = 1;
    const std::string out = render([&](Text& t) { format_stat_file(t, s); });
    EXPECT_EQ(out,
              "cpu  11 0 7 400 0 0 0 0 0 0\n"
              "cpu0 10 0 5 100 0 0 0 0 0 0\n"
              "cpu1 1 0 2 300 0 0 0 0 0 0\n"
              "ctxt 999\nbtime 1700000000\nprocesses 12\nprocs_running 1\nprocs_blocked 0\n");
}

TEST(ProcTextTest, CpuinfoOfACortexA53AsLinux) {
    // QEMU cortex-a53: MIDR 0x410fd034, ISAR0 0x11120 (aes+pmull, sha1, sha2, crc32), PFR0 0x11 (FP, SIMD).
    const CpuIdent id{0x410fd034, 0x11120, 0x11, 62'500'000};
    const std::string s = render([&](Text& t) { format_cpuinfo(t, id, 0b101); });
    const std::string block0 =
        "processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd aes pmull sha1 sha2 crc32\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n";
    EXPECT_EQ(s.substr(0, block0.size()), block0);
    EXPECT_NE(s.find("processor\t: 2\n"), std::string::npos);
    EXPECT_EQ(s.find("processor\t: 1\n"), std::string::npos);
}

TEST(ProcTextTest, MountsEscapeAsLinux) {
    EXPECT_EQ(render([](Text& t) { format_mount(t, "tmpfs", "/tmp/a b", "tmpfs", false); }),
              "tmpfs /tmp/a\\040b tmpfs rw,relatime 0 0\n");
    EXPECT_EQ(render([](Text& t) { format_mount(t, "rootfs", "/", "rootfs", true); }), "rootfs / rootfs ro,relatime 0 0\n");
}

TEST(ProcTextTest, MapsLinesAsLinux) {
    // From a Linux arm64 /proc/self/maps.
    EXPECT_EQ(render([](Text& t) { format_map(t, 0x400000, 0x4a0000, true, false, true, false, 0, 0, 0, 0, "/bin/cat"); }),
              "00400000-004a0000 r-xp 00000000 00:00 0                                  /bin/cat\n");
    EXPECT_EQ(render([](Text& t) {
                  format_map(t, 0xfffff7fde000ull, 0xfffff7fff000ull, true, true, false, false, 0, 0, 0, 0, "[stack]");
              }),
              "fffff7fde000-fffff7fff000 rw-p 00000000 00:00 0                          [stack]\n");
    EXPECT_EQ(render([](Text& t) { format_map(t, 0x1000, 0x2000, true, true, false, false, 0, 0, 0, 0, nullptr); }),
              "00001000-00002000 rw-p 00000000 00:00 0 \n");
}

TEST(ProcTextTest, TextNeverWritesPastItsCapacity) {
    char buf[8];
    Text t(buf, 5);
    t.printf("%s", "0123456789");
    EXPECT_EQ(t.size(), 5u);
    EXPECT_TRUE(t.overflowed());
    t.pad_to(100);   // stops at the capacity
    EXPECT_EQ(t.size(), 5u);
}

}  // namespace
