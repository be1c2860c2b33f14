#pragma once
// The top of every site directory, entry by entry. Python runs code from
// there at every start without any package being imported: each `*.pth` file
// (an `import` line is executed), `sitecustomize` and `usercustomize`. And a
// module or package put there that no file list names is importable code no
// RECORD vouches for. The drop-in search (unlisted_files.hpp) covers package
// directories only, so this inventory is what makes the top level visible.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// Who owns what at the top of the site directories.
struct TopLevelOwners {
  /// Site directory -> top-level name -> who lists it: normalized package
  /// names, or "dpkg" for a path only dpkg's database accounts for.
  std::map<std::string, std::map<std::string, std::set<std::string>>> names;
  /// Directory -> package: whole trees a package stands for without listing
  /// them (an editable install's project, whose sources its own digest
  /// covers). A site directory at or below one is that package's entirely.
  std::map<std::string, std::string> trees;
};

struct SiteEntryOptions {
  /// Digest the trees of unowned top-level directories (full scans; --fast
  /// reads the content of files only, and only of hooks and unowned files).
  bool hash_trees = true;
  std::uint64_t max_entries = 1'000'000;    ///< all unowned trees together
  std::uint64_t max_bytes = 4ull << 30;     ///< content hashed, all together
  std::uint64_t max_path_bytes = 1ull << 30;  ///< full paths looked at, all together
  /// Called with the path of every regular file and symlink that no list
  /// accounts for and that the inventory looks at anyway: an unowned
  /// top-level entry, and with hash_trees each one in an unowned top-level
  /// directory's tree. The native probe takes ELF objects from them
  /// (docs/native.md, "Objects no file list names"); no extra walk is needed.
  std::function<void(const std::string& path)> unowned_file = {};
};

/// True for a name Python acts on at start-up: `*.pth`, and the
/// `sitecustomize` / `usercustomize` module in any form (`.py`, a sourceless
/// `.pyc`, an extension module, a package directory).
bool is_startup_hook(std::string_view name);

/// True for the standard library's own directories on sys.path (the `os.py`
/// landmark Python's start-up looks for, `lib-dynload`): they belong to the
/// interpreter, not to an installer, and are not inventoried.
bool is_stdlib_dir(const FileSystem& fs, const std::string& dir);

/// Records every entry at the top of each site directory in fp.site_entries:
/// kind, owners, start-up hook or not, and a digest for start-up hooks and
/// unowned entries ("sha256:<hex>" of a file; of "path,sha256" lines of an
/// unowned directory's tree when hash_trees; "symlink=<target>" of a link,
/// never followed). `__pycache__` is left to the bytecode rules. A limit
/// reached adds an "incomplete" FileProblem and a diagnostic.
void record_site_entries(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                         const TopLevelOwners& owners, const SiteEntryOptions& options,
                         lockfile::Fingerprint& fp);

}  // namespace envlock::scanner
