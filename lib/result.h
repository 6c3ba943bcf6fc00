// Result<T>: a value or a small Error, returned by every operation that can fail for a reason the
// caller must handle. Never an error code hidden inside a data value.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

namespace lib {

enum class Error {
    NoMemory,
    InvalidArgument,
    AlreadyMapped,
    NotMapped,
    OutOfRange,
    Malformed,   // input data is structurally wrong (bad magic, inconsistent fields)
    Truncated,   // input data ends before a structure it announces
    NotFound,
    Busy,
    WouldBlock,
    Fault,       // an access through a bad address was caught
    Unsupported,
    NotDirectory,   // a path walks through something that is not a directory
    TooManyLinks,   // a path lookup met more symbolic links than it follows
};

const char* error_name(Error e);

template <typename T>
class [[nodiscard]] Result {
public:
    constexpr Result(const T& v) : m_ok(true), m_value(v) {}
    constexpr Result(T&& v) : m_ok(true), m_value(std::move(v)) {}
    constexpr Result(Error e) : m_ok(false), m_error(e) {}

    constexpr bool ok() const { return m_ok; }
    constexpr explicit operator bool() const { return m_ok; }
    constexpr Error error() const { return m_error; }
    constexpr T& value() { return m_value; }
    constexpr const T& value() const { return m_value; }
    constexpr T value_or(T fallback) const { return m_ok ? m_value : fallback; }

private:
    bool m_ok;
    union {
        T m_value;
        Error m_error;
    };
    static_assert(std::is_trivially_destructible_v<T>, "Result holds trivial values only");
};

template <>
class [[nodiscard]] Result<void> {
public:
    constexpr Result() : m_ok(true), m_error(Error::InvalidArgument) {}
    constexpr Result(Error e) : m_ok(false), m_error(e) {}
    constexpr bool ok() const { return m_ok; }
    constexpr explicit operator bool() const { return m_ok; }
    constexpr Error error() const { return m_error; }

private:
    bool m_ok;
    Error m_error;
};

using Status = Result<void>;

}  // namespace lib

// TRY(expr): evaluate a Result; on error return the error from the enclosing function,
// otherwise yield the value (GNU statement expression, supported by g++ and clang).
#define TRY(expr)                                   \
    ({                                              \
        auto _try_result = (expr);                  \
        if (!_try_result.ok()) return _try_result.error(); \
        std::move(_try_result).value();             \
    })

// TRY_STATUS(expr) for Result<void>.
#define TRY_STATUS(expr)                            \
    do {                                            \
        auto _try_result = (expr);                  \
        if (!_try_result.ok()) return _try_result.error(); \
    } while (0)
