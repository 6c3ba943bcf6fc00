// Secondary CPUs and inter-processor interrupts (smp.h).
//
// Bring-up: for each CPU node of the device tree other than the boot CPU's (its reg is the MPIDR,
// whatever the Aff0/Aff1 numbering), in tree order, up to maxcpus: the scheduler prepares its state
// and idle task (whose stack it starts on), a SecondaryBoot record (boot/secondary_boot.h) tells
// boot/head.S's secondary_entry how to turn its MMU on, and PSCI CPU_ON starts it there. Each record
// has a state the boot CPU and the new CPU settle by compare-and-swap: a CPU that checks in late,
// after the boot CPU gave up on it, finds itself abandoned and parks instead of joining.
#include "kernel/smp.h"

#include "arch/aarch64/cache.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/tlb.h"
#include "boot/secondary_boot.h"
#include "hal/psci.h"
#include "hal/timer.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "lib/format.h"
#include "sched/scheduler.h"

namespace kernel::smp {

namespace {

enum class CpuState : std::uint32_t { Absent, Starting, Online, Abandoned };

struct alignas(64) Secondary {
    boot::SecondaryBoot boot;  // read by the CPU with its MMU off: cleaned to memory before CPU_ON
    std::uint32_t state = 0;   // CpuState, settled by compare-and-swap
    std::uint64_t mpidr = 0;
};
Secondary s_cpus[sched::kMaxCpus];

// A few of PSCI's return codes (DEN 0022, 5.2.2) for the boot log.
const char* psci_error_name(std::int64_t e) {
    switch (e) {
    case -1: return "NOT_SUPPORTED";
    case -2: return "INVALID_PARAMETERS";
    case -3: return "DENIED";
    case -4: return "ALREADY_ON";
    case -5: return "ON_PENDING";
    case -6: return "INTERNAL_FAILURE";
    case -9: return "INVALID_ADDRESS";
    default: return "error";
    }
}

bool settle(Secondary& s, CpuState from, CpuState to) {
    auto expected = static_cast<std::uint32_t>(from);
    return __atomic_compare_exchange_n(&s.state, &expected, static_cast<std::uint32_t>(to), false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

// The secondary CPU's first C++ (from boot/head.S, on its idle stack, TPIDR_EL1 = its block, MMU on
// with the boot identity map still in TTBR0, IRQs masked).
[[noreturn]] void secondary_main(void*) {
    const unsigned index = arch::cpu_index();
    // Off the identity map: every CPU runs kernel tasks on the empty user table. Its entries were
    // global, so the TLB is flushed (this CPU's only: the others never loaded them).
    write_sysreg(ttbr0_el1, memory::empty_user_root());
    arch::isb();
    asm volatile("tlbi vmalle1\n dsb nsh\n isb" ::: "memory");
    irq::init_cpu();       // its GIC interface, the timer PPI and the kernel's SGIs enabled on it
    hal::timer::init_cpu();
    if (!settle(s_cpus[index], CpuState::Starting, CpuState::Online)) {
        for (;;) arch::wfi();  // the boot CPU gave up on us: never join (IRQs stay masked)
    }
    hal::timer::start_tick();
    sched::run_secondary();
}

// ---- Calls on other CPUs.

struct CallSlot {
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    std::uint32_t done = 0;  // 1 once fn has run (release), 0 while pending
};
CallSlot s_calls[sched::kMaxCpus];
arch::SpinLock s_call_lock;  // one caller at a time (the panic path bypasses it)

// The panic stop rides on the call SGI but not on the call slots: a CPU whose slot holds a pending
// call_on_others request (or is just running one) when the panic comes must still stop, and a slot
// rewritten under its reader could run a call with another call's argument. One flag, set once by
// the reporting CPU before its SGIs, is checked first by every call SGI.
bool s_stop_all = false;
enum class Halt : std::uint32_t { Running, Stopped, PanickedToo };
struct Halted {
    char task[40];       // what it ran: "NAME (id N)", written before `how`
    std::uint32_t how;   // Halt, stored with release once task is written
    Halt parking;        // this CPU's own: Running until park() is entered, then why
};
Halted s_halted[sched::kMaxCpus];

// Records what this CPU ran and parks it for good, IRQs masked (the interrupted context is never
// resumed, and the SGI that brought it here never gets its end of interrupt: nothing will run here).
[[noreturn]] void park(Halt how) {
    arch::irq_disable();
    Halted& me = s_halted[arch::cpu_index()];
    if (me.parking != Halt::Running) {
        // Faulted while recording below (a corrupt task) and came back through the panic path: say
        // so rather than recurse, keeping the first reason.
        lib::snformat(me.task, sizeof me.task, "a task it could not read");
        __atomic_store_n(&me.how, static_cast<std::uint32_t>(me.parking), __ATOMIC_RELEASE);
        for (;;) arch::wfi();
    }
    me.parking = how;
    const sched::Task* t = sched::current();
    if (t) lib::snformat(me.task, sizeof me.task, "%s (id %llu)", t->name, static_cast<unsigned long long>(t->id));
    else lib::snformat(me.task, sizeof me.task, "no task");
    __atomic_store_n(&me.how, static_cast<std::uint32_t>(how), __ATOMIC_RELEASE);
    for (;;) arch::wfi();
}

void on_call_sgi(std::uint32_t) {
    if (__atomic_load_n(&s_stop_all, __ATOMIC_ACQUIRE)) park(Halt::Stopped);  // before any pending call
    CallSlot& slot = s_calls[arch::cpu_index()];
    auto fn = __atomic_load_n(&slot.fn, __ATOMIC_ACQUIRE);
    if (!fn) return;
    void* arg = slot.arg;
    __atomic_store_n(&slot.fn, nullptr, __ATOMIC_RELAXED);
    fn(arg);
    __atomic_store_n(&slot.done, 1u, __ATOMIC_RELEASE);
}

void on_reschedule_sgi(std::uint32_t) {}  // the interrupt exit looks at need_resched

// Posts fn on every other online CPU and waits (bounded per CPU) for each; lock-free.
unsigned post_and_wait(void (*fn)(void*), void* arg, std::uint64_t patience_ns) {
    const unsigned me = arch::cpu_index();
    const sched::CpuMask online = sched::online_cpus();
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (c == me || !(online & sched::cpu_bit(c))) continue;
        s_calls[c].arg = arg;
        __atomic_store_n(&s_calls[c].done, 0u, __ATOMIC_RELAXED);
        __atomic_store_n(&s_calls[c].fn, fn, __ATOMIC_RELEASE);
        irq::gic()->send_sgi(kSgiCall, c);
    }
    unsigned ran = 0;
    const std::uint64_t deadline = hal::timer::uptime_ns() + patience_ns;
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (c == me || !(online & sched::cpu_bit(c))) continue;
        while (!__atomic_load_n(&s_calls[c].done, __ATOMIC_ACQUIRE) && hal::timer::uptime_ns() < deadline)
            arch::cpu_relax();
        if (__atomic_load_n(&s_calls[c].done, __ATOMIC_ACQUIRE)) ++ran;
    }
    return ran;
}

}  // namespace

void send_reschedule(unsigned cpu) { irq::gic()->send_sgi(kSgiReschedule, cpu); }

unsigned online_count() { return sched::online_cpu_count(); }

unsigned call_on_others(void (*fn)(void*), void* arg, std::uint64_t patience_ns) {
    arch::IrqSpinGuard g(s_call_lock);  // IRQs masked: this CPU stays this CPU while it waits
    return post_and_wait(fn, arg, patience_ns);
}

void stop_others_for_panic() {
    if (online_count() < 2) return;
    // Bounded: a CPU spinning with IRQs masked never answers, and the report must still come out.
    // Uptime, not a count of polls: the wait must not shrink with a faster host. A CPU that answers
    // later (its virtual CPU was descheduled) still parks; its line just says it did not stop.
    constexpr std::uint64_t kPatienceNs = 500'000'000;
    const unsigned me = arch::cpu_index();
    const sched::CpuMask online = sched::online_cpus();
    __atomic_store_n(&s_stop_all, true, __ATOMIC_RELEASE);
    for (unsigned c = 0; c < sched::kMaxCpus; ++c)
        if (c != me && (online & sched::cpu_bit(c))) irq::gic()->send_sgi(kSgiCall, c);
    const std::uint64_t deadline = hal::timer::uptime_ns() + kPatienceNs;
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (c == me || !(online & sched::cpu_bit(c))) continue;
        while (__atomic_load_n(&s_halted[c].how, __ATOMIC_ACQUIRE) == static_cast<std::uint32_t>(Halt::Running) &&
               hal::timer::uptime_ns() < deadline)
            arch::cpu_relax();
    }
    for (unsigned c = 0; c < sched::kMaxCpus; ++c) {
        if (c == me || !(online & sched::cpu_bit(c))) continue;
        char line[112];
        const Halted& h = s_halted[c];
        std::size_t n;
        switch (static_cast<Halt>(__atomic_load_n(&h.how, __ATOMIC_ACQUIRE))) {
        case Halt::Stopped: n = lib::snformat(line, sizeof line, "CPU %u: stopped, was running %s\n", c, h.task); break;
        case Halt::PanickedToo:
            n = lib::snformat(line, sizeof line, "CPU %u: panicked too (its report suppressed), was running %s\n", c,
                              h.task);
            break;
        default: n = lib::snformat(line, sizeof line, "CPU %u: did not stop (interrupts masked?)\n", c); break;
        }
        console::write_panic(line, n < sizeof line ? n : sizeof line - 1);
    }
}

void park_after_losing_panic() { park(Halt::PanickedToo); }

void start_secondaries(unsigned maxcpus) {
    irq::register_handler(kSgiReschedule, on_reschedule_sgi);
    irq::register_handler(kSgiCall, on_call_sgi);
    const hal::PlatformInfo& p = g_boot.platform;
    const std::uint64_t boot_mpidr = arch::mpidr() & 0xff00ffffffull;
    unsigned limit = maxcpus == 0 ? sched::kMaxCpus : (maxcpus < sched::kMaxCpus ? maxcpus : sched::kMaxCpus);
    if (p.cpu_count > sched::kMaxCpus)
        log_warn("smp: %zu CPUs in the device tree, the kernel runs at most %u", p.cpu_count, sched::kMaxCpus);
    if (hal::psci::conduit() == hal::psci::Conduit::None && p.cpu_count > 1 && limit > 1) {
        log_warn("smp: no PSCI in the device tree: running on the boot CPU only");
        limit = 1;
    }

    // Start them all, then wait: they come up in parallel.
    unsigned next = 1;
    const std::uint64_t entry_pa = kimage_virt_to_phys(reinterpret_cast<std::uint64_t>(secondary_entry));
    for (std::size_t i = 0; i < p.cpu_count && next < limit; ++i) {
        const std::uint64_t mpidr = p.cpu_mpidr[i];
        if (mpidr == boot_mpidr) continue;
        const unsigned index = next++;
        Secondary& s = s_cpus[index];
        s.mpidr = mpidr;
        auto prepared = sched::prepare_cpu(index, mpidr);
        if (!prepared.ok()) {
            log_warn("smp: CPU %u (mpidr 0x%llx): no memory for its state", index, static_cast<unsigned long long>(mpidr));
            continue;
        }
        s.boot = boot::SecondaryBoot{read_sysreg(mair_el1),
                                     read_sysreg(tcr_el1),
                                     kimage_virt_to_phys(reinterpret_cast<std::uint64_t>(boot_l0_low)),
                                     read_sysreg(ttbr1_el1) & ((std::uint64_t{1} << 48) - 1),
                                     prepared.value().stack_top,
                                     reinterpret_cast<std::uint64_t>(prepared.value().percpu),
                                     reinterpret_cast<std::uint64_t>(&secondary_main)};
        __atomic_store_n(&s.state, static_cast<std::uint32_t>(CpuState::Starting), __ATOMIC_RELAXED);
        arch::clean_dcache_range(&s, sizeof s);  // read with the MMU off
        const std::int64_t r =
            hal::psci::cpu_on(mpidr, entry_pa, kimage_virt_to_phys(reinterpret_cast<std::uint64_t>(&s.boot)));
        if (r != 0) {
            settle(s, CpuState::Starting, CpuState::Abandoned);
            log_warn("smp: CPU %u (mpidr 0x%llx) failed to start: PSCI CPU_ON %s (%lld)", index,
                     static_cast<unsigned long long>(mpidr), psci_error_name(r), static_cast<long long>(r));
        }
    }
    // A CPU that has not checked in after this long (of uptime) is given up: real QEMU CPUs come up
    // in microseconds, but a loaded host can deschedule one for a long while.
    constexpr std::uint64_t kCheckInNs = 10'000'000'000ull;
    const std::uint64_t deadline = hal::timer::uptime_ns() + kCheckInNs;
    for (unsigned c = 1; c < next; ++c) {
        Secondary& s = s_cpus[c];
        while (__atomic_load_n(&s.state, __ATOMIC_ACQUIRE) == static_cast<std::uint32_t>(CpuState::Starting) &&
               hal::timer::uptime_ns() < deadline)
            arch::cpu_relax();
        if (settle(s, CpuState::Starting, CpuState::Abandoned))
            log_warn("smp: CPU %u (mpidr 0x%llx) did not check in: skipped", c, static_cast<unsigned long long>(s.mpidr));
    }
    // Each CPU joins the online set itself, just after checking in: wait for those that did.
    for (unsigned c = 1; c < next; ++c)
        if (__atomic_load_n(&s_cpus[c].state, __ATOMIC_ACQUIRE) == static_cast<std::uint32_t>(CpuState::Online))
            while (!(sched::online_cpus() & sched::cpu_bit(c))) arch::cpu_relax();

    char list[160];
    std::size_t used = 0;
    for (unsigned c = 0; c < sched::kMaxCpus; ++c)
        if (sched::online_cpus() & sched::cpu_bit(c))
            used += lib::snformat(list + used, sizeof list - used, " 0x%llx",
                                  static_cast<unsigned long long>(sched::cpu_info(c).value().mpidr));
    log_info("smp: %u CPU%s online (mpidr%s)", online_count(), online_count() == 1 ? "" : "s", list);
}

}  // namespace kernel::smp
