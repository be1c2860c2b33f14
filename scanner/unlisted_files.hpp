#pragma once
// Drop-in detection: files inside a package's directories that no package's
// file list names. A dropped-in .py (or a sourceless .pyc, or a new
// subpackage) is exactly how a compromised environment looks; byte-code caches
// Python writes at run time (__pycache__/*.pyc) are reported apart, as info.

#include <cstddef>
#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/filesystem.hpp"

namespace envlock::scanner {

/// What one package says it installed.
struct PackageListing {
  /// Normalized name; "" for paths that are accounted for (another package
  /// manager installed them) but make no directory a package directory.
  std::string package;
  std::string site;     ///< the site directory its files are relative to
  std::vector<std::string> paths;  ///< absolute, normalized target paths (files; dpkg lists directories too)
};

struct UnlistedLimits {
  std::size_t max_entries = 1'000'000;  ///< directory entries looked at, all directories together
  std::size_t max_depth = 32;           ///< levels below a package directory nobody lists
};

/// Appends a FileProblem for every directory entry (file, symlink, anything
/// but a directory) that sits inside a package directory and that no listing
/// names: problem "bytecode" for a `.pyc` directly in a `__pycache__`
/// directory, "unowned" for anything else. A package directory is a directory
/// strictly below a site directory that holds, at any depth, a path some
/// package lists; one that several packages share (namespace packages) is
/// owned by each, and the problem's `package` names them all, sorted and
/// comma-separated. Unlisted subdirectories of package directories are
/// searched too (a new subpackage is a drop-in); symlinks are reported, never
/// followed. Paths are relative to the site directory. Past the limits, one
/// diagnostic names the directory where the search stopped.
void find_unlisted_files(const FileSystem& fs, const std::vector<PackageListing>& listings,
                         std::vector<lockfile::FileProblem>& problems,
                         std::vector<lockfile::Diagnostic>& diagnostics,
                         const UnlistedLimits& limits = {});

}  // namespace envlock::scanner
