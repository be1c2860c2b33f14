#pragma once
// Runs a helper program (only ever a live host's interpreter, never anything
// from a scanned image) and captures its standard output, with a time limit
// that holds whatever the program does with its output.

#include <chrono>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace envlock {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  /// The child's whole environment ("K=V"); nothing of ours is inherited.
  std::vector<std::string> env;
  /// The child's working directory.
  std::string cwd = "/";
  std::chrono::milliseconds limit{30'000};
};

/// Runs argv[0], a path (no PATH lookup: see find_command), with no stdin, in
/// a process group of its own. At the limit, or past 16 MiB of output, the
/// whole group is killed and an error returned, even when the program closed
/// its output and kept running. Whatever is left of the group when the
/// program exits is killed too; the program itself is always reaped.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

/// The file execvp would run for `command`, as an absolute normalized path:
/// a command with a '/' is taken relative to `cwd`, one without is looked up
/// in `path_value` (an empty element is `cwd`). "" when there is none.
std::string find_command(const std::string& command, const std::string& path_value, const std::string& cwd);

}  // namespace envlock
