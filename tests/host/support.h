// Shared by host tests: the exception a failed KASSERT throws on the host.
#pragma once

#include <stdexcept>
#include <string>

namespace lib {
struct AssertionFailure : std::runtime_error {
    explicit AssertionFailure(const std::string& what) : std::runtime_error(what) {}
};
}  // namespace lib
