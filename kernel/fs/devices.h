// Character devices by number: what a device node opens, wherever it is (devtmpfs at /dev, or a
// node made with mknod on tmpfs). Linux's numbers: mem 1:3 null, 1:5 zero, 1:7 full, 1:8 random,
// 1:9 urandom; tty 5:0 tty, 5:1 console; 204:64 ttyAMA0 (the PL011).
//
// How a file opens one (File::open_inode, kernel/fs/file.cpp): for an S_IFCHR inode it asks
// find_device(inode->rdev) (null: -ENXIO, as Linux for a number without a driver) and keeps the
// Device; its reads, writes and ioctls then call the operations below WITHOUT the VFS lock (a console
// read sleeps until a key arrives). A device with `console` set is the console: its writes take the
// console's writer turn (File::WriteTurn) as descriptors 0-2 do, and it answers terminal ioctls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fs/inode.h"

namespace kernel::fs {

struct Device {
    std::uint32_t major, minor;
    const char* name;         // its name under /dev
    std::uint32_t mode;       // its permission bits in devtmpfs (Linux's devnode defaults)
    bool console;             // the console (tty, console, ttyAMA0 until terminals are their own)
    // Results as read(2)/write(2)/ioctl(2) return them; buf's offset 0 is the caller's first byte.
    std::int64_t (*read)(IoBuffer& buf, std::size_t n);
    std::int64_t (*write)(IoBuffer& buf, std::size_t n);
    std::int64_t (*ioctl)(std::uint32_t request, std::uint64_t arg);
};

// What a File opened on a device node does for read(2)/write(2) (kernel/fs/inode_file.cpp): the
// device's operation on user memory, without the VFS lock; pages not there yet are made as the
// program's own access would (stack growth, copy-on-write), and a hole ends the transfer.
std::int64_t device_read(const Device& d, std::uint64_t user_buf, std::size_t n);
std::int64_t device_write(const Device& d, std::uint64_t user_buf, std::size_t n);

// The device with this number (abi::encode_dev(major, minor)), or null.
const Device* find_device(std::uint64_t rdev);
// Every device, in /dev's order (devtmpfs lists them).
const Device* device_at(std::size_t index);   // null past the last

}  // namespace kernel::fs
