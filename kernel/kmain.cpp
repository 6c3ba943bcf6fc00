// kmain: the boot CPU's C++ entry, in the upper half with the boot tables. Brings the parts up in
// dependency order, prints the banner, then runs the tests, the benchmarks or the console shell.
#include "arch/aarch64/cpu.h"
#include "hal/device_tree.h"
#include "hal/gic.h"
#include "hal/psci.h"
#include "hal/rtc_pl031.h"
#include "hal/semihosting.h"
#include "hal/timer.h"
#include "kernel/bench.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/process/exec.h"
#include "kernel/fs/fs_init.h"
#include "kernel/fs/initramfs.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/process/process.h"
#include "kernel/monitor/shell.h"
#include "kernel/smp.h"
#include "kernel/syscall/strace.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "sched/scheduler.h"

extern "C" char _kernel_start[], _kernel_end[];
extern "C" std::uintptr_t __stack_chk_guard;

namespace kernel {

BootInfo g_boot;

std::uint64_t kimage_virt_to_phys(std::uint64_t va) { return va - mm::kKernelImageBase + g_boot.kimage_pa; }

namespace {

// The option's name: the token up to its '='.
StrView option_key(StrView tok) {
    std::size_t eq = 0;
    while (eq < tok.len && tok.ptr[eq] != '=') ++eq;
    return StrView{tok.ptr, eq};
}

void warn_option(const char* what, StrView tok, void* has_init) {
    // With init=, the options the kernel does not know are init's arguments and environment
    // (start_init); bad values of the kernel's own still warn.
    if (has_init && !is_kernel_option(option_key(tok))) return;
    log_warn("command line: %.*s: %s", static_cast<int>(tok.len), tok.ptr, what);
}

std::uint64_t memory_total(const hal::PlatformInfo& p) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < p.memory_count; ++i) total += p.memory[i].size;
    return total;
}

// Like Linux, warn when the loader broke the boot protocol: the kernel copes, but such a loader may
// break other promises (caches, the device tree) in ways that surface later and elsewhere.
void check_boot_protocol() {
    const BootEntryState& e = boot_entry_state;
    using ull = unsigned long long;
    log_debug("boot protocol: entered with x1-x3 0x%llx 0x%llx 0x%llx, DAIF 0x%llx, SCTLR_EL%u 0x%llx", ull{e.x1},
              ull{e.x2}, ull{e.x3}, ull{e.daif}, g_boot.entry_el, ull{e.sctlr});
    if (e.x1 | e.x2 | e.x3)
        log_warn("boot protocol: x1-x3 not zero at entry (0x%llx 0x%llx 0x%llx)", ull{e.x1}, ull{e.x2}, ull{e.x3});
    if (e.sctlr & 1) log_warn("boot protocol: entered with the MMU on (SCTLR_EL%u 0x%llx)", g_boot.entry_el, ull{e.sctlr});
    if ((e.daif & kDaifMaskedByLoader) != kDaifMaskedByLoader)
        log_warn("boot protocol: entered with debug, IRQ or FIQ unmasked (DAIF 0x%llx)", ull{e.daif});
}

void print_banner() {
    const hal::PlatformInfo& p = g_boot.platform;
    const std::uint64_t midr = read_sysreg(midr_el1);
    kprintf("\nkernel %s (AArch64, QEMU virt)\n", KERNEL_VERSION);
    log_info("entered at EL%u, running at EL1; image at PA 0x%llx", g_boot.entry_el,
             static_cast<unsigned long long>(g_boot.kimage_pa));
    log_info("CPU: MIDR 0x%08llx (implementer 0x%02llx part 0x%03llx r%llup%llu), %zu CPU(s) in the device tree",
             static_cast<unsigned long long>(midr), static_cast<unsigned long long>(midr >> 24),
             static_cast<unsigned long long>((midr >> 4) & 0xfff), static_cast<unsigned long long>((midr >> 20) & 0xf),
             static_cast<unsigned long long>(midr & 0xf), p.cpu_count);
    log_info("memory: %llu MiB in %zu range(s), first at 0x%llx",
             static_cast<unsigned long long>(memory_total(p) >> 20), p.memory_count,
             static_cast<unsigned long long>(p.memory_count ? p.memory[0].base : 0));
    log_info("GICv%u, timer %llu Hz (virtual timer INTID %u), tick %u Hz, PSCI %u.%u",
             irq::gic()->version(), static_cast<unsigned long long>(hal::timer::frequency()),
             p.timer.virt_intid, hal::timer::hz(), hal::psci::version() >> 16, hal::psci::version() & 0xffff);
    log_info("command line: \"%.*s\"", static_cast<int>(p.bootargs_len), p.bootargs);
    const auto m = memory::stats();
    log_info("frames: %zu free of %zu usable (%zu KiB), kernel page tables: %zu", m.free_frames, m.total_frames,
             m.total_frames * 4, m.kernel_tables);
    if (!g_boot.dtb_ok) log_warn("device tree unreadable: using QEMU virt defaults");
}

void timer_irq(std::uint32_t) { hal::timer::handle_irq(); }
void uart_irq(std::uint32_t) { console::handle_irq(); }

}  // namespace

[[noreturn]] void finish_run(unsigned failures) {
    hal::semihosting::exit(failures == 0 ? 0 : 1);
}

// init=/path: that program becomes pid 1; the kernel powers off when it exits (process.cpp).
int start_init() {
    char path[128];
    const std::size_t n = g_boot.options.init.len < sizeof path - 1 ? g_boot.options.init.len : sizeof path - 1;
    lib::copy_bytes(path, g_boot.options.init.ptr, n);
    path[n] = 0;
    // As Linux does: the command line's words the kernel does not read become init's arguments and
    // environment (kernel/cmdline.h says which go where).
    static InitArgs args;
    build_init_args(g_boot.words, path, args);
    if (args.dropped) log_warn("command line: %d words beyond init's %d arguments or variables dropped", args.dropped, InitArgs::kMax);
    const char* const* argv = args.argv;
    const char* const* envp = args.envp;
    ExecFailure failure;
    auto p = spawn_process(path, argv, envp, nullptr, &failure, /*as_init=*/true);
    if (!p.ok()) {
        // As Linux: say what was tried and why it failed, then stop. Nothing can run without init,
        // so the run ends here with a failing status (through semihosting under tests, where a
        // halted machine would only time out; else PSCI powers off).
        set_exit_on_panic(true);
        const bool other = failure.file[0] != '\0' && lib::compare_bytes(failure.file, path, lib::string_length(path) + 1) != 0;
        panic("Requested init %s failed (error -%d, %s: %s%s%s). No working init found.", path, failure.err,
              errno_name(failure.err), failure.why, other ? ", in " : "", other ? failure.file : "");
    }
    // init may have run, even exited (powering off), on another CPU already; its Process is never freed.
    log_info("started %s as pid %d", path, p.value()->pid);
    return 0;
}

int main_task(void*) {
    if (!g_boot.options.test.empty()) finish_run(ktest::run(g_boot.options.test.ptr, g_boot.options.test.len));
    if (!g_boot.options.bench.empty()) finish_run(bench::run(g_boot.options.bench.ptr, g_boot.options.bench.len));
    if (!g_boot.options.init.empty()) return start_init();
    shell::run();
}

}  // namespace kernel

using namespace kernel;

// boot/head.S calls early_console_init (kernel/early_console.cpp) first: global constructors have
// run, the device tree is parsed into g_boot, the console is up and the command line read, so a
// fault from here on is reported.
extern "C" [[noreturn]] void kmain(std::uint64_t dtb_pa, std::uint64_t kimage_pa, std::uint64_t) {
#ifdef KMAIN_FAULTS_FIRST
    // The early-fault test image (cmake/kernel_link.cmake): what GDB's `set $pc = 0` at kmain does,
    // a jump to address 0 (nothing is mapped there: an instruction abort) before anything else; the
    // full panic report must still come out.
    asm volatile("br %0" : : "r"(std::uint64_t{0}));
#endif
    hal::PlatformInfo& p = g_boot.platform;

    hal::timer::init(100);
    __stack_chk_guard ^= hal::timer::counter() << 8;  // a per-boot canary (low byte stays zero)

    static int s_has_init = 1;
    parse_boot_options(g_boot.words, warn_option, g_boot.options.init.empty() ? nullptr : &s_has_init);
    set_log_level(static_cast<LogLevel>(g_boot.options.loglevel));
    if (g_boot.words.truncated)
        log_warn("command line: longer than %zu bytes or %zu words, the rest dropped", CmdlineWords::kTextSize,
                 CmdlineWords::kMaxWords);
    hal::timer::init(g_boot.options.hz);
    if (int t = 0; !g_boot.options.strace.empty()) {
        if (strace::parse_target(g_boot.options.strace, t)) strace::set_target(t);
        else log_warn("command line: strace=%.*s: not a PID, all or off", static_cast<int>(g_boot.options.strace.len),
                      g_boot.options.strace.ptr);
    }

    log_debug("device tree %s, console up", g_boot.dtb_ok ? "parsed" : "unreadable");
    memory::init(p, kimage_pa, dtb_pa);
    log_debug("memory: frames, kernel page table and heap ready");

    if (p.rtc.present && !hal::rtc::init(memory::mmio_virt(p.rtc.base)))
        log_warn("rtc: no PL031 at 0x%llx: the realtime clock starts at the epoch",
                 static_cast<unsigned long long>(p.rtc.base));
    hal::psci::init(p.psci.conduit == hal::PsciConduit::Smc   ? hal::psci::Conduit::Smc
                    : p.psci.conduit == hal::PsciConduit::Hvc ? hal::psci::Conduit::Hvc
                                                              : hal::psci::Conduit::None);
    hal::Gic* gic = p.gic.version == hal::GicVersion::V3
                        ? hal::gic_create(3, memory::mmio_virt(p.gic.dist_base), memory::mmio_virt(p.gic.redist_base))
                        : hal::gic_create(2, memory::mmio_virt(p.gic.dist_base), memory::mmio_virt(p.gic.cpu_base));
    gic->init_distributor();
    gic->init_cpu();
    irq::init(gic);
    print_banner();
    check_boot_protocol();

    irq::register_handler(p.timer.virt_intid, timer_irq);
    irq::register_handler(p.uart.intid, uart_irq);
    sched::init();
    initramfs::init(p.initrd_start, p.initrd_end, p.has_initrd);
    fs::init();   // the name space: rootfs from the initramfs at "/", tmpfs at /tmp
    process_init();
    hal::timer::start_tick();
    smp::start_secondaries(g_boot.options.maxcpus);

    // The first task runs the tests, the benchmarks or the console shell; this context becomes idle.
    auto first = sched::spawn(g_boot.options.init.empty() ? "shell" : "start-init", main_task, nullptr);
    if (!first.ok()) panic("cannot create the first task: %s", lib::error_name(first.error()));
    bench::set_boot_ready_ns(hal::timer::uptime_ns());
    sched::run_idle();
}
