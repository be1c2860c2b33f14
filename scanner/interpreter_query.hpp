#pragma once
// Asks a live interpreter, once, where it looks for packages. Nothing else is
// imported or executed: the packages themselves are read as files.

#include <string>
#include <vector>

#include "lockfile/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::scanner {

struct InterpreterFacts {
  lockfile::Python python;         ///< site_dirs left empty; the catalog fills them
  std::vector<std::string> sys_path;  ///< existing directories, in order, without the cwd entry
  /// Site directories the interpreter would add if they existed (site.getsitepackages()
  /// and the user site), for the interpreter cache to watch.
  std::vector<std::string> site_candidates;
  std::string output;  ///< the script's JSON exactly as printed (what the cache stores)
};

/// Runs `exe` (looked up on PATH when it has no '/') with an isolated, fixed
/// script and a 30-second limit. Fails with a message naming the executable.
Result<InterpreterFacts> query_interpreter(const std::string& exe);

/// Parses the script's output (exposed for tests).
Result<InterpreterFacts> parse_interpreter_output(std::string_view text, std::string_view exe);

}  // namespace envlock::scanner
