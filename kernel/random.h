// The kernel's random generator: getrandom(2), /dev/urandom and /dev/random, exec's AT_RANDOM.
// Not cryptographic (no entropy source driver yet): xorshift64* stirred with the counter. SMP-safe
// and usable from any context (one compare-and-swap per 8 bytes, no lock).
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::random {

std::uint64_t next_u64();
void fill(void* dst, std::size_t n);

}  // namespace kernel::random
