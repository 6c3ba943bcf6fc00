// strace=: each traced call as one console line, "[pid N] openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3",
// decoded by strace_format.cpp. Reads user memory without resolving faults: tracing never maps a
// page or copies one the program would not have.
#include "kernel/syscall/strace.h"

#include "kernel/console.h"
#include "kernel/extable.h"
#include "kernel/process/process.h"
#include "kernel/syscall/strace_format.h"
#include "kernel/syscall/user_copy.h"
#include "lib/string.h"

namespace kernel::strace {

int g_target = 0;

void set_target(int t) { __atomic_store_n(&g_target, t, __ATOMIC_RELAXED); }
int target() { return __atomic_load_n(&g_target, __ATOMIC_RELAXED); }

bool parse_target(StrView text, int& out) {
    if (text.equals("all")) return out = kAll, true;
    if (text.equals("off")) return out = 0, true;
    auto r = lib::parse_u64(text.ptr, text.len, 10);
    if (!r.ok() || r.value() == 0 || r.value() > 0x3fffffff) return false;
    out = static_cast<int>(r.value());
    return true;
}

namespace {

std::size_t read_user(void*, std::uint64_t addr, void* dst, std::size_t n) {
    if (!user_range_ok(addr, n)) return 0;
    return n - arch_copy_from_user(dst, reinterpret_cast<const void*>(addr), n);
}

constexpr Memory kUserMemory{read_user, nullptr};
constexpr std::size_t kLineSize = 512;

bool traced(const Process* p) {
    const int t = target();
    return t == kAll || (t > 0 && p->pid == t);
}

}  // namespace

std::int64_t traced_call(Process* p, arch::TrapFrame& f, Dispatch dispatch) {
    if (!traced(p)) return dispatch(p, f);
    const std::uint64_t nr = f.x[8];
    const std::uint64_t args[6] = {f.x[0], f.x[1], f.x[2], f.x[3], f.x[4], f.x[5]};
    const CallInfo* ci = call_info(nr);
    char buf[kLineSize];
    if (ci && ci->ret == Ret::None) {  // exit, exit_group: the line now, as strace's "= ?"
        Line out(buf, sizeof buf);
        out.set_reserve(96);
        out.printf("[pid %d] ", p->pid);
        format_call(out, nr, args, false, 0, kUserMemory);
        format_no_return(out);
        out.put('\n');
        console::write(out.text(), out.length());
        return dispatch(p, f);
    }
    if (ci && (lib::string_compare(ci->name, "execve") == 0 || lib::string_compare(ci->name, "execveat") == 0)) {
        Line out(buf, sizeof buf);
        out.set_reserve(96);
        out.printf("[pid %d] ", p->pid);
        format_call(out, nr, args, false, 0, kUserMemory);
        const std::int64_t r = dispatch(p, f);
        format_result(out, nr, r);
        out.put('\n');
        console::write(out.text(), out.length());
        return r;
    }
    const std::int64_t r = dispatch(p, f);
    const std::size_t n = format_line(buf, sizeof buf, p->pid, nr, args, r, kUserMemory);
    console::write(buf, n);
    return r;
}

}  // namespace kernel::strace
