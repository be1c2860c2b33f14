#pragma once
// Core-metadata files (METADATA, PKG-INFO, WHEEL): RFC 822 style headers up to
// the first blank line. The body (long description) is ignored.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

struct Headers {
  std::vector<std::pair<std::string, std::string>> fields;  ///< in file order

  /// First value of a header (case-insensitive name), "" when absent.
  std::string get(std::string_view name) const;
  /// Every value of a repeatable header (Requires-Dist, Tag, ...).
  std::vector<std::string> get_all(std::string_view name) const;
  bool has(std::string_view name) const;
};

/// Parses headers. Continuation lines (leading space or tab) are folded into the
/// previous value with a newline, as email.parser does. Text that is not valid
/// UTF-8 is decoded as latin-1. Fails only on a first line that is not a header;
/// later junk lines are skipped, so one odd line never loses a package.
Result<Headers> parse_headers(std::string_view text, std::string_view source);

/// Returns `text` as valid UTF-8: unchanged when it already is, else decoded as latin-1.
std::string to_utf8(std::string_view text);

}  // namespace envlock::scanner
