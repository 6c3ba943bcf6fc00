// ExecFile: the program's file through the VFS.
#include "kernel/process/exec_file.h"

#include "kernel/syscall/linux_abi.h"

namespace kernel {

void ExecFile::close() {
    m_path = fs::PathRef{};   // outside the VFS lock: put takes it for the last reference
    m_inode = nullptr;
    m_size = 0;
}

int ExecFile::open(const fs::WalkStart& from, const char* path, const char*& why) {
    close();
    fs::Guard g;
    auto r = fs::walk(from, path, fs::kFollowLast);
    if (!r.ok()) {
        switch (r.errno_value()) {
        case abi::kENOTDIR: why = "a path component is not a directory"; break;
        case abi::kELOOP: why = "too many symbolic links"; break;
        case abi::kENAMETOOLONG: why = "path too long"; break;
        case abi::kEACCES: why = "a directory on the path cannot be searched"; break;
        case abi::kENOENT: why = "no such file"; break;
        default: why = "cannot be opened"; break;
        }
        return r.errno_value();
    }
    fs::Inode* i = r.value().inode;
    // Linux's may_open and do_open_execat: directories, devices, FIFOs and sockets are EACCES, and
    // so is a file without execute permission for the caller (root: without any x bit).
    int err = 0;
    if (i->is_dir()) {
        err = abi::kEACCES;
        why = "a directory";
    } else if (!i->is_reg()) {
        err = abi::kEACCES;
        why = "not a regular file";
    } else if (fs::permission(*from.cred, i->mode, i->uid, i->gid, fs::kMayExec) < 0) {
        err = abi::kEACCES;
        why = "not executable (no execute permission)";
    }
    if (err) {
        i->put_locked();
        return err;
    }
    m_path = fs::PathRef(r.value());
    m_inode = i;
    m_size = i->size;
    m_mode = i->mode;
    m_uid = i->uid;
    m_gid = i->gid;
    return 0;
}

std::int64_t ExecFile::read(std::uint64_t off, void* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        fs::KernelBuffer buf(static_cast<std::uint8_t*>(dst) + done, n - done);
        std::int64_t got;
        {
            fs::Guard g;
            got = m_inode->read(off + done, buf, n - done);
        }
        if (got < 0) return got;
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    return static_cast<std::int64_t>(done);
}

}  // namespace kernel
