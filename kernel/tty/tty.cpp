// Terminal settings of the console. The console has one fixed behaviour, so TCGETS describes it and
// TCSETS* accept exactly that description: a program that asks for something else (echo, canonical
// input, no output processing) gets EINVAL rather than a success the console would not honour.
#include "kernel/tty/tty.h"

#include "arch/aarch64/spinlock.h"
#include "kernel/console.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"

namespace kernel::tty {

namespace {

using namespace abi;

arch::SpinLock s_winsize_lock;  // guards s_winsize
Winsize s_winsize = {24, 80, 0, 0};  // nothing measures the terminal: the classic size until told

}  // namespace

Termios console_termios() {
    Termios t{};
    t.c_iflag = 0;                       // bytes arrive as typed: no CR to NL (ICRNL), no XON/XOFF
    t.c_oflag = kOPOST | kONLCR;         // the UART driver writes "\n" as "\r\n"
    t.c_cflag = kB115200 | kCS8 | kCREAD | kCLOCAL;  // the PL011 setup; no modem lines
    // Non-canonical, no echo, no signals from characters: a read returns what has arrived, at least
    // one byte (VMIN 1, VTIME 0). The shell's Ctrl-C kill of its foreground job is the kernel's job
    // control, not ISIG.
    t.c_lflag = 0;
    t.c_line = 0;  // N_TTY
    // Linux's defaults (INIT_C_CC), unused while ICANON and ISIG are off, but reported as Linux does.
    t.c_cc[kVINTR] = 003, t.c_cc[kVQUIT] = 034, t.c_cc[kVERASE] = 0177, t.c_cc[kVKILL] = 025;
    t.c_cc[kVEOF] = 004, t.c_cc[kVTIME] = 0, t.c_cc[kVMIN] = 1, t.c_cc[kVSTART] = 021, t.c_cc[kVSTOP] = 023;
    t.c_cc[kVSUSP] = 032, t.c_cc[kVREPRINT] = 022, t.c_cc[kVDISCARD] = 017, t.c_cc[kVWERASE] = 027;
    t.c_cc[kVLNEXT] = 026;
    return t;
}

namespace {

std::int64_t set_termios(std::uint32_t request, std::uint64_t arg) {
    Termios want;
    if (!get_user(want, arg).ok()) return -kEFAULT;
    const Termios have = console_termios();
    if (lib::compare_bytes(&want, &have, sizeof want) != 0) return -kEINVAL;
    if (request == kTCSETSF) {  // discard input not yet read, as Linux does before applying
        char c;
        while (console::try_read(c)) {
        }
    }
    // TCSETSW waits for output to drain: console writes are synchronous, nothing is pending.
    return 0;
}

}  // namespace

std::int64_t console_ioctl(std::uint32_t request, std::uint64_t arg) {
    switch (request) {
    case kTCGETS: {
        const Termios t = console_termios();
        return put_user(arg, t).ok() ? 0 : -kEFAULT;
    }
    case kTCSETS:
    case kTCSETSW:
    case kTCSETSF: return set_termios(request, arg);
    case kTIOCGWINSZ: {
        Winsize w;
        {
            arch::IrqSpinGuard g(s_winsize_lock);
            w = s_winsize;
        }
        return put_user(arg, w).ok() ? 0 : -kEFAULT;
    }
    case kTIOCSWINSZ: {
        // Linux stores it and sends SIGWINCH to the foreground group, whose default is to ignore
        // it; no process here has a handler, so storing is all there is to do.
        Winsize w;
        if (!get_user(w, arg).ok()) return -kEFAULT;
        arch::IrqSpinGuard g(s_winsize_lock);
        s_winsize = w;
        return 0;
    }
    default: return -kENOTTY;  // what Linux's tty layer answers for a request it does not know
    }
}

}  // namespace kernel::tty
