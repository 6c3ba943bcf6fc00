// The console as a Linux terminal: the termios settings that describe what console reads and writes
// actually do, the window size, and the terminal ioctls on a console descriptor.
#pragma once

#include <cstdint>

#include "kernel/syscall/linux_abi.h"

namespace kernel::tty {

// The console's settings as TCGETS reports them.
abi::Termios console_termios();

// An ioctl on a console descriptor: 0 or a result, else -errno (ENOTTY for requests a terminal does
// not know, EFAULT for a bad argument pointer, EINVAL for settings the console cannot take).
std::int64_t console_ioctl(std::uint32_t request, std::uint64_t arg);

}  // namespace kernel::tty
