// The program loader, in Linux's order (fs/exec.c): open the file (symbolic links followed, a
// regular file with an execute bit, else ENOENT/ENOTDIR/ELOOP/EACCES), count argv and envp
// (EFAULT), check the string space (E2BIG), copy the strings onto the new stack, then run "#!"
// scripts through their interpreter (argv rewritten as binfmt_script does, at most 5 levels) and map
// the static ELF at the end of the chain (ENOEXEC): its segments are private file mappings paged in
// on demand, with W^X rights (map_segments).
#include "kernel/process/exec.h"

#include <new>

#include "arch/aarch64/cache.h"
#include "arch/aarch64/cpu.h"
#include "kernel/process/cred_rules.h"
#include "kernel/process/elf.h"
#include "kernel/syscall/linux_abi.h"
#include "kernel/memory.h"
#include "kernel/fs/file_mmap.h"
#include "kernel/process/exec_file.h"
#include "kernel/fs/procfs/procfs.h"
#include "kernel/process/process.h"
#include "kernel/process/shebang.h"
#include "kernel/random.h"
#include "lib/string.h"

namespace kernel {

namespace {

class UserFrames final : public mm::FrameAllocator {
public:
    lib::Result<mm::PhysAddr> alloc_frame() override { return memory::alloc_frames(0); }
    void free_frame(mm::PhysAddr pa) override { memory::free_frames(pa, 0); }
    void* frame_virt(mm::PhysAddr pa) override { return memory::phys_to_virt(pa); }
    void copy_frame(mm::PhysAddr dst, mm::PhysAddr src) override {
        arch::copy_page(memory::phys_to_virt(dst), memory::phys_to_virt(src));
    }
    bool share_frame(mm::PhysAddr pa) override { return memory::frame_ref_get(pa); }
    bool release_frame(mm::PhysAddr pa) override {
        if (!memory::frame_ref_put(pa)) return false;
        memory::free_frames(pa, 0);
        return true;
    }
    bool frame_shared(mm::PhysAddr pa) override { return memory::frame_ref_shared(pa); }
};
UserFrames s_user_frames;

// Linux's exec_binprm gives up with ELOOP before the 7th file of a chain: 5 scripts still reach
// their program, 6 do not (whether the last interpreter opened or not).
constexpr int kMaxInterpreterDepth = 5;
// Program images stay below the stack's whole reach and a guard gap.
constexpr std::uint64_t kImageLimit = kUserStackTop - kUserStackSize - 0x10000;

// Records a failure and returns it as a negative errno.
int fail(ExecFailure* f, int err, const char* why, const char* file) {
    if (f) {
        f->err = err;
        f->why = why;
        const std::size_t n = lib::string_length(file);
        const std::size_t k = n < sizeof f->file - 1 ? n : sizeof f->file - 1;
        lib::copy_bytes(f->file, file, k);
        f->file[k] = '\0';
    }
    return -err;
}

const char* strings_failure(int err) {
    switch (-err) {
    case abi::kE2BIG: return "argument and environment strings over the limit";
    case abi::kEFAULT: return "argument or environment strings unreadable";
    default: return "out of memory";
    }
}

// Linux's do_open_execat (exec_file.cpp), recording a failure.
int open_exec(ExecFile& file, const fs::WalkStart& from, const char* path, ExecFailure* f) {
    const char* why = "";
    if (int e = file.open(from, path, why); e != 0) return fail(f, e, why, path);
    return 0;
}

// The start of the file: what the "#!" check and the ELF header parse read. At least the first
// page (or the whole file), and the program headers when they lie further in (up to kHeadMax).
constexpr std::size_t kHeadMax = 64 * 1024;
struct Head {
    std::uint8_t* bytes = nullptr;
    std::size_t len = 0;
    ~Head() { delete[] bytes; }
};
int read_head(ExecFile& file, Head& h) {
    delete[] h.bytes;
    h.bytes = nullptr;
    h.len = 0;
    std::size_t want = file.size() < mm::kPageSize ? static_cast<std::size_t>(file.size()) : mm::kPageSize;
    for (int pass = 0; pass < 2; ++pass) {
        delete[] h.bytes;
        h.bytes = new std::uint8_t[want ? want : 1];
        if (!h.bytes) return -abi::kENOMEM;
        const std::int64_t got = file.read(0, h.bytes, want);
        if (got < 0) return static_cast<int>(got);
        h.len = static_cast<std::size_t>(got);
        if (pass == 1 || h.len < 64 || h.bytes[0] != 0x7f) break;
        // e_phoff (8 bytes at 32), e_phnum (2 at 56): entries of 56 bytes (parse_elf checks the size).
        std::uint64_t phoff = 0;
        for (int i = 7; i >= 0; --i) phoff = phoff << 8 | h.bytes[32 + i];
        const std::uint64_t phnum = h.bytes[56] | std::uint64_t{h.bytes[57]} << 8;
        if (phoff > kHeadMax || phnum > 64) break;   // parse_elf refuses these, or they are not read
        const std::uint64_t need = phoff + phnum * 56;
        if (need <= h.len || need > file.size() || need > kHeadMax) break;
        want = static_cast<std::size_t>(need);
    }
    return 0;
}

// Frees a half-built address space unless released.
struct SpaceGuard {
    explicit SpaceGuard(mm::AddressSpace* s) : space(s) {}
    mm::AddressSpace* space;
    ~SpaceGuard() { free_space(space); }
    SpaceGuard(const SpaceGuard&) = delete;
    SpaceGuard& operator=(const SpaceGuard&) = delete;
};


// The size parse_elf may be told: the whole file's when the head holds the ELF header and the
// program header table (parse_elf reads nothing else, and checks the segments against the file's
// size), else the head's own (it then reports the table as truncated).
std::size_t elf_view_size(const Head& h, std::uint64_t file_size) {
    if (h.len == file_size || h.len < 64) return h.len;
    std::uint64_t phoff = 0;
    for (int i = 7; i >= 0; --i) phoff = phoff << 8 | h.bytes[32 + i];
    const std::uint64_t phnum = h.bytes[56] | std::uint64_t{h.bytes[57]} << 8;
    if (phnum <= 64 && phoff <= h.len && phnum * 56 <= h.len - phoff) return static_cast<std::size_t>(file_size);
    return h.len;
}

// The program's file areas until the exec hands them to its caller (LoadedProgram::areas).
struct Areas {
    FileMap* maps[kElfMaxSegments];
    std::size_t n = 0;
    Areas() = default;
    ~Areas() { file_maps_discard(maps, n); }
    Areas(const Areas&) = delete;
    Areas& operator=(const Areas&) = delete;
};

// Maps the validated image's segments at `bias` as Linux's load_elf_binary does: the pages holding
// a segment's file bytes are a MAP_PRIVATE area over the program's file (file_mmap.h), paged in on
// first touch from the file's own pages (shared with every other process running the file until one
// writes, which copies). The bss: when memsz > filesz, the segment's last partial file page is a
// private page made now, its file bytes copied and its tail zero (Linux's padzero), and the whole
// pages past it are anonymous zero pages. `page`: a kPageSize buffer. A negative errno on failure.
int map_segments(mm::AddressSpace& as, ExecFile& file, const ElfImage& img, std::uint64_t bias,
                 std::uint64_t& brk, std::uint8_t* page, Areas& areas) {
    brk = 0;
    for (std::size_t i = 0; i < img.segment_count; ++i) {
        const ElfSegment& s = img.segments[i];
        const std::uint64_t vaddr = s.vaddr + bias;
        const std::uint64_t start = mm::align_down(vaddr, mm::kPageSize);
        const std::uint64_t end = mm::align_up(vaddr + s.memsz, mm::kPageSize);
        const std::uint64_t file_end = vaddr + s.filesz;
        // The file area: every page of file bytes, but a last partial one followed by bss (a
        // bss-only segment has none: its offset may lie past the end of the file). parse_elf made
        // vaddr and offset congruent modulo the page size and kept segments off each other's pages.
        std::uint64_t area_end = start;
        if (s.filesz != 0)
            area_end = s.memsz > s.filesz ? mm::align_down(file_end, mm::kPageSize) : mm::align_up(file_end, mm::kPageSize);
        std::uint32_t prot = 0;
        if (s.read) prot |= abi::kPROT_READ;
        if (s.write) prot |= abi::kPROT_WRITE;   // never with exec (parse_elf: W^X)
        if (s.exec) prot |= abi::kPROT_EXEC;
        const std::uint64_t file_start = mm::align_down(s.offset, mm::kPageSize);
        if (area_end > start) {
            FileMap* m = file_map_new(start, area_end - start, prot, false, true, file.path(), file_start);
            if (!m) return -abi::kENOMEM;
            areas.maps[areas.n++] = m;
        }
        if (end > area_end) {
            mm::MapFlags flags = mm::MapFlags::Read;
            if (s.write) flags |= mm::MapFlags::Write;
            if (s.exec) flags |= mm::MapFlags::Execute;
            if (!as.map_new(area_end, end - area_end, flags).ok()) return -abi::kENOMEM;
            if (s.filesz != 0 && file_end > area_end) {   // the partial page: its file bytes, the tail zero
                const std::size_t n = static_cast<std::size_t>(file_end - area_end);
                const std::int64_t got = file.read(file_start + (area_end - start), page, n);
                if (got < 0) return static_cast<int>(got);
                if (static_cast<std::size_t>(got) != n) return -abi::kEIO;   // the file shrank meanwhile
                if (!write_to_space(as, area_end, page, n, s.exec)) return -abi::kENOMEM;
            }
        }
        if (end > brk) brk = end;
    }
    return 0;
}

}  // namespace

const char* errno_name(int err) {
    switch (err) {
    case abi::kENOENT: return "ENOENT";
    case abi::kE2BIG: return "E2BIG";
    case abi::kENOEXEC: return "ENOEXEC";
    case abi::kENOMEM: return "ENOMEM";
    case abi::kEACCES: return "EACCES";
    case abi::kEFAULT: return "EFAULT";
    case abi::kENOTDIR: return "ENOTDIR";
    case abi::kENAMETOOLONG: return "ENAMETOOLONG";
    case abi::kELOOP: return "ELOOP";
    default: return "error";
    }
}

mm::FrameAllocator& user_frames() { return s_user_frames; }

mm::AddressSpace* new_space_storage_create() {
    void* storage = ::operator new(sizeof(mm::AddressSpace), std::align_val_t{alignof(mm::AddressSpace)});
    if (!storage) return nullptr;
    auto r = mm::AddressSpace::create(storage, memory::table_frames(), s_user_frames, memory::tlb());
    if (!r.ok()) {
        ::operator delete(storage, std::align_val_t{alignof(mm::AddressSpace)});
        return nullptr;
    }
    return r.value();
}

void free_space(mm::AddressSpace* space) {
    if (!space) return;
    space->destroy();
    ::operator delete(static_cast<void*>(space), std::align_val_t{alignof(mm::AddressSpace)});
}

std::int64_t load_program(const fs::WalkStart& from, const char* path, const ArgVector& argv, const ArgVector& envp,
                          LoadedProgram& out, ExecFailure* f, const ExecCaller* caller) {
    ExecFile file;
    if (int e = open_exec(file, from, path, f); e < 0) return e;
    Head head;
    if (int e = read_head(file, head); e < 0) return fail(f, -e, "cannot read the file", path);

    std::size_t argc = 0, envc = 0;
    if (int e = count_args(argv, argc); e < 0) return fail(f, -e, "argv unreadable", path);
    if (int e = count_args(envp, envc); e < 0) return fail(f, -e, "envp unreadable", path);
    // The strings and their pointers share a quarter of the stack limit (Linux's bprm_stack_limits;
    // an empty argv gets one "" string, so it counts one pointer).
    const std::uint64_t space = exec_string_space(kUserStackSize);
    const std::uint64_t pointers = ((argc > 0 ? argc : 1) + envc) * 8;
    if (space <= pointers) return fail(f, abi::kE2BIG, "too many arguments", path);

    SpaceGuard as{new_space_storage_create()};
    if (!as.space) return fail(f, abi::kENOMEM, "out of memory", path);
    // The stack: mapped as far as the strings reach, at least kUserStackInitial; the rest grows on
    // demand down to kUserStackSize (process.cpp), with an unmapped guard gap below.
    ExecStack stack(*as.space, kUserStackTop, kUserStackInitial);
    stack.limit_strings(space - pointers);
    if (int e = stack.push_kernel_string(path); e < 0) return fail(f, -e, "path does not fit the argument space", path);
    const std::uint64_t execfn = stack.p();
    if (int e = stack.push_strings(envp, envc); e < 0) return fail(f, -e, strings_failure(e), path);
    const std::uint64_t arg_end = stack.p();   // argv's strings lie just below envp's
    if (int e = stack.push_strings(argv, argc); e < 0) return fail(f, -e, strings_failure(e), path);
    if (argc == 0) {   // as Linux since 5.18: no program starts with argc 0
        if (int e = stack.push_kernel_string(""); e < 0) return fail(f, -e, strings_failure(e), path);
        argc = 1;
    }

    // "#!" scripts: argv[0] gives way to the interpreter, its argument and the script's name
    // (the name it was executed by), then the interpreter is opened like the script was.
    char name[kBinprmBufSize];   // the interpreter being executed, as the script named it
    const char* current = path;  // the file being executed, as named (Linux's bprm->interp)
    Shebang sb;
    for (int depth = 0;; ++depth) {
        if (depth > kMaxInterpreterDepth) return fail(f, abi::kELOOP, "too many levels of #! interpreters", path);
        auto script = parse_shebang(head.bytes, head.len, sb);
        if (!script.ok()) return fail(f, abi::kENOEXEC, "bad #! line (no interpreter, or longer than 256 bytes)", current);
        if (!script.value()) break;
        if (int e = stack.drop_lowest_string(); e < 0) return fail(f, -e, strings_failure(e), current);
        int e = stack.push_kernel_string(current);
        if (e == 0 && sb.has_argument) e = stack.push_kernel_string(sb.argument);
        if (e == 0) e = stack.push_kernel_string(sb.interpreter);
        if (e < 0) return fail(f, -e, strings_failure(e), current);
        argc += sb.has_argument ? 2 : 1;
        lib::copy_bytes(name, sb.interpreter, lib::string_length(sb.interpreter) + 1);
        current = name;
        // An empty name ("#!" alone) is the working directory on Linux: "/" here, so EACCES.
        if (int e2 = open_exec(file, from, name[0] ? name : ".", f); e2 < 0) return e2;
        if (int e2 = read_head(file, head); e2 < 0) return fail(f, -e2, "cannot read the file", name);
    }

    const std::uint64_t arg_start = stack.p();   // argv[0], the interpreter's name for a script
    const char* why = "";
    auto elf = parse_elf(head.bytes, elf_view_size(head, file.size()), kImageLimit, kElfDefaultMaxMapped, &why);
    if (!elf.ok()) return fail(f, abi::kENOEXEC, why, current);
    const ElfImage& img = elf.value();
    // A static PIE (no interpreter: parse_elf refuses PT_INTERP) goes at kPieLoadBase; its libc's
    // start-up code applies its own relocations (glibc's and musl's static-pie crt files do), the
    // kernel only moves the image and says where through AT_PHDR and AT_ENTRY.
    const std::uint64_t bias = img.is_pie ? kPieLoadBase - img.image_start : 0;
    if (img.is_pie && img.image_end + bias > kMmapTop) return fail(f, abi::kENOEXEC, "PIE too large", current);
    std::uint64_t brk = 0;
    Areas areas;
    {
        Head page;
        page.bytes = new std::uint8_t[mm::kPageSize];
        if (!page.bytes) return fail(f, abi::kENOMEM, "out of memory", current);
        if (int e = map_segments(*as.space, file, img, bias, brk, page.bytes, areas); e < 0)
            return fail(f, -e, e == -abi::kENOMEM ? "out of memory" : "cannot read the file", current);
    }

    // cred: the final program's set-id bits count, not a script's (Linux's bprm_creds_from_file
    // looks at the interpreter's file). File systems mounted nosuid do not exist yet.
    bool secure = false;
    const fs::Credentials root{};
    const fs::Credentials cred = cred::exec_credentials(caller ? caller->cred : root, file.mode(), file.uid(), file.gid(),
                                                        caller && caller->no_new_privs, secure);
    const std::uint64_t random_bytes[2] = {random::next_u64(), random::next_u64()};
    std::uint64_t at_random = 0;
    if (int e = stack.push_random(random_bytes, at_random); e < 0) return fail(f, -e, "out of memory", current);
    const std::uint64_t auxv[][2] = {
        {abi::kAT_PHDR, img.phdr_vaddr ? img.phdr_vaddr + bias : 0}, {abi::kAT_PHENT, img.phentsize},
        {abi::kAT_PHNUM, img.phnum}, {abi::kAT_PAGESZ, 4096}, {abi::kAT_BASE, 0 /* no interpreter */},
        {abi::kAT_FLAGS, 0}, {abi::kAT_ENTRY, img.entry + bias},
        {abi::kAT_UID, cred.ruid}, {abi::kAT_EUID, cred.euid}, {abi::kAT_GID, cred.rgid}, {abi::kAT_EGID, cred.egid},
        {abi::kAT_HWCAP, 0x3 /* FP | ASIMD */}, {abi::kAT_CLKTCK, 100}, {abi::kAT_SECURE, secure ? 1u : 0u},
        {abi::kAT_RANDOM, at_random}, {abi::kAT_EXECFN, execfn}, {abi::kAT_NULL, 0}};
    std::uint64_t sp = 0;
    if (int e = stack.finish(argc, envc, auxv, sizeof auxv / sizeof auxv[0], sp); e < 0)
        return fail(f, -e, "out of memory", current);

    // The code was written through the data side and cleaned to the PoU: wait for the cleans,
    // invalidate every I-cache, wait again, resynchronise this CPU's fetch.
    asm volatile("dsb ish\n ic ialluis\n dsb ish\n isb" ::: "memory");
    out = LoadedProgram{as.space, img.entry + bias, sp, brk, cred, secure, arg_start, arg_end, {}, {}, 0};
    std::int64_t named;
    {
        fs::Guard g;
        named = fs::program_name(from, current, out.exe, sizeof out.exe);   // procdev: /proc/<pid>/exe
    }
    if (named < 0) {   // too long for exe[] (or gone meanwhile): the name as given
        std::size_t n = lib::string_length(current);
        if (n >= sizeof out.exe) n = sizeof out.exe - 1;
        lib::copy_bytes(out.exe, current, n);
        out.exe[n] = 0;
    }
    for (std::size_t i = 0; i < areas.n; ++i) out.areas[i] = areas.maps[i];
    out.area_count = areas.n;
    areas.n = 0;
    as.space = nullptr;   // the caller's now, and the areas
    return 0;
}

std::size_t copy_program_args(const LoadedProgram& prog, char* buf, std::size_t size) {
    std::size_t done = 0;
    const std::uint64_t len = prog.arg_end - prog.arg_start;
    while (done < size && done < len) {
        const std::uint64_t va = prog.arg_start + done;
        auto t = prog.space->translate(va);
        if (!t.ok()) break;   // exec mapped the whole string area: never, but stop rather than guess
        std::size_t chunk = mm::kPageSize - (va & (mm::kPageSize - 1));
        if (chunk > size - done) chunk = size - done;
        if (chunk > len - done) chunk = len - done;
        lib::copy_bytes(buf + done, memory::phys_to_virt(t.value().pa), chunk);
        done += chunk;
    }
    return done;
}

}  // namespace kernel
