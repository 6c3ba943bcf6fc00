// The demo tasks. They run until killed.
#include "kernel/monitor/demo_tasks.h"

#include "lib/string.h"
#include "sched/scheduler.h"

namespace kernel::demo {

namespace {
int counter(void*) {
    for (std::uint64_t n = 0;; ++n) {
        asm volatile("" : : "r"(n));  // the count is the work; keep it
        sched::yield();
    }
}

int spinner(void*) {
    for (std::uint64_t n = 0;; ++n) asm volatile("" : : "r"(n));
}

int sleeper(void*) {
    for (;;) sched::sleep_ns(100'000'000);
}
}  // namespace

lib::Result<sched::Task*> spawn(const char* name) {
    if (lib::string_compare(name, "counter") == 0) return sched::spawn("counter", counter, nullptr);
    if (lib::string_compare(name, "spinner") == 0) return sched::spawn("spinner", spinner, nullptr);
    if (lib::string_compare(name, "sleeper") == 0) return sched::spawn("sleeper", sleeper, nullptr);
    return lib::Error::InvalidArgument;
}

}  // namespace kernel::demo
