// System-register bit definitions shared by the boot stub (.S) and C++. ARM ARM (DDI 0487) section
// D13 "AArch64 System Register Descriptions" for each register named here.
#pragma once

// --- SCTLR_EL1 (D13.2.118) ---
#define SCTLR_M (1 << 0)        // MMU enable
#define SCTLR_C (1 << 2)        // data cacheability
#define SCTLR_SA (1 << 3)       // SP alignment check at EL1
#define SCTLR_SA0 (1 << 4)      // SP alignment check at EL0
#define SCTLR_I (1 << 12)       // instruction cacheability
#define SCTLR_DZE (1 << 14)     // EL0 may use DC ZVA (as on Linux)
#define SCTLR_UCT (1 << 15)     // EL0 may read CTR_EL0 (libc reads cache line sizes)
#define SCTLR_NTWI (1 << 16)    // EL0 WFI not trapped
#define SCTLR_NTWE (1 << 18)    // EL0 WFE not trapped
#define SCTLR_WXN (1 << 19)     // writable implies execute-never: a second W^X line of defence
#define SCTLR_UCI (1 << 26)     // EL0 cache maintenance by VA allowed (as on Linux)
#define SCTLR_RES1 0x30D00800   // bits 29,28,23,22,20,11 are RES1 in ARMv8.0
#define SCTLR_EL1_MMU_OFF SCTLR_RES1
#define SCTLR_EL1_KERNEL 0x34DDD81D  // RES1 | M C SA SA0 I DZE UCT nTWI nTWE WXN UCI (checked in C++)

// --- TCR_EL1 (D13.2.131) ---
#define TCR_T0SZ(n) ((n) << 0)
#define TCR_T1SZ(n) ((n) << 16)
#define TCR_IRGN0_WBWA (1 << 8)
#define TCR_ORGN0_WBWA (1 << 10)
#define TCR_SH0_INNER (3 << 12)
#define TCR_TG0_4K (0 << 14)
#define TCR_EPD0 (1 << 7)       // no TTBR0 walks (used when no user space is installed)
#define TCR_IRGN1_WBWA (1 << 24)
#define TCR_ORGN1_WBWA (1 << 26)
#define TCR_SH1_INNER (3 << 28)
#define TCR_TG1_4K (2 << 30)
#define TCR_IPS_SHIFT 32        // 3 bits, from ID_AA64MMFR0_EL1.PARange
#define TCR_AS_SHIFT 36         // 16-bit ASIDs
#define TCR_EL1_BASE (TCR_T0SZ(16) | TCR_T1SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | \
                      TCR_TG0_4K | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K)

// --- MAIR_EL1 (D13.2.97): index 0 Device-nGnRE, 1 Normal WB RA/WA, 2 Normal NC, 3 Device-nGnRnE ---
#define MAIR_EL1_VALUE 0x000000000044FF04

// --- HCR_EL2 (D13.2.48) ---
#define HCR_RW (1 << 31)        // EL1 is AArch64

// --- CNTHCTL_EL2 (D13.8.3) ---
#define CNTHCTL_EL1PCTEN (1 << 0)  // EL1 reads the physical counter
#define CNTHCTL_EL1PCEN (1 << 1)   // EL1 uses the physical timer

// --- CPTR_EL2 (D13.2.31): RES1 bits 13,12,9..0; TFP (bit 10) clear: FP/SIMD not trapped ---
#define CPTR_EL2_RES1 0x33FF

// --- CPACR_EL1 (D13.2.30) ---
#define CPACR_FPEN_ALL (3 << 20)   // FP/SIMD usable at EL0 and EL1 (user programs use it)

// --- ICC_SRE_EL2 (GICv3 arch spec 12.2.13) ---
#define ICC_SRE_EL2_SRE (1 << 0)
#define ICC_SRE_EL2_ENABLE (1 << 3)  // EL1 may use ICC_SRE_EL1

// --- SPSR (C5.2.18) ---
#define SPSR_D (1 << 9)
#define SPSR_A (1 << 8)
#define SPSR_I (1 << 7)
#define SPSR_F (1 << 6)
#define SPSR_MODE_EL0T 0x0
#define SPSR_MODE_EL1H 0x5
#define SPSR_EL1H_MASKED (SPSR_D | SPSR_A | SPSR_I | SPSR_F | SPSR_MODE_EL1H)

// --- MPIDR_EL1 ---
#define MPIDR_AFF_MASK 0xFF00FFFFFF
