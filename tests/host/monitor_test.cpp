// The monitor's portable parts: word splitting and "&", the search path, `kill`'s arguments and
// signal names, the job table and the words printed for a wait status.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kernel/monitor/monitor_args.h"
#include "kernel/monitor/monitor_jobs.h"
#include "kernel/monitor/monitor_kill.h"

namespace {

using namespace kernel::monitor;
using kernel::signal_name;
using kernel::signal_number;

struct Split {
    std::string storage;
    ParsedLine p;
    ParseError error;
    explicit Split(const std::string& line) : storage(line) {
        storage.push_back(0);
        error = split_line(storage.data(), p);
    }
    std::vector<std::string> words() const {
        std::vector<std::string> w;
        for (int i = 0; i < p.argc; ++i) w.emplace_back(p.argv[i]);
        return w;
    }
};
using Words = std::vector<std::string>;

TEST(MonitorArgsTest, SplitsOnBlanksAndTabs) {
    Split s("  run\t/bin/hello   a b  ");
    EXPECT_EQ(s.error, ParseError::None);
    EXPECT_EQ(s.words(), (Words{"run", "/bin/hello", "a", "b"}));
    EXPECT_FALSE(s.p.background);
    EXPECT_EQ(s.p.argv[s.p.argc], nullptr);
}

TEST(MonitorArgsTest, AnEmptyLineHasNoWords) {
    EXPECT_EQ(Split("").p.argc, 0);
    EXPECT_EQ(Split(" \t ").p.argc, 0);
}

TEST(MonitorArgsTest, QuotesGroupBlanksAndVanish) {
    Split s("run /bin/hello 'a b' \"c  d\" e'f g'h '' \"it's\"");
    EXPECT_EQ(s.error, ParseError::None);
    EXPECT_EQ(s.words(), (Words{"run", "/bin/hello", "a b", "c  d", "ef gh", "", "it's"}));
}

TEST(MonitorArgsTest, TrailingAmpersandMeansBackground) {
    for (const char* line : {"run /bin/spin &", "run /bin/spin&", "run /bin/spin  &  ", "run /bin/spin\t&"}) {
        Split s(line);
        EXPECT_EQ(s.error, ParseError::None) << line;
        EXPECT_TRUE(s.p.background) << line;
        EXPECT_EQ(s.words(), (Words{"run", "/bin/spin"})) << line;
    }
    Split quoted("run /bin/hello '&'");
    EXPECT_FALSE(quoted.p.background);
    EXPECT_EQ(quoted.words(), (Words{"run", "/bin/hello", "&"}));
}

TEST(MonitorArgsTest, AmpersandAnywhereElseIsRefused) {
    EXPECT_EQ(Split("run & ps").error, ParseError::MisplacedAmpersand);
    EXPECT_EQ(Split("run a&b").error, ParseError::MisplacedAmpersand);
    EXPECT_EQ(Split("run && ").error, ParseError::MisplacedAmpersand);
}

TEST(MonitorArgsTest, TooManyWordsAndOpenQuotesAreErrors) {
    std::string line;
    for (int i = 0; i < kMaxArgs; ++i) line += "w ";
    EXPECT_EQ(Split(line).error, ParseError::None);
    EXPECT_EQ(Split(line + "x").error, ParseError::TooManyArgs);
    EXPECT_EQ(Split("run 'abc").error, ParseError::UnterminatedQuote);
    EXPECT_STREQ(parse_error_message(ParseError::TooManyArgs), "too many words (at most 16)");
}

struct Files {
    std::map<std::string, FileKind> kinds;
    std::vector<std::string> asked;
    static FileKind stat(const char* path, void* ctx) {
        auto* f = static_cast<Files*>(ctx);
        f->asked.emplace_back(path);
        auto it = f->kinds.find(path);
        return it == f->kinds.end() ? FileKind::Missing : it->second;
    }
};

TEST(MonitorArgsTest, ABareNameIsSearchedInBinThenSbinThenUsrBin) {
    Files f;
    f.kinds = {{"/sbin/tool", FileKind::Executable}, {"/usr/bin/tool", FileKind::Executable},
               {"/bin/hello", FileKind::Executable}};
    Resolved r = resolve_command("tool", Files::stat, &f);
    EXPECT_EQ(r.kind, FileKind::Executable);
    EXPECT_STREQ(r.path, "/sbin/tool");
    EXPECT_TRUE(r.searched);
    EXPECT_EQ(f.asked, (Words{"/bin/tool", "/sbin/tool"}));
    EXPECT_STREQ(resolve_command("hello", Files::stat, &f).path, "/bin/hello");
}

TEST(MonitorArgsTest, ANameWithASlashIsNotSearched) {
    Files f;
    f.kinds = {{"/bin/hello", FileKind::Executable}};
    Resolved r = resolve_command("bin/hello", Files::stat, &f);
    EXPECT_EQ(r.kind, FileKind::Missing);
    EXPECT_FALSE(r.searched);
    EXPECT_EQ(f.asked, (Words{"bin/hello"}));
    EXPECT_EQ(resolve_command("/bin/hello", Files::stat, &f).kind, FileKind::Executable);
}

TEST(MonitorArgsTest, SearchReportsWhyNothingRuns) {
    Files f;
    f.kinds = {{"/bin/motd", FileKind::NotExecutable}, {"/usr/bin/motd", FileKind::Directory},
               {"/usr/bin/later", FileKind::Executable}, {"/bin/later", FileKind::Directory}};
    Resolved r = resolve_command("motd", Files::stat, &f);
    EXPECT_EQ(r.kind, FileKind::NotExecutable);  // the first that exists
    EXPECT_STREQ(r.path, "/bin/motd");
    r = resolve_command("later", Files::stat, &f);  // an executable later in the path wins
    EXPECT_EQ(r.kind, FileKind::Executable);
    EXPECT_STREQ(r.path, "/usr/bin/later");
    EXPECT_EQ(resolve_command("nothing", Files::stat, &f).kind, FileKind::Missing);
    EXPECT_EQ(resolve_command("", Files::stat, &f).kind, FileKind::Missing);
    EXPECT_EQ(resolve_command(std::string(300, 'x').c_str(), Files::stat, &f).kind, FileKind::NameTooLong);
    EXPECT_EQ(resolve_command(("/" + std::string(300, 'x')).c_str(), Files::stat, &f).kind, FileKind::NameTooLong);
}

TEST(MonitorArgsTest, KindFromModeNeedsAnExecuteBitOnARegularFile) {
    EXPECT_EQ(kind_from_mode(0100755), FileKind::Executable);
    EXPECT_EQ(kind_from_mode(0100100), FileKind::Executable);
    EXPECT_EQ(kind_from_mode(0100644), FileKind::NotExecutable);
    EXPECT_EQ(kind_from_mode(0040755), FileKind::Directory);
    EXPECT_EQ(kind_from_mode(0020666), FileKind::NotExecutable);  // a device node
}

TEST(MonitorKillTest, SignalNamesAndNumbers) {
    EXPECT_EQ(signal_number("TERM"), 15);
    EXPECT_EQ(signal_number("SIGTERM"), 15);
    EXPECT_EQ(signal_number("term"), 15);
    EXPECT_EQ(signal_number("sigint"), 2);
    EXPECT_EQ(signal_number("9"), 9);
    EXPECT_EQ(signal_number("0"), 0);
    EXPECT_EQ(signal_number("64"), 64);
    EXPECT_EQ(signal_number("65"), -1);
    EXPECT_EQ(signal_number("SIG"), -1);
    EXPECT_EQ(signal_number("TERMX"), -1);
    EXPECT_EQ(signal_number(""), -1);
    EXPECT_EQ(signal_number("IOT"), 6);
    EXPECT_EQ(signal_number("CLD"), 17);
    EXPECT_EQ(signal_number("WINCH"), 28);
    EXPECT_EQ(signal_number("SYS"), 31);
    EXPECT_STREQ(signal_name(2), "SIGINT");
    EXPECT_STREQ(signal_name(31), "SIGSYS");
    EXPECT_EQ(signal_name(0), nullptr);
    EXPECT_EQ(signal_name(40), nullptr);
    for (int s = 1; s < 32; ++s) EXPECT_EQ(signal_number(signal_name(s)), s) << s;
}

struct Kill {
    std::vector<std::string> words;
    std::vector<char*> argv;
    KillRequest req;
    KillParse result;
    explicit Kill(std::vector<std::string> w) : words(std::move(w)) {
        words.insert(words.begin(), "kill");
        for (auto& s : words) argv.push_back(s.data());
        result = parse_kill(static_cast<int>(argv.size()), argv.data(), req);
    }
};

TEST(MonitorKillTest, DefaultsToSigtermOnPids) {
    Kill k({"5", "7"});
    EXPECT_EQ(k.result.error, KillError::None);
    EXPECT_EQ(k.req.signal, 15);
    ASSERT_EQ(k.req.count, 2);
    EXPECT_EQ(k.req.targets[0].kind, TargetKind::Pid);
    EXPECT_EQ(k.req.targets[0].id, 5);
    EXPECT_EQ(k.req.targets[1].id, 7);
}

TEST(MonitorKillTest, EverySignalFormIsAccepted) {
    for (auto w : std::vector<std::vector<std::string>>{
             {"-9", "%1"}, {"-KILL", "%1"}, {"-SIGKILL", "%1"}, {"-kill", "%1"}, {"-s", "KILL", "%1"},
             {"-s", "9", "%1"}, {"-n", "9", "%1"}, {"-s", "sigkill", "%1"}}) {
        Kill k(w);
        EXPECT_EQ(k.result.error, KillError::None) << w[0];
        EXPECT_EQ(k.req.signal, 9) << w[0];
        ASSERT_EQ(k.req.count, 1);
        EXPECT_EQ(k.req.targets[0].kind, TargetKind::Job);
        EXPECT_EQ(k.req.targets[0].id, 1);
    }
    EXPECT_EQ(Kill({"-INT", "5"}).req.signal, 2);
    EXPECT_EQ(Kill({"-0", "5"}).req.signal, 0);
}

TEST(MonitorKillTest, KernelTasksNeedTheExplicitForm) {
    Kill k({"-t", "12", "k3"});
    ASSERT_EQ(k.req.count, 2);
    EXPECT_EQ(k.req.targets[0].kind, TargetKind::Task);
    EXPECT_EQ(k.req.targets[0].id, 12);
    EXPECT_EQ(k.req.targets[1].kind, TargetKind::Task);
    EXPECT_EQ(k.req.targets[1].id, 3);
    Kill k2({"k0"});
    EXPECT_EQ(k2.req.targets[0].kind, TargetKind::Task);
    EXPECT_EQ(k2.req.targets[0].id, 0);
    EXPECT_EQ(Kill({"-9", "-t", "4"}).req.targets[0].kind, TargetKind::Task);
}

TEST(MonitorKillTest, DoubleDashEndsOptionsButProcessGroupsAreRefused) {
    Kill k({"--", "5"});
    EXPECT_EQ(k.result.error, KillError::None);
    EXPECT_EQ(k.req.targets[0].id, 5);
    Kill k2({"-1", "5"});  // -1 before the target is SIGHUP
    EXPECT_EQ(k2.req.signal, 1);
    EXPECT_EQ(k2.req.targets[0].id, 5);
    EXPECT_EQ(Kill({"--", "-5"}).result.error, KillError::BadTarget);
    EXPECT_EQ(Kill({"--", "-1"}).result.error, KillError::BadTarget);
    EXPECT_EQ(Kill({"0"}).result.error, KillError::BadTarget);
}

TEST(MonitorKillTest, BadArgumentsSayWhich) {
    EXPECT_EQ(Kill({}).result.error, KillError::Usage);
    EXPECT_EQ(Kill({"-9"}).result.error, KillError::Usage);
    EXPECT_EQ(Kill({"-s"}).result.error, KillError::Usage);
    EXPECT_EQ(Kill({"-9", "-TERM", "5"}).result.error, KillError::Usage);
    Kill bad_sig({"-FOO", "5"});
    EXPECT_EQ(bad_sig.result.error, KillError::BadSignal);
    EXPECT_STREQ(bad_sig.result.word, "-FOO");
    EXPECT_EQ(Kill({"-s", "99", "5"}).result.error, KillError::BadSignal);
    for (const char* t : {"x", "0", "%0", "%", "%x", "5x", "k", "kx", "-", "99999999999"}) {
        Kill k({t});
        EXPECT_EQ(k.result.error, KillError::BadTarget) << t;
        EXPECT_STREQ(k.result.word, t);
    }
}

TEST(MonitorKillTest, ListNamesOneSignalOrAll) {
    Kill all({"-l"});
    EXPECT_TRUE(all.req.list);
    EXPECT_EQ(all.req.list_signal, -1);
    EXPECT_EQ(Kill({"-l", "15"}).req.list_signal, 15);
    EXPECT_EQ(Kill({"-l", "TERM"}).req.list_signal, 15);
    EXPECT_EQ(Kill({"-l", "137"}).req.list_signal, 9);  // an exit status of 128 + 9
    EXPECT_EQ(Kill({"-l", "FOO"}).result.error, KillError::BadSignal);
}

TEST(MonitorJobsTest, NumbersAreTheLowestFreeAndCommandsAreJoined) {
    JobTable t;
    const char* a[] = {"/bin/spin", "3"};
    const char* b[] = {"/bin/sleep"};
    EXPECT_EQ(t.add(10, 2, a).value(), 1);
    EXPECT_EQ(t.add(11, 1, b).value(), 2);
    EXPECT_EQ(t.add(12, 1, b).value(), 3);
    EXPECT_STREQ(t.find(1)->command, "/bin/spin 3");
    EXPECT_EQ(t.find_pid(11)->number, 2);
    EXPECT_TRUE(t.finish(11, 0));
    EXPECT_FALSE(t.finish(11, 0));  // already finished
    EXPECT_FALSE(t.finish(99, 0));  // not a job
    std::vector<int> reported;
    t.take_finished([](const Job& j, void* ctx) { static_cast<std::vector<int>*>(ctx)->push_back(j.number); },
                    &reported);
    EXPECT_EQ(reported, std::vector<int>{2});
    EXPECT_EQ(t.find(2), nullptr);
    EXPECT_EQ(t.count(), 2);
    EXPECT_EQ(t.add(13, 1, b).value(), 2);  // the freed number again
}

TEST(MonitorJobsTest, ATableOfKMaxJobsIsFull) {
    JobTable t;
    const char* a[] = {"x"};
    for (int i = 0; i < kMaxJobs; ++i) ASSERT_TRUE(t.add(100 + i, 1, a).ok());
    EXPECT_TRUE(t.full());
    auto r = t.add(200, 1, a);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), lib::Error::Busy);
    EXPECT_EQ(t.find(0), nullptr);
    EXPECT_EQ(t.find(kMaxJobs + 1), nullptr);
}

TEST(MonitorJobsTest, LongCommandsAreShortenedVisibly) {
    JobTable t;
    const std::string long_word(100, 'a');
    const char* a[] = {"/bin/hello", long_word.c_str()};
    ASSERT_TRUE(t.add(1, 2, a).ok());
    const std::string shown = t.find(1)->command;
    EXPECT_EQ(shown.size(), kJobCommandMax - 1);
    EXPECT_EQ(shown.substr(0, 11), "/bin/hello ");
    EXPECT_EQ(shown.substr(shown.size() - 3), "...");
    const char* fits[] = {"/bin/hello", "b"};
    ASSERT_TRUE(t.add(2, 2, fits).ok());
    EXPECT_STREQ(t.find(2)->command, "/bin/hello b");
}

std::string describe(int status) {
    char buf[64];
    describe_status(status, buf, sizeof buf);
    return buf;
}

TEST(MonitorJobsTest, StatusWordsAsAShellPrintsThem) {
    EXPECT_EQ(describe(0), "Done");
    EXPECT_EQ(describe(3 << 8), "Exit 3");
    EXPECT_EQ(describe(15), "Killed (SIGTERM)");
    EXPECT_EQ(describe(9), "Killed (SIGKILL)");
    EXPECT_EQ(describe(2), "Killed (SIGINT)");
    EXPECT_EQ(describe(40), "Killed (signal 40)");
    EXPECT_EQ(describe(0x80 | 11), "Killed (SIGSEGV, core dumped)");
}

}  // namespace
