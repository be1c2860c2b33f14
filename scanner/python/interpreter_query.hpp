#pragma once
// Asks a live interpreter, once, what it is and where its site directories
// are. The interpreter runs isolated (-I) and without `site` (-S), from "/",
// with a minimal environment: no .pth line, sitecustomize, usercustomize, or
// module from the working directory or PYTHONPATH runs. What `site` would add
// to sys.path is computed from `site.getsitepackages()` and a copy of
// `site.venv()`'s pyvenv.cfg rules; the *.pth files are then read as text by
// sys_path.hpp, never executed.

#include <chrono>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::scanner {

inline constexpr std::chrono::milliseconds kQueryLimit{30'000};

struct InterpreterFacts {
  lockfile::Python python;  ///< site_dirs and pythonpath left empty (sys_path.hpp fills them)
  /// sys.path before `site` runs (zip, standard library, lib-dynload), as the
  /// isolated interpreter reports it; PYTHONPATH and the cwd are not in it.
  std::vector<std::string> base_path;
  /// The site directories `site.main()` would add, in its order (venv, user
  /// site, then the prefixes'), existing or not: the ones that exist are
  /// added, each followed by what its *.pth files name.
  std::vector<std::string> site_candidates;
  std::string output;  ///< the script's JSON exactly as printed (what the cache stores)
};

/// What of the caller's environment reaches the query, and how.
struct QueryEnvironment {
  /// The child's environment: a fixed PATH, HOME when set (the user site is
  /// under it), and LD_LIBRARY_PATH's absolute entries (a shared libpython
  /// may need them; an empty or relative entry would be the working directory).
  std::vector<std::string> env;
  /// Script arguments, as data: PYTHONUSERBASE and whether PYTHONNOUSERSITE
  /// is set, which decide the user site of a normal run.
  std::vector<std::string> args;
};

/// `environ` is the caller's ("K=V"); PYTHON* variables never reach the child.
QueryEnvironment query_environment(const std::vector<std::string>& environ);

/// Runs `command` (looked up on the caller's PATH when it has no '/', relative
/// to the working directory when it has) with the fixed script and a limit.
/// Fails with a message naming the command.
Result<InterpreterFacts> query_interpreter(const std::string& command, const std::vector<std::string>& environ,
                                           std::chrono::milliseconds limit = kQueryLimit);

/// Parses the script's output (exposed for tests and the cache).
Result<InterpreterFacts> parse_interpreter_output(std::string_view text, std::string_view command);

/// The value of `name` in a "K=V" list, "" when absent (the first wins).
std::string env_value(const std::vector<std::string>& environ, std::string_view name);

}  // namespace envlock::scanner
