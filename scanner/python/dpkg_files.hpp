#pragma once
// Debian's own record of what a .deb installed, used as the file list of
// Python distributions that have none: Debian ships egg-info directories
// without RECORD or installed-files.txt, but dpkg keeps
// /var/lib/dpkg/info/<pkg>.list (every path) and <pkg>.md5sums (an MD5 of
// every regular file).

#include <cstddef>
#include <string>
#include <vector>

#include "scanner/fs/filesystem.hpp"
#include "scanner/python/package_catalog.hpp"

namespace envlock::scanner {

/// Everything a .deb's .list names below the site directory of one catalog entry.
struct DpkgListing {
  std::size_t entry = 0;            ///< index into Catalog::entries
  std::string deb;                  ///< dpkg package ("python3-jwt", "libfoo:amd64")
  std::vector<std::string> paths;   ///< absolute target paths, directories and symlinks included
};

struct DpkgFiles {
  std::vector<DpkgListing> listings;
  /// Paths other .debs installed below the same site directories: dpkg's,
  /// so never drop-ins, though no Python package lists them.
  std::vector<std::string> other_paths;
};

/// For every catalog entry whose metadata directory a .deb installed (dpkg's
/// .list names it; only paths below /usr but not /usr/local are looked up, as
/// Debian policy puts packages nowhere else) and that has no file list, or has
/// a RECORD but no INSTALLER (Debian's dist-info: the RECORD of the wheel as
/// built, before Debian stripped and moved files), makes the files that .deb's
/// md5sums lists below the entry's site directory its file list (algorithm
/// "md5", digest lower-case hex, `listed` relative to the site) and sets
/// has_file_list. Without md5sums the entry keeps what it had. Reads
/// `info_dir` inside the target only when some entry needs it, and then every
/// .list in it; without a dpkg database nothing changes. Oversized or
/// unreadable dpkg files are skipped (each is limited to kDefaultReadLimit; at
/// most 100000 files are looked at).
DpkgFiles fill_from_dpkg(const FileSystem& fs, Catalog& catalog,
                         const std::string& info_dir = "/var/lib/dpkg/info");

}  // namespace envlock::scanner
