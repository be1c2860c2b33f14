#pragma once
// Remembers what a live interpreter reported (interpreter_query.hpp) so that a
// re-scan does not start Python again. Starting Python is most of a --fast
// scan's time. The query runs isolated (-I -S, from "/", a minimal
// environment), so its answer depends on little, and every such thing is
// stamped or keyed:
//
//   - the identity: the command as given, where the caller's PATH resolved
//     it, its realpath, the working directory, the environment and arguments
//     the query passes (query_environment(): HOME, LD_LIBRARY_PATH's absolute
//     entries, PYTHONUSERBASE, PYTHONNOUSERSITE) and the process's ids;
//   - the interpreter binary (device, inode, size, mtime_ns, ctime_ns);
//   - pyvenv.cfg next to the command and one level up, for both the command's
//     path and its realpath (present or missing);
//   - every directory of the interpreter's start (InterpreterFacts::base_path).
//
// The rest of sys.path (PYTHONPATH, the site directories that exist, what
// their *.pth files name) is not cached: sys_path.hpp reads it on every scan.
//
// An interpreter that is a script ("#!", e.g. a pyenv shim) decides at run
// time which Python to start and is never cached. Stamps whose ctime is within
// HashCache::kRacyWindowNs of the query are not trusted (a second change in
// the same timestamp tick would go unseen), so such answers are not stored.
// Cache files are read and written through cache_file.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scanner/python/interpreter_query.hpp"

namespace envlock::scanner {

class InterpreterCache {
 public:
  /// `dir` is the cache directory (cache_directory()); "" disables the cache.
  explicit InterpreterCache(std::string dir);

  /// Facts stored for this command in this environment whose stamps all still
  /// hold; nullopt otherwise (including an unreadable or untrusted entry).
  std::optional<InterpreterFacts> lookup(const std::string& exe, const std::vector<std::string>& environ) const;

  /// Stores facts from a query that started at `started_ns` (wall clock).
  /// Returns false, storing nothing, when the interpreter is a script, a
  /// stamp is too recent to trust, or the file cannot be written.
  bool store(const std::string& exe, const std::vector<std::string>& environ, const InterpreterFacts& facts,
             std::int64_t started_ns) const;

  /// The file holding the entry for this command and environment ("" when the
  /// command cannot be resolved or the cache is disabled).
  std::string entry_file(const std::string& exe, const std::vector<std::string>& environ) const;

 private:
  std::string dir_;
};

}  // namespace envlock::scanner
