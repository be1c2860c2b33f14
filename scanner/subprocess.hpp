#pragma once
// Runs a helper program (only ever a live host's interpreter, never anything
// from a scanned image) and captures its standard output, with a time limit.

#include <chrono>
#include <string>
#include <vector>

#include "lockfile/error.hpp"

namespace envlock::scanner {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// argv[0] is looked up on PATH when it has no '/'. The child gets no stdin.
/// Killed (and an error returned) when it runs past `limit` or prints more than 16 MiB.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds limit);

}  // namespace envlock::scanner
