// The signal Linux gives for each synchronous exception EL0 can cause: by exception class (Linux
// arch/arm64/kernel/entry-common.c el0t_64_sync_handler, traps.c) and, for aborts, by fault status
// code (arch/arm64/mm/fault.c fault_info[]). Pure constexpr: the rows are checked at compile time.
#pragma once

#include <cstdint>

#include "arch/aarch64/esr.h"
#include "kernel/syscall/linux_abi.h"

namespace kernel {

// siginfo si_code values (Linux include/uapi/asm-generic/siginfo.h), with their names. Not
// delivered yet (no signal handlers): they name the cause in the kill report, and are what a
// handler will be given.
struct SiCode {
    int value;
    const char* name;
};
namespace si_code {
inline constexpr SiCode kSEGV_MAPERR{1, "SEGV_MAPERR"}, kSEGV_ACCERR{2, "SEGV_ACCERR"};
inline constexpr SiCode kSEGV_MTESERR{9, "SEGV_MTESERR"};
inline constexpr SiCode kBUS_ADRALN{1, "BUS_ADRALN"}, kBUS_ADRERR{2, "BUS_ADRERR"}, kBUS_OBJERR{3, "BUS_OBJERR"};
inline constexpr SiCode kILL_ILLOPC{1, "ILL_ILLOPC"}, kILL_ILLOPN{2, "ILL_ILLOPN"};
inline constexpr SiCode kTRAP_BRKPT{1, "TRAP_BRKPT"}, kTRAP_TRACE{2, "TRAP_TRACE"}, kTRAP_HWBKPT{4, "TRAP_HWBKPT"};
inline constexpr SiCode kFPE_FLTUNK{14, "FPE_FLTUNK"};
inline constexpr SiCode kSI_KERNEL{0x80, "SI_KERNEL"};
}  // namespace si_code

struct FaultSignal {
    int sig;
    SiCode code;
    const char* name;  // Linux's name for the cause
};

// Data and instruction aborts from EL0, by ESR.ISS.{D,I}FSC. Rows and names as Linux's fault_info[]
// (v6.x). A translation fault in the stack's growth area and a write permission fault on a
// copy-on-write page are resolved before this table is consulted (user_fault.cpp), as Linux's
// do_translation_fault/do_page_fault resolve them; what reaches the table kills. Codes Linux calls
// "unknown" (and the walk and parity errors it cannot recover from) kill with SIGKILL.
//
//   FSC        cause                                        signal   si_code      from EL0 here
//   0x00-0x03  address size fault, level 0-3                SIGKILL  SI_KERNEL    no (kernel bug)
//   0x04-0x07  translation fault, level 0-3                 SIGSEGV  SEGV_MAPERR  unmapped address
//   0x08-0x0b  access flag fault, level 0-3                 SIGSEGV  SEGV_ACCERR  no (AF always set)
//   0x0c-0x0f  permission fault, level 0-3                  SIGSEGV  SEGV_ACCERR  text write, XN fetch
//   0x10       synchronous external abort                   SIGBUS   BUS_OBJERR   no (no device maps)
//   0x11       synchronous tag check fault (MTE)            SIGSEGV  SEGV_MTESERR no (MTE off)
//   0x13-0x17  external abort on a table walk, level -1..3  SIGKILL  SI_KERNEL    no
//   0x18       synchronous parity or ECC error              SIGBUS   BUS_OBJERR   no
//   0x1b-0x1f  parity error on a table walk, level -1..3    SIGKILL  SI_KERNEL    no
//   0x21       alignment fault                              SIGBUS   BUS_ADRALN   LDXR/STXR/LDAXR at odd addresses
//   0x29       address size fault, level -1                 SIGKILL  SI_KERNEL    no (no LPA2)
//   0x2b       translation fault, level -1                  SIGSEGV  SEGV_MAPERR  no (no LPA2)
//   0x30       TLB conflict abort                           SIGKILL  SI_KERNEL    no
//   0x31       unsupported atomic hardware update           SIGKILL  SI_KERNEL    no
//   0x34       implementation fault (lockdown)              SIGKILL  SI_KERNEL    no
//   0x35       implementation fault (unsupported exclusive) SIGBUS   BUS_OBJERR   no (no device maps)
//   0x3d/0x3e  section/page domain fault                    SIGKILL  SI_KERNEL    no (AArch32 only)
//   others     unknown                                      SIGKILL  SI_KERNEL    no
struct FaultTable {
    FaultSignal row[64];
};

constexpr FaultTable make_fault_table() {
    using namespace si_code;
    constexpr int kKill = abi::kSIGKILL, kSegv = abi::kSIGSEGV, kBus = abi::kSIGBUS;
    FaultTable t{};
    for (FaultSignal& r : t.row) r = {kKill, kSI_KERNEL, "unknown fault status code"};
    t.row[0x00] = {kKill, kSI_KERNEL, "ttbr address size fault"};
    t.row[0x01] = {kKill, kSI_KERNEL, "level 1 address size fault"};
    t.row[0x02] = {kKill, kSI_KERNEL, "level 2 address size fault"};
    t.row[0x03] = {kKill, kSI_KERNEL, "level 3 address size fault"};
    t.row[0x04] = {kSegv, kSEGV_MAPERR, "level 0 translation fault"};
    t.row[0x05] = {kSegv, kSEGV_MAPERR, "level 1 translation fault"};
    t.row[0x06] = {kSegv, kSEGV_MAPERR, "level 2 translation fault"};
    t.row[0x07] = {kSegv, kSEGV_MAPERR, "level 3 translation fault"};
    t.row[0x08] = {kSegv, kSEGV_ACCERR, "level 0 access flag fault"};
    t.row[0x09] = {kSegv, kSEGV_ACCERR, "level 1 access flag fault"};
    t.row[0x0a] = {kSegv, kSEGV_ACCERR, "level 2 access flag fault"};
    t.row[0x0b] = {kSegv, kSEGV_ACCERR, "level 3 access flag fault"};
    t.row[0x0c] = {kSegv, kSEGV_ACCERR, "level 0 permission fault"};
    t.row[0x0d] = {kSegv, kSEGV_ACCERR, "level 1 permission fault"};
    t.row[0x0e] = {kSegv, kSEGV_ACCERR, "level 2 permission fault"};
    t.row[0x0f] = {kSegv, kSEGV_ACCERR, "level 3 permission fault"};
    t.row[0x10] = {kBus, kBUS_OBJERR, "synchronous external abort"};
    t.row[0x11] = {kSegv, kSEGV_MTESERR, "synchronous tag check fault"};
    t.row[0x13] = {kKill, kSI_KERNEL, "level -1 (translation table walk)"};
    t.row[0x14] = {kKill, kSI_KERNEL, "level 0 (translation table walk)"};
    t.row[0x15] = {kKill, kSI_KERNEL, "level 1 (translation table walk)"};
    t.row[0x16] = {kKill, kSI_KERNEL, "level 2 (translation table walk)"};
    t.row[0x17] = {kKill, kSI_KERNEL, "level 3 (translation table walk)"};
    t.row[0x18] = {kBus, kBUS_OBJERR, "synchronous parity or ECC error"};
    t.row[0x1b] = {kKill, kSI_KERNEL, "level -1 synchronous parity error (translation table walk)"};
    t.row[0x1c] = {kKill, kSI_KERNEL, "level 0 synchronous parity error (translation table walk)"};
    t.row[0x1d] = {kKill, kSI_KERNEL, "level 1 synchronous parity error (translation table walk)"};
    t.row[0x1e] = {kKill, kSI_KERNEL, "level 2 synchronous parity error (translation table walk)"};
    t.row[0x1f] = {kKill, kSI_KERNEL, "level 3 synchronous parity error (translation table walk)"};
    t.row[0x21] = {kBus, kBUS_ADRALN, "alignment fault"};
    t.row[0x29] = {kKill, kSI_KERNEL, "level -1 address size fault"};
    t.row[0x2b] = {kSegv, kSEGV_MAPERR, "level -1 translation fault"};
    t.row[0x30] = {kKill, kSI_KERNEL, "TLB conflict abort"};
    t.row[0x31] = {kKill, kSI_KERNEL, "Unsupported atomic hardware update fault"};
    t.row[0x34] = {kKill, kSI_KERNEL, "implementation fault (lockdown abort)"};
    t.row[0x35] = {kBus, kBUS_OBJERR, "implementation fault (unsupported exclusive)"};
    t.row[0x3d] = {kKill, kSI_KERNEL, "section domain fault"};
    t.row[0x3e] = {kKill, kSI_KERNEL, "page domain fault"};
    return t;
}
inline constexpr FaultTable kFaultTable = make_fault_table();

// Every other exception class EL0 can raise (SVC and the FP/SIMD access trap are not faults and are
// handled before this):
//
//   class                                   signal   si_code      from EL0 here
//   0x00 unknown (UDF, EL1 registers, HVC,  SIGILL   ILL_ILLOPC   udf, mrs sctlr_el1, hvc, smc,
//        SMC, SVE/SME when absent)                                SVE on a core without it
//   0x01 WFI/WFE trapped                    SIGILL   ILL_ILLOPC   no: SCTLR nTWI/nTWE let them run
//                                                                 (Linux traps WFI and skips it)
//   0x0d BTI                                SIGILL   ILL_ILLOPC   no (no guarded pages)
//   0x0e illegal execution state            SIGILL   ILL_ILLOPC   no (EL0 cannot ERET)
//   0x18 system register access trapped     SIGILL   ILL_ILLOPC   msr daifset (SCTLR.UMA clear);
//                                                                 Linux emulates ID register reads
//                                                                 for HWCAP_CPUID, not offered here
//   0x19/0x1d SVE/SME access trap           SIGILL   ILL_ILLOPC   SVE on -cpu max (CPACR.ZEN = 0)
//   0x1c pointer authentication failure     SIGILL   ILL_ILLOPN   no (PAC keys not enabled)
//   0x22 PC alignment                       SIGBUS   BUS_ADRALN   br to an address not 4-aligned
//   0x26 SP alignment                       SIGBUS   BUS_ADRALN   SCTLR.SA0 is set, but QEMU's TCG
//                                                                 does not check: not testable
//   0x2c trapped FP exception               SIGFPE   FPE_*        no: QEMU implements no FP traps
//        (Linux picks FPE_FLTINV/DIV/OVF/UND/RES from the ISS when TFV is set, else FPE_FLTUNK: here
//        always FPE_FLTUNK, the report's name only)
//   0x30/0x34 hardware breakpoint/watchpt   SIGTRAP  TRAP_HWBKPT  no (debug registers not offered)
//   0x32 software step                      SIGTRAP  TRAP_TRACE   no (no ptrace)
//   0x3c BRK                                SIGTRAP  TRAP_BRKPT   brk #n
//   anything else                           SIGILL   ILL_ILLOPC   (Linux's el0_inv)
constexpr FaultSignal user_fault_signal(std::uint64_t esr) {
    using namespace si_code;
    using arch::esr::Class;
    switch (arch::esr::exception_class(esr)) {
    case Class::DataAbortLower:
    case Class::InstrAbortLower: return kFaultTable.row[arch::esr::fault_status(esr)];
    case Class::PcAlignment:
    case Class::SpAlignment: return {abi::kSIGBUS, kBUS_ADRALN, "SP/PC alignment exception"};
    case Class::FpException: return {abi::kSIGFPE, kFPE_FLTUNK, "floating-point exception"};
    case Class::Brk64: return {abi::kSIGTRAP, kTRAP_BRKPT, "aarch64 BRK"};
    case Class::BreakpointLower: return {abi::kSIGTRAP, kTRAP_HWBKPT, "hardware breakpoint"};
    case Class::WatchpointLower: return {abi::kSIGTRAP, kTRAP_HWBKPT, "hardware watchpoint"};
    case Class::StepLower: return {abi::kSIGTRAP, kTRAP_TRACE, "hardware single-step"};
    case Class::Fpac: return {abi::kSIGILL, kILL_ILLOPN, "pointer authentication failure"};
    default: return {abi::kSIGILL, kILL_ILLOPC, "undefined instruction"};
    }
}

static_assert(user_fault_signal(0x92000021).sig == abi::kSIGBUS);   // EL0 data abort, alignment
static_assert(user_fault_signal(0x92000021).code.value == si_code::kBUS_ADRALN.value);
static_assert(user_fault_signal(0x92000007).sig == abi::kSIGSEGV);  // level 3 translation
static_assert(user_fault_signal(0x9200004f).code.value == si_code::kSEGV_ACCERR.value);  // write, permission
static_assert(user_fault_signal(0x82000006).sig == abi::kSIGSEGV);  // EL0 instruction abort, level 2
static_assert(user_fault_signal(0x92000030).sig == abi::kSIGKILL);  // TLB conflict
static_assert(user_fault_signal(0x88000000).sig == abi::kSIGBUS);   // PC alignment
static_assert(user_fault_signal(0xf2000000).sig == abi::kSIGTRAP);  // BRK
static_assert(user_fault_signal(0x02000000).sig == abi::kSIGILL);   // unknown
static_assert(user_fault_signal(0x62000000).sig == abi::kSIGILL);   // trapped MSR/MRS

}  // namespace kernel
