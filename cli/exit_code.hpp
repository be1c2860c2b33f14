#pragma once
// The one place where an Error becomes a process exit code (docs/cli.md).

#include "base/error.hpp"

namespace envlock::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitBlocked = 1;
inline constexpr int kExitInvalid = 2;
inline constexpr int kExitIntegrity = 3;

int exit_code_for(const Error& error);

}  // namespace envlock::cli
