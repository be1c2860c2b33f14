#pragma once
// The incremental hash cache for nightly re-scans: remembers the SHA-256 (and
// MD5, for dpkg lists) of files on this machine, keyed by what stat says about
// them, so an unchanged environment is re-scanned by stat alone.
//
// A cache must never hide a change. The key holds ctime_ns as well as
// mtime_ns: anyone who can write a file can put its mtime back, but only the
// kernel sets ctime (to "now" on every write, chmod or rename). The cache is
// one binary file with a magic, a version and a SHA-256 over its content,
// written to a temporary file and renamed into place; a file that is
// truncated, garbled, of another version, not ours (owner, mode) or a
// symlink is ignored and replaced, never trusted. See docs/integrity.md.
//
// ctime is not enough on its own: a write through a shared mapping whose page
// is already dirty changes the file without moving ctime or mtime. So every
// entry remembers when its digest was taken, and one older than
// RehashPolicy::after (7 days by default, `--rehash-after DAYS`), or more
// than a day ahead of the clock, is a miss: the file is read again.
// `--rehash` trusts no entry (and still writes them).

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/error.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// What identifies one version of a file's content on a live filesystem.
struct FileKey {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  static FileKey of(const FileStat& st) { return {st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns}; }
  bool operator==(const FileKey&) const = default;
};

struct CachedDigest {
  std::array<std::uint8_t, 32> sha256{};
  std::optional<std::array<std::uint8_t, 16>> md5;  ///< only when a caller asked for it
};

/// When a cached digest is no longer trusted and the file is read again.
struct RehashPolicy {
  static constexpr std::chrono::seconds kDefaultAfter{7 * 86'400};
  /// A time this far ahead of the clock is still believed (a clock stepped
  /// back a little); further ahead, the entry is due.
  static constexpr std::int64_t kFutureToleranceNs = 86'400'000'000'000;
  bool all = false;                            ///< --rehash: trust no entry
  std::chrono::seconds after = kDefaultAfter;  ///< an entry taken longer ago is due; 0: every entry is

  /// True when an entry taken at `taken_ns` must not be used at `now_ns`.
  bool due(std::int64_t taken_ns, std::int64_t now_ns) const {
    const std::int64_t age_ns = now_ns - taken_ns;
    return all || after.count() <= 0 || age_ns < -kFutureToleranceNs ||
           age_ns > std::chrono::duration_cast<std::chrono::nanoseconds>(after).count();
  }
};

class HashCache {
 public:
  static constexpr std::chrono::seconds kDefaultRehashAfter = RehashPolicy::kDefaultAfter;
  /// Newest entries win; past this many, the least recently used go.
  static constexpr std::size_t kMaxEntries = 2'000'000;
  /// An entry unused for this many days is dropped when the cache is saved.
  static constexpr std::uint32_t kMaxAgeDays = 60;
  /// A file whose ctime is less than this old when the cache was opened is not
  /// stored: a second write within the same timestamp tick would keep the key.
  static constexpr std::int64_t kRacyWindowNs = 2'000'000'000;

  /// Loads `file` when it is a valid cache of this version owned by this user
  /// and writable by nobody else; otherwise starts empty (why is in note()).
  /// `now_ns` is the time of this scan, read by the caller (wall_clock.hpp;
  /// tests move it to store fresh files or to age entries): the cache reads
  /// no clock itself. `rehash` says which entries lookup() no longer trusts.
  HashCache(std::string file, std::int64_t now_ns, RehashPolicy rehash = {});
  HashCache(const HashCache&) = delete;
  HashCache& operator=(const HashCache&) = delete;

  /// The digest stored for exactly this key; with `need_md5`, only one that has an MD5.
  /// A miss when the rehash policy says the entry is due (taken longer ago
  /// than `after`, or in the future of this clock). Thread-safe.
  std::optional<CachedDigest> lookup(const FileKey& key, bool need_md5) const;
  /// Remembers a digest taken from a file whose stat was `key` before and after
  /// reading, taken now. Ignored when the file changed too recently to be sure
  /// (see kRacyWindowNs). Thread-safe.
  void store(const FileKey& key, const CachedDigest& digest);

  /// Writes the cache atomically (temporary file + rename, mode 0600), creating
  /// its directory with mode 0700. Entries another process saved meanwhile are
  /// kept. Does nothing when nothing changed. Fails, naming the path, when the
  /// directory is not ours or cannot be written; the scan result is unaffected.
  Result<void> save();

  /// Why the file on disk was not used ("" when it was loaded or did not exist).
  const std::string& note() const { return note_; }
  std::size_t size() const;
  const std::string& file() const { return file_; }

  /// $XDG_CACHE_HOME/envlock/file-hashes.bin, else $HOME/.cache/envlock/...,
  /// "" when neither variable is set to an absolute path.
  static std::string default_file();

 private:
  struct KeyHash {
    std::size_t operator()(const FileKey& k) const;
  };
  struct Entry {
    CachedDigest digest;
    std::uint32_t day = 0;  ///< last day (since the epoch) it was used
    std::int64_t hashed_ns = 0;  ///< wall clock when the digest was taken
  };
  using Map = std::unordered_map<FileKey, Entry, KeyHash>;

  /// Parses a cache file into `out`; an error says why it is not trusted.
  static Result<void> load(const std::string& file, Map& out);

  std::string file_;
  std::int64_t now_ns_;
  std::uint32_t today_;
  RehashPolicy rehash_;
  mutable std::mutex mutex_;
  mutable Map entries_;
  mutable bool dirty_ = false;
  std::string note_;
};

}  // namespace envlock::scanner
