#pragma once
// What a --fast scan derives from one installed package's .dist-info
// directory (METADATA, WHEEL, INSTALLER, direct_url.json and RECORD: the
// package record with its file count and RECORD digest, and the listed files
// that may be native), remembered so that a warm --fast re-scan stats the
// directory instead of reading and parsing it. RECORD alone is megabytes in
// a large environment.
//
// An entry holds only while the directory and everything in it stat exactly
// as when it was stored: the same names, and for the directory and each name
// the same type, device, inode, size, mtime_ns and ctime_ns (ctime: anyone
// can put an mtime back, only the kernel sets ctime). Directories whose read
// produced a diagnostic, and stamps younger than HashCache::kRacyWindowNs at
// the scan's start, are not stored. Only for live paths (stat is the host's).
// The file is read and written through cache_file.hpp; a garbled, foreign or
// wrongly typed file or entry is ignored. See docs/integrity.md.
//
// Like the hash cache, an entry read longer ago than RehashPolicy::after is
// a miss (a write through a dirty shared mapping keeps every stamp), and
// `--rehash` trusts none.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace envlock::scanner {

struct PackageSummary {
  lockfile::Package package;        ///< as read, files.count and files.digest (--fast) filled; never shadowed
  bool has_file_list = false;       ///< RECORD was there
  std::vector<std::string> native;  ///< listed files that may be native objects (absolute, no byte-code)
  std::vector<std::string> top_level;  ///< names at the top of the site directory it lists files under
};

class PackageCache {
 public:
  /// At most this many directories are remembered; the least recently used go.
  static constexpr std::size_t kMaxEntries = 200'000;

  /// Loads `file` when it is a valid cache owned by this user ("" disables).
  /// `scan_start_ns` is the wall clock when the scan began (the racy window).
  PackageCache(std::string file, std::int64_t scan_start_ns, RehashPolicy rehash = {});

  /// The summary stored for `metadata_dir` when its stamps still hold and
  /// the rehash policy does not call it due.
  /// Marks the entry used today (one save a day keeps it from ageing out).
  std::optional<PackageSummary> lookup(const std::string& metadata_dir);

  /// Remembers a summary read from `metadata_dir` during this scan, unless a
  /// stamp is too recent to trust.
  void store(const std::string& metadata_dir, PackageSummary summary);

  /// Writes the cache (atomically) when something changed, keeping the
  /// entries another scan saved since this one loaded (scans of several
  /// environments run side by side); for a directory both know, this scan's
  /// entry wins.
  Result<void> save();

  /// $XDG_CACHE_HOME/envlock/packages.json (see cache_directory()); "" when none.
  static std::string default_file();

 private:
  struct Entry {
    std::string stamps;  ///< the directory's stamp lines, as stamps_of() gives them
    PackageSummary summary;
    std::uint32_t day = 0;
    std::int64_t read_ns = 0;  ///< scan start of the scan that read the directory
  };
  /// The valid entries of `file` (nothing when it is missing, foreign or garbled).
  static std::map<std::string, Entry> load(const std::string& file);
  std::string file_;
  std::int64_t scan_start_ns_;
  std::uint32_t today_;
  RehashPolicy rehash_;
  std::map<std::string, Entry> entries_;
  bool dirty_ = false;
};

}  // namespace envlock::scanner
