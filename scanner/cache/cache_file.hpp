#pragma once
// Files in envlock's cache directory, read and written so that a cache can
// never be planted: the directory and the file must belong to this user and be
// writable by nobody else, symlinks are not followed, sizes are bounded, and
// writes go to a temporary file renamed into place. Every cache (file hashes,
// interpreter facts) goes through here. See docs/integrity.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

/// $XDG_CACHE_HOME/envlock, else $HOME/.cache/envlock; "" when neither
/// variable holds an absolute path (XDG: a relative value is ignored).
std::string cache_directory();

/// The content of a cache file, or nullopt when it (or its directory) does not
/// exist yet. An error says why an existing file is not trusted: directory or
/// file owned by another user or writable by others, a symlink, not a regular
/// file, larger than max_bytes.
Result<std::optional<std::string>> read_cache_file(const std::string& file, std::uint64_t max_bytes);

/// Writes `content` atomically (temporary file in the same directory + rename,
/// mode 0600), creating missing directories with mode 0700. Fails, naming the
/// path, when the directory is not ours or cannot be written.
Result<void> write_cache_file(const std::string& file, std::string_view content);

/// What a cache remembers of one path to tell later whether it changed: its
/// stat (symlinks followed) as "type:dev:ino:size:mtime_ns:ctime_ns", or
/// "missing", or "error:<errno>". ctime_ns is 0 unless the path exists.
struct StatStamp {
  std::string value;
  std::int64_t ctime_ns = 0;
};
StatStamp stat_stamp(const std::string& path);

/// The entries a cache keeps when it is saved: those whose value's `day` (of
/// last use) is within max_age_days of `today`, at most max_entries of them,
/// the most recently used when there are more.
template <class Map>
std::vector<std::pair<const typename Map::key_type*, const typename Map::mapped_type*>> entries_to_keep(
    const Map& entries, std::uint32_t today, std::uint32_t max_age_days, std::size_t max_entries) {
  std::vector<std::pair<const typename Map::key_type*, const typename Map::mapped_type*>> keep;
  keep.reserve(entries.size());
  for (const auto& [key, value] : entries) {
    if (today - std::min(value.day, today) <= max_age_days) keep.emplace_back(&key, &value);
  }
  if (keep.size() > max_entries) {
    std::nth_element(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(max_entries), keep.end(),
                     [](const auto& a, const auto& b) { return a.second->day > b.second->day; });
    keep.resize(max_entries);
  }
  return keep;
}

}  // namespace envlock::scanner
