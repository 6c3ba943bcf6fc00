// The whole user runtime in one include: system calls, the Linux ABI constants, printf, strings
// and the process environment.
#pragma once

#include "user/lib/abi.h"
#include "user/lib/printf.h"
#include "user/lib/runtime.h"
#include "user/lib/string.h"
#include "user/lib/syscall.h"
