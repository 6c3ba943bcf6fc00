// test_pipe: pipes between processes. Ordered data, large transfers, a blocked reader woken by a
// writer (several by one write) or by the last writer closing (end of file), EPIPE without readers,
// a full pipe blocking its writer until drained (or killed there), atomic writes up to PIPE_BUF, and
// running out of descriptors.
#include "user/lib/utest.h"

using namespace user;
using namespace user::utest;

namespace {

unsigned char pattern(std::size_t i) { return static_cast<unsigned char>(i * 31 + (i >> 8)); }

// An anonymous mapping for big buffers (the stack is small and there is no malloc).
unsigned char* scratch(std::size_t len) {
    const long r = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return is_error(r) ? nullptr : reinterpret_cast<unsigned char*>(r);
}

// Linux would also raise SIGPIPE, which kills a process that has not blocked it. Block it where
// signals exist (the kernel here has no rt_sigprocmask and returns -EPIPE alone); callers still
// accept death by SIGPIPE.
void expect_epipe_not_sigpipe() { block_signal(SIGPIPE); }

bool epipe_outcome(int status) { return exited_with(status, 0) || killed_by(status, SIGPIPE); }

}  // namespace

UTEST(data_arrives_in_order) {
    Pipe p;
    REQUIRE(p.ok());
    CHECK_EQ(write(p.w, "ab", 2), 2l);
    CHECK_EQ(write(p.w, "cde", 3), 3l);
    CHECK_EQ(write(p.w, "f", 1), 1l);
    char buf[8] = {};
    CHECK_EQ(read(p.r, buf, 4), 4l);
    CHECK(memcmp(buf, "abcd", 4) == 0);
    CHECK_EQ(read(p.r, buf, 8), 2l);
    CHECK(memcmp(buf, "ef", 2) == 0);
}

UTEST(large_transfer_between_processes) {
    constexpr std::size_t kTotal = 1 << 20;
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        p.close_r();
        unsigned char chunk[8192];
        Rng rng(1);
        std::size_t sent = 0;
        while (sent < kTotal) {
            std::size_t n = 1 + rng.below(sizeof chunk);
            if (n > kTotal - sent) n = kTotal - sent;
            for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(sent + i);
            if (!write_all(p.w, chunk, n)) exit_group(1);
            sent += n;
        }
        exit_group(0);
    }
    p.close_w();
    unsigned char chunk[5000];
    Rng rng(2);
    std::size_t got = 0;
    bool same = true;
    for (;;) {
        const long r = read(p.r, chunk, 1 + rng.below(sizeof chunk));
        if (r <= 0) {
            CHECK_EQ(r, 0l);
            break;
        }
        for (long i = 0; i < r; ++i) same = same && chunk[i] == pattern(got + static_cast<std::size_t>(i));
        got += static_cast<std::size_t>(r);
    }
    CHECK_EQ(got, kTotal);
    CHECK(same);
    CHECK(exited_with(wait_child(pid), 0));
}

UTEST(blocked_reader_is_woken_by_writer) {
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        p.close_w();
        const std::uint64_t t0 = monotonic_ns();
        char buf[8] = {};
        const long r = read(p.r, buf, sizeof buf);
        const bool waited = monotonic_ns() - t0 >= 20000000ull;   // the parent waits 100 ms to write
        exit_group(r == 4 && memcmp(buf, "ping", 4) == 0 && waited ? 0 : 1);
    }
    sleep_ms(100);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);   // still blocked
    CHECK_EQ(write(p.w, "ping", 4), 4l);
    CHECK(exited_with(wait_child(pid), 0));
}

UTEST(one_write_wakes_as_many_blocked_readers_as_it_has_bytes_for) {
    constexpr int kReaders = 3;
    Pipe p;
    REQUIRE(p.ok());
    long pids[kReaders];
    for (int i = 0; i < kReaders; ++i) {
        pids[i] = fork();
        REQUIRE(pids[i] >= 0);
        if (pids[i] == 0) {
            p.close_w();
            char c = 0;
            exit_group(read(p.r, &c, 1) == 1 && c >= 'a' && c < 'a' + kReaders ? 0 : 1);
        }
    }
    sleep_ms(50);   // every reader blocks on the empty pipe
    CHECK_EQ(write(p.w, "abc", kReaders), static_cast<long>(kReaders));   // one write, one byte each
    for (int i = 0; i < kReaders; ++i) CHECK(exited_with(wait_child(pids[i]), 0));
}

UTEST(last_writer_closing_wakes_reader_with_eof) {
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        p.close_w();
        char c;
        exit_group(read(p.r, &c, 1) == 0 ? 0 : 1);   // blocks, then end of file
    }
    sleep_ms(30);
    p.close_w();
    CHECK(exited_with(wait_child(pid), 0));
}

UTEST(eof_only_after_every_writer_is_gone) {
    Pipe p;
    REQUIRE(p.ok());
    const long dup_w = dup(p.w);
    REQUIRE(dup_w >= 0);
    p.close_w();
    CHECK_EQ(write(static_cast<int>(dup_w), "0123456789", 10), 10l);   // the duplicate keeps it open
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        sleep_ms(200);   // holds a writer for a while, then exits
        exit_group(0);
    }
    close(static_cast<int>(dup_w));
    char buf[16];
    CHECK_EQ(read(p.r, buf, sizeof buf), 10l);   // remaining data first
    const std::uint64_t t0 = monotonic_ns();
    CHECK_EQ(read(p.r, buf, sizeof buf), 0l);   // then end of file, once the child is gone
    CHECK(monotonic_ns() - t0 >= 50000000ull);   // it blocked until the child's copy went away
    CHECK(exited_with(wait_child(pid), 0));
}

UTEST(write_without_readers_is_epipe) {
    const int st = in_child([] {
        expect_epipe_not_sigpipe();
        Pipe p;
        p.close_r();
        exit_group(write(p.w, "x", 1) == -EPIPE ? 0 : 1);
    });
    CHECK(epipe_outcome(st));
    if (!exited_with(st, 0)) note("child died of SIGPIPE, as Linux does without a blocked SIGPIPE");
}

UTEST(writer_blocked_on_full_pipe_gets_epipe_when_readers_close) {
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        expect_epipe_not_sigpipe();
        p.close_r();
        unsigned char* big = scratch(1 << 20);
        if (!big) exit_group(2);
        const long first = write(p.w, big, 1 << 20);   // fills the pipe and blocks
        const long second = write(p.w, big, 1);
        // Linux returns what it wrote before the reader left, then EPIPE.
        exit_group((first > 0 || first == -EPIPE) && second == -EPIPE ? 0 : 1);
    }
    sleep_ms(30);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);   // blocked on the full pipe
    p.close_r();
    CHECK(epipe_outcome(wait_child(pid)));
}

UTEST(sigkill_ends_a_writer_blocked_on_a_full_pipe) {
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        unsigned char* big = scratch(1 << 20);
        if (!big) exit_group(2);
        write(p.w, big, 1 << 20);   // fills the pipe and blocks
        exit_group(0);
    }
    sleep_ms(30);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);   // blocked on the full pipe
    CHECK_EQ(kill(static_cast<int>(pid), SIGKILL), 0l);
    CHECK(killed_by(wait_child(pid), SIGKILL));
    // The pipe still works: drain what the writer got in, then a round trip.
    char buf[512];
    long drained = 0;
    while (drained < 4096) {   // at least the kernel's capacity was written before it blocked
        const long r = read(p.r, buf, sizeof buf);
        if (r <= 0) break;
        drained += r;
    }
    CHECK(drained >= 4096);
    CHECK_EQ(write(p.w, "ok", 2), 2l);
}

UTEST(full_pipe_blocks_writer_until_drained) {
    constexpr std::size_t kTotal = 256 * 1024;   // more than any pipe holds (Linux: 64 KiB)
    Pipe p;
    REQUIRE(p.ok());
    const long pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        p.close_r();
        unsigned char* big = scratch(kTotal);
        if (!big) exit_group(2);
        for (std::size_t i = 0; i < kTotal; ++i) big[i] = pattern(i);
        exit_group(write(p.w, big, kTotal) == static_cast<long>(kTotal) ? 0 : 1);   // one call, all of it
    }
    p.close_w();
    sleep_ms(50);
    int status = 0;
    CHECK_EQ(wait4(static_cast<int>(pid), &status, WNOHANG), 0l);   // still blocked: the pipe is full
    unsigned char* got = scratch(kTotal);
    REQUIRE(got);
    std::size_t len = 0;
    for (;;) {
        const long r = read(p.r, got + len, kTotal - len);
        if (r <= 0) break;
        len += static_cast<std::size_t>(r);
        if (len == kTotal) break;
    }
    CHECK_EQ(len, kTotal);
    bool same = true;
    for (std::size_t i = 0; i < len; ++i) same = same && got[i] == pattern(i);
    CHECK(same);
    CHECK(exited_with(wait_child(pid), 0));
}

UTEST(writes_up_to_pipe_buf_are_atomic) {
    constexpr std::size_t kRecord = 100;
    constexpr int kRecords = 500;
    constexpr int kWriters = 3;
    Pipe p;
    REQUIRE(p.ok());
    long pids[kWriters];
    for (int w = 0; w < kWriters; ++w) {
        pids[w] = fork();
        REQUIRE(pids[w] >= 0);
        if (pids[w] == 0) {
            p.close_r();
            char rec[kRecord];
            memset(rec, 'A' + w, sizeof rec);
            for (int i = 0; i < kRecords; ++i)
                if (write(p.w, rec, sizeof rec) != static_cast<long>(sizeof rec)) exit_group(1);
            exit_group(0);
        }
    }
    p.close_w();
    const std::size_t total = kRecord * kRecords * kWriters;
    unsigned char* got = scratch(total + 1);
    REQUIRE(got);
    std::size_t len = 0;
    for (;;) {
        const long r = read(p.r, got + len, total + 1 - len);
        if (r <= 0) break;
        len += static_cast<std::size_t>(r);
    }
    CHECK_EQ(len, total);
    int counts[kWriters] = {};
    bool whole = true;
    for (std::size_t rec = 0; rec + kRecord <= len; rec += kRecord) {
        for (std::size_t i = 1; i < kRecord; ++i) whole = whole && got[rec + i] == got[rec];
        const int w = got[rec] - 'A';
        if (w >= 0 && w < kWriters) ++counts[w];
    }
    CHECK(whole);
    for (int w = 0; w < kWriters; ++w) CHECK_EQ(counts[w], kRecords);
    for (int w = 0; w < kWriters; ++w) CHECK(exited_with(wait_child(pids[w]), 0));
}

UTEST(running_out_of_descriptors_is_emfile_and_recovers) {
    constexpr int kMaxPipes = 600;   // past Linux's default RLIMIT_NOFILE of 1024 descriptors
    static int fds[kMaxPipes][2];
    int n = 0;
    long err = 0;
    for (; n < kMaxPipes; ++n) {
        err = pipe2(fds[n], 0);
        if (err != 0) break;
    }
    if (err) {
        CHECK(err == -EMFILE || err == -ENFILE);
        note("%d pipes (%d descriptors) before %ld", n, 2 * n, err);
    } else {
        note("no descriptor limit within %d pipes (RLIMIT_NOFILE is high here)", kMaxPipes);
    }
    for (int i = 0; i < n; ++i) {
        CHECK_EQ(close(fds[i][0]), 0l);
        CHECK_EQ(close(fds[i][1]), 0l);
    }
    Pipe again;
    CHECK(again.ok());
    CHECK_EQ(write(again.w, "z", 1), 1l);
}
