#pragma once
// Drop-in detection: files inside a package's directories that no package's
// file list names. A dropped-in .py (or a sourceless .pyc, or a new
// subpackage) is exactly how a compromised environment looks; byte-code caches
// Python writes at run time (__pycache__/*.pyc) are reported apart, as info.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// Owner names sorted and comma-separated ("ns-a,ns-b"), as problems and
/// site entries name the packages that share a path.
std::string join_owners(const std::set<std::string>& owners);

/// What one package says it installed.
struct PackageListing {
  /// Normalized name; "" for paths that are accounted for (another package
  /// manager installed them) but make no directory a package directory.
  std::string package;
  std::string site;     ///< the site directory its files are relative to
  std::vector<std::string> paths;  ///< absolute, normalized target paths (files; dpkg lists directories too)
};

/// Bounds on the whole search, all package directories together. Nesting
/// depth is deliberately not one of them: whoever writes the environment
/// chooses the depth, so a depth limit would be a switch that turns the search
/// off. Reaching any bound makes the integrity result incomplete (problem
/// "incomplete", which blocks by default); it is never silent.
struct UnlistedLimits {
  std::uint64_t max_entries = 4'000'000;      ///< directory entries looked at
  std::uint64_t max_path_bytes = 1ull << 30;  ///< bytes of the full paths of those entries
  std::uint64_t max_hashed_bytes = 4ull << 30;  ///< content of unowned files hashed
};

/// Appends a FileProblem for every directory entry (file, symlink, anything
/// but a directory) that sits inside a package directory and that no listing
/// names, as problem "unowned". A `.pyc` directly in a `__pycache__`
/// directory is not one (bytecode.hpp pins the ones Python would load;
/// earlier versions reported each as "bytecode", info). A package directory is a directory
/// strictly below a site directory that holds, at any depth, a path some
/// package lists; one that several packages share (namespace packages) is
/// owned by each, and the problem's `package` names them all, sorted and
/// comma-separated. Unlisted subdirectories of package directories are
/// searched too (a new subpackage is a drop-in), at any depth; symlinks are
/// reported, never followed. Paths are relative to the site directory.
///
/// Each unowned entry is pinned by content in `actual`, so a lock that
/// recorded a drop-in does not vouch for other code at the same path:
/// "sha256=<urlsafe-b64>" for a regular file, "symlink=<target>" for a
/// symlink, "other" for anything else. Bytecode is left to the bytecode rules.
///
/// A limit reached, or an unlisted directory that exists but cannot be listed,
/// adds one problem "incomplete" (`path` where it stopped, `detail` why) and a
/// diagnostic: the search never stops silently.
void find_unlisted_files(const FileSystem& fs, const std::vector<PackageListing>& listings,
                         std::vector<lockfile::FileProblem>& problems,
                         std::vector<lockfile::Diagnostic>& diagnostics,
                         const UnlistedLimits& limits = {});

}  // namespace envlock::scanner
