#include "cli/exit_code.hpp"

namespace envlock::cli {

int exit_code_for(const Error& error) {
  return error.kind == ErrorKind::kIntegrity ? kExitIntegrity : kExitInvalid;
}

}  // namespace envlock::cli
