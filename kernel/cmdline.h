// The kernel command line (/chosen/bootargs): space-separated key=value options. Portable: host-tested.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

struct StrView {
    const char* ptr = "";
    std::size_t len = 0;
    bool empty() const { return len == 0; }
    bool equals(const char* s) const;
};

struct BootOptions {
    StrView test;            // test=SUITE[,SUITE] | all
    StrView bench;           // bench=NAME[,NAME] | all
    StrView init;            // init=/path (user mode)
    std::uint32_t hz = 100;  // hz=N timer tick rate, 1..10000
    int loglevel = 2;        // loglevel=0..3
    unsigned asid_bits = 0;  // asid_bits=8|16: ASID width, at most what the CPU has (0: all it has)
    unsigned maxcpus = 0;    // maxcpus=N: start at most N CPUs, the boot CPU included (0: all)
};

// Whether `key` (the part before '=') is an option the kernel reads itself. With init=, Linux's rule
// applies to the others: bare words become init's arguments, unknown key=value ones its environment.
bool is_kernel_option(StrView key);

// Calls warn(message, token) for each unknown option or bad value; never fails.
BootOptions parse_boot_options(const char* cmdline, std::size_t len,
                               void (*warn)(const char* what, StrView token, void* ctx), void* ctx);

// Iterates comma-separated items: returns false when done. pos starts at 0.
bool next_list_item(StrView list, std::size_t& pos, StrView& item);

}  // namespace kernel
