#pragma once
// conda's own record of what it installed. Every package linked into a conda
// prefix leaves `<prefix>/conda-meta/<name>-<version>-<build>.json` (conda's
// PrefixRecord): its identity (name, version, build string, channel, url,
// md5/sha256 of the package archive) and every file it put into the prefix
// (`paths_data.paths[]`: `_path`, `path_type`, `sha256`, `sha256_in_prefix`,
// `size_in_bytes`, `prefix_placeholder`; older records only `files`). That
// list is to a conda package what RECORD is to a wheel (docs/integrity.md,
// "Conda environments").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/python/package_catalog.hpp"

namespace envlock::scanner {

/// One file of a conda package, as conda-meta lists it.
struct CondaFile {
  std::string path;  ///< relative to the prefix (`_path`), normalized, never leaving it
  /// Lower-case hex SHA-256 the file has in the prefix: `sha256_in_prefix`,
  /// else `sha256` unless conda rewrote the file (a `prefix_placeholder`);
  /// "" when unknown (a rewritten file of an older conda, a symlink, a pyc
  /// conda compiled, an entry point it generated).
  std::string sha256;
};

/// What envlock takes from one conda-meta record.
struct CondaRecord {
  std::string name;  ///< conda package name ("libopenblas", "numpy")
  std::string version;
  std::string build;             ///< build string ("py311h64a7726_0")
  std::string channel;           ///< as recorded: a URL or a name
  std::string url;               ///< the package archive it came from
  std::string md5;               ///< of the package archive
  std::string sha256;            ///< of the package archive
  std::vector<CondaFile> files;  ///< directories left out
  bool has_file_list = false;    ///< `paths_data.paths` or `files` was there
};

/// The most bytes one record may have: the biggest real ones (MKL, CUDA
/// toolkits, PyTorch) list tens of thousands of paths in a few MB.
inline constexpr std::size_t kCondaRecordLimit = 64u << 20;

/// Parses one conda-meta JSON document. Never throws. Fails (naming `file`
/// and the field) when it is not JSON, not an object, holds more values than
/// its size allows (lockfile/value_budget.hpp), or lacks a string `name` or
/// `version`. Malformed path entries are skipped one by one; a `_path` that
/// is absolute, contains NUL, or climbs out of the prefix fails the record,
/// since conda never writes one.
Result<CondaRecord> parse_conda_record(std::string_view text, const std::string& file);

/// The conda prefixes behind `site_dirs`: P for every site directory
/// P/lib/pythonX.Y/site-packages where P/conda-meta is a directory.
std::vector<std::string> conda_prefixes(const FileSystem& fs,
                                        const std::vector<std::string>& site_dirs);

/// Reads `<prefix>/conda-meta/*.json` of every prefix (at most 100000
/// records each, each at most kCondaRecordLimit bytes, read only from inside
/// conda-meta) and merges them into `catalog`:
///
/// - a record that lists a catalog entry's metadata (its `.dist-info` /
///   `.egg-info` / PKG-INFO file) is that Python distribution's: the entry
///   keeps its Python name, version and requirements, and takes conda's
///   identity (installer "conda", `conda-name`, `channel`, `build`) and
///   conda's file list (`listed` relative to the entry's site directory);
/// - every other record becomes an entry of its own, format "conda", at the
///   prefix (`location`), named by its normalized conda name, `metadata`
///   "sha256:<hex>" of the package archive ("md5:<hex>" without one), and
///   its files relative to the prefix. One whose name a Python distribution
///   already has (conda-forge's `typing-extensions` metapackage beside the
///   `typing_extensions` distribution) is marked shadowed.
///
/// A record that cannot be read or parsed is a diagnostic; the rest go on.
void fill_from_conda(const FileSystem& fs, const std::vector<std::string>& prefixes,
                     Catalog& catalog);

}  // namespace envlock::scanner
