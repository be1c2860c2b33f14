#pragma once
// RECORD files of installed wheels: CSV rows "path,algorithm=urlsafe-b64-digest,size".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

struct RecordEntry {
  std::string path;       ///< as written: relative to the site dir, may start with "../"
  std::string algorithm;  ///< "sha256", "" when the row has no hash (RECORD itself, .pyc)
  std::string digest;     ///< urlsafe base64 without padding, as written
  std::optional<std::uint64_t> size;
};

/// Parses RECORD as the csv module does (quotes, doubled quotes, CRLF). Rows
/// with an empty path are skipped; a malformed row (unterminated quote) fails
/// with "RECORD:<line>: ...".
Result<std::vector<RecordEntry>> parse_record(std::string_view text, std::string_view source);

/// urlsafe base64 without padding, as RECORD writes digests.
std::string urlsafe_b64(std::string_view bytes);

}  // namespace envlock::scanner
