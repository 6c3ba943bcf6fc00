// Decoding of ESR_ELx (ARM ARM D13.2.37): exception class and the fault-status codes of aborts.
// Pure constexpr so host tests check the encodings.
#pragma once

#include <cstdint>

namespace arch::esr {

enum class Class : std::uint8_t {
    Unknown = 0x00,
    WfiWfe = 0x01,
    FpAccess = 0x07,
    Bti = 0x0d,
    IllegalState = 0x0e,
    Svc64 = 0x15,
    Hvc64 = 0x16,
    Smc64 = 0x17,
    SysReg = 0x18,
    Sve = 0x19,
    Fpac = 0x1c,
    Sme = 0x1d,
    InstrAbortLower = 0x20,
    InstrAbortSame = 0x21,
    PcAlignment = 0x22,
    DataAbortLower = 0x24,
    DataAbortSame = 0x25,
    SpAlignment = 0x26,
    FpException = 0x2c,
    SError = 0x2f,
    BreakpointLower = 0x30,
    BreakpointSame = 0x31,
    StepLower = 0x32,
    StepSame = 0x33,
    WatchpointLower = 0x34,
    WatchpointSame = 0x35,
    Brk64 = 0x3c,
};

constexpr Class exception_class(std::uint64_t esr) { return static_cast<Class>((esr >> 26) & 0x3f); }
constexpr std::uint32_t iss(std::uint64_t esr) { return static_cast<std::uint32_t>(esr & 0x1ffffff); }
constexpr std::uint16_t svc_imm(std::uint64_t esr) { return static_cast<std::uint16_t>(esr & 0xffff); }
constexpr bool is_abort(Class c) {
    return c == Class::InstrAbortLower || c == Class::InstrAbortSame || c == Class::DataAbortLower ||
           c == Class::DataAbortSame;
}
constexpr bool abort_is_write(std::uint64_t esr) { return (esr >> 6) & 1; }  // ISS.WnR (data aborts)
constexpr std::uint8_t fault_status(std::uint64_t esr) { return static_cast<std::uint8_t>(esr & 0x3f); }

enum class FaultKind { AddressSize, Translation, AccessFlag, Permission, External, Alignment, Other };
constexpr FaultKind fault_kind(std::uint8_t fsc) {
    switch (fsc >> 2) {
    case 0: return FaultKind::AddressSize;
    case 1: return FaultKind::Translation;
    case 2: return FaultKind::AccessFlag;
    case 3: return FaultKind::Permission;
    default: break;
    }
    if (fsc == 0x10) return FaultKind::External;
    if (fsc == 0x21) return FaultKind::Alignment;
    return FaultKind::Other;
}
constexpr unsigned fault_level(std::uint8_t fsc) { return fsc & 3; }

constexpr const char* class_name(Class c) {
    switch (c) {
    case Class::Unknown: return "unknown reason (undefined instruction)";
    case Class::WfiWfe: return "WFI/WFE trap";
    case Class::FpAccess: return "FP/SIMD access trap";
    case Class::Bti: return "branch target exception";
    case Class::IllegalState: return "illegal execution state";
    case Class::Svc64: return "SVC (system call)";
    case Class::Hvc64: return "HVC";
    case Class::Smc64: return "SMC";
    case Class::SysReg: return "system register access trap";
    case Class::Sve: return "SVE access trap";
    case Class::Fpac: return "pointer authentication failure";
    case Class::Sme: return "SME access trap";
    case Class::InstrAbortLower: return "instruction abort from EL0";
    case Class::InstrAbortSame: return "instruction abort from EL1";
    case Class::PcAlignment: return "PC alignment fault";
    case Class::DataAbortLower: return "data abort from EL0";
    case Class::DataAbortSame: return "data abort from EL1";
    case Class::SpAlignment: return "SP alignment fault";
    case Class::FpException: return "floating-point exception";
    case Class::SError: return "SError";
    case Class::BreakpointLower: return "breakpoint from EL0";
    case Class::BreakpointSame: return "breakpoint from EL1";
    case Class::StepLower: return "software step from EL0";
    case Class::StepSame: return "software step from EL1";
    case Class::WatchpointLower: return "watchpoint from EL0";
    case Class::WatchpointSame: return "watchpoint from EL1";
    case Class::Brk64: return "BRK instruction";
    }
    return "reserved exception class";
}

constexpr const char* fault_kind_name(FaultKind k) {
    switch (k) {
    case FaultKind::AddressSize: return "address size fault";
    case FaultKind::Translation: return "translation fault";
    case FaultKind::AccessFlag: return "access flag fault";
    case FaultKind::Permission: return "permission fault";
    case FaultKind::External: return "synchronous external abort";
    case FaultKind::Alignment: return "alignment fault";
    case FaultKind::Other: return "other fault";
    }
    return "?";
}

static_assert(exception_class(0x96000045) == Class::DataAbortSame);
static_assert(fault_kind(0x05) == FaultKind::Translation && fault_level(0x07) == 3);
static_assert(abort_is_write(0x96000045));

}  // namespace arch::esr
