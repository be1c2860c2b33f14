#pragma once
// The Python package catalog: every distribution installed directly in the
// given site directories, read the way importlib.metadata finds them.

#include <optional>
#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/python/package_cache.hpp"

namespace envlock::scanner {

/// One file a package says it installed (RECORD or installed-files.txt).
struct PackageFile {
  std::string listed;     ///< path as listed, relative to the site dir ("../../bin/x" allowed)
  std::string path;       ///< absolute target path, normalized
  std::string algorithm;  ///< "sha256" etc., "" when the list has no hash for it
  std::string digest;     ///< urlsafe base64 from RECORD, "" when none
};

struct CatalogEntry {
  lockfile::Package package;
  std::string metadata_dir;  ///< the .dist-info / .egg-info / EGG-INFO path ("" for a file)
  std::vector<PackageFile> files;
  bool has_file_list = false;  ///< RECORD or installed-files.txt was present
  bool clean = true;           ///< read without a diagnostic (a PackageCache may keep it)
  /// Set when the entry came from a PackageCache: package.files is filled,
  /// `files` is empty, and these are its listed files that may be native.
  std::optional<std::vector<std::string>> cached_native;
  /// With cached_native: the names at the top of the site directory its
  /// files are under (site_entries.hpp's ownership).
  std::vector<std::string> cached_top_level;
};

struct Catalog {
  std::vector<CatalogEntry> entries;  ///< site-dir order, then directory order
  std::vector<lockfile::Diagnostic> diagnostics;
};

/// Reads every package in `site_dirs` (sys.path order). A broken package becomes a
/// diagnostic; the rest of the catalog is still read. Later copies of a name are
/// marked shadowed: within one directory the first in its read order
/// (DirEntry::read_order, as os.listdir gives them) is Python's. A zipped
/// `.egg` on the list is read from the archive (zipped_egg.hpp): format
/// "egg-zip", the egg file its one listed file. Vendored copies (dist-info below a package) are
/// never visited. With `cache` (--fast on a live host), a .dist-info directory whose stamps still
/// hold is taken from it instead of being read.
Catalog read_catalog(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                     PackageCache* cache = nullptr);

/// A distribution name as PEP 503 normalizes it: lower case, each run of
/// '-', '_' and '.' one '-' ("Foo__Bar.baz" -> "foo-bar-baz").
std::string normalize_dist_name(std::string_view name);

/// Site directories plus the paths their *.pth files add, as site.addsitedir
/// does: every one that exists, directory or file (a zipped egg); lines
/// starting with "import" are code and are never run. Paths in `known` are
/// already on sys.path: neither repeated nor returned.
std::vector<std::string> expand_pth(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                                    const std::vector<std::string>& known = {});

}  // namespace envlock::scanner
