#pragma once
// Decoding a document tree (from TOML or JSON alike) into the model: every
// value is checked as it is read, and errors name the file, the line and the field.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile {

/// The largest lock or scan document envlock reads (file or memory).
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{64} << 20;
/// The deepest nesting of tables/arrays accepted; envlock writes at most 4.
inline constexpr int kMaxDocumentDepth = 64;

/// Where each value of a parsed document came from, so that validation errors
/// can name a line. Paths are written as in messages: `packages[3].version`.
struct SourceMap {
  std::map<std::string, std::size_t> lines;  ///< value path -> 1-based line
  /// Asked when `lines` lacks a path (lazy lookup for large JSON); may be empty.
  std::function<std::optional<std::size_t>(const std::string& path)> find_line;
  std::set<std::string> datetimes;           ///< TOML values that were dates/times (now strings)
  bool toml = false;                         ///< say "table" rather than "object"
};

/// Validates a document tree and builds the model. Unknown keys are ignored
/// (forward compatible); missing optional keys take their defaults; required
/// are envlock.schema (must be kSchemaVersion), packages[].name/version,
/// native[].path, integrity[].path. Errors are kInvalid and read
/// `source:line: packages[3].version: expected a string, got integer` (no line
/// when `where` is null or does not know the path). The digest is NOT checked
/// here (see lock_io.hpp); only its form is.
Result<Fingerprint> decode_document(const nlohmann::json& doc, std::string_view source,
                                    const SourceMap* where);

/// `key` as it appears in a path: bare when it is [A-Za-z0-9_-]+, else quoted.
std::string path_key(std::string_view key);

}  // namespace envlock::lockfile
