#pragma once
// A zip archive on sys.path (a zipped egg a .pth names), read the way
// importlib.metadata reads one: the top-level names of its members, and for
// a `.egg` the `EGG-INFO/PKG-INFO` and `EGG-INFO/requires.txt` members. The
// archive is hostile input: it is read through the FileSystem with
// libarchive's zip reader (the central directory, as Python's zipfile does),
// with every count and size bounded.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

struct ZipLimits {
  /// Archives larger than this are not opened: libarchive holds the whole
  /// central directory in memory, which grows with the archive.
  std::uint64_t max_archive_bytes = 1ull << 30;
  std::uint64_t max_members = 1'000'000;         ///< members looked at
  std::uint64_t max_member_bytes = 16ull << 20;  ///< uncompressed bytes of one member read
};

struct ZippedEgg {
  /// A top-level `EGG-INFO` member or directory (any case), which is what
  /// makes importlib.metadata see a distribution in a `.egg`.
  bool has_egg_info = false;
  std::optional<std::string> pkg_info;      ///< EGG-INFO/PKG-INFO, when present
  std::optional<std::string> requires_txt;  ///< EGG-INFO/requires.txt, when present
  /// Top-level `*.dist-info` / `*.egg-info` names, which importlib.metadata
  /// would also read from the archive and envlock does not.
  std::vector<std::string> other_metadata;
  /// Members that are extension modules (`*.so`): Python cannot load them
  /// from the archive (pkg_resources extracts them at run time), so they are
  /// outside the native closure.
  std::vector<std::string> native;
};

/// Reads the zip archive at `path`. `egg` says whether EGG-INFO's members are
/// wanted (a `.egg`) or only the names. Errors (naming `path`): not a zip,
/// damaged, encrypted or unsupported members that are read, a limit passed,
/// or libarchive not loadable. Of a name present several times, the last
/// one counts, as in Python's zipfile.
Result<ZippedEgg> read_zipped_egg(const FileSystem& fs, const std::string& path, bool egg,
                                  const ZipLimits& limits = {});

}  // namespace envlock::scanner
