#pragma once
// The source tree of an editable install. RECORD lists only the `.pth` file
// or import finder that points at the project, so the code Python actually
// imports is nobody's file list; a full scan hashes the project directory
// that direct_url.json names instead.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

class HashCache;

/// The local path of a `file:` URL as pip writes it into direct_url.json
/// ("file:///home/x/my%20proj" -> "/home/x/my proj"; "file://localhost/x"
/// too), normalized; nullopt for any other URL or a path with a NUL byte.
std::optional<std::string> file_url_path(std::string_view url);

struct EditableLimits {
  std::size_t max_files = 100'000;       ///< entries recorded (files, symlinks, others)
  std::uint64_t max_bytes = 1ull << 30;  ///< total size of the regular files hashed
  std::size_t max_entries = 1'000'000;   ///< directory entries looked at, skipped ones too
};

struct EditableProject {
  /// count = entries recorded; digest = SHA-256 over sorted
  /// "<path relative to the project>,<what>\n" lines, where <what> is
  /// "sha256=<urlsafe-b64>" for a regular file, "symlink=<target>" for a
  /// symlink (never followed), "other" for anything else and "unreadable"
  /// for a file that could not be hashed. The same lines as a package's
  /// files digest, so the two read alike.
  lockfile::FileSummary summary;
  std::vector<std::string> sources;  ///< absolute paths of the `.py` files, for pin_bytecode
  /// False when a limit stopped the walk or the directory exists but could
  /// not be listed; a diagnostic says which. A directory that does not exist
  /// is an empty project (count 0), complete.
  bool complete = true;
  std::vector<lockfile::Diagnostic> diagnostics;
};

/// Hashes every file below `dir` (through the hash cache when given), in
/// sorted order, skipping what is not the project's code: version control
/// (`.git`, `.hg`, `.svn`), byte-code caches (`__pycache__`, pinned apart by
/// pin_bytecode), tool caches (`.tox`, `.nox`, `.eggs`, `.mypy_cache`,
/// `.pytest_cache`, `.ruff_cache`), `*.egg-info`, `build` and `dist` directly
/// in `dir` (build output), and any directory holding a `pyvenv.cfg` or
/// `conda-meta` (an environment inside the project, often the very one
/// being scanned). Past a limit the walk stops: the summary covers what was
/// seen, `complete` is false. A directory in /proc, /sys or /dev (after
/// symlinks) is not read at all: incomplete, an empty summary.
EditableProject hash_editable_project(const FileSystem& fs, const std::string& dir,
                                      HashCache* cache, const EditableLimits& limits = {});

}  // namespace envlock::scanner
