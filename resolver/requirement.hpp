#pragma once
// PEP 508 dependency specifiers, as found in Requires-Dist:
// `name [extras] (specifiers) ; marker` or `name [extras] @ url ; marker`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "resolver/marker.hpp"
#include "resolver/specifier.hpp"

namespace envlock::resolver {

struct Requirement {
  std::string name;      ///< PEP 503 normalized
  std::string raw_name;  ///< as written
  std::vector<std::string> extras;  ///< PEP 503 normalized, in the order written, no duplicates
  SpecifierSet specifier;           ///< empty for a URL requirement
  std::string url;                  ///< "" unless `name @ url`
  std::optional<Marker> marker;
  std::string text;  ///< the requirement as given
};

/// Parses a PEP 508 requirement exactly as packaging's parser reads it:
/// optional whitespace (spaces, tabs) between tokens, extras in brackets,
/// specifiers optionally in parentheses, a trailing comma after the last
/// specifier tolerated, `@ url` (whitespace before a following ';' is
/// required), a marker after ';'. A URL needs a scheme and a host, except
/// file: URLs, which must already be in the normalized form Python's urllib
/// gives back ("file:///path").
/// Errors: "invalid requirement '<text>': <what> at column <n>" (1-based),
/// or "invalid requirement '<text>': invalid URL '<url>'".
Result<Requirement> parse_requirement(std::string_view text);

/// packaging's str(): "name[a,b]!=1.1,>=1.0; python_version < \"3.9\"",
/// "name@ https://host/x.whl ; os_name == \"nt\"". The name as written,
/// extras sorted.
std::string to_string(const Requirement& r);

}  // namespace envlock::resolver
