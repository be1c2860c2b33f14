#pragma once
// The Python probe: packages of the given site directories into the
// fingerprint, with file digests (hashed, or trusted from RECORD with --fast)
// and installed-file verification.

#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/native/native_candidate.hpp"
#include "scanner/python/package_cache.hpp"

namespace envlock::scanner {

class HashCache;

struct PythonProbeOptions {
  bool fast = false;  ///< trust RECORD; read no package file contents
  /// The incremental hash cache, or none. Only for filesystems whose stat
  /// gives real device, inode and ctime (a live directory tree, not an
  /// image). The caller saves it.
  HashCache* cache = nullptr;
  /// dpkg's database inside the target: the file lists of Debian's egg-info packages.
  std::string dpkg_info_dir = "/var/lib/dpkg/info";
  /// --fast only, live paths only: .dist-info summaries from earlier scans
  /// (with their native candidates). The caller saves it.
  PackageCache* package_cache = nullptr;
  /// The interpreter that imports the packages ("cpython", "3.11.7"): which
  /// `__pycache__` files it would load (bytecode.hpp). Empty when unknown
  /// (--site): every cache tag and magic then counts.
  std::string python_implementation;
  std::string python_version;
};

/// Fills fp.packages, fp.integrity and fp.diagnostics. Returns the native
/// candidates (may_be_native; the only place they are chosen): the files the
/// (non-shadowed) packages list, followed by the files below the site directories that no
/// Python file list names but Python may load (docs/native.md, "Objects no
/// file list names"): what dpkg's lists name (owner: the package whose .deb
/// lists it, else "dpkg"), and, owner "", the unowned top-level entries and,
/// in full scans, the drop-ins and the files of unowned top-level trees.
///
/// Integrity (fp.integrity), with full hashing: every listed file with a hash
/// (RECORD's sha256 and any other hashlib algorithm; dpkg's MD5 for Debian's
/// egg-info) is hashed and compared: "modified", "deleted"; a listed file whose
/// hash cannot be checked (unknown algorithm) is "unverifiable", as is a
/// package with no file list at all; files inside package directories that no
/// package lists are "unowned" or "bytecode" (see unlisted_files.hpp). --fast
/// does none of this.
///
/// Code Python runs that no file list vouches for, full scans only: every
/// `__pycache__` file the interpreter would load instead of a listed `.py`
/// source goes to fp.bytecode (bytecode.hpp), counted in the package's
/// bytecode_pinned; an editable install's project directory is hashed into
/// the package's `editable` summary (editable_project.hpp), and the pycs of
/// its sources are pinned too.
std::vector<NativeCandidate> probe_python_packages(const FileSystem& fs,
                                                   const std::vector<std::string>& site_dirs,
                                                   const PythonProbeOptions& options,
                                                   lockfile::Fingerprint& fp);

}  // namespace envlock::scanner
