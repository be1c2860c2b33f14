#pragma once
// Errors are values inside envlock: every fallible function returns Result<T>.
// The cli converts an Error into a message and an exit code exactly once.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace envlock {

/// What kind of failure; the cli maps it to an exit code (docs/cli.md).
enum class ErrorKind {
  kUsage,      ///< bad command line (exit 2)
  kInvalid,    ///< unreadable or malformed input: lock, policy, target (exit 2)
  kIntegrity,  ///< digest or signature does not match (exit 3)
};

struct Error {
  ErrorKind kind = ErrorKind::kInvalid;
  std::string message;  ///< names the file and the line or field
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message, ErrorKind kind = ErrorKind::kInvalid) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

}  // namespace envlock

namespace envlock::detail {
template <class T>
T take_value(tl::expected<T, Error>&& r) {
  return std::move(*r);
}
inline void take_value(tl::expected<void, Error>&&) {}
}  // namespace envlock::detail

/// Propagates an error from a Result expression: `auto v = ENVLOCK_TRY(f());`
/// (also usable as a statement on Result<void>). GCC/Clang statement expression.
#define ENVLOCK_TRY(expr)                                                      \
  ({                                                                           \
    auto envlock_try_result_ = (expr);                                         \
    if (!envlock_try_result_)                                                  \
      return tl::unexpected(std::move(envlock_try_result_.error()));           \
    ::envlock::detail::take_value(std::move(envlock_try_result_));             \
  })
